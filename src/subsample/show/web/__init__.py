"""The seed's web page: `subsample serve` (server.py) and `export --site` (site.py), both
built by pages.py from the core's data, through Jinja2 templates and one stylesheet.

Imported only by those two commands: `list` and `read` never pay for Jinja2 or nh3.
"""

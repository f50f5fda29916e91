"""Fetching: HTTP with every limit a hostile server needs, the download pool, and the
pipeline that turns a due source into archived posts."""

"""Showing: rich renderables for the terminal, and exports (feeds, OPML, a gallery page)."""

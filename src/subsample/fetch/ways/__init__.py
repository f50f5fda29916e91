"""The ways past a feed's window: where a site itself says its older posts are (issue 23).

Most feeds show their newest 10-50 posts and offer no paging, so after the feed's own pages
(fetch/backfill.py, parse/paging.py) a backfill asks the site: its WordPress REST API, its
sitemaps, a typed source's own archive (Substack), and, only when asked, a web archive's
captures of the feed. Each way is a module here with

    NAME: str                                   # recorded as the post's `found_by`
    def find(site: Site) -> Way | None          # does the site offer it? (a few small reads)

and a Way's `batches(cursor)` yields what it found a batch at a time (a page of the REST API,
one article page, one capture), each with the cursor to resume from after it. The backfill
archives each batch as it comes (pipeline.archive_entries, the fetch's identity rules) and
saves the cursor after it, so Ctrl-C keeps what was archived and the next run goes on.

A way never touches the network itself: Site.get is the one door, and it keeps every rule
(the local-network guard, timeouts and size caps, robots.txt, one request at a time per host
with a pause). A way knows nothing of the archive but `Site.archived`, the links already
archived, so that it need not read a page whose post is there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from subsample.fetch.http import Response
from subsample.models import Source

Entry = dict[str, Any]  # parse.entry.make_entry's shape
Cursor = dict[str, Any]  # JSON-able; saved in state/backfill/ID.json between batches


@dataclass
class Batch:
    """What a way found in one step."""

    entries: list[Entry]
    cursor: Cursor | None  # where the way goes on after this batch; None: the way is done
    read: list[str] = field(default_factory=list)  # the URLs this step read (history, --dry-run)
    extra: dict[str, Any] = field(default_factory=dict)  # archived on each entry's line (wayback: "captured")
    refused: list[str] = field(default_factory=list)  # URLs read and judged not posts (an about page)
    note: str | None = None  # one line for the user, when this step has something to say


@dataclass
class Site:
    """What a way may know and do."""

    source: Source
    feed_url: str  # the feed the source reads (after a permanent move)
    home_url: str  # the site's home page: the page the user gave, else the feed's origin
    get: Callable[[str], Response]  # the one door to the network: guarded, capped, polite, robots.txt
    archived: set[str]  # links of the posts already archived (as archived)
    until: str | None = None  # ISO 8601 UTC: posts older than this are not wanted
    dry_run: bool = False  # list what would be read (Batch.read), archive nothing, read no article pages
    max_pages: int | None = None  # a cap on the requests this way makes in this run


class Way(Protocol):
    """A way's posts are added, never revised (a site's rendering of a post differs from
    its feed's), unless it says `revises = True`: its texts are the feed's own (the web
    archive's captures), and it leaves out itself the posts it must not revise."""

    name: str  # found_by

    def batches(self, cursor: Cursor | None) -> Iterator[Batch]: ...

"""The way back through a feed's older posts, as the feed offers it: pure, no network.

`backfill` asks `next_page` for the page after the one it just read, in the order the
issue (and the feeds out there) rank them:

1. RFC 5005 archived feeds: <link rel="prev-archive"> points to the next older archive
   document (section 4).
2. RFC 5005 paged feeds: rel="next", else rel="previous" (section 3 leaves their order to
   the feed; "next" is older in every paged feed we know of).
3. JSON Feed's `next_url` (version 1.1, "pagination").
4. WordPress: `?paged=N` on the feed's URL (its own generator says WordPress), until a page
   answers 404 or repeats the one before.
5. Blogger: `start-index` and `max-results` on the feed's URL (a blogspot.com host, a
   /feeds/posts/ path, or Blogger's generator).

A feed with none of these has no way back, and says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

BLOGGER_PAGE = 150  # Blogger serves at most 150 entries a request


@dataclass(frozen=True)
class Paging:
    """What one page of a feed says about the pages around it."""

    links: dict[str, str] = field(default_factory=dict)  # rel -> href, as the feed gave them
    next_url: str | None = None  # JSON Feed
    generator: str | None = None
    complete: bool = False  # RFC 5005 fh:complete: this document holds every entry
    entries: int = 0  # how many entries this page held


@dataclass(frozen=True)
class NextPage:
    url: str
    mechanism: str  # "rfc5005-archive", "rfc5005-paged", "jsonfeed", "wordpress", "blogger"
    number: int  # the page's number in the walk, the first page being 1


def mechanism_of(feed_url: str, first: Paging) -> str | None:
    """Which way back the feed's first page offers, or None when it offers none."""
    if "prev-archive" in first.links:
        return "rfc5005-archive"
    if "next" in first.links or "previous" in first.links:
        return "rfc5005-paged"
    if first.next_url:
        return "jsonfeed"
    if _is_wordpress(first.generator):
        return "wordpress"
    if _is_blogger(feed_url, first.generator):
        return "blogger"
    return None


def first_page(feed_url: str, mechanism: str) -> str:
    """Where the walk starts: the feed itself, but for Blogger the same first entries in
    pages as large as it serves (its feed gives 25)."""
    if mechanism == "blogger":
        return _with_query(feed_url, **{"start-index": "1", "max-results": str(BLOGGER_PAGE)})
    return feed_url


def next_page(feed_url: str, mechanism: str, page_url: str, number: int, page: Paging) -> NextPage | None:
    """The page after PAGE (page NUMBER of the walk, read from PAGE_URL), or None at the end."""
    after = number + 1
    if mechanism == "rfc5005-archive":
        return _linked(page_url, page.links.get("prev-archive"), mechanism, after)
    if mechanism == "rfc5005-paged":
        return _linked(page_url, page.links.get("next") or page.links.get("previous"), mechanism, after)
    if mechanism == "jsonfeed":
        return _linked(page_url, page.next_url, mechanism, after)
    if not page.entries:
        return None  # an empty WordPress or Blogger page is past the end
    if mechanism == "wordpress":
        return NextPage(_with_query(feed_url, paged=str(after)), mechanism, after)
    if mechanism == "blogger":
        start = 1 + (after - 1) * BLOGGER_PAGE
        url = _with_query(feed_url, **{"start-index": str(start), "max-results": str(BLOGGER_PAGE)})
        return NextPage(url, mechanism, after)
    return None


def _linked(base: str, href: str | None, mechanism: str, number: int) -> NextPage | None:
    if not href or not href.strip():
        return None
    try:
        url = urljoin(base, href.strip())
    except ValueError:  # "http://]]" from a feed: no way on
        return None
    return NextPage(url, mechanism, number)


def _with_query(url: str, **params: str) -> str:
    """URL with PARAMS set in its query (replacing any of the same name), the rest kept."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    return urlunsplit(parts._replace(query=urlencode([*query, *params.items()])))


def _is_wordpress(generator: str | None) -> bool:
    return bool(generator) and "wordpress" in str(generator).lower()


_BLOGGER_PATH = re.compile(r"/feeds/posts/(?:default|summary)")


def _is_blogger(feed_url: str, generator: str | None) -> bool:
    try:
        parts = urlsplit(feed_url)
    except ValueError:
        return False
    host = (parts.hostname or "").lower()
    return (
        host.endswith(".blogspot.com")
        or bool(_BLOGGER_PATH.search(parts.path))
        or (bool(generator) and str(generator).strip().lower() == "blogger")
    )

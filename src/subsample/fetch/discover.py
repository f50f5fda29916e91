"""Find the feeds of a web page: fetch it, then each candidate it names, and keep those that parse.

Every request has a fetch's limits, and the page's URL decides the local-network guard for
all of them: a page on a public host cannot make discovery knock on 192.168.x.y.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from subsample.errors import FetchError, UsageError
from subsample.fetch import http
from subsample.parse import discover as pages
from subsample.parse.discover import Candidate, Found
from subsample.parse.feeds import ParsedFeed, parse_feed

# Between two requests to the site, as every fetch of a host's pages waits.
PAUSE = 0.1
# Not Found and Gone: nothing at that URL. Any other status may pass (a 503, a 403 to robots).
_NOTHING_THERE = (404, 410)


class NoFeedError(UsageError):
    """The page offers no feed (exit 2: the URL given is not one to subscribe to)."""


@dataclass
class Discovery:
    url: str  # the page, as given
    feeds: list[Found] = field(default_factory=list)  # best first
    is_feed: bool = False  # the URL is itself a feed (then it is the only one)


def discover(
    session: http.Session,
    url: str,
    *,
    limits: http.Limits | None = None,
    pause: float = PAUSE,
    page: http.Response | None = None,
) -> Discovery:
    """The feeds URL offers: itself, if it is one; else those its page names; else those at
    the usual paths. PAGE is URL's response when the caller has it already.

    Raises:
        FetchError: the page could not be fetched, or answered other than 200, 404 or 410.
        NoFeedError: the page offers no feed, or there is none (404, 410).
    """
    limits = limits or http.Limits()
    end = time.monotonic() + limits.deadline  # for the whole search, not each request
    guard = http.stay_outside_unless(url)
    if page is None:
        page = http.get(session, url, limits=limits, refuse_host=guard)
    if page.status in _NOTHING_THERE:
        # The URL names no page at all: as wrong an input as a page without a feed (exit 2).
        raise NoFeedError(f"no feed found at {url}: it answered HTTP {page.status}")
    if page.status != 200:
        raise FetchError(f"{url} answered HTTP {page.status}")
    content_type = page.headers.get("content-type")
    try:
        feed = parse_feed(page.body, page.base_url, content_type)
        return Discovery(url, [_found(Candidate(url, None, "url"), page.url, feed)], is_feed=True)
    except (FetchError, RecursionError):
        pass  # a page, not a feed: look for what it names

    def check(candidates: list[Candidate], redirects: bool) -> tuple[list[Found], list[str]]:
        return _check(session, candidates, limits, end, guard, pause, redirects, skip={url, page.url})

    named = pages.links_in_html(page.body, page.url, content_type) + pages.links_in_header(
        page.headers.get("link"), page.url
    )
    named = list({c.url: c for c in reversed(named)}.values())[::-1]  # each URL once, first mention kept
    found, misses = check(named, True)
    if not found:
        # A redirect from /feed to the home page is no feed: guesses are taken as they answer.
        found, _ = check(pages.well_known(page.url), False)
    if not found:
        if named:
            raise NoFeedError(
                f"no feed found at {url}: it names {len(named)} feed link{'s' * (len(named) != 1)}"
                f" but none answered with a feed ({misses[0]})"
            )
        raise NoFeedError(
            f"no feed found at {url}: the page names none, and none of "
            f"{', '.join('/' + p for p in pages.WELL_KNOWN[:5])}, ... answered with a feed"
        )
    return Discovery(url, pages.rank(found))


def _check(
    session: http.Session,
    candidates: list[Candidate],
    limits: http.Limits,
    end: float,
    guard: Callable[[str], str | None],
    pause: float,
    redirects: bool,
    skip: set[str],
) -> tuple[list[Found], list[str]]:
    """The candidates that answer with a feed (each final URL once), and why the others did not."""
    found: list[Found] = []
    misses: list[str] = []
    for candidate in candidates:
        if candidate.url in skip:
            continue
        left = end - time.monotonic()
        if left <= 1:
            misses.append("out of time")
            break
        time.sleep(pause)
        these = dataclasses.replace(
            limits,
            deadline=min(limits.deadline, left),
            max_redirects=limits.max_redirects if redirects else 0,
        )
        try:
            r = http.get(session, candidate.url, limits=these, refuse_host=guard)
            if r.status != 200:
                raise FetchError(f"HTTP {r.status}")
            if r.url in skip or any(f.url == r.url for f in found):
                continue
            feed = parse_feed(r.body, r.base_url, r.headers.get("content-type"))
        except FetchError as e:
            misses.append(f"{candidate.url}: {e}")
            continue
        except RecursionError:
            misses.append(f"{candidate.url}: nested too deeply")
            continue
        found.append(_found(candidate, r.url, feed))
    return found, misses


def _found(candidate: Candidate, url: str, feed: ParsedFeed) -> Found:
    entries = feed.entries
    with_content = sum(1 for e in entries if e.get("content"))
    return Found(
        url=candidate.url if candidate.via == "url" else url,
        title=candidate.title or feed.title,
        format=feed.format,
        via=candidate.via,
        posts=frozenset(str(e.get("link") or e.get("id") or e.get("key")) for e in entries),
        full=bool(entries) and with_content * 2 >= len(entries),
    )

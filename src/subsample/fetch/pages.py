"""Reading posts' pages for their full text, politely: one request at a time per host, a
pause between two requests to the same host, hosts side by side.

The same limits as a feed (timeouts, a deadline, a size cap, the local-network guard), HTML
only (a PDF, an image or a video is recorded and never asked for again), and every outcome
comes back as a PageResult: a page that fails never stops the others, nor the feed's own
archiving, which is done before any page is read. A page that several posts link to (a
digest's anchors, a feed whose every post links home) is downloaded once and judged for
each of them.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urldefrag, urlsplit

from subsample import urls
from subsample.errors import FetchError
from subsample.fetch import http
from subsample.parse.extract import (
    Article,
    decode_page,
    extract_article,
    holds_post,
    looks_like_teaser,
    page_words,
)
from subsample.times import iso_utc

if TYPE_CHECKING:
    from subsample.archive.fulltext import PageHistory
    from subsample.models import Source

PAGES_PER_FETCH = 10  # a source's pages read in one fetch at most; the rest wait for the next
PAUSE = 1.0  # seconds between two requests to one host
# Hosts read side by side. Politeness is per host (one request at a time, a pause), so this
# only bounds threads: with 4, a cold fetch of 500 sources' teasers took 665 s (issue 22).
HOSTS_AT_ONCE = 32
PAGES_FOR = 60.0  # seconds a fetch spends on pages, by default; the rest wait for the next fetch
HTML_TYPES = ("text/html", "application/xhtml+xml")
PAGE_LIMITS = http.Limits(connect_timeout=10, read_timeout=20, deadline=30, max_bytes=8 * 1024 * 1024)


@dataclass(frozen=True)
class PageRequest:
    """One post whose page is to be read: its identity, its link and its feed text (to check
    that the page holds the post)."""

    source: str
    feed_url: str  # what the local-network guard judges by: the page's own URL may lie
    n: int
    key: str
    revision: int
    url: str
    content: str | None = None
    summary: str | None = None
    selector: str | None = None
    title: str | None = None
    site_url: str | None = None  # the feed's own site (its <link>): a page there is the post's own


@dataclass
class PageResult:
    request: PageRequest
    fetched: str
    status: int | None = None
    final_url: str | None = None
    article: Article | None = None
    error: str | None = None
    permanent: bool = False  # the error will not mend itself: do not ask again

    def as_attempt(self) -> dict[str, Any]:
        """The line archive.fulltext keeps for this attempt."""
        r = self.request
        attempt: dict[str, Any] = {
            "n": r.n, "key": r.key, "revision": r.revision, "url": r.url,
            "final_url": self.final_url, "fetched": self.fetched, "status": self.status,
        }  # fmt: skip
        if self.article is not None and self.error is None:
            attempt["extractor"] = self.article.extractor
            attempt["html"] = self.article.html
        else:
            attempt["error"] = self.error or "no article in the page"
            if self.permanent:
                attempt["permanent"] = True
        return attempt


# The teaser rule's version, for the verdicts archive/fulltext keeps of each post: a change
# to looks_like_teaser changes this, and every post is judged again.
TEASER_RULE = "2"  # 2: a post a sitemap brought is no teaser


def reads_pages(source: Source) -> bool:
    """Whether a fetch reads any of SOURCE's posts' pages."""
    if source.fulltext == "never":
        return False
    # A feed read from a file (another tool's output, an export) has no site behind it to
    # ask politely: its pages are read only when the user says `always`.
    return source.fulltext == "always" or urls.is_web(source.url)


def is_teaser(record: dict[str, Any]) -> bool:
    """looks_like_teaser of an archive record (its latest revision). A post a backfill read
    from its own page (a sitemap's) holds that page's article already, however short."""
    if record.get("found_by") == "sitemap":
        return False
    return looks_like_teaser(_str(record.get("content")), _str(record.get("summary")))


def plan_pages(
    source: Source,
    posts: Iterable[dict[str, Any]],
    histories: dict[int, PageHistory],
    now: datetime,
    cap: int | None = PAGES_PER_FETCH,
) -> tuple[list[dict[str, Any]], int]:
    """Which of POSTS (newest first, as archive/fulltext.page_posts gives them) to read the
    page of now, and how many more are due but wait: those without full text whose page is
    due (archive/fulltext.page_due) with an http(s) link, in `auto` mode only teasers. At
    most CAP pages: posts that link to one page count once."""
    from subsample.archive.fulltext import page_due

    if not reads_pages(source):
        return [], 0
    chosen: list[dict[str, Any]] = []
    planned: set[str] = set()
    waiting = 0
    for p in posts:
        n, link = p.get("n"), p.get("link")
        if not isinstance(n, int) or not isinstance(link, str) or not urls.is_web(link):
            continue
        if not page_due(histories.get(n), now):
            continue
        if source.fulltext == "auto" and not p.get("teaser", True):
            continue
        page = _page(link)
        if cap is None or page in planned or len(planned) < cap:
            planned.add(page)
            chosen.append(p)
        else:
            waiting += 1
    return chosen, waiting


def page_requests(
    source: Source, site_url: str | None, records: Iterable[dict[str, Any]]
) -> list[PageRequest]:
    """A PageRequest for each of RECORDS (the archive records of plan_pages' posts); SITE_URL
    is the feed's own site, as its <link> says."""
    requests = []
    for p in records:
        n, link = p.get("n"), p.get("link")
        if not isinstance(n, int) or not isinstance(link, str):
            continue
        revision = p.get("revision")
        requests.append(
            PageRequest(
                source.id, source.url, n, str(p.get("key") or ""), revision if isinstance(revision, int) else 1,
                link, _str(p.get("content")), _str(p.get("summary")), source.selector, _str(p.get("title")),
                site_url,
            )
        )  # fmt: skip
    return requests


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _page(url: str) -> str:
    """The page URL names: the fragment (#comments, a digest's #post-3) is never sent."""
    try:
        return urldefrag(url)[0]
    except ValueError:
        return url


def read_pages(
    requests: list[PageRequest],
    *,
    session: http.Session,
    now: Callable[[], datetime],
    limits: http.Limits = PAGE_LIMITS,
    pause: float = PAUSE,
    until: float | None = None,
) -> Iterator[PageResult]:
    """Read the page of every request, yielding each outcome as soon as it is known: one
    download for the requests that name one page (a post asked for twice is read once).

    No page is begun at or after UNTIL (time.monotonic()), nor a pause that would end
    there: the requests not reached yield nothing, and wait for the next fetch.
    """
    by_page: dict[tuple[str, bool, str], list[PageRequest]] = {}
    asked: set[tuple[str, int]] = set()
    for r in requests:
        if (r.source, r.n) not in asked:
            asked.add((r.source, r.n))
            # (under one guard: what a feed may ask for depends on the host it lives on)
            by_page.setdefault((_page(r.url), urls.is_web(r.feed_url), _host(r.feed_url)), []).append(r)
    by_host: dict[str, list[list[PageRequest]]] = {}
    for same in by_page.values():
        by_host.setdefault(_host(same[0].url), []).append(same)

    finished: queue.Queue[list[PageResult] | None] = queue.Queue()
    stop = threading.Event()  # the caller stopped listening (Ctrl-C, an error): begin no page

    def walk(host_pages: list[list[PageRequest]]) -> None:
        try:
            answered = False
            for same in host_pages:
                # One host, one request at a time, with a pause after each the server answered
                # (one that never reached it, a name that does not resolve, costs it nothing).
                wait = pause if answered else 0.0
                if stop.is_set() or (until is not None and time.monotonic() + wait >= until):
                    return  # out of time: the rest of this host's pages wait for the next fetch
                if stop.wait(wait):
                    return  # the caller stopped during the pause (Ctrl-C): no new request
                results = read_page(same, session=session, now=now, limits=limits)
                answered = results[-1].status is not None
                finished.put(results)
        finally:
            finished.put(None)  # this host is done

    if not by_host:
        return
    pool = ThreadPoolExecutor(min(HOSTS_AT_ONCE, len(by_host)), thread_name_prefix="pages")
    try:
        walks = [pool.submit(walk, mine) for mine in by_host.values()]
        left = len(walks)
        while left:
            # Each page as it is read, whichever host it is on (for the caller's progress).
            done = finished.get()
            if done is None:
                left -= 1
            else:
                yield from done
        for w in walks:
            w.result()  # a bug in a walk is not swallowed
    finally:
        stop.set()
        pool.shutdown(wait=False, cancel_futures=True)


NOT_THE_POST = "the page does not hold the post's opening words (a link to another site's article?)"
NOT_THE_POST_HERE = "the page, on the feed's own site, holds neither the post's opening words nor its title"


def read_page(
    same: Sequence[PageRequest],
    *,
    session: http.Session,
    now: Callable[[], datetime],
    limits: http.Limits = PAGE_LIMITS,
) -> list[PageResult]:
    """The page of SAME (requests for one URL), read once, and each request's outcome:
    the article extracted from it, or why not."""
    first, fetched = same[0], iso_utc(now())
    try:
        response = http.get(
            session,
            first.url,
            limits=limits,
            accept_types=HTML_TYPES,
            refuse_host=http.stay_outside_unless(first.feed_url),
        )
    except FetchError as e:
        # A page that is not HTML (a PDF, an image) will be no different tomorrow.
        permanent = str(e).startswith("unexpected content type")
        return [PageResult(r, fetched, error=str(e), permanent=permanent) for r in same]
    if response.status != 200:
        # 410 says the page is gone for good; a 404 is often a page not yet published when
        # its feed was (a static site deploying, a cache): tried again, as any failure is.
        error = f"HTTP {response.status} from the server"
        return [
            PageResult(
                r, fetched, response.status, response.url, error=error, permanent=response.status == 410
            )
            for r in same
        ]
    page = decode_page(response.body, response.headers.get("content-type"))
    words: str | None = None  # the page's visible words, once a request needs them
    articles: dict[str | None, Article | None] = {}
    results = []
    for r in same:
        result = PageResult(r, fetched, response.status, response.url)
        results.append(result)
        try:
            if r.selector not in articles:
                articles[r.selector] = extract_article(page, response.url, r.selector)
            article = articles[r.selector]
        except FetchError as e:
            result.error = str(e)  # a bad selector: tried again once the user mends it
            continue
        if article is None:
            result.error = "no article found in the page"
            continue
        if words is None:
            words = page_words(page)
        own_site = urls.same_site(response.url, r.feed_url, r.site_url)
        if holds_post(words, r.title, r.content, r.summary, own_site=own_site):
            result.article = article
        else:
            # Another site's page is another article; a page of the feed's own site that does
            # not hold the post may be an error page served as 200, a wall, a redesign.
            result.error = NOT_THE_POST_HERE if own_site else NOT_THE_POST
            result.permanent = not own_site
    return results


def _host(url: str) -> str:
    try:
        return urlsplit(url).hostname or ""
    except ValueError:
        return ""

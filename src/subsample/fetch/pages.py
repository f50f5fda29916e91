"""Reading posts' pages for their full text, politely: one request at a time per host, a
pause between two requests to the same host, hosts side by side.

The same limits as a feed (timeouts, a deadline, a size cap, the local-network guard), HTML
only (a PDF, an image or a video is recorded and never asked for again), and every outcome
comes back as a PageResult: a page that fails never stops the others, nor the feed's own
archiving, which is done before any page is read.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from subsample.errors import FetchError
from subsample.fetch import http
from subsample.parse.extract import Article, extract_article, holds_teaser, looks_like_teaser
from subsample.times import iso_utc

if TYPE_CHECKING:
    from subsample.archive.fulltext import PageHistory
    from subsample.models import Source

PAGES_PER_FETCH = 10  # a source's pages read in one fetch at most; the rest wait for the next
PAUSE = 1.0  # seconds between two requests to one host
HOSTS_AT_ONCE = 4
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


def plan_pages(
    source: Source,
    posts: list[dict[str, Any]],
    histories: dict[int, PageHistory],
    now: datetime,
    cap: int | None = PAGES_PER_FETCH,
) -> tuple[list[PageRequest], int]:
    """Which of POSTS (archive records, newest first) to read the page of now, at most CAP
    of them, and how many more are due but wait: those without full text whose page is due
    (archive/fulltext.page_due) with an http(s) link, in `auto` mode only teasers."""
    from subsample.archive.fulltext import page_due

    if source.fulltext == "never":
        return [], 0
    if source.fulltext == "auto" and not source.url.lower().startswith(("http://", "https://")):
        # A feed read from a file (another tool's output, an export) has no site behind it
        # to ask politely: its pages are read only when the user says `always`.
        return [], 0
    wanted = []
    for p in posts:
        n, link = p.get("n"), p.get("link")
        if not isinstance(n, int) or not isinstance(link, str):
            continue
        if not link.lower().startswith(("http://", "https://")) or not page_due(histories.get(n), now):
            continue
        content, summary = _str(p.get("content")), _str(p.get("summary"))
        if source.fulltext == "auto" and not looks_like_teaser(content, summary):
            continue
        revision = p.get("revision")
        rev = revision if isinstance(revision, int) else 1
        key = str(p.get("key") or "")
        wanted.append(
            PageRequest(source.id, source.url, n, key, rev, link, content, summary, source.selector)
        )
    if cap is None:
        return wanted, 0
    return wanted[:cap], max(0, len(wanted) - cap)


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def read_pages(
    requests: list[PageRequest],
    *,
    session: http.Session,
    now: Callable[[], datetime],
    limits: http.Limits = PAGE_LIMITS,
    pause: float = PAUSE,
) -> Iterator[PageResult]:
    """Read the page of every request, yielding each outcome as soon as it is known."""
    by_host: dict[str, list[PageRequest]] = {}
    for r in requests:
        by_host.setdefault(_host(r.url), []).append(r)

    def walk(host_requests: list[PageRequest]) -> list[PageResult]:
        results: list[PageResult] = []
        for r in host_requests:
            # One host, one request at a time, with a pause after each the server answered
            # (one that never reached it, a name that does not resolve, costs it nothing).
            if results and results[-1].status is not None:
                time.sleep(pause)
            results.append(read_page(r, session=session, now=now, limits=limits))
        return results

    if not by_host:
        return
    with ThreadPoolExecutor(min(HOSTS_AT_ONCE, len(by_host)), thread_name_prefix="pages") as pool:
        for done in as_completed([pool.submit(walk, mine) for mine in by_host.values()]):
            yield from done.result()


def read_page(
    r: PageRequest, *, session: http.Session, now: Callable[[], datetime], limits: http.Limits = PAGE_LIMITS
) -> PageResult:
    """One post's page, read and its article extracted; failures are in the result."""
    result = PageResult(r, fetched=iso_utc(now()))
    try:
        response = http.get(
            session,
            r.url,
            limits=limits,
            accept_types=HTML_TYPES,
            refuse_host=http.stay_outside_unless(r.feed_url),
        )
    except FetchError as e:
        result.error = str(e)
        # A page that is not HTML (a PDF, an image) will be no different tomorrow.
        result.permanent = str(e).startswith("unexpected content type")
        return result
    result.status, result.final_url = response.status, response.url
    if response.status != 200:
        result.error = f"HTTP {response.status} from the server"
        result.permanent = response.status in (404, 410)
        return result
    try:
        article = extract_article(response.body, response.url, r.selector)
    except FetchError as e:
        result.error, result.permanent = str(e), True  # a bad selector: the user must mend it
        return result
    if article is None:
        result.error = "no article found in the page"
    elif not holds_teaser(article.html, r.content, r.summary):
        result.error = "the page does not hold the post's text (a link to another site?)"
        result.permanent = True
    else:
        result.article = article
    return result


def _host(url: str) -> str:
    try:
        return urlsplit(url).hostname or ""
    except ValueError:
        return ""

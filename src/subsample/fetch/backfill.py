"""backfill: walk a source's older pages, one request at a time, and archive what is missing.

Which page comes next is parse/paging.py's pure choice; this module fetches each page (with
a fetch's timeouts, caps and guard against redirects into the local network), archives its
entries with a fetch's identity rules (pipeline.archive_entries, each line saying which
mechanism found it), writes a history record per page, and saves after every page how far
it got (state/backfill/ID.json), so that an interrupted walk resumes where it stopped and
Ctrl-C loses at most the page on the wire. A feed with no older pages still has its own
document archived whole (a fetch takes only the source's `limit` of it); the posts found
anywhere but in the feed's own window are noted (state/backfill/ID.found.jsonl), so that
`list` does not say they left the feed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from subsample.archive.index import Index
from subsample.archive.merge import rekey
from subsample.archive.state import (
    Progress,
    add_found_on_older_pages,
    append_history,
    load_progress,
    load_state,
    save_progress,
)
from subsample.errors import FetchError
from subsample.fetch.pipeline import Archived, archive_entries
from subsample.models import Source
from subsample.parse import paging
from subsample.parse.entry import ParsedFeed
from subsample.paths import Paths
from subsample.times import iso_utc

PAUSE = 1.0  # seconds between two requests to the feed's host


@dataclass
class Page:
    """One page a walk read."""

    number: int
    url: str
    status: int | None
    entries: int = 0
    new: int = 0
    updated: int = 0
    new_numbers: list[int] = field(default_factory=list)
    error: str | None = None


@dataclass
class Walk:
    """What one backfill did."""

    source: str
    mechanism: str | None = None  # None: the feed offers no way back
    pages: list[Page] = field(default_factory=list)
    stopped: str = ""  # why the walk ended, in words
    resumed_at: int | None = None  # the page number a resumed walk began with
    deleted: int = 0  # posts a complete feed showed the publisher deleted
    error: str | None = None
    resume_at: int | None = None  # where the next backfill begins (None: at the feed), once interrupted
    cut_at: int | None = None  # the first page whose older posts --until left out: kept to go on from

    @property
    def new(self) -> int:
        return sum(p.new for p in self.pages)


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during a walk, with what the walk had done: every page before the one on the
    wire is archived, and WALK.resume_at says where the next backfill begins."""

    def __init__(self, walk: Walk) -> None:
        super().__init__()
        self.walk = walk


def paging_of(feed: ParsedFeed) -> paging.Paging:
    """What a parsed page says about the pages around it."""
    return paging.Paging(feed.links, feed.next_url, feed.generator, feed.complete, len(feed.entries))


def older_than(entries: list[dict[str, Any]], until: str) -> bool:
    """True when every entry of a page is dated before UNTIL (ISO 8601 UTC, as stored)."""
    dates = [e.get("published") or e.get("updated") for e in entries]
    return bool(dates) and all(d is not None and d < until for d in dates)


def backfill(
    paths: Paths,
    source: Source,
    *,
    now: Callable[[], datetime],
    max_pages: int | None = None,
    until: str | None = None,
    restart: bool = False,
    pause: float = PAUSE,
    limits: Any = None,
    on_page: Callable[[Page], None] | None = None,
) -> Walk:
    """Walk SOURCE's older pages and archive every post not yet archived.

    Resumes a walk an earlier run left unfinished (or stopped at UNTIL), unless RESTART:
    then it begins at the feed again and goes on past pages that bring nothing new, to
    widen a walk that ended. UNTIL (ISO 8601 UTC) stops at the first page whose posts are
    all older, and posts older than it are not archived. A feed that offers no way back
    still has every entry of its own document archived (a fetch takes only `limit`).

    Raises:
        FetchError: the feed itself cannot be fetched or read (nothing is changed).
        StorageError: the archive, the index or a state file cannot be written.
        Interrupted: Ctrl-C; what was archived before it is kept.
    """
    from subsample.fetch import http as net
    from subsample.parse import feeds as parse

    sid = source.id
    state = load_state(paths, sid)
    feed_url = state.moved_to if state.moved_to and state.moved_from == source.url else source.url
    progress = load_progress(paths, sid)
    # The posts of the feed's own window: a post found elsewhere was never in the feed.
    in_window = set(state.in_feed or ())
    walk = Walk(sid)
    session = net.Session()
    last_request: list[float] = []

    def get(url: str) -> net.Response:
        # One request at a time to the host, with a pause between them.
        if last_request:
            time.sleep(max(0.0, last_request[0] + pause - time.monotonic()))
        try:
            return net.get(session, url, limits=limits, refuse_host=net.stay_outside_unless(source.url))
        finally:
            last_request[:] = [time.monotonic()]

    cut: list[tuple[str, int]] = []  # (URL, number) of the first page --until cut short

    def archive(page: Page, feed: ParsedFeed, mechanism: str, *, shown: bool = True) -> Archived:
        entries = feed.entries
        if until is not None:
            entries = [e for e in entries if (e.get("published") or e.get("updated") or until) >= until]
            if len(entries) < len(feed.entries) and not cut:
                cut.append((page.url, page.number))
                walk.cut_at = page.number
        entries = rekey(entries, source.identity)
        done = archive_entries(paths, sid, entries, now(), extra={"found_by": mechanism})
        elsewhere = [e["key"] for e in entries if e["key"] not in in_window]
        if done.new and elsewhere:  # the new posts that were never in the feed's own window
            new = set(done.new_numbers)
            with Index(paths) as index:
                index.sync(sid)
                numbers = [k.n for k in index.known_posts(sid, elsewhere).values() if k.n in new]
            add_found_on_older_pages(paths, sid, page.number, numbers)
        page.entries = len(feed.entries)
        page.new, page.updated, page.new_numbers = done.new, done.updated, done.new_numbers
        _record(paths, sid, page, mechanism, now())
        walk.pages.append(page)
        if on_page and shown:
            on_page(page)
        return done

    def keep(url: str, mechanism: str, number: int) -> None:
        # Never past the page whose older posts --until left out: a later backfill without
        # it (or with an earlier date) reads that page again and goes on from there.
        if cut:
            url, number = cut[0]
        _save(paths, sid, progress, url, mechanism, number)

    def end(mechanism: str) -> None:
        if cut:
            keep(cut[0][0], mechanism, cut[0][1])
        else:
            _finish(paths, sid, progress, now())

    try:
        if progress.next_url and progress.mechanism and not restart:
            mechanism, url, number = progress.mechanism, progress.next_url, progress.number
            walk.resumed_at = number
            first: ParsedFeed | None = None
        else:
            resp = get(feed_url)
            if resp.status != 200:
                raise FetchError(f"HTTP {resp.status} from the server")
            first = parse.parse_feed(resp.body, resp.base_url, resp.headers.get("content-type"))
            in_window.update(e["key"] for e in rekey(first.entries, source.identity))
            if first.complete:
                # Before anything else: a complete feed (RFC 5005 section 2) has no pages,
                # so it offers no way back, and is exactly the feed that tells deletions.
                walk.deleted = _mark_deleted(paths, sid, first, progress, source.identity)
            found = paging.mechanism_of(feed_url, paging_of(first))
            if found is None:
                # No older pages, but the feed's own document may hold more entries than a
                # fetch takes (its limit): those are archived now.
                archive(Page(1, feed_url, 200), first, "feed", shown=False)  # (the summary says it)
                walk.stopped = (
                    "the feed holds every post (RFC 5005 complete feed)"
                    if first.complete
                    else "the feed offers no way back to older posts"
                )
                return walk
            mechanism, url, number = found, paging.first_page(feed_url, found), 1
            if url != feed_url:
                first = None  # Blogger: the first page again, larger
        walk.mechanism = mechanism
        previous_keys: list[str] | None = None
        while True:
            page = Page(number, url, None)
            feed: ParsedFeed | None = first
            first = None
            if feed is None:
                try:
                    resp = get(url)
                except FetchError as e:
                    page.error = str(e)
                else:
                    page.status = resp.status
                    if resp.status == 200:
                        try:
                            feed = parse.parse_feed(
                                resp.body, resp.base_url, resp.headers.get("content-type")
                            )
                        except FetchError as e:
                            page.error = str(e)
                    elif resp.status in (404, 410) and mechanism == "wordpress" and number > 1:
                        walk.stopped = f"page {number} answered {resp.status}: past the end"
                    else:
                        page.error = f"HTTP {resp.status} from the server"
            else:
                page.status = 200
            if feed is None:
                _record(paths, sid, page, mechanism, now())
                walk.pages.append(page)
                if on_page:
                    on_page(page)
                if page.error:
                    # Kept where it is: the next backfill tries this page again.
                    keep(url, mechanism, number)
                    walk.error, walk.stopped = page.error, f"page {number} failed: {page.error}"
                else:
                    end(mechanism)
                return walk
            keys = [e["key"] for e in rekey(feed.entries, source.identity)]
            done = archive(page, feed, mechanism)
            following = paging.next_page(feed_url, mechanism, url, number, paging_of(feed))
            # The first page is the feed a fetch has likely archived already: the walk
            # judges only the pages after it by what they bring.
            if keys and keys == previous_keys:
                walk.stopped = f"page {number} repeats the one before"
            elif until is not None and older_than(feed.entries, until):
                walk.stopped = f"page {number} is older than {until[:10]}"
            elif number > 1 and not done.new and walk.resumed_at != number and not restart:
                walk.stopped = f"page {number} brought nothing new"
            elif following is None:
                walk.stopped = "reached the oldest page"
            elif following.url == url:
                walk.stopped = f"page {number} links to itself"
            if walk.stopped:
                end(mechanism)
                return walk
            assert following is not None
            keep(following.url, mechanism, following.number)
            if max_pages is not None and len(walk.pages) >= max_pages:
                walk.stopped = f"stopped after {max_pages} pages; `backfill {sid}` again goes on"
                return walk
            previous_keys, url, number = keys, following.url, following.number
    except KeyboardInterrupt as e:
        session.abort()  # Ctrl-C: the request on the wire ends now; every page before is saved
        saved = load_progress(paths, sid)
        walk.resume_at = saved.number if saved.next_url and saved.mechanism else None
        raise Interrupted(walk) from e
    except BaseException:
        session.abort()
        raise
    finally:
        session.close()


def _save(paths: Paths, sid: str, progress: Progress, url: str, mechanism: str, number: int) -> None:
    progress.next_url, progress.mechanism, progress.number = url, mechanism, number
    save_progress(paths, sid, progress)


def _finish(paths: Paths, sid: str, progress: Progress, now: datetime) -> None:
    progress.next_url, progress.number, progress.finished = None, 0, iso_utc(now)
    save_progress(paths, sid, progress)


def _mark_deleted(paths: Paths, sid: str, feed: ParsedFeed, progress: Progress, identity: str) -> int:
    """RFC 5005 section 2: a complete feed holds every entry, so an archived post it no
    longer holds was deleted by the publisher. Noted, never removed from the archive."""
    with Index(paths) as index:
        index.sync(sid)
        archived = [str(p["key"]) for p in index.posts(sid)]
    held = {e["key"] for e in rekey(feed.entries, identity)}
    deleted = deleted_from_complete(archived, held)
    progress.deleted = sorted(deleted)
    save_progress(paths, sid, progress)
    return len(deleted)


def deleted_from_complete(archived: list[str], held: set[str]) -> set[str]:
    """The ARCHIVED keys a complete feed (holding HELD) no longer has: deleted at the source."""
    return {k for k in archived if k not in held}


def _record(paths: Paths, sid: str, page: Page, mechanism: str, now: datetime) -> None:
    append_history(
        paths,
        sid,
        {
            "time": iso_utc(now),
            "backfill": True,
            "mechanism": mechanism,
            "page": page.number,
            "url": page.url,
            "status": page.status,
            "seen": page.entries,
            "new": page.new,
            "updated": page.updated,
            "error": page.error,
            "notes": [f"backfill page {page.number} ({mechanism})"],
        },
    )

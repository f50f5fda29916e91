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

When the feed's own walk has ended, however it ended, the site's ways past the feed's
window (fetch/ways: its WordPress REST API, its sitemaps, a typed source's archive, and a
web archive's captures only when asked) are tried in order, through one polite door
(fetch/door.py: robots.txt, a pause per host, caps). Each batch a way finds is archived as
the older pages are, its cursor saved after it; a way that fails stops with a note and the
next way goes on. A way adds posts and never revises one: an archived post's text is the
feed's, which the site's rendering of it (an excerpt written otherwise) would only flip.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

from subsample import urls
from subsample.archive.index import Index
from subsample.archive.merge import rekey
from subsample.archive.state import (
    Progress,
    add_found_on_older_pages,
    add_found_outside_feed,
    append_history,
    load_progress,
    load_state,
    save_progress,
)
from subsample.errors import FetchError, StorageError
from subsample.fetch.door import Door, OverCap, RobotsDisallowed, WayDoor
from subsample.fetch.pipeline import Archived, archive_entries
from subsample.fetch.ways import Batch, Cursor, Site, sitemaps, substack, wordpress
from subsample.fetch.ways import wayback as web_archive  # (`wayback` is backfill's flag)
from subsample.models import Source
from subsample.parse import paging
from subsample.parse.entry import ParsedFeed
from subsample.paths import Paths
from subsample.times import iso_utc

PAUSE = 1.0  # seconds between two requests to the feed's host

# The ways past the feed, in the order they are tried: one module a line (fetch/ways/NAME.py).
WAYS: tuple[ModuleType, ...] = (wordpress, sitemaps, substack, web_archive)
# Those that run only when asked by name (`backfill --wayback`): a web archive's captures
# tell a third party which feed you read.
OPT_IN = frozenset({"wayback"})  # module names

REQUESTS_PER_WAY = 1000  # a way's requests in one run, unless --max-pages says otherwise
FIND_REQUESTS = 10  # what a way may read to see whether the site offers it
MAX_BYTES = 512 * 1024 * 1024  # all a backfill reads in one run


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
    ways: list[WayRun] = field(default_factory=list)  # the site's ways past the feed that it offered
    dry_run: bool = False
    in_way: str | None = None  # the way under way (for Ctrl-C)
    way_resumes: str | None = None  # where that way goes on, in words, once interrupted

    @property
    def new(self) -> int:
        """The new posts of the feed's own walk."""
        return sum(p.new for p in self.pages)

    @property
    def all_new(self) -> int:
        return self.new + sum(w.new for w in self.ways)

    @property
    def failed(self) -> bool:
        """Something failed that the user should know of: a page of the feed's walk, or a
        way the site offers (its next backfill tries again from where it stopped)."""
        return self.error is not None or any(w.error for w in self.ways)


@dataclass
class Step:
    """One batch a way archived."""

    way: str
    number: int  # in this run
    url: str | None
    entries: int = 0
    new: int = 0
    updated: int = 0
    note: str | None = None


@dataclass
class WayRun:
    """What one way past the feed did in this run."""

    name: str
    found: bool = False  # the site offers it
    steps: int = 0
    requests: int = 0
    entries: int = 0
    new: int = 0
    updated: int = 0
    stopped: str = ""  # why it ended, in words
    error: str | None = None  # a failure (its next run goes on from where it stopped)
    resumed: str | None = None  # where it began, when it went on from an earlier run
    notes: list[str] = field(default_factory=list)
    read: list[str] = field(default_factory=list)  # --dry-run: what it would read
    refused: list[str] = field(default_factory=list)  # --dry-run: what robots.txt refuses
    not_posts: int = 0  # pages a way read and judged not posts (Batch.refused: an about page)


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
    on_step: Callable[[Step], None] | None = None,
    dry_run: bool = False,
    wayback: bool = False,
    max_bytes: int = MAX_BYTES,
) -> Walk:
    """Walk SOURCE's older pages, then the site's ways past the feed, and archive every post
    not yet archived.

    Resumes a walk an earlier run left unfinished (or stopped at UNTIL), unless RESTART:
    then it begins at the feed again and goes on past pages that bring nothing new, to
    widen a walk that ended, and walks every way from its start again. UNTIL (ISO 8601
    UTC) stops at the first page whose posts are all older, and posts older than it are not
    archived. A feed that offers no way back still has every entry of its own document
    archived (a fetch takes only `limit`). MAX_PAGES caps the feed's pages and each way's
    requests; WAYBACK also asks a web archive for its captures of the feed. DRY_RUN reads
    the feed and what each way needs to say what it would read, and archives nothing.

    Raises:
        FetchError: the feed itself cannot be fetched or read (nothing is changed).
        StorageError: the archive, the index or a state file cannot be written.
        Interrupted: Ctrl-C; what was archived before it is kept.
    """
    from subsample.fetch import http as net

    state = load_state(paths, source.id)
    feed_url = state.moved_to if state.moved_to and state.moved_from == source.url else source.url
    progress = load_progress(paths, source.id)
    walk = Walk(source.id, dry_run=dry_run)
    session = net.Session()
    door = Door(
        session,
        pause=pause,
        limits=limits,
        refuse_host=net.stay_outside_unless(source.url),
        max_bytes=max_bytes,
        # A web archive the user named (SUBSAMPLE_WAYBACK_URL: a pywb of their own, say) is
        # judged by its own address, as a feed is: it may live in the local network.
        elsewhere=(web_archive.archive_url(),) if wayback and os.environ.get(web_archive.ENV) else (),
    )
    # The posts of the feed's own window: a post found elsewhere was never in the feed.
    in_window = set(state.in_feed or ())
    try:
        if dry_run:
            _plan_feed(walk, door, feed_url, source, progress, restart)
        else:
            _walk_feed(
                paths,
                source,
                walk,
                door,
                feed_url,
                progress,
                in_window,
                now,
                max_pages,
                until,
                restart,
                on_page,
            )
        chosen = [
            m for m in WAYS if _module_name(m) not in OPT_IN or (wayback and _module_name(m) == "wayback")
        ]
        _walk_ways(
            paths,
            source,
            walk,
            door,
            chosen,
            feed_url,
            progress,
            in_window,
            now,
            max_pages,
            until,
            restart,
            on_step,
        )
        return walk
    except KeyboardInterrupt as e:
        session.abort()  # Ctrl-C: the request on the wire ends now; every page before is saved
        saved = load_progress(paths, source.id)
        if walk.in_way is None:
            walk.resume_at = saved.number if saved.next_url and saved.mechanism else None
        else:
            walk.way_resumes = describe_cursor(saved.ways.get(walk.in_way))
        raise Interrupted(walk) from e
    except BaseException:
        session.abort()
        raise
    finally:
        session.close()


def _walk_feed(
    paths: Paths,
    source: Source,
    walk: Walk,
    door: Door,
    feed_url: str,
    progress: Progress,
    in_window: set[str],
    now: Callable[[], datetime],
    max_pages: int | None,
    until: str | None,
    restart: bool,
    on_page: Callable[[Page], None] | None,
) -> None:
    """The feed's own older pages (parse/paging.py), as far as they go."""
    from subsample.parse import feeds as parse

    sid = source.id
    trim = _trim_lead(paths, sid)

    def get(url: str) -> Any:
        # The feed and its pages are what a fetch reads: a feed is for programs, and
        # robots.txt is asked only for the site's pages (the ways).
        return door.get(url, robots=False)

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
            add_found_on_older_pages(paths, sid, page.number, _new_numbers(paths, sid, elsewhere, done))
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

    if progress.next_url and progress.mechanism and not restart:
        mechanism, url, number = progress.mechanism, progress.next_url, progress.number
        walk.resumed_at = number
        first: ParsedFeed | None = None
    else:
        resp = get(feed_url)
        if resp.status != 200:
            raise FetchError(f"HTTP {resp.status} from the server")
        first = parse.parse_feed(resp.body, resp.base_url, resp.headers.get("content-type"), trim_lead=trim)
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
            return
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
                            resp.body, resp.base_url, resp.headers.get("content-type"), trim_lead=trim
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
            return
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
            return
        assert following is not None
        keep(following.url, mechanism, following.number)
        if max_pages is not None and len(walk.pages) >= max_pages:
            walk.stopped = f"stopped after {max_pages} pages; `backfill {sid}` again goes on"
            return
        previous_keys, url, number = keys, following.url, following.number


def _trim_lead(paths: Paths, sid: str) -> bool:
    """Whether SID's feed is read from its first "<" (pipeline.trims_lead), recorded in its
    state before a post is archived so, as a fetch records it."""
    from subsample.archive.files import file_lock
    from subsample.archive.state import save_state
    from subsample.fetch.pipeline import trims_lead

    with file_lock(paths.write_lock):
        state = load_state(paths, sid)
        trim = trims_lead(paths, sid, state)
        if trim and state.parse_rules != "2":
            state.parse_rules = "2"
            save_state(paths, sid, state)
    return trim


def _plan_feed(
    walk: Walk, door: Door, feed_url: str, source: Source, progress: Progress, restart: bool
) -> None:
    """--dry-run: the feed's part of what a backfill would read (the feed itself, read now
    to see what paging it offers, and where its walk would begin)."""
    from subsample.parse import feeds as parse

    plan = WayRun("feed", found=True)
    walk.ways.append(plan)
    if progress.next_url and progress.mechanism and not restart:
        walk.mechanism, walk.resumed_at = progress.mechanism, progress.number
        plan.read.append(progress.next_url)
        plan.notes.append(f"its older pages ({progress.mechanism}) resume at page {progress.number}")
        return
    resp = door.get(feed_url, robots=False)
    if resp.status != 200:
        raise FetchError(f"HTTP {resp.status} from the server")
    first = parse.parse_feed(resp.body, resp.base_url, resp.headers.get("content-type"))
    plan.read.append(feed_url)
    found = paging.mechanism_of(feed_url, paging_of(first))
    walk.mechanism = found
    if found is None:
        plan.notes.append(
            f"it offers no way back; those of its {_count(len(first.entries), 'entry', 'entries')} not yet archived would be archived"
        )
        return
    following = paging.next_page(feed_url, found, feed_url, 1, paging_of(first))
    if following is not None:
        plan.read.append(following.url)
    plan.notes.append(f"then its older pages ({found}), one at a time until they end")


def _walk_ways(
    paths: Paths,
    source: Source,
    walk: Walk,
    door: Door,
    ways: list[ModuleType],
    feed_url: str,
    progress: Progress,
    in_window: set[str],
    now: Callable[[], datetime],
    max_pages: int | None,
    until: str | None,
    restart: bool,
    on_step: Callable[[Step], None] | None,
) -> None:
    """The site's ways past the feed, in order: each found, walked from its cursor, its
    batches archived as they come; one that fails or is refused leaves the next to go on."""
    site_home = home_url(source, feed_url)
    if not ways or not urls.is_web(site_home):
        return  # (a feed read from a file has no site behind it to ask)
    sid = source.id
    if restart and not walk.dry_run and (progress.ways or progress.ways_finished):
        progress.ways, progress.ways_finished = {}, {}
        save_progress(paths, sid, progress)
    with Index(paths) as index:
        index.sync(sid)
        archived = {str(p["link"]) for p in index.posts(sid) if p.get("link")}
    current: list[Any] = [None]  # the door of the way's current phase (finding it, walking it)
    site = Site(
        source=source,
        feed_url=feed_url,
        home_url=site_home,
        get=lambda url: current[0].get(url),
        archived=archived,
        until=until,
        dry_run=walk.dry_run,
        max_pages=max_pages,
    )
    for module in ways:
        name = str(module.NAME)
        run = WayRun(name)
        if name in progress.ways_finished and name not in progress.ways and not restart:
            run.found = True
            run.stopped = f"read to its end on {progress.ways_finished[name][:10]}; --restart reads it again"
            walk.ways.append(run)
            continue
        current[0] = WayDoor(door, FIND_REQUESTS)
        try:
            way = module.find(site)
        except RobotsDisallowed as e:
            run.stopped = f"not looked for: {e}"
            walk.ways.append(run)
            continue
        except (FetchError, OverCap) as e:
            # The site says nothing of it that we could read: a note, not a failure.
            run.stopped = f"could not look for it: {e}"
            walk.ways.append(run)
            continue
        except StorageError:
            raise
        except Exception as e:  # a bug a page brought out: this way fails, the next goes on
            run.error = run.stopped = _internal(e)
            walk.ways.append(run)
            continue
        finally:
            run.requests += current[0].requests
        if way is None:
            continue  # the site does not offer it
        run.found = True
        walk.ways.append(run)
        cursor = None if restart else progress.ways.get(name)
        if cursor is not None:
            run.resumed = describe_cursor(cursor)
        door_of_way = WayDoor(door, max_pages or REQUESTS_PER_WAY)
        current[0] = door_of_way
        walk.in_way = name
        try:
            _walk_way(
                paths,
                source,
                walk,
                run,
                way,
                cursor,
                door_of_way,
                progress,
                in_window,
                archived,
                now,
                until,
                on_step,
            )
        except StorageError:
            raise
        except Exception as e:  # (its cursor stays where the last batch left it)
            run.error = run.stopped = _internal(e)
        finally:
            run.requests += door_of_way.requests
        walk.in_way = None  # (left set by Ctrl-C: the message names the way it stopped in)
        if walk.dry_run:
            run.refused = [u for u in run.read if not door.allows(u)]


def _walk_way(
    paths: Paths,
    source: Source,
    walk: Walk,
    run: WayRun,
    way: Any,
    cursor: Cursor | None,
    door: WayDoor,
    progress: Progress,
    in_window: set[str],
    archived: set[str],
    now: Callable[[], datetime],
    until: str | None,
    on_step: Callable[[Step], None] | None,
) -> None:
    sid, name = source.id, run.name
    revises = bool(getattr(way, "revises", False))  # (Way.revises: see _archive_batch)
    cut: Cursor | None = None  # where the first batch --until cut short began: kept to go on from
    before = cursor
    batches = way.batches(cursor)
    last_note: str | None = None
    try:
        for batch in batches:
            run.steps += 1
            last_note = batch.note
            if batch.note:
                run.notes.append(batch.note)
            if walk.dry_run:
                run.read.extend(batch.read)
                continue
            entries = batch.entries
            if until is not None:
                entries = [e for e in entries if (e.get("published") or e.get("updated") or until) >= until]
                if len(entries) < len(batch.entries) and cut is None:
                    cut = before if before is not None else {}
            step = _archive_batch(paths, source, run, batch, entries, in_window, archived, now, revises)
            _record_step(paths, sid, step, batch, now())
            if on_step:
                on_step(step)
            before = batch.cursor
            if batch.cursor is None:
                run.stopped = "reached its end"
                break
            _save_way(paths, sid, progress, name, cut if cut is not None else batch.cursor)
            if door.cap is not None and door.requests >= door.cap:
                run.stopped = f"stopped after {door.requests} requests; `backfill {sid}` again goes on"
                return
        else:
            if run.steps and before is not None and until is None and not walk.dry_run:
                # The way stopped itself short of its end (a failure it noted, its own cap):
                # its last cursor is where the next run goes on, not a walk read to its end.
                run.stopped = f"stopped short of its end; `backfill {sid}` again goes on"
                if last_note:  # the site failed it (an HTTP error, an answer not as it should be)
                    run.error = last_note
                    _record_failure(paths, sid, run, now())
                return
            run.stopped = run.stopped or "reached its end"
        if not walk.dry_run:
            if until is not None:
                # Not read to its end: the ways leave out what is older than --until by
                # themselves (a sitemap's lastmod, a capture's time, an archive's page), so
                # the next run without it goes on where the filter here first cut, else
                # where this walk began.
                _save_way(paths, sid, progress, name, cut if cut is not None else dict(cursor or {}))
                if run.stopped == "reached its end":
                    run.stopped = "read as far as --until"
                run.stopped += f"; `backfill {sid}` without --until goes on"
            else:
                progress.ways.pop(name, None)
                progress.ways_finished[name] = iso_utc(now())
                save_progress(paths, sid, progress)
    except RobotsDisallowed as e:
        run.stopped = str(e)  # the site's wish, not a failure; its cursor stays for a later run
    except OverCap as e:
        run.stopped = f"{e.why}; `backfill {sid}` again goes on"
    except FetchError as e:
        run.error = str(e)
        run.stopped = f"failed: {e}"
        if not walk.dry_run:
            _record_failure(paths, sid, run, now())
    finally:
        batches.close()


def _archive_batch(
    paths: Paths,
    source: Source,
    run: WayRun,
    batch: Batch,
    entries: list[dict[str, Any]],
    in_window: set[str],
    archived: set[str],
    now: Callable[[], datetime],
    revises: bool = False,
) -> Step:
    """Archive the posts of BATCH (ENTRIES, after --until) not yet archived: a way adds
    posts, it never revises one (see the module's docstring), unless it REVISES: its texts
    are the feed's own, as a fetch reads them (the web archive's captures), and it leaves
    out itself what it must not revise."""
    sid = source.id
    entries = rekey(entries, source.identity)
    if revises:
        fresh = entries
    else:
        with Index(paths) as index:
            index.sync(sid)
            known = index.known_posts(sid, [e["key"] for e in entries])
        fresh = [e for e in entries if e["key"] not in known and e.get("link") not in archived]
    done = archive_entries(paths, sid, fresh, now(), extra={"found_by": run.name, **batch.extra})
    elsewhere = [e["key"] for e in fresh if e["key"] not in in_window]
    if done.new and elsewhere:
        add_found_outside_feed(paths, sid, run.name, _new_numbers(paths, sid, elsewhere, done))
    archived.update(str(e["link"]) for e in entries if e.get("link"))
    run.entries += len(batch.entries)
    run.not_posts += len(batch.refused)
    run.new += done.new
    run.updated += done.updated
    return Step(
        run.name,
        run.steps,
        batch.read[0] if batch.read else None,
        len(batch.entries),
        done.new,
        done.updated,
        batch.note,
    )


def _new_numbers(paths: Paths, sid: str, keys: list[str], done: Archived) -> list[int]:
    """The numbers of those of KEYS that DONE archived as new posts."""
    new = set(done.new_numbers)
    with Index(paths) as index:
        index.sync(sid)
        return [k.n for k in index.known_posts(sid, keys).values() if k.n in new]


def home_url(source: Source, feed_url: str) -> str:
    """The site's home page: the page the user gave, else the feed's origin."""
    if source.what and urls.is_web(source.what):
        return source.what.strip()
    try:
        parts = urlsplit(feed_url)
    except ValueError:
        return feed_url
    return f"{parts.scheme}://{parts.netloc}/" if urls.is_web(feed_url) else feed_url


def describe_cursor(cursor: Cursor | None) -> str:
    """Where a way goes on from, in words: "at page 3", else "where it stopped"."""
    page = (cursor or {}).get("page")
    if isinstance(page, int) and not isinstance(page, bool):
        return f"at page {page}"
    return "where it stopped"


def _internal(e: Exception) -> str:
    """A bug's one line, as a fetch reports one (fetch/pipeline.py _where)."""
    tb = e.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    where = f" at {tb.tb_frame.f_code.co_filename.rsplit('/', 1)[-1]}:{tb.tb_lineno}" if tb else ""
    return f"internal error{where} ({type(e).__name__}: {str(e)[:200]}); please report it"


def _module_name(module: ModuleType) -> str:
    return module.__name__.rsplit(".", 1)[-1]


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _save_way(paths: Paths, sid: str, progress: Progress, name: str, cursor: Cursor) -> None:
    progress.ways[name] = cursor
    progress.ways_finished.pop(name, None)
    save_progress(paths, sid, progress)


def _record_step(paths: Paths, sid: str, step: Step, batch: Batch, now: datetime) -> None:
    append_history(
        paths,
        sid,
        {
            "time": iso_utc(now),
            "backfill": True,
            "way": step.way,
            "mechanism": step.way,
            "page": step.number,
            "url": step.url,
            "read": batch.read[:20],
            "not_posts": batch.refused[:20],
            "status": 200,
            "seen": step.entries,
            "new": step.new,
            "updated": step.updated,
            "error": None,
            "notes": [f"backfill {step.way} {step.number}"] + ([batch.note] if batch.note else []),
        },
    )


def _record_failure(paths: Paths, sid: str, run: WayRun, now: datetime) -> None:
    append_history(
        paths,
        sid,
        {
            "time": iso_utc(now),
            "backfill": True,
            "way": run.name,
            "mechanism": run.name,
            "page": run.steps + 1,
            "url": None,
            "status": None,
            "seen": 0,
            "new": 0,
            "updated": 0,
            "error": run.error,
            "notes": [f"backfill {run.name} failed"],
        },
    )


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

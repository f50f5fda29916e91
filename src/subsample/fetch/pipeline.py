"""fetch: download due sources in threads, then archive what is new, in batches.

Each source is downloaded and parsed in a thread of a HostPool (fetch/pool.py: at most
two at once per host; in a big fetch the thread hands the parsing to a worker process).
The calling thread archives the outcomes as they arrive, a batch at a time under the
inter-process write lock, so two `subsample fetch` runs at once neither duplicate nor lose
posts. What to write is decided by pure functions: archive/merge.py
(which entries are new, revised or renamed) and fetch/schedule.py (when the source is due
again, and why); this module carries it out.
"""

from __future__ import annotations

import dataclasses
import re
import time
import traceback
from collections.abc import Callable, Iterable
from concurrent.futures import BrokenExecutor, Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from subsample import config, source_types
from subsample.archive import merge, repair
from subsample.archive.files import append_lines, file_lock, sync_appended
from subsample.archive.index import Index
from subsample.archive.jsonl import encode
from subsample.archive.state import (
    SourceState,
    append_history,
    load_state,
    numbers_used,
    only_checked,
    record_checks,
    save_numbers_used,
    save_state,
)
from subsample.durations import format_duration
from subsample.errors import FetchError
from subsample.fetch import moves, schedule
from subsample.fetch.pool import HostPool, parse_processes
from subsample.models import FetchResult, Source
from subsample.paths import Paths
from subsample.times import iso_utc

# A batch costs one lock, one index catch-up and one round of fsyncs: it gathers up to
# BATCH_SIZE sources, or what arrived within BATCH_WAIT seconds of the previous batch.
# Measured (fetch_bench.py, 500 feeds, 2 cores): one source a batch took 5.3-5.5 s of CPU
# cold and 2.5-2.7 s warm; these batches take 3.1-3.3 s and 0.8 s.
BATCH_SIZE, BATCH_WAIT = 100, 0.2


@dataclass
class Download:
    """What downloading and parsing one source produced, handed to the archiving thread."""

    source: Source
    url: str  # asked for (a remembered permanent redirect, else the source's)
    started: float  # time.monotonic()
    status: int | None = None
    final_url: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    moved_to: str | None = None
    retry_after: float | None = None  # seconds, from a 429 or 503
    size: int = 0  # bytes of the body
    feed: Any = None  # parse.ParsedFeed
    error: str | None = None
    announced: str | None = None  # a new address the feed gives of itself (fetch/moves.py)
    trimmed: bool = False  # parsed from its first "<" (trims_lead)


def load_states(paths: Paths, sources: Iterable[Source]) -> dict[str, SourceState]:
    """Every source's fetch state, by id: read once a fetch, for choosing what is due, for
    the downloads (validators, a remembered redirect) and for how to parse."""
    return {s.id: load_state(paths, s.id) for s in sources}


def due_sources(sources: Iterable[Source], states: dict[str, SourceState], now: datetime) -> list[Source]:
    """The enabled sources whose next update has come."""
    return [s for s in sources if s.enabled and schedule.is_due(states[s.id].next_update, now)]


def next_due(sources: Iterable[Source], states: dict[str, SourceState]) -> datetime | None:
    """When the first enabled source is next due; None if none has a next update."""
    times = [states[s.id].next_update for s in sources if s.enabled]
    known = [t for t in times if t is not None]
    return min(known) if known else None


def fetch_sources(
    paths: Paths,
    sources: list[Source],
    now: Callable[[], datetime],
    on_results: Callable[[list[FetchResult]], None] | None = None,
    limits: Any = None,
    on_start: Callable[[int], None] | None = None,
    states: dict[str, SourceState] | None = None,
    unconditional: bool = False,
    pages_for: float | None = None,
    on_pages: Callable[[int, int], None] | None = None,
) -> list[FetchResult]:
    """Fetch SOURCES and archive their new posts; one FetchResult per source, in order.

    ON_START hears how many sources there are once their downloads have begun; ON_RESULTS
    hears about each batch of sources as soon as it is archived. STATES are the sources'
    (load_states), if the caller has read them already. UNCONDITIONAL sends no validators,
    so every server sends its whole feed (`fetch --force`: after a limit was raised, say).
    Posts' pages are read once every feed is archived, for at most PAGES_FOR seconds
    (pages.PAGES_FOR by default; 0 reads none), ON_PAGES(done, total) hearing of each.

    Raises:
        StorageError: an archive, the index or a state file cannot be written (the
            sources of earlier batches are saved; the rest are fetched again next time).
    """
    if not sources:
        return []
    from subsample.fetch import http as net
    from subsample.fetch.pages import PAGES_FOR

    pages_for = PAGES_FOR if pages_for is None else pages_for

    results: dict[str, FetchResult] = {}
    session = net.Session()
    states = states if states is not None else load_states(paths, sources)
    # Worker processes for parsing only where many feeds will need it: a source whose server
    # gave a validator usually answers 304, which needs no parsing (and no process started).
    parsers = parse_processes(
        len(states)
        if unconditional
        else sum(1 for st in states.values() if not (st.etag or st.last_modified))
    )
    try:
        trimmed = {s.id for s in sources if trims_lead(paths, s.id, states[s.id])}
        download = _downloader(session, limits, parsers, states, unconditional, trimmed)
        with HostPool(download, sources, _host) as pool, Index(paths) as index:
            if on_start:
                on_start(len(sources))
            for batch in pool.batches(BATCH_SIZE, BATCH_WAIT):
                downloads = [_outcome(source, future) for source, future in batch]
                archived = _archive_batch(paths, index, downloads, now())
                results.update((r.source, r) for r in archived)
                if on_results:
                    on_results(archived)
            # Pages only once every feed is archived: a slow or failing page delays no post.
            _read_full_texts(
                paths,
                index,
                [s for s in sources if results[s.id].ok],
                session,
                now,
                results,
                pages_for,
                on_pages,
            )
    except BaseException:
        # Interrupted (Ctrl-C) or failed: the downloads still running end now, so that the
        # process can exit (Python waits for the pool's threads) without waiting on a server.
        session.abort()
        if parsers:
            parsers.shutdown(wait=False, cancel_futures=True)
        raise
    else:
        if parsers:
            parsers.shutdown()
    finally:
        session.close()
    return [results[s.id] for s in sources]


def _read_full_texts(
    paths: Paths,
    index: Index,
    sources: list[Source],
    session: Any,
    now: Callable[[], datetime],
    results: dict[str, FetchResult],
    pages_for: float,
    on_pages: Callable[[int, int], None] | None = None,
) -> None:
    """Read the pages of SOURCES' teasers (new posts and earlier ones whose page is due),
    newest first, at most pages.PAGES_PER_FETCH a source, for at most PAGES_FOR seconds,
    and append every attempt to fulltext/ID.jsonl. ON_PAGES(done, total) hears of each."""
    from subsample.fetch import pages

    wanted = [s for s in sources if pages.reads_pages(s)]
    if not wanted:
        return  # (and trafilatura, 150 ms of import, is never loaded)
    from subsample.archive import fulltext
    from subsample.archive.state import load_state

    requests: list[pages.PageRequest] = []
    for s in wanted:
        judge = pages.is_teaser if s.fulltext == "auto" else None
        posts = fulltext.page_posts(paths, index, s.id, judge, pages.TEASER_RULE)
        chosen, results[s.id].pages_waiting = pages.plan_pages(
            s, posts, fulltext.histories(paths, s.id), now(), cap=pages.PAGES_PER_FETCH
        )
        site = load_state(paths, s.id).link  # the feed's own site, where a page is the post's
        requests += pages.page_requests(s, site, fulltext.records_of(paths, index, chosen))
    if pages_for <= 0 or not requests:
        for r in requests:
            results[r.source].pages_waiting += 1
        return
    if on_pages:
        on_pages(0, len(requests))
    not_reached = {(r.source, r.n) for r in requests}
    until = time.monotonic() + pages_for
    for page in pages.read_pages(requests, session=session, now=now, pause=pages.PAUSE, until=until):
        sid = page.request.source
        not_reached.discard((sid, page.request.n))
        # Each attempt on disk as soon as it is known: Ctrl-C loses at most the pages in flight.
        with file_lock(paths.write_lock):
            fulltext.record_attempts(paths, sid, [page.as_attempt()])
        if page.article is not None and page.error is None:
            results[sid].pages_read += 1
        else:
            results[sid].pages_failed += 1
        if on_pages:
            on_pages(len(requests) - len(not_reached), len(requests))
    for sid, _ in not_reached:  # out of time: due still, so the next fetch reads them
        results[sid].pages_waiting += 1


def _host(source: Source) -> str:
    """What the per-host limit counts by."""
    return urlsplit(source.url).hostname or ""


def trims_lead(paths: Paths, sid: str, state: SourceState) -> bool:
    """Whether SID's feed is read from its first "<" (parse_feed's trim_lead): a source
    with nothing archived yet, or one first archived so."""
    if state.parse_rules == "2":
        return True
    try:
        return paths.archive(sid).stat().st_size == 0
    except OSError:
        return True


def _downloader(
    session: Any,
    limits: Any,
    parsers: ProcessPoolExecutor | None,
    states: dict[str, SourceState],
    unconditional: bool = False,
    trimmed: set[str] | None = None,
) -> Callable[[Source], Download]:
    from subsample.fetch import http as net

    def download(source: Source) -> Download:
        """Download and parse SOURCE (in a pool thread); FetchError becomes its error."""
        state = states[source.id]
        # A permanent redirect recorded earlier is followed until the user changes the URL.
        url = state.moved_to if state.moved_to and state.moved_from == source.url else source.url
        d = Download(source, url, time.monotonic())
        try:
            resp = net.get(
                session,
                url,
                etag=None if unconditional else state.etag,
                last_modified=None if unconditional else state.last_modified,
                limits=limits,
                # A feed may not redirect us into the local network unless it lives there.
                refuse_host=net.stay_outside_unless(source.url),
                extra_headers=source_types.request_headers(source.type),
            )
            d.status, d.final_url, d.headers, d.moved_to = resp.status, resp.url, resp.headers, resp.moved_to
            d.size = len(resp.body)
            if resp.status == 200:
                d.trimmed = trimmed is None or source.id in trimmed
                d.feed = _parse(
                    parsers, resp.body, resp.base_url, resp.headers.get("content-type"), d.trimmed
                )
            elif resp.status in (429, 503):
                d.retry_after = net.retry_after(resp.headers.get("retry-after"), time.time())
        except FetchError as e:
            d.error = str(e)
        except RecursionError:
            d.error = "the feed is nested too deeply to parse"
        return d

    return download


def _parse(
    parsers: ProcessPoolExecutor | None,
    body: bytes,
    url: str,
    content_type: str | None,
    trim_lead: bool = True,
) -> Any:
    """The feed in BODY, parsed in one of PARSERS' processes if there are any, else here."""
    from subsample.parse import feeds as parse

    if parsers is not None:
        try:
            return parsers.submit(parse.parse_feed, body, url, content_type, trim_lead=trim_lead).result()
        except BrokenExecutor:
            pass  # a worker was killed (out of memory, say): this thread parses instead
    return parse.parse_feed(body, url, content_type, trim_lead=trim_lead)


def _outcome(source: Source, future: Future[Download]) -> Download:
    """The download's outcome; a bug while downloading or parsing fails its source visibly
    (with where it happened), so that one odd feed cannot stop every fetch."""
    error = future.exception()
    if error is None:
        return future.result()
    if not isinstance(error, Exception):  # KeyboardInterrupt, SystemExit: not a feed's doing
        raise error
    return Download(
        source,
        source.url,
        time.monotonic(),
        error=f"internal error{_where(error)} ({type(error).__name__}: {error}); please report it",
    )


def _where(error: BaseException) -> str:
    """' at file.py:LINE', where ERROR was raised."""
    frames = [(f.filename, f.lineno) for f in traceback.extract_tb(error.__traceback__)]
    # Raised in a parsing process: concurrent.futures brings its traceback back as the
    # text of the error's cause.
    if type(error.__cause__).__name__ == "_RemoteTraceback":
        frames = [
            (name, int(line))
            for name, line in re.findall(r'File "([^"]+)", line (\d+)', str(error.__cause__))
        ]
    return f" at {Path(frames[-1][0]).name}:{frames[-1][1]}" if frames else ""


def _http_error(d: Download) -> str | None:
    """What a response's status means for the source, if not success (200 or 304)."""
    if d.status in (200, 304) or d.status is None:
        return None
    if d.status == 410:
        return "the feed is gone (HTTP 410); the source was disabled, its archive kept"
    if d.status == 403 and (hint := source_types.forbidden_hint(d.source.type)):
        return f"HTTP 403 from the server; {hint}"
    if d.status in (429, 503) and d.retry_after:
        return f"HTTP {d.status} from the server; asked to wait {format_duration(max(60, round(d.retry_after / 60) * 60))}"
    return f"HTTP {d.status} from the server"


@dataclass
class _Numbers:
    """The last post number handed out, as a batch of sources is archived, and the sources
    that have numbers kept for posts whose line was torn (archive/repair.py)."""

    last: int
    changed: bool = False
    reserved_in: set[str] = field(default_factory=set)

    def take(self, count: int) -> int:
        """Reserve COUNT numbers; returns the one before the first."""
        first, self.last, self.changed = self.last, self.last + count, True
        return first

    def assign(self, index: Index, sid: str, new: list[merge.Entry]) -> list[int]:
        """Numbers for the NEW posts of source SID: a torn line's number for its post, else
        the next ones."""
        kept: dict[str, int] = {}
        if sid in self.reserved_in:
            kept = repair.reserved_numbers(index.paths, sid)
        mine = [kept.get(e["key"]) for e in new]
        mine = [n if n is not None and not index.has_number(n) else None for n in mine]
        last = self.take(mine.count(None)) if None in mine else self.last
        fresh = iter(range(last + 1, last + 1 + mine.count(None)))
        if kept and any(n is not None for n in mine):
            used = {e["key"] for e, n in zip(new, mine, strict=True) if n is not None}
            repair.save_reserved(index.paths, sid, {k: v for k, v in kept.items() if k not in used})
        return [n if n is not None else next(fresh) for n in mine]


def _archive_batch(paths: Paths, index: Index, downloads: list[Download], now: datetime) -> list[FetchResult]:
    """Archive a batch of downloads: one lock, one index transaction, one round of fsyncs."""
    with file_lock(paths.write_lock), index.batch():
        # A torn last line (a crash since we last looked) is set aside, its number kept: in
        # the files this batch appends to, and in any archive changed behind the index's back
        # (only those can be torn since). Reading every file each batch took 0.44 s of a
        # 500-source fetch's main thread (43 batches x 1,000 files).
        batch = {d.source.id for d in downloads}
        changed, gone = index.changes()  # another fetch may have appended since we last held the lock
        torn = repair.repair_torn_tails(paths, locked=True, sources=sorted(batch | set(changed)))
        cut = {t.path.stem for t in torn if t.path.parent == paths.archive_dir}  # archives cut back
        index.sync(changes=(sorted(set(changed) | cut), gone))
        # The index now knows every number in any archive; the counter also remembers
        # those of archives deleted since. It is written once a batch: a crash before that
        # is covered by the (fsynced) archives the index reads.
        numbers = _Numbers(
            max(numbers_used(paths), index.max_n()), reserved_in=repair.sources_with_reserved(paths)
        )
        appended: list[tuple[Path, int]] = []
        archived = [_archive(index, d, now, numbers, appended) for d in downloads]
        # The new lines reach the disk before any state says their feed was read.
        sync_appended(appended)
        checked = {}
        for d, (result, plan) in zip(downloads, archived, strict=True):
            if (state := _record_outcome(paths, d, result, plan, now)) is not None:
                checked[d.source.id] = state
        record_checks(paths, checked)  # the unchanged feeds' times: one file, not a state each
        if numbers.changed:
            save_numbers_used(paths, numbers.last)
    return [result for result, _ in archived]


def _archive(
    index: Index, d: Download, now: datetime, numbers: _Numbers, appended: list[tuple[Path, int]]
) -> tuple[FetchResult, merge.Plan | None]:
    """Append and index one source's new lines (not yet synced: noted in APPENDED). The
    caller holds the write lock and has caught the index up, so it knows every post on disk."""
    source = d.source
    result = FetchResult(source=source.id, status=d.status, error=d.error or _http_error(d))
    result.not_modified = d.status == 304
    if d.moved_to:
        result.notes.append(f"moved permanently to {d.moved_to}")
    if d.feed is not None and d.feed.warning:
        result.notes.append(f"feed has errors but was read: {d.feed.warning}")
    if d.feed is None or result.error is not None:
        return result, None
    d.announced = moves.announced_url(d.feed.self_url, d.feed.new_url, [source.url, d.url, d.final_url])
    if d.announced:
        result.notes.append(
            f"the feed says it moved to {d.announced}; `subsample set {source.id} url {d.announced}` takes it"
        )

    selection = merge.select(merge.rekey(d.feed.entries, source.identity), source.limit)
    plan = _plan(index, source.id, selection)
    if note := merge.split_note(selection):
        result.notes.append(note)
    if selection.past_limit:
        # Entries the limit left out are lost once the feed drops them: say so while the
        # archive lacks them (a backfill takes them from the feed as it is).
        missing = len(selection.past_limit) - len(index.known_posts(source.id, selection.past_limit))
        if note := merge.limit_note(missing, source.limit, source.id):
            result.notes.append(note)
    _write(index, source.id, plan, iso_utc(now), numbers, appended)
    result.seen = len(selection.in_feed)
    result.new, result.updated, result.unchanged = len(plan.new), len(plan.revised), plan.unchanged
    if note := merge.renamed_note(plan):
        # A CMS migration renames every post at once: the same posts, their new guids kept
        # beside the old keys (the index's aliases), never duplicates.
        result.notes.append(note)
    return result, plan


def _plan(index: Index, sid: str, selection: merge.Selection) -> merge.Plan:
    """What SELECTION means for source SID's archive, given what the index knows."""
    known = index.known_posts(sid, selection.keys)
    if index.count(sid):  # (a first fetch has nothing archived under a fallback key)
        known |= index.known_posts(sid, merge.fallback_lookups(selection, known))
    by_link, aliases = index.posts_by_link(sid, merge.unknown_links(selection, known))
    return merge.decide(selection, {**aliases, **known}, by_link)


def _write(
    index: Index,
    sid: str,
    plan: merge.Plan,
    stamp: str,
    numbers: _Numbers,
    appended: list[tuple[Path, int]],
    extra: dict[str, Any] | None = None,
) -> list[int]:
    """Append and index PLAN's new posts and revisions (not yet synced: noted in APPENDED);
    EXTRA fields go on every line (where a backfill or an import found the post). Returns
    the new posts' numbers."""
    records = [_record(r.entry, sid, r.n, r.revision, r.first_seen or stamp, stamp) for r in plan.revised]
    ns = numbers.assign(index, sid, plan.new) if plan.new else []
    records += [_record(e, sid, n, 1, stamp, stamp) for n, e in zip(ns, plan.new, strict=True)]
    if not records:
        return ns
    if extra:
        records = [{**r, **extra} for r in records]
    lines = [encode(r) for r in records]
    path = index.paths.archive(sid)
    start = append_lines(path, lines, durable=False)
    appended.append((path, start))
    index.add_appended(sid, start, lines, records)
    return ns


@dataclass
class Archived:
    """What archive_entries wrote for one source."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    new_numbers: list[int] = field(default_factory=list)


def archive_entries(
    paths: Paths, sid: str, entries: list[merge.Entry], now: datetime, extra: dict[str, Any] | None = None
) -> Archived:
    """Archive ENTRIES that came from elsewhere than the feed's current window (a backfill's
    older pages, another reader's files) into source SID, as a fetch archives its feed's:
    the same identity, so nothing is archived twice, and revisions where the text changed.

    Raises:
        StorageError: the archive, the index or the counter cannot be written.
    """
    with Index(paths) as index, file_lock(paths.write_lock), index.batch():
        repair.repair_torn_tails(paths, locked=True)
        index.sync()
        numbers = _Numbers(
            max(numbers_used(paths), index.max_n()), reserved_in=repair.sources_with_reserved(paths)
        )
        appended: list[tuple[Path, int]] = []
        plan = _plan(index, sid, merge.select(entries, 0))
        if extra and "imported_from" in extra:
            _judge_copies(index, sid, plan)
        new_numbers = _write(index, sid, plan, iso_utc(now), numbers, appended, extra)
        sync_appended(appended)
        if numbers.changed:
            save_numbers_used(paths, numbers.last)
    return Archived(len(plan.new), len(plan.revised), plan.unchanged, new_numbers)


def _judge_copies(index: Index, sid: str, plan: merge.Plan) -> None:
    """Another reader's copies: one that adds nothing to a revision archived already is
    unchanged; one that completes the latest is written as a completion (no edit)."""
    from subsample.archive.jsonl import read_record

    path = index.paths.archive(sid)
    kept = []
    for r in plan.revised:
        earlier = [
            read_record(path, at[1], at[2]) for k in range(1, r.revision) if (at := index.locate(r.n, k))
        ]
        if merge.adds_nothing(r.entry, earlier):
            plan.unchanged += 1
            continue
        if earlier and merge.completes(r.entry, earlier[-1]):
            r = merge.Revision({**r.entry, "completes": True}, r.n, r.revision, r.first_seen)
        kept.append(r)
    plan.revised = kept


def _record(
    entry: merge.Entry, sid: str, n: int, revision: int, first_seen: str, stamp: str
) -> dict[str, Any]:
    """An archive line's record: the archive's fields, then the entry's (less its own
    "_" fields, such as the hash an earlier version would have given it)."""
    record = {
        "n": n,
        "source": sid,
        "revision": revision,
        "first_seen": first_seen,
        "archived": stamp,
        **entry,
    }
    record.pop("_hash_before", None)
    return record


def _record_outcome(
    paths: Paths, d: Download, result: FetchResult, plan: merge.Plan | None, now: datetime
) -> SourceState | None:
    """Save the source's new state and history (its lines are on disk by now); the state,
    when only its times changed, for the caller to record_checks instead."""
    state = load_state(paths, d.source.id)  # again: another fetch may have saved it since
    before = dataclasses.replace(state)
    _update_state(state, d, result, plan, now)
    checked = only_checked(before, state)
    if not checked:
        save_state(paths, d.source.id, state)
    append_history(paths, d.source.id, _history_record(d, result, now, state))
    if d.status == 410:
        config.set_value(paths, d.source.id, "enabled", False)
    return state if checked else None


def _update_state(
    state: SourceState, d: Download, result: FetchResult, plan: merge.Plan | None, now: datetime
) -> None:
    state.last_attempt = now
    if d.moved_to:
        state.moved_from, state.moved_to = d.source.url, d.moved_to
    if result.ok:
        state.failures, state.failing_since, state.last_error = 0, None, None
        state.last_success = now
        if d.status == 200:
            state.etag, state.last_modified = d.headers.get("etag"), d.headers.get("last-modified")
        if d.feed is not None:
            state.title, state.link, state.format = d.feed.title, d.feed.link, d.feed.format
            if d.trimmed:
                state.parse_rules = "2"
            state.announced_url = d.announced
        if plan is not None:
            state.in_feed = plan.in_feed
            if plan.new:
                state.last_new_post = now
    else:
        state.failures += 1
        state.failing_since = state.failing_since or now
        state.last_error = result.error
    when = schedule.next_update(d.source.interval, state.failures, now, d.retry_after, state.failing_since)
    state.next_update, state.schedule = when.at, when.reason


def _history_record(d: Download, result: FetchResult, now: datetime, state: SourceState) -> dict[str, Any]:
    return {
        "time": iso_utc(now),
        "duration": round(time.monotonic() - d.started, 3),
        "url": d.url,
        "final_url": d.final_url,
        "status": result.status,
        "not_modified": result.not_modified,
        "bytes": d.size,
        "seen": result.seen,
        "new": result.new,
        "updated": result.updated,
        "error": result.error,
        "notes": result.notes,
        "announced_url": d.announced,
        "next_update": iso_utc(state.next_update) if state.next_update else None,
    }

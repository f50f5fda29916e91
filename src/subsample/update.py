"""fetch: download due sources concurrently, then archive what is new, one source at a time.

Network and parsing run in a bounded pool of threads (at most two at once per host);
every archive write happens in the calling thread under the inter-process write lock, so
two `subsample fetch` runs at once neither duplicate nor lose posts.
"""

from __future__ import annotations

import contextlib
import os
import queue
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from subsample import config, store
from subsample.config import Paths
from subsample.durations import format_duration
from subsample.errors import FetchError
from subsample.files import append_lines, file_lock
from subsample.models import FetchResult, Source
from subsample.times import iso_utc, parse_iso

MAX_WORKERS = 32  # at most PER_HOST of them on any one host
PER_HOST = 2
MAX_BACKOFF = 7 * 86400
# Parsing is CPU work that holds the GIL; from this many sources on, it moves to worker
# processes so that it runs on the other cores while this one archives.
PARSE_IN_PROCESSES_FROM = 16


@dataclass
class _Download:
    """What the network phase of one source produced, handed to the write phase."""

    source: Source
    started: float
    url: str
    response: Any = None  # net.Response
    feed: Any = None  # parse.ParsedFeed
    error: str | None = None
    crash: BaseException | None = None  # a bug, re-raised in the calling thread


def due_sources(paths: Paths, sources: Iterable[Source], now: datetime) -> list[Source]:
    """The enabled sources whose next update has come."""
    due = []
    for s in sources:
        if not s.enabled:
            continue
        next_update = parse_iso(store.load_state(paths, s.id).get("next_update"))
        if next_update is None or next_update <= now:
            due.append(s)
    return due


def next_due(paths: Paths, sources: Iterable[Source]) -> datetime | None:
    times = [parse_iso(store.load_state(paths, s.id).get("next_update")) for s in sources if s.enabled]
    known = [t for t in times if t is not None]
    return min(known) if known else None


def fetch_sources(
    paths: Paths,
    sources: list[Source],
    now: Callable[[], datetime],
    on_result: Callable[[FetchResult], None] | None = None,
    limits: Any = None,
) -> list[FetchResult]:
    """Fetch SOURCES and archive their new posts; one FetchResult per source, in order."""
    if not sources:
        return []
    from subsample import net

    session = net.make_session(limits)
    parser = _parser_pool(len(sources))
    done: queue.Queue[_Download] = queue.Queue()
    slots = threading.BoundedSemaphore(MAX_WORKERS)
    hosts: dict[str, threading.Semaphore] = {}
    for source in sources:
        host = urlsplit(source.url).hostname or ""
        hosts.setdefault(host, threading.BoundedSemaphore(PER_HOST))

    def work(source: Source) -> None:
        host = hosts[urlsplit(source.url).hostname or ""]
        with host, slots:
            try:
                download = _download(paths, session, source, limits, parser)
            except BaseException as e:  # a bug: hand it over rather than hang the run
                download = _Download(source, time.monotonic(), source.url, crash=e)
            done.put(download)

    # Daemon threads: a wedged download can never keep the process alive after the run.
    threads = [threading.Thread(target=work, args=(s,), daemon=True) for s in sources]
    for t in threads:
        t.start()
    results: dict[str, FetchResult] = {}
    index = store.Index(paths)
    try:
        waiting = len(sources)
        while waiting:
            # Archive whatever has arrived in one go: one lock, one index catch-up.
            batch = [done.get()]
            with contextlib.suppress(queue.Empty):
                while True:
                    batch.append(done.get_nowait())
            waiting -= len(batch)
            for download in batch:
                if download.crash is not None:
                    raise download.crash
            with file_lock(paths.write_lock):
                index.sync()  # another fetch may have appended since we last held the lock
                # The index now knows every number in any archive; the counter also
                # remembers those of archives deleted since. It is written once a batch: a
                # crash before that is covered by the (fsynced) archives the index reads.
                numbers = _Numbers(max(store.numbers_used(paths), index.max_n()))
                for download in batch:
                    result = _archive(paths, index, download, now(), numbers)
                    results[download.source.id] = result
                    if on_result:
                        on_result(result)
                if numbers.changed:
                    store.save_numbers_used(paths, numbers.last)
    finally:
        index.close()
        session.close()
        if parser is not None:
            parser.shutdown(wait=False, cancel_futures=True)
    return [results[s.id] for s in sources]


def _parser_pool(sources: int) -> Any:
    cores = os.cpu_count() or 1
    if sources < PARSE_IN_PROCESSES_FROM or cores < 2:
        return None
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # spawn, not fork: forking a process that runs threads can deadlock.
    return ProcessPoolExecutor(max_workers=min(cores, 4), mp_context=multiprocessing.get_context("spawn"))


def _parse(parser: Any, body: bytes, url: str, content_type: str | None) -> Any:
    from subsample import parse

    if parser is None:
        return parse.parse_feed(body, url, content_type)
    from concurrent.futures.process import BrokenProcessPool

    try:
        return parser.submit(parse.parse_feed, body, url, content_type).result()
    except BrokenProcessPool:
        raise FetchError("the parser process died on this feed") from None


def _download(paths: Paths, session: Any, source: Source, limits: Any, parser: Any = None) -> _Download:
    from subsample import net

    state = store.load_state(paths, source.id)
    # A permanent redirect recorded earlier is followed until the user changes the URL.
    url = state["moved_to"] if state.get("moved_from") == source.url else source.url
    d = _Download(source=source, started=time.monotonic(), url=url)
    try:
        d.response = net.get(
            session,
            url,
            etag=state.get("etag"),
            last_modified=state.get("last_modified"),
            limits=limits,
            # A feed may not redirect us into the local network unless it lives there.
            refuse_host=net.stay_outside_unless(source.url),
        )
        if d.response.status == 200:
            d.feed = _parse(parser, d.response.body, d.response.url, d.response.headers.get("content-type"))
    except FetchError as e:
        d.error = str(e)
    except RecursionError:
        d.error = "the feed is nested too deeply to parse"
    return d


@dataclass
class _Numbers:
    """The last post number handed out, as a batch of sources is archived."""

    last: int
    changed: bool = False

    def take(self, count: int) -> int:
        """Reserve COUNT numbers; returns the one before the first."""
        first, self.last, self.changed = self.last, self.last + count, True
        return first


def _archive(paths: Paths, index: store.Index, d: _Download, now: datetime, numbers: _Numbers) -> FetchResult:
    """The write phase of one source: posts, state and a history record (the caller holds the lock)."""
    source = d.source
    result = FetchResult(source=source.id)
    resp = d.response
    retry_after = None
    if resp is not None:
        result.status = resp.status
        if resp.moved_to:
            result.notes.append(f"moved permanently to {resp.moved_to}")
        if resp.status == 304:
            result.not_modified = True
        elif resp.status == 410:
            d.error = "the feed is gone (HTTP 410); the source was disabled, its archive kept"
        elif resp.status in (429, 503):
            from subsample.net import retry_after as parse_retry

            retry_after = parse_retry(resp.headers.get("retry-after"), time.time())
            wait = (
                f"; asked to wait {format_duration(max(60, round(retry_after / 60) * 60))}"
                if retry_after
                else ""
            )
            d.error = f"HTTP {resp.status} from the server{wait}"
        elif resp.status != 200:
            d.error = f"HTTP {resp.status} from the server"
    result.error = d.error
    if d.feed is not None and d.feed.warning:
        result.notes.append(f"feed has errors but was read: {d.feed.warning}")

    if d.feed is not None and d.error is None:
        _archive_entries(index, source, d.feed.entries, now, result, numbers)
    state = store.load_state(paths, source.id)
    _update_state(state, source, d, result, now, retry_after)
    store.save_state(paths, source.id, state)
    store.append_history(paths, source.id, _history_record(d, result, now, state))
    if resp is not None and resp.status == 410:
        config.set_value(paths, source.id, "enabled", False)
    return result


def _archive_entries(
    index: store.Index,
    source: Source,
    entries: list[dict[str, Any]],
    now: datetime,
    result: FetchResult,
    numbers: _Numbers,
) -> None:
    entries = _unique(entries)
    result.seen = len(entries)
    if source.limit and len(entries) > source.limit:
        entries = _newest(entries)[: source.limit]
    # The caller caught the index up under the write lock, so it knows every post on disk.
    in_this_feed = {e["key"] for e in entries}
    known = index.known_posts(source.id, list(in_this_feed))
    unknown_links = [e["link"] for e in entries if e["key"] not in known and e.get("link")]
    by_link = index.keys_by_link(source.id, unknown_links) if unknown_links else {}
    stamp = iso_utc(now)
    new, revised = [], []
    for entry in entries:
        old = known.get(entry["key"])
        if old is None and entry.get("link"):
            # The same post under a new guid (a CMS migration, say): same link and title as
            # a post whose old guid is no longer in the feed. It keeps its number and key.
            alias = by_link.get((entry["link"], entry.get("title")))
            if alias is not None and alias not in in_this_feed:
                entry["key"] = alias
                old = index.known_posts(source.id, [alias])[alias]
        if old is None:
            new.append(entry)
        elif old[2] != entry["hash"]:
            n, revision, _, first_seen = old
            revised.append(_record(entry, source.id, n, revision + 1, first_seen or stamp, stamp))
        else:
            result.unchanged += 1
    # Older posts of one fetch get the smaller numbers. Feeds list newest first, so
    # undated entries keep that order reversed.
    new.reverse()
    new.sort(key=lambda e: e.get("published") or e.get("updated") or "")
    records = list(revised)
    if new:
        last = numbers.take(len(new))
        records += [_record(e, source.id, last + i, 1, stamp, stamp) for i, e in enumerate(new, start=1)]
    if records:
        lines = [store.encode(r) for r in records]
        start = append_lines(index.paths.archive(source.id), lines)
        index.add_appended(source.id, start, lines, records)
    result.new, result.updated = len(new), len(revised)


def _record(
    entry: dict[str, Any], sid: str, n: int, revision: int, first_seen: str, stamp: str
) -> dict[str, Any]:
    return {
        "n": n,
        "source": sid,
        "revision": revision,
        "first_seen": first_seen,
        "archived": stamp,
        **entry,
    }


def _unique(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Drop repeats of a key within one feed, keeping the first (the feed's newest)."""
    seen: set[str] = set()
    out = []
    for e in entries:
        if e["key"] not in seen:
            seen.add(e["key"])
            out.append(e)
    return out


def _newest(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Entries newest first: by date when every entry has one, else in the feed's order."""
    dates = [e.get("published") or e.get("updated") for e in entries]
    if all(dates):
        return [
            e for _, e in sorted(zip(dates, entries, strict=True), key=lambda p: p[0] or "", reverse=True)
        ]
    return entries


def _update_state(
    state: dict[str, Any],
    source: Source,
    d: _Download,
    result: FetchResult,
    now: datetime,
    retry_after: float | None,
) -> None:
    state["last_update"] = iso_utc(now)
    resp = d.response
    if resp is not None and resp.moved_to:
        state["moved_from"], state["moved_to"] = source.url, resp.moved_to
    if result.ok:
        state["failures"] = 0
        state.pop("failing_since", None)
        state.pop("last_error", None)
        state["last_success"] = iso_utc(now)
        wait = float(source.interval)
        state["schedule"] = "interval"
        if resp is not None and resp.status == 200:
            state["etag"] = resp.headers.get("etag")
            state["last_modified"] = resp.headers.get("last-modified")
        if d.feed is not None:
            state["title"] = d.feed.title
            state["link"] = d.feed.link
            state["format"] = d.feed.format
            state["in_feed"] = [e["key"] for e in d.feed.entries]
    else:
        failures = int(state.get("failures") or 0) + 1
        state["failures"] = failures
        state.setdefault("failing_since", iso_utc(now))
        state["last_error"] = result.error
        # Back off: the interval doubles with each failure in a row, up to a week.
        wait = min(source.interval * 2 ** min(failures - 1, 10), max(MAX_BACKOFF, source.interval))
        state["schedule"] = f"back-off after {failures} failure{'s' * (failures > 1)}"
        if retry_after and retry_after > wait:
            wait = retry_after
            state["schedule"] = "Retry-After"
    state["next_update"] = iso_utc(now + timedelta(seconds=wait))


def _history_record(
    d: _Download, result: FetchResult, now: datetime, state: dict[str, Any]
) -> dict[str, Any]:
    resp = d.response
    return {
        "time": iso_utc(now),
        "duration": round(time.monotonic() - d.started, 3),
        "url": d.url,
        "final_url": resp.url if resp is not None else None,
        "status": result.status,
        "not_modified": result.not_modified,
        "bytes": len(resp.body) if resp is not None else 0,
        "seen": result.seen,
        "new": result.new,
        "updated": result.updated,
        "error": result.error,
        "notes": result.notes,
        "next_update": state.get("next_update"),
    }

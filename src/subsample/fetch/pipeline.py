"""fetch: download due sources concurrently, then archive what is new, in batches.

Network and parsing run in threads (at most two at once per host): in this process for a
few sources, in worker processes (each with its own hosts) from PROCESSES_FROM on. Every
archive write happens in the calling thread under the inter-process write lock, so two
`subsample fetch` runs at once neither duplicate nor lose posts.
"""

from __future__ import annotations

import contextlib
import os
import queue
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from subsample import config
from subsample.archive.files import append_lines, file_lock, sync_appended
from subsample.archive.index import Index
from subsample.archive.jsonl import encode
from subsample.archive.state import append_history, load_state, numbers_used, save_numbers_used, save_state
from subsample.durations import format_duration
from subsample.errors import FetchError
from subsample.models import FetchResult, Source
from subsample.paths import Paths
from subsample.times import iso_utc, parse_iso

MAX_WORKERS = 32  # download threads, at most PER_HOST of them on any one host
PER_HOST = 2
MAX_BACKOFF = 7 * 86400
# From this many sources on, downloading and parsing move to worker processes (each with
# its own threads and hosts) where that pays (_worth_processes), so that this process only
# archives: in one process, download threads and archive writes queue for one GIL.
PROCESSES_FROM = 16
MAX_PROCESSES = 4
BATCH_WAIT, BATCH_SIZE = 0.2, 100  # seconds and sources: how long a batch may gather


@dataclass
class _Download:
    """What the network phase of one source produced, handed to the write phase."""

    source: Source
    started: float
    url: str
    response: Any = None  # net.Response (its body dropped once parsed)
    feed: Any = None  # parse.ParsedFeed
    error: str | None = None
    crash: BaseException | None = None  # a bug, re-raised in the calling thread
    size: int = 0  # bytes of the body


def due_sources(paths: Paths, sources: Iterable[Source], now: datetime) -> list[Source]:
    """The enabled sources whose next update has come."""
    due = []
    for s in sources:
        if not s.enabled:
            continue
        next_update = parse_iso(load_state(paths, s.id).get("next_update"))
        if next_update is None or next_update <= now:
            due.append(s)
    return due


def next_due(paths: Paths, sources: Iterable[Source]) -> datetime | None:
    times = [parse_iso(load_state(paths, s.id).get("next_update")) for s in sources if s.enabled]
    known = [t for t in times if t is not None]
    return min(known) if known else None


def fetch_sources(
    paths: Paths,
    sources: list[Source],
    now: Callable[[], datetime],
    on_results: Callable[[list[FetchResult]], None] | None = None,
    limits: Any = None,
    on_start: Callable[[int], None] | None = None,
) -> list[FetchResult]:
    """Fetch SOURCES and archive their new posts; one FetchResult per source, in order.

    ON_START hears how many sources there are once their downloads have begun (so that
    what it sets up costs no time before the download processes start); ON_RESULTS hears
    about each batch of sources as soon as it is archived.
    """
    if not sources:
        return []
    cores = os.cpu_count() or 1
    arrivals: _Arrivals
    if cores >= 2 and len(sources) >= PROCESSES_FROM and _worth_processes(paths, sources):
        arrivals = _InProcesses(paths, sources, limits, min(cores, MAX_PROCESSES))
    else:
        arrivals = _InThreads(paths, sources, limits)
    results: dict[str, FetchResult] = {}
    index = Index(paths)
    try:
        if on_start:
            on_start(len(sources))
        waiting = len(sources)
        while waiting:
            # Archive whatever has arrived in one go: one lock, one index transaction.
            batch = arrivals.batch()
            waiting -= len(batch)
            for download in batch:
                if download.crash is not None:
                    raise download.crash
            archived = []
            with file_lock(paths.write_lock), index.batch():
                index.sync()  # another fetch may have appended since we last held the lock
                # The index now knows every number in any archive; the counter also
                # remembers those of archives deleted since. It is written once a batch: a
                # crash before that is covered by the (fsynced) archives the index reads.
                numbers = _Numbers(max(numbers_used(paths), index.max_n()))
                appended: list[tuple[Path, int]] = []
                for download in batch:
                    archived.append(_archive(paths, index, download, now(), numbers, appended))
                    arrivals.collect()  # keep the workers' pipes flowing meanwhile
                # The new lines reach the disk (in parallel: one fsync waits for another's
                # journal commit) before any state says their feed was read.
                sync_appended(appended)
                for download, (result, state, history) in zip(batch, archived, strict=True):
                    _record_outcome(paths, download, state, history)
                    results[download.source.id] = result
                if numbers.changed:
                    save_numbers_used(paths, numbers.last)
            if on_results:
                on_results([result for result, _, _ in archived])
    finally:
        arrivals.close()
        index.close()
    return [results[s.id] for s in sources]


def _worth_processes(paths: Paths, sources: list[Source]) -> bool:
    """Whether worker processes will pay for themselves.

    Forked workers cost next to nothing to start, and spread even the HTTP work of a
    fetch of 304s over the cores. Spawned ones start a new Python each; that pays off only
    where there is parsing to do: sources with no ETag or Last-Modified yet (a first
    fetch, say), which will be downloaded and parsed in full.

    POSIX only: outcomes cross over as frames on pipe file descriptors (_InProcesses).
    """
    if os.name != "posix":
        return False
    if _can_fork():
        return True
    unconditional = [s for s in sources if not _has_validator(load_state(paths, s.id))]
    return len(unconditional) >= PROCESSES_FROM


def _has_validator(state: dict[str, Any]) -> bool:
    return bool(state.get("etag") or state.get("last_modified"))


def _can_fork() -> bool:
    """Forking a process that runs threads can deadlock, and macOS frameworks do not survive
    a fork at all; on Linux, before this process has started any thread, it is sound."""
    return sys.platform == "linux" and threading.active_count() == 1


class _Arrivals:
    """Downloads as they finish, handed to the archiving loop in batches."""

    def __init__(self, expected: int) -> None:
        self.backlog: list[_Download] = []
        self.expected = expected  # outcomes not yet handed out in a batch
        self.last = time.monotonic()  # when the last batch was handed out

    def batch(self) -> list[_Download]:
        """Up to BATCH_SIZE finished downloads, at least one.

        Each batch costs a lock, an index catch-up and a round of fsyncs, so a batch
        gathers until it is full or BATCH_WAIT has passed since the last one, unless
        nothing more is to come.
        """
        until = self.last + BATCH_WAIT
        self.collect()
        while len(self.backlog) < min(BATCH_SIZE, self.expected) and (left := until - time.monotonic()) > 0:
            self.collect(timeout=left)
        while not self.backlog:
            self.collect(timeout=0.5)
            if not self.backlog:
                self.backlog = self.lost()
        batch, self.backlog = self.backlog[:BATCH_SIZE], self.backlog[BATCH_SIZE:]
        self.expected -= len(batch)
        self.last = time.monotonic()
        self.arrived(batch)
        return batch

    def collect(self, timeout: float = 0) -> None:
        """Move finished downloads to the backlog, waiting up to TIMEOUT for the first.

        The archiving loop also calls this between sources, so that downloads never wait
        on it to be heard."""
        raise NotImplementedError

    def lost(self) -> list[_Download]:
        """Failures for sources whose downloader is gone without a word."""
        return []

    def arrived(self, batch: list[_Download]) -> None:
        pass

    def close(self) -> None:
        raise NotImplementedError


class _InThreads(_Arrivals):
    def __init__(self, paths: Paths, sources: list[Source], limits: Any) -> None:
        super().__init__(len(sources))
        self.done: queue.Queue[_Download] = queue.Queue()
        self.stop = _download_in_threads(paths, sources, limits, self.done.put)

    def collect(self, timeout: float = 0) -> None:
        try:
            self.backlog.append(self.done.get(timeout=timeout) if timeout > 0 else self.done.get_nowait())
            while True:
                self.backlog.append(self.done.get_nowait())
        except queue.Empty:
            pass

    def close(self) -> None:
        self.stop()


class _InProcesses(_Arrivals):
    """Worker processes that download and parse, each for its own hosts, with threads.

    Each worker writes its outcomes to a pipe of its own, as frames (8-byte length, then
    the pickle) sent straight from the thread that made them. This process reads whatever
    has arrived without ever blocking on a frame half-written by a worker that was killed
    mid-send; a dead worker is noticed by is_alive(). (A multiprocessing.Queue's feeder
    thread starved for the GIL behind the parsing threads and held outcomes back for
    seconds, and one shared pipe is corrupted for all by a worker killed mid-write.)
    """

    def __init__(self, paths: Paths, sources: list[Source], limits: Any, processes: int) -> None:
        super().__init__(len(sources))
        context = _process_context()
        forking = context.get_start_method() == "fork"
        self.readers: list[Any] = []
        self.frames: dict[int, bytearray] = {}  # by reader fd: bytes of a frame not yet whole
        self.pending: list[dict[str, Source]] = []
        self.workers: list[Any] = []
        for group in _by_host(sources, processes):
            reader, writer = context.Pipe(duplex=False)
            _widen_pipe(writer.fileno())
            # A forked worker holds copies of every read end made so far, its own too: it
            # closes them, or a full pipe would never tell it that this process is gone.
            inherited = [*self.readers, reader] if forking else []
            worker = context.Process(
                target=_download_worker, args=(paths, group, limits, writer, inherited), daemon=True
            )
            worker.start()
            writer.close()  # the worker has its own copy
            self.workers.append(worker)
            self.readers.append(reader)
            self.frames[reader.fileno()] = bytearray()
            self.pending.append({s.id: s for s in group})

    def collect(self, timeout: float = 0) -> None:
        import pickle
        from multiprocessing.connection import wait

        ready: list[Any] = wait(self.readers, timeout)
        for reader in ready:
            fd = reader.fileno()
            chunk = os.read(fd, 1 << 20)  # what is there, without waiting for more
            if not chunk:  # the worker is done (or gone: lost() will say)
                self.readers.remove(reader)
                reader.close()
                continue
            buf = self.frames[fd]
            buf += chunk
            while len(buf) >= 8 and len(buf) >= 8 + (size := int.from_bytes(buf[:8], "big")):
                self.backlog.append(pickle.loads(buf[8 : 8 + size]))
                del buf[: 8 + size]

    def lost(self) -> list[_Download]:
        lost = []
        for worker, pending in zip(self.workers, self.pending, strict=True):
            if pending and not worker.is_alive():
                reason = f"the download process stopped (exit code {worker.exitcode})"
                lost += [_Download(s, time.monotonic(), s.url, error=reason) for s in pending.values()]
        return lost

    def arrived(self, batch: list[_Download]) -> None:
        for d in batch:
            for pending in self.pending:
                pending.pop(d.source.id, None)

    def close(self) -> None:
        for worker in self.workers:
            if worker.is_alive():
                worker.terminate()
        for reader in self.readers:
            reader.close()


def _widen_pipe(fd: int) -> None:
    """Room for a few outcomes in the pipe (Linux; 64 KiB otherwise), so that a worker
    rarely waits for this process to read."""
    import fcntl

    with contextlib.suppress(OSError, AttributeError):
        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, 1 << 20)


def _process_context() -> Any:
    """fork where it is safe (_can_fork), as it costs the workers no start-up; else spawn."""
    import multiprocessing

    if _can_fork():
        # The HTTP client, imported once here instead of once in each worker. (The parser
        # is imported by each worker while its first requests are on the wire: see
        # _download_worker.)
        from subsample.fetch import http  # noqa: F401

        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _by_host(sources: list[Source], groups: int) -> list[list[Source]]:
    """SOURCES in up to GROUPS groups of about equal size, all of a host in one group
    (so that the per-host limit holds), each in the order given."""
    by_host: dict[str, list[Source]] = {}
    for s in sources:
        by_host.setdefault(_host(s), []).append(s)
    chosen: dict[str, int] = {}
    sizes = [0] * groups
    for host, mine in sorted(by_host.items(), key=lambda kv: -len(kv[1])):
        smallest = sizes.index(min(sizes))
        chosen[host] = smallest
        sizes[smallest] += len(mine)
    out: list[list[Source]] = [[] for _ in range(groups)]
    for s in sources:
        out[chosen[_host(s)]].append(s)
    return [g for g in out if g]


def _download_worker(
    paths: Paths, sources: list[Source], limits: Any, writer: Any, inherited: list[Any]
) -> None:
    """A worker process: download and parse SOURCES, writing each outcome to WRITER as a
    frame (see _InProcesses). INHERITED: the archiving process's read ends, to close."""
    import pickle
    import traceback

    for reader in inherited:
        reader.close()

    with contextlib.suppress(OSError):
        os.nice(10)  # the archiving process is the critical path
    # Parsing threads hold the GIL between I/O anyway; a longer switch interval spares
    # forced handoffs among 16 threads (worker CPU -7% in A/B runs of 500 feeds).
    sys.setswitchinterval(0.1)
    fd = writer.fileno()
    sending = threading.Lock()
    sent = threading.Semaphore(0)

    def put(d: _Download) -> None:
        if d.crash is not None:  # a bug: its traceback, as text, is what can cross over
            d.crash = RuntimeError("".join(traceback.format_exception(d.crash)))
        try:
            data = pickle.dumps(d, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as e:  # a bug: the source fails with it rather than never answering
            crash = RuntimeError(f"cannot hand over the outcome of {d.source.id}: {e!r}")
            data = pickle.dumps(_Download(d.source, d.started, d.url, crash=crash))
        frame = memoryview(len(data).to_bytes(8, "big") + data)
        with sending:  # one frame at a time; a full pipe blocks only this thread
            try:
                while frame:
                    frame = frame[os.write(fd, frame) :]
            except OSError:  # the archiving process is gone: nobody is left to hear
                os._exit(1)
        sent.release()

    _download_in_threads(paths, sources, limits, put)
    # The first answers are a round trip away: time enough to import the parser, which
    # would otherwise delay the start of every worker (80 ms here, before the fork).
    from subsample.parse import feeds as parse

    parse.warm_up()
    for _ in sources:  # the process ends once all are sent
        sent.acquire()


def _download_in_threads(
    paths: Paths, sources: list[Source], limits: Any, put: Callable[[_Download], None]
) -> Callable[[], None]:
    """Start daemon threads that download and parse SOURCES, handing each outcome to PUT.

    Returns a function that stops them taking further sources.
    """
    from subsample.fetch import http as net

    session = net.Session()
    turns = _Turns(sources)

    def work() -> None:
        while (source := turns.next()) is not None:
            try:
                download = _download(paths, session, source, limits)
            except BaseException as e:  # a bug: hand it over rather than hang the run
                download = _Download(source, time.monotonic(), source.url, crash=e)
            turns.release(source)
            put(download)

    # Daemon threads: a wedged download can never keep the process alive after the run.
    # No more of them than the hosts can take at once: an idle thread still wakes at every
    # release, and 32 threads on one GIL cost more than they wait.
    for _ in range(min(MAX_WORKERS, len(sources), len(turns.hosts) * PER_HOST)):
        threading.Thread(target=work, daemon=True).start()

    def stop() -> None:
        turns.stop()
        session.close()

    return stop


def _host(source: Source) -> str:
    """What PER_HOST counts by."""
    return urlsplit(source.url).hostname or ""


class _Turns:
    """Hands sources to download threads in order, at most PER_HOST at once on any host."""

    def __init__(self, sources: list[Source]) -> None:
        self._pending = [(s, _host(s)) for s in sources]
        self.hosts = {host for _, host in self._pending}
        self._busy: dict[str, int] = {}
        self._changed = threading.Condition()
        self._stopped = False

    def next(self) -> Source | None:
        """The next source whose host has room; None when there are no more (or on stop)."""
        with self._changed:
            while not self._stopped and self._pending:
                for i, (source, host) in enumerate(self._pending):
                    if self._busy.get(host, 0) < PER_HOST:
                        del self._pending[i]
                        self._busy[host] = self._busy.get(host, 0) + 1
                        return source
                self._changed.wait()
            return None

    def release(self, source: Source) -> None:
        with self._changed:
            self._busy[_host(source)] -= 1
            self._changed.notify_all()

    def stop(self) -> None:
        with self._changed:
            self._stopped = True
            self._changed.notify_all()


def _download(paths: Paths, session: Any, source: Source, limits: Any) -> _Download:
    from subsample.fetch import http as net
    from subsample.parse import feeds as parse

    state = load_state(paths, source.id)
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
        d.size = len(d.response.body)
        body, d.response.body = d.response.body, b""  # once parsed, only its size is kept
        if d.response.status == 200:
            d.feed = parse.parse_feed(body, d.response.url, d.response.headers.get("content-type"))
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


def _archive(
    paths: Paths,
    index: Index,
    d: _Download,
    now: datetime,
    numbers: _Numbers,
    appended: list[tuple[Path, int]],
) -> tuple[FetchResult, dict[str, Any], dict[str, Any]]:
    """The write phase of one source: its new lines appended (not yet synced; noted in
    APPENDED) and indexed. Returns the result, and the state and history record to save
    once the lines are on disk. The caller holds the write lock."""
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
            from subsample.fetch.http import retry_after as parse_retry

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
        _archive_entries(index, source, d.feed.entries, now, result, numbers, appended)
    state = load_state(paths, source.id)  # again: another fetch may have saved it since
    _update_state(state, source, d, result, now, retry_after)
    return result, state, _history_record(d, result, now, state)


def _record_outcome(paths: Paths, d: _Download, state: dict[str, Any], history: dict[str, Any]) -> None:
    save_state(paths, d.source.id, state)
    append_history(paths, d.source.id, history)
    if d.response is not None and d.response.status == 410:
        config.set_value(paths, d.source.id, "enabled", False)


def _archive_entries(
    index: Index,
    source: Source,
    entries: list[dict[str, Any]],
    now: datetime,
    result: FetchResult,
    numbers: _Numbers,
    appended: list[tuple[Path, int]],
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
        lines = [encode(r) for r in records]
        path = index.paths.archive(source.id)
        start = append_lines(path, lines, durable=False)
        appended.append((path, start))
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
        "bytes": d.size,
        "seen": result.seen,
        "new": result.new,
        "updated": result.updated,
        "error": result.error,
        "notes": result.notes,
        "next_update": state.get("next_update"),
    }

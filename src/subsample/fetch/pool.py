"""Run a function over many jobs in threads, at most PER_HOST at once on any one host,
and hand back the finished ones in batches.

A ThreadPoolExecutor does the work. The per-host limit is kept by submitting per-host
queues: each host starts with PER_HOST jobs in the pool, and each job of a host, as it
ends, submits that host's next one. So no thread ever sits blocked waiting for a host,
and the pool never holds more jobs than the hosts can take.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from types import TracebackType
from typing import Generic, TypeVar

PER_HOST = 2  # feeds of one host downloaded at once
MAX_THREADS = 32  # 16 hosts x PER_HOST; 16 threads made a warm fetch of 500 feeds 1.9 s, not 1.2 s

J = TypeVar("J")
R = TypeVar("R")


class HostPool(Generic[J, R]):
    """WORK(job) for every job in threads, at most PER_HOST jobs of one HOST_OF(job) at once.

    Use it as a context manager: leaving it cancels the jobs not yet started and does not
    wait for those still running (each download ends by its own deadline), so a wedged
    server never holds up the caller.
    """

    def __init__(
        self,
        work: Callable[[J], R],
        jobs: Sequence[J],
        host_of: Callable[[J], str],
        *,
        per_host: int = PER_HOST,
        max_threads: int = MAX_THREADS,
    ) -> None:
        self._work = work
        self._jobs = list(jobs)
        self._waiting: dict[str, deque[J]] = {}
        for job in self._jobs:
            self._waiting.setdefault(host_of(job), deque()).append(job)
        self._per_host = per_host
        threads = max(1, min(max_threads, len(self._jobs), len(self._waiting) * per_host))
        self._executor = ThreadPoolExecutor(threads, thread_name_prefix="download")
        self._finished: queue.Queue[tuple[J, Future[R]]] = queue.Queue()
        self._lock = threading.Lock()  # guards _waiting and _closed against the callbacks
        self._closed = False

    def __enter__(self) -> HostPool[J, R]:
        with self._lock:
            for host in self._waiting:
                for _ in range(self._per_host):
                    self._submit_next(host)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Start no more jobs; return at once, leaving the running ones to end by themselves."""
        with self._lock:
            self._closed = True
        self._executor.shutdown(wait=False, cancel_futures=True)

    def _submit_next(self, host: str) -> None:
        """Submit HOST's next job, if any (the caller holds _lock)."""
        waiting = self._waiting[host]
        if self._closed or not waiting:
            return
        job = waiting.popleft()
        future = self._executor.submit(self._run, host, job)
        future.add_done_callback(lambda f: self._finish(job, f))

    def _finish(self, job: J, future: Future[R]) -> None:
        # Called at once, in this thread, if the job is done already: so it takes no lock.
        if not future.cancelled():
            self._finished.put((job, future))

    def _run(self, host: str, job: J) -> R:
        try:
            return self._work(job)
        finally:
            with self._lock:  # this host's next job takes this one's place
                self._submit_next(host)

    def batches(self, size: int, gather: float) -> Iterator[list[tuple[J, Future[R]]]]:
        """The finished jobs, with their futures, in batches until every job is handed out.

        A batch holds up to SIZE jobs and waits for more until it is full or GATHER seconds
        have passed since the previous batch; the first waits for a job without a limit
        (each download has its own deadline). A job that raised comes back like any
        other: its future's result() raises it.
        """
        left = len(self._jobs)
        last = time.monotonic()
        while left:
            batch = [self._finished.get()]
            until = last + gather
            while len(batch) < min(size, left):
                wait = until - time.monotonic()
                try:
                    batch.append(
                        self._finished.get(timeout=wait) if wait > 0 else self._finished.get_nowait()
                    )
                except queue.Empty:
                    break
            left -= len(batch)
            last = time.monotonic()
            yield batch


# -- parsing in processes --------------------------------------------------------------

# A fetch of at least this many sources parses its feeds in worker processes where the
# machine has a core to spare: parsing is pure Python and holds the GIL, so in threads it
# takes turns with the downloads and the archiving. Measured (fetch_bench.py, cold, 500
# realistic feeds, 2 cores): 3.8 s in threads, 2.75 s with one worker process (3.6 s of
# CPU), 2.8 s with two (3.75 s). A warm fetch parses nothing and starts no process.
# (Cold is 2.5 s since the fast reader also reads single-byte encodings: parse/fastxml.py.)
# On real feeds (fetch_bench.py --realworld: 500 sources, 67 MB, a third of it for feedparser)
# the main process mostly waits for the parsers: one worker per core, not per spare core,
# took a cold fetch from 10.8-12.1 s to 7.6-8.7 s on 2 cores (two runs each).
PARSE_PROCESSES_FROM = 40
# At most this many workers: one parses about 370 feeds a second here, faster than the
# fetching process downloads and archives them, so a third is already for slower cores (and
# a container may report the host's 64 cores).
MAX_PARSE_PROCESSES = 3


def parse_processes(sources: int) -> ProcessPoolExecutor | None:
    """A pool of processes to parse SOURCES' feeds in, one per core (at most
    MAX_PARSE_PROCESSES); None where threads do as well (a
    small fetch would pay more to start a process, about 0.2 s of CPU, than it saves)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    if cores < 2 or sources < PARSE_PROCESSES_FROM:
        return None
    from subsample.parse.feeds import warm_up

    # spawn, not fork: this process already runs threads, and a forked child would inherit
    # whatever locks they held at that moment.
    workers = min(cores, MAX_PARSE_PROCESSES)
    try:
        pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
    except (OSError, ImportError, NotImplementedError):
        return None  # no working semaphores here (a system without /dev/shm): threads parse
    # The workers start now, while the first feeds download, and ignoring Ctrl-C: it
    # reaches the whole process group, and the fetch, not its workers, decides what happens
    # then. (A child inherits an ignored signal, and Python leaves it ignored; the
    # initializer would set it too late for a Ctrl-C during the worker's start. The price:
    # a Ctrl-C in the millisecond or so that starting the workers takes is lost.)
    main = threading.current_thread() is threading.main_thread()
    handler = signal.signal(signal.SIGINT, signal.SIG_IGN) if main else None
    try:
        for _ in range(workers):
            pool.submit(warm_up)
    except OSError:  # out of processes or memory: threads parse
        pool.shutdown(wait=False)
        return None
    finally:
        if main:
            signal.signal(signal.SIGINT, handler)
    return pool

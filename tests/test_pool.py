"""fetch/pool.py alone: the per-host limit, batches, crashes and a quick close."""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest

from subsample.fetch.pool import HostPool


def test_at_most_two_jobs_of_a_host_run_at_once_and_every_job_comes_back():
    running: Counter[str] = Counter()
    most: Counter[str] = Counter()
    lock = threading.Lock()

    def work(job: tuple[str, int]) -> int:
        host, i = job
        with lock:
            running[host] += 1
            most[host] = max(most[host], running[host])
        time.sleep(0.01)
        with lock:
            running[host] -= 1
        return i

    jobs = [(host, i) for i in range(12) for host in ("a", "b", "c")]
    with HostPool(work, jobs, lambda j: j[0], per_host=2) as pool:
        batches = list(pool.batches(size=5, gather=0.05))
    done = [job for batch in batches for job, _ in batch]
    assert sorted(done) == sorted(jobs)
    assert all(len(b) <= 5 for b in batches)
    assert [f.result() for b in batches for _, f in b] == [i for _, i in done]
    assert max(most.values()) == 2  # two at once, never three


def test_a_job_that_raises_comes_back_raising_and_the_rest_still_run():
    def work(i: int) -> int:
        if i == 3:
            raise ZeroDivisionError("a bug")
        return i

    with HostPool(work, list(range(6)), lambda i: "one host") as pool:
        finished = [pair for batch in pool.batches(100, 0.01) for pair in batch]
    assert len(finished) == 6
    [(_, bad)] = [(i, f) for i, f in finished if i == 3]
    with pytest.raises(ZeroDivisionError):
        bad.result()


def test_leaving_the_pool_does_not_wait_for_a_wedged_job_and_starts_no_more():
    release = threading.Event()
    started: list[int] = []

    def work(i: int) -> int:
        started.append(i)
        if i == 0:
            release.wait(30)
        return i

    t = time.monotonic()
    with HostPool(work, [0, 1, 2, 3], lambda i: "h", per_host=1):
        time.sleep(0.1)
    assert time.monotonic() - t < 1
    time.sleep(0.1)
    assert started == [0]
    release.set()

"""SIGKILL `subsample fetch` at random moments; the archive must stay whole and consistent."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import item, rss

KILLS = int(os.environ.get("SUBSAMPLE_KILLS", "15"))  # more: SUBSAMPLE_KILLS=200 pytest tests/test_crash.py


def _read_archive(path: Path) -> list[dict[str, Any]]:
    records = []
    for line in path.read_bytes().split(b"\n"):
        try:
            rec = json.loads(line)
        except ValueError:
            continue  # a torn line from a kill: skipped, as the reader does
        if isinstance(rec, dict):
            records.append(rec)
    return records


def _check(home: Path, acknowledged: int) -> int:
    path = home / "archive" / "blog.jsonl"
    records = _read_archive(path) if path.exists() else []
    keys = Counter((r["key"], r["revision"]) for r in records)
    assert not [k for k, c in keys.items() if c > 1], "a post was archived twice"
    numbers = Counter(r["n"] for r in records if r["revision"] == 1)
    assert not [n for n, c in numbers.items() if c > 1], "a post number was given twice"
    assert len(records) >= acknowledged, "an archived post was lost"
    assert "[sources.blog]" in (home / "sources.toml").read_text()
    return len(records)


@pytest.mark.slow
def test_random_kills_never_corrupt_duplicate_or_lose(home, tmp_path):
    rng = random.Random(1234)
    feed = tmp_path / "feed.xml"
    env = {**os.environ, "SUBSAMPLE_HOME": str(home)}
    cmd = [sys.executable, "-m", "subsample"]
    feed.write_text(rss([]))
    subprocess.run([*cmd, "add", "blog", "rss", str(feed), "--limit", "0"], env=env, check=True)
    acknowledged = 0
    total = 0
    for round_ in range(KILLS):
        total = 40 * (round_ + 1)
        feed.write_text(rss([item(i) for i in range(total, 0, -1)]))
        proc = subprocess.Popen(
            [*cmd, "fetch", "--force"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        time.sleep(rng.uniform(0.05, 0.6))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        acknowledged = _check(home, acknowledged)
    r = subprocess.run([*cmd, "fetch", "--force"], env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert _check(home, acknowledged) == total
    listed = json.loads(
        subprocess.run(
            [*cmd, "list", "blog", "--json", "--all"], env=env, capture_output=True, text=True, check=True
        ).stdout
    )
    assert len(listed) == total

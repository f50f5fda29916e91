"""`watch` (fetch what is due, sleep until the next is due, stop on request) and the units
for the system's scheduler."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from subsample import watch
from subsample.paths import resolve_paths
from subsample.times import now_utc

from .conftest import archive_lines, item, rss


def test_watch_fetches_each_time_a_source_is_due_and_stops_when_asked(run, home, httpserver):
    httpserver.expect_request("/f").respond_with_data(
        rss([item(1), item(2)]), content_type="application/rss+xml"
    )
    assert run("add", "quick", "rss", httpserver.url_for("/f"), "--interval", "2s").exit_code == 0
    stop = threading.Event()
    rounds: list[watch.Round] = []
    worker = threading.Thread(
        target=watch.watch,
        args=(resolve_paths(home),),
        kwargs={"stop": stop, "now": now_utc, "on_round": rounds.append},
    )
    started = time.monotonic()
    worker.start()
    time.sleep(5)
    stop.set()
    worker.join(timeout=10)
    assert not worker.is_alive() and time.monotonic() - started < 8
    fetched = [r for r in rounds if r.results]
    assert 2 <= len(fetched) <= 4, rounds  # every ~2 s, not in a busy loop
    assert all(timedelta(0) < r.sleep <= timedelta(seconds=2) for r in rounds)
    assert len(httpserver.log) == len(fetched)
    assert [p["n"] for p in archive_lines(home, "quick")] == [1, 2]  # never archived twice


def test_sleep_is_until_the_next_due_within_bounds():
    now = datetime(2026, 12, 1, tzinfo=UTC)
    assert watch.sleep_for(now + timedelta(seconds=30), now) == timedelta(seconds=30)
    assert watch.sleep_for(now - timedelta(hours=1), now) == watch.MIN_SLEEP
    assert watch.sleep_for(now + timedelta(days=1), now) == watch.MAX_SLEEP
    assert watch.sleep_for(None, now) == watch.MAX_SLEEP


def test_a_cron_line_and_systemd_units_name_the_installed_command():
    command = Path("/home/me/.local/bin/subsample")
    assert (
        watch.cron_line(command, None, 6 * 3600)
        == "0 */6 * * * /home/me/.local/bin/subsample fetch >/dev/null"
    )
    assert watch.cron_line(command, Path("/srv/my archive"), 900) == (
        "*/15 * * * * SUBSAMPLE_HOME='/srv/my archive' /home/me/.local/bin/subsample fetch >/dev/null"
    )
    units = watch.systemd_units(command, None, 3600)
    assert "ExecStart=/home/me/.local/bin/subsample fetch" in units["subsample-fetch.service"]
    assert "OnUnitActiveSec=1h" in units["subsample-fetch.timer"]
    assert "WantedBy=timers.target" in units["subsample-fetch.timer"]

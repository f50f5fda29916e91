"""Keeping the archive growing without a terminal open: `watch`, and the units for people
who prefer their system's scheduler (`schedule --cron`, `schedule --systemd`).

`watch` fetches what is due, then sleeps on an Event until the next source is due (never
a busy wait; at most MAX_SLEEP, so that a source added meanwhile is noticed), until the
Event is set: the CLI sets it on SIGTERM and on Ctrl-C, and a fetch under way finishes
first, so nothing is ever half-written. Two watchers, or a watcher and a cron `fetch`,
never duplicate posts: every archive write is under the write lock, and a source another
process just fetched is no longer due.
"""

from __future__ import annotations

import shlex
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from subsample import core
from subsample.durations import format_duration
from subsample.models import FetchResult
from subsample.paths import Paths

MAX_SLEEP = timedelta(minutes=5)
MIN_SLEEP = timedelta(seconds=1)


@dataclass
class Round:
    """One pass of `watch`: what was fetched, and how long it sleeps before the next."""

    results: list[FetchResult]
    sleep: timedelta


def watch(
    paths: Paths,
    *,
    stop: threading.Event,
    now: Callable[[], datetime],
    on_results: Callable[[list[FetchResult]], None] | None = None,
    on_round: Callable[[Round], None] | None = None,
    limits: Any = None,
) -> int:
    """Fetch due sources until STOP is set; returns how many sources failed in the last round."""
    failed = 0
    while not stop.is_set():
        report = core.fetch(paths, [], force=False, now=now, on_results=on_results, limits=limits)
        results, failed = report.results, len(report.failed)
        if results:
            # Something was fetched: a second look finds nothing due and says when next.
            report = core.fetch(paths, [], force=False, now=now, limits=limits)
        pause = sleep_for(report.next_due, now()) if not report.results else MIN_SLEEP
        if on_round:
            on_round(Round(results, pause))
        stop.wait(pause.total_seconds())
    return failed


def sleep_for(next_due: datetime | None, now: datetime) -> timedelta:
    """How long to sleep: until the next source is due, within MIN_SLEEP and MAX_SLEEP."""
    if next_due is None:
        return MAX_SLEEP
    return max(MIN_SLEEP, min(next_due - now, MAX_SLEEP))


# -- units for the system's scheduler ----------------------------------------------------


def cron_line(command: Path, home: Path | None, every: int) -> str:
    """A crontab line that runs `subsample fetch` every EVERY seconds (rounded to minutes
    or hours, as cron can say it), errors only by mail (fetch prints failures on stderr)."""
    minutes = max(1, round(every / 60))
    if minutes < 60:
        when = f"*/{minutes} * * * *" if minutes > 1 else "* * * * *"
    else:
        hours = max(1, min(24, round(minutes / 60)))
        when = f"0 */{hours} * * *" if hours < 24 else "0 0 * * *"
    env = f"SUBSAMPLE_HOME={shlex.quote(str(home))} " if home else ""
    return f"{when} {env}{shlex.quote(str(command))} fetch >/dev/null"


def systemd_units(command: Path, home: Path | None, every: int) -> dict[str, str]:
    """A user service and timer (file name -> text) that run `subsample fetch` every EVERY
    seconds; to be saved under ~/.config/systemd/user/ and enabled by the user."""
    env = f"Environment=SUBSAMPLE_HOME={home}\n" if home else ""
    service = (
        "[Unit]\nDescription=Archive the posts of your feeds (subsample fetch)\n"
        "Wants=network-online.target\nAfter=network-online.target\n\n"
        f"[Service]\nType=oneshot\n{env}ExecStart={command} fetch\n"
        "# Exit code 1 means some sources failed (the rest were archived); not a failed unit.\n"
        "SuccessExitStatus=1\n"
    )
    timer = (
        "[Unit]\nDescription=Run subsample fetch regularly\n\n"
        f"[Timer]\nOnBootSec=2min\nOnUnitActiveSec={format_duration(every)}\nPersistent=true\n\n"
        "[Install]\nWantedBy=timers.target\n"
    )
    return {"subsample-fetch.service": service, "subsample-fetch.timer": timer}

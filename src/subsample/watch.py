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
from subsample.errors import UsageError
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


def running_command(argv0: str, executable: str) -> list[str]:
    """The command that runs this very installation: the `subsample` script being run, else
    its interpreter with `-m subsample` (never the first `subsample` on PATH, which may be
    another installation, or none under cron's short PATH)."""
    script = Path(argv0)
    if script.name == "subsample" and script.is_file():
        return [str(script.absolute())]
    return [str(Path(executable).absolute()), "-m", "subsample"]


def cron_when(every: int) -> str:
    """The five crontab fields that run a command every EVERY seconds.

    cron's steps (*/N) start again at each hour and each day, so only intervals that
    divide an hour (in minutes) or a day (in hours), a day or a week run evenly.

    Raises:
        UsageError: EVERY is none of those (7h would run at 0, 7, 14 and 21 o'clock).
    """
    minutes, seconds = divmod(every, 60)
    hours = minutes // 60
    if not seconds and 0 < minutes < 60 and 60 % minutes == 0:
        return f"*/{minutes} * * * *" if minutes > 1 else "* * * * *"
    if not seconds and minutes % 60 == 0 and 0 < hours < 24 and 24 % hours == 0:
        return f"0 */{hours} * * *" if hours > 1 else "0 * * * *"
    if every == 86400:
        return "0 0 * * *"
    if every == 7 * 86400:
        return "0 0 * * 0"
    raise UsageError(
        f"cron cannot run a command every {format_duration(every)} evenly; use a number of minutes"
        " that divides an hour (1m to 30m), of hours that divides a day (1h to 12h), 1d or 1w,"
        " or --systemd"
    )


def cron_line(command: list[str], home: Path | None, every: int) -> str:
    """A crontab line that runs `COMMAND fetch` every EVERY seconds, errors only by mail
    (fetch prints failures on stderr).

    Raises:
        UsageError: EVERY cannot be said in cron (cron_when), or a path holds a line break.
    """
    words = [shlex.quote(word) for word in command]
    if home is not None:
        words.insert(0, f"SUBSAMPLE_HOME={shlex.quote(str(home))}")
    shell = " ".join(words)
    if "\n" in shell or "\r" in shell:
        raise UsageError("a crontab line cannot hold a path with a line break; use --systemd")
    # cron turns an unescaped % into a line break (crontab(5)), even inside the shell's quotes.
    escaped = shell.replace("%", "\\%")
    return f"{cron_when(every)} {escaped} fetch >/dev/null"


def systemd_units(command: list[str], home: Path | None, every: int) -> dict[str, str]:
    """A user service and timer (file name -> text) that run `COMMAND fetch` every EVERY
    seconds; to be saved under ~/.config/systemd/user/ and enabled by the user."""
    env = f"Environment={_systemd_quoted(f'SUBSAMPLE_HOME={home}')}\n" if home else ""
    exec_start = " ".join(_systemd_quoted(a).replace("$", "$$") for a in [*command, "fetch"])
    service = (
        "[Unit]\nDescription=Archive the posts of your feeds (subsample fetch)\n"
        "Wants=network-online.target\nAfter=network-online.target\n\n"
        f"[Service]\nType=oneshot\n{env}ExecStart={exec_start}\n"
        "# Exit code 1 means some sources failed (the rest were archived); not a failed unit.\n"
        "SuccessExitStatus=1\n"
    )
    timer = (
        "[Unit]\nDescription=Run subsample fetch regularly\n\n"
        f"[Timer]\nOnBootSec=2min\nOnUnitActiveSec={format_duration(every)}\nPersistent=true\n\n"
        "[Install]\nWantedBy=timers.target\n"
    )
    return {"subsample-fetch.service": service, "subsample-fetch.timer": timer}


def _systemd_quoted(word: str) -> str:
    """WORD as one word of a unit file's Environment= or ExecStart= (systemd.syntax(7),
    systemd.service(5)): in double quotes when it needs them, with C-style escapes, and
    every % doubled so that no specifier expands (a home called /srv/%h stays itself).
    ExecStart= also expands $: its caller doubles that."""
    escaped = word.replace("%", "%%")
    if escaped and all(c.isalnum() or c in "/._-+=:,@%" for c in escaped):
        return escaped
    out = []
    for c in escaped:
        if c in '"\\':
            out.append("\\" + c)
        elif ord(c) < 0x20 or ord(c) == 0x7F:
            out.append(f"\\x{ord(c):02x}")
        else:
            out.append(c)
    return '"' + "".join(out) + '"'

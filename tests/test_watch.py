"""`watch` (fetch what is due, sleep until the next is due, stop on request) and the units
for the system's scheduler."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from werkzeug import Request, Response

from subsample import watch
from subsample.errors import UsageError
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
    command = ["/home/me/.local/bin/subsample"]
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


def test_cron_says_only_the_intervals_it_runs_evenly():
    assert [
        watch.cron_when(s) for s in (60, 300, 1800, 3600, 7200, 8 * 3600, 12 * 3600, 86400, 7 * 86400)
    ] == [
        "* * * * *",
        "*/5 * * * *",
        "*/30 * * * *",
        "0 * * * *",
        "0 */2 * * *",
        "0 */8 * * *",
        "0 */12 * * *",
        "0 0 * * *",
        "0 0 * * 0",
    ]
    # */7 in the hour field runs at 0, 7, 14 and 21 o'clock: every 7h only until midnight.
    for seconds in (7 * 3600, 90 * 60, 45 * 60, 90, 2 * 86400, 5 * 3600):
        with pytest.raises(UsageError, match="cron cannot run a command every"):
            watch.cron_when(seconds)


def test_paths_are_quoted_for_cron_and_for_systemd():
    home = Path("/srv/it's 100% mine")
    line = watch.cron_line(["/opt/my env/bin/python", "-m", "subsample"], home, 3600)
    # Quoted for sh, and % escaped for cron, which turns a bare one into a line break.
    assert line == (
        "0 * * * * SUBSAMPLE_HOME='/srv/it'\"'\"'s 100\\% mine' '/opt/my env/bin/python' -m subsample fetch >/dev/null"
    )
    with pytest.raises(UsageError, match="line break"):
        watch.cron_line(["/usr/bin/python3", "-m", "subsample"], Path("/srv/a\nb"), 3600)
    service = watch.systemd_units(
        ["/opt/my env/bin/python", "-m", "subsample"], Path('/srv/%h "$x"\\'), 3600
    )["subsample-fetch.service"]
    assert 'Environment="SUBSAMPLE_HOME=/srv/%%h \\"$x\\"\\\\"\n' in service
    assert 'ExecStart="/opt/my env/bin/python" -m subsample fetch\n' in service


# -- the `watch` and `schedule` commands ------------------------------------------------


def _watcher(home: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "SUBSAMPLE_HOME": str(home), "NO_COLOR": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "subsample", "watch"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def test_watch_logs_each_fetch_and_a_sigterm_mid_fetch_ends_it_cleanly(run, home, httpserver):
    asked = []
    slow_started = threading.Event()

    def handler(request: Request) -> Response:
        asked.append(time.monotonic())
        if len(asked) == 3:  # the third fetch: the server is slow, and SIGTERM comes meanwhile
            slow_started.set()
            time.sleep(2)
        return Response(rss([item(1), item(2)]), content_type="application/rss+xml")

    httpserver.expect_request("/f").respond_with_handler(handler)
    assert run("add", "quick", "rss", httpserver.url_for("/f"), "--interval", "2s").exit_code == 0
    asked.clear()  # (`add` looked at the feed)
    proc = _watcher(home)
    try:
        assert slow_started.wait(20), "the watcher did not fetch three times"
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=20)
    finally:
        proc.kill()
    assert proc.returncode == 0, (out, err)
    assert "Traceback" not in err and "Stopping" in err
    logged = [line for line in out.splitlines() if "quick:" in line]
    assert len(logged) == len(asked) == 3, (out, err)  # the fetch under way was finished and logged
    assert all(re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d ", line) for line in logged), out
    assert "quick: 2 new" in logged[0] and "0 new" in logged[2]
    assert 0.9 < asked[1] - asked[0] < 4  # slept until due (state keeps whole seconds), no busy loop
    assert (home / "archive" / "quick.jsonl").read_bytes().endswith(b"\n")
    assert [p["n"] for p in archive_lines(home, "quick")] == [1, 2]


def test_two_watchers_at_once_never_archive_a_post_twice(run, home, httpserver):
    served = []

    def handler(request: Request) -> Response:
        served.append(1)  # every request shows one more post: both watchers find new ones
        return Response(rss([item(i) for i in range(len(served), 0, -1)]), content_type="application/rss+xml")

    httpserver.expect_request("/f").respond_with_handler(handler)
    assert run("add", "busy", "rss", httpserver.url_for("/f"), "--interval", "1s").exit_code == 0
    served.clear()  # (`add` looked at the feed)
    watchers = [_watcher(home), _watcher(home)]
    try:
        time.sleep(6)
        for w in watchers:
            w.send_signal(signal.SIGTERM)
        outs = [w.communicate(timeout=20) for w in watchers]
    finally:
        for w in watchers:
            w.kill()
    assert [w.returncode for w in watchers] == [0, 0], outs
    lines = archive_lines(home, "busy")
    assert len(served) >= 3, outs
    keys = [p["key"] for p in lines]
    assert len(keys) == len(set(keys)), keys  # never a post twice
    # Each answer held one more post; one still on the wire at SIGTERM may go unarchived.
    assert len(served) - 2 <= len(keys) <= len(served), (keys, len(served))
    assert sorted(p["n"] for p in lines) == list(range(1, len(lines) + 1))


def test_schedule_prints_units_with_this_installation_and_home(run, home):
    # In this process sys.argv[0] is pytest: the line runs this Python with -m subsample.
    cron = run("schedule", "--cron", "--every", "15m")
    assert cron.exit_code == 0, cron.output
    assert cron.stdout.startswith("*/15 * * * * ") and f"SUBSAMPLE_HOME={home}" in cron.stdout
    assert f"{sys.executable} -m subsample fetch" in cron.stdout
    units = run("schedule", "--systemd")
    assert units.exit_code == 0 and f"ExecStart={sys.executable} -m subsample fetch" in units.stdout
    assert "OnUnitActiveSec=1h" in units.stdout and f"Environment=SUBSAMPLE_HOME={home}" in units.stdout
    assert run("schedule").exit_code == 2
    assert run("schedule", "--cron", "--every", "often").exit_code == 2
    uneven = run("schedule", "--cron", "--every", "7h")
    assert uneven.exit_code == 2 and uneven.stdout == ""
    assert uneven.stderr.count("\n") == 1 and "cron cannot run a command every 7h evenly" in uneven.stderr
    assert run("schedule", "--systemd", "--every", "7h").exit_code == 0  # a timer can


def _as_cron_runs_it(line: str) -> str:
    """The shell command cron runs for a crontab LINE (crontab(5)): what follows the five
    time fields, up to the first % not escaped by a backslash; each \\% becomes a %."""
    command = line.split(" ", 5)[5]
    out, escaped = [], False
    for c in command:
        if escaped:
            out.append(c if c == "%" else "\\" + c)
            escaped = False
        elif c == "\\":
            escaped = True
        elif c == "%":
            break
        else:
            out.append(c)
    return "".join(out)


def test_the_cron_line_runs_this_installation_whatever_path_holds(tmp_path, httpserver):
    # Another `subsample` comes first on PATH, and the home's name is hostile to cron and sh.
    decoy = tmp_path / "bin" / "subsample"
    decoy.parent.mkdir()
    decoy.write_text("#!/bin/sh\necho decoy; exit 3\n")
    decoy.chmod(0o755)
    home = tmp_path / "it's 100% $HOME `x`"
    env = {**os.environ, "PATH": f"{decoy.parent}:{os.environ['PATH']}", "SUBSAMPLE_HOME": str(home)}
    httpserver.expect_request("/f").respond_with_data(
        rss([item(1), item(2)]), content_type="application/rss+xml"
    )
    subprocess.run(
        [sys.executable, "-m", "subsample", "add", "s", "rss", httpserver.url_for("/f")], env=env, check=True
    )
    printed = subprocess.run(
        [sys.executable, "-m", "subsample", "schedule", "--cron"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert "decoy" not in printed and str(decoy) not in printed
    # cron runs it with sh, a short PATH and no SUBSAMPLE_HOME of its own.
    cron_env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C"}
    done = subprocess.run(
        ["/bin/sh", "-c", _as_cron_runs_it(printed)], env=cron_env, capture_output=True, text=True
    )
    assert done.returncode == 0, (printed, done.stderr)
    assert [p["key"] for p in archive_lines(home, "s")] == ["post-1", "post-2"]


def test_the_console_script_being_run_is_the_one_scheduled(tmp_path):
    script = Path(sys.executable).parent / "subsample"  # this environment's own, as pip installs it
    if not script.is_file():
        pytest.skip("no console script beside this Python")
    env = {**os.environ, "PATH": "/usr/bin:/bin", "SUBSAMPLE_HOME": str(tmp_path)}
    printed = subprocess.run(
        [str(script), "schedule", "--cron"], env=env, capture_output=True, text=True, check=True
    )
    assert printed.stdout.endswith(f" {script} fetch >/dev/null\n")


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_the_systemd_units_pass_systemd_analyze_with_a_hostile_home(run, tmp_path):
    home = tmp_path / 'it\'s 100%h "$HOME" \\ mine'
    r = run("--home", str(home), "schedule", "--systemd", "--every", "7h")
    assert r.exit_code == 0, r.output
    units = tmp_path / "units"
    units.mkdir()
    for block in r.stdout.split("# ~/.config/systemd/user/")[1:]:
        name, _, text = block.partition("\n")
        (units / name).write_text(text)
    checked = subprocess.run(
        ["systemd-analyze", "verify", str(units / "subsample-fetch.service"), str(units / "subsample-fetch.timer")],
        capture_output=True, text=True, env={**os.environ, "SYSTEMD_LOG_LEVEL": "warning"},
    )  # fmt: skip
    assert checked.returncode == 0 and checked.stderr == "", (r.stdout, checked.stderr)
    assert "%%h" in r.stdout and "OnUnitActiveSec=7h" in r.stdout

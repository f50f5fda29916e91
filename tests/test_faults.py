"""Storage faults and awkward feeds: clear errors, nothing already archived lost."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import archive_lines, item, rss


@pytest.fixture
def served(run, httpserver):
    feed = {"items": [item(2), item(1)]}
    httpserver.expect_request("/f").respond_with_handler(
        lambda req: __import__("werkzeug").Response(rss(feed["items"]), content_type="application/rss+xml")
    )
    run("add", "blog", "rss", httpserver.url_for("/f"))
    assert run("fetch").exit_code == 0
    return feed


def test_full_disk_while_appending_is_a_clear_error_and_loses_nothing(run, home, served, monkeypatch):
    before = (home / "archive" / "blog.jsonl").read_bytes()
    served["items"] = [item(4), item(3), item(2), item(1)]

    real_fsync = os.fsync

    def no_space(fd: int) -> None:
        # Fail the archive append itself (after its bytes were written), not the state files.
        if os.readlink(f"/proc/self/fd/{fd}").endswith("archive/blog.jsonl"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_fsync(fd)

    with monkeypatch.context() as m:
        m.setattr(os, "fsync", no_space)
        r = run("fetch", "--force")
    assert r.exit_code == 1, r.output
    assert "No space left on device" in r.stderr and "Traceback" not in r.stderr
    assert (home / "archive" / "blog.jsonl").read_bytes() == before  # the partial append was taken back
    r = run("fetch", "--force")
    assert r.exit_code == 0, r.output
    titles = [p["title"] for p in archive_lines(home, "blog")]
    assert sorted(titles) == ["Post number 1", "Post number 2", "Post number 3", "Post number 4"]
    numbers = [p["n"] for p in archive_lines(home, "blog")]
    assert len(set(numbers)) == 4


def test_state_that_cannot_be_saved_is_a_clear_error_and_the_posts_stay(run, home, served, monkeypatch):
    served["items"] = [item(3), item(2), item(1)]
    real_replace = os.replace

    def no_space(src: str, dst: str) -> None:
        if "/state/" in str(dst):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_replace(src, dst)

    with monkeypatch.context() as m:
        m.setattr(os, "replace", no_space)
        r = run("fetch", "--force")
    assert r.exit_code == 1, r.output
    assert "cannot write" in r.stderr and "No space left" in r.stderr and "Traceback" not in r.stderr
    # The new post was on disk before any state was written, and no temporary file is left.
    assert [p["title"] for p in archive_lines(home, "blog")][-1] == "Post number 3"
    assert not [p.name for p in (home / "state").iterdir() if p.name.endswith(".tmp")]
    r = run("fetch", "--force")
    assert r.exit_code == 0, r.output
    assert sorted(p["n"] for p in archive_lines(home, "blog")) == [1, 2, 3]  # nothing twice


def test_a_fetch_cut_short_while_another_download_is_running_says_why(run, home, served, monkeypatch):
    """A storage error ends the fetch while a slow source is still mid-transfer: the user sees
    the storage error, not a traceback from shutting down that transfer."""
    import socket
    import threading

    slow = socket.socket()
    slow.bind(("127.0.0.1", 0))
    slow.listen(1)

    def hold() -> None:  # accept, read the request, answer nothing for a while
        conn, _ = slow.accept()
        conn.recv(65536)
        threading.Event().wait(3)
        conn.close()

    threading.Thread(target=hold, daemon=True).start()
    run("add", "slow", "rss", f"http://127.0.0.1:{slow.getsockname()[1]}/feed")
    served["items"] = [item(3), item(2), item(1)]
    real_fsync = os.fsync

    def no_space(fd: int) -> None:
        if os.readlink(f"/proc/self/fd/{fd}").endswith("archive/blog.jsonl"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_fsync(fd)

    try:
        with monkeypatch.context() as m:
            m.setattr(os, "fsync", no_space)
            r = run("fetch", "--force", "--timeout", "10")
        assert r.exit_code == 1, r.output
        assert "No space left on device" in r.stderr and "Traceback" not in r.stderr
    finally:
        slow.close()


def test_unreadable_archive_is_reported_not_a_traceback(run, home, served):
    path = home / "archive" / "blog.jsonl"
    path.rename(home / "saved.jsonl")
    path.mkdir()  # whatever is there can't be read as a file
    for args in (
        ["list", "blog"],
        ["list"],
        ["fetch", "--force"],
        ["search", "post"],
        ["export", "blog", "-f", "jsonl"],
    ):
        r = run(*args)
        assert r.exit_code == 1, (args, r.output)
        assert "cannot" in r.stderr and "Traceback" not in r.stderr
    path.rmdir()
    (home / "saved.jsonl").rename(path)
    assert len(json.loads(run("list", "blog", "--json").stdout)) == 2


def test_a_post_whose_guid_changed_is_not_archived_twice(run, home, served):
    served["items"] = [item(2, guid="new-guid-2"), item(1, guid="new-guid-1")]
    r = run("fetch", "--force")
    assert r.exit_code == 0 and "0 new" in r.stdout, r.output
    assert len(archive_lines(home, "blog")) == 2
    assert all(p["in_feed"] for p in json.loads(run("list", "blog", "--json").stdout))


@pytest.mark.slow
def test_a_huge_feed_and_a_huge_entry(home, httpserver, tmp_path):
    many = rss([item(i) for i in range(20_000, 0, -1)])
    big = rss([item(1, html="<p>" + "x" * (10 * 1024 * 1024) + "</p>")])
    httpserver.expect_request("/many").respond_with_data(many)
    httpserver.expect_request("/big").respond_with_data(big)
    env = {**os.environ, "SUBSAMPLE_HOME": str(home)}
    cmd = [sys.executable, "-m", "subsample"]
    subprocess.run(
        [*cmd, "add", "many", "rss", httpserver.url_for("/many"), "--limit", "0"], env=env, check=True
    )
    subprocess.run([*cmd, "add", "big", "rss", httpserver.url_for("/big")], env=env, check=True)
    # Peak memory of the child, in a grandchild so no earlier child's peak counts.
    probe = (
        "import resource, subprocess, sys; "
        "r = subprocess.run(sys.argv[1:], capture_output=True, text=True, timeout=300); "
        "print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); "
        "print(r.stderr, file=sys.stderr)"
    )
    r = subprocess.run([sys.executable, "-c", probe, *cmd, "fetch"], env=env, capture_output=True, text=True)
    code, peak_kb = map(int, r.stdout.split())
    assert code == 0, r.stderr
    assert peak_kb < 500 * 1024, peak_kb
    assert len(archive_lines(home, "many")) == 20_000
    assert len(archive_lines(home, "big")[0]["content"]) > 10 * 1024 * 1024
    r = subprocess.run([*cmd, "list", "many", "-n", "3"], env=env, capture_output=True, text=True)
    assert "Posts (20000)" in r.stdout


def test_a_bug_while_parsing_one_feed_fails_that_source_and_no_other(run, home, httpserver, monkeypatch):
    """A crash in a download thread is not lost and does not hang the fetch: its source
    fails with a line saying where, and the other sources are archived."""
    from subsample.parse import feeds

    real = feeds.parse_feed

    def buggy(body: bytes, url: str, content_type: str | None = None, **kw: Any):
        if url.endswith("/bad"):
            raise ZeroDivisionError("division by zero")
        return real(body, url, content_type, **kw)

    httpserver.expect_request("/bad").respond_with_data(rss([item(1)]))
    httpserver.expect_request("/good").respond_with_data(rss([item(1)]))
    run("add", "bad", "rss", httpserver.url_for("/bad"))
    run("add", "good", "rss", httpserver.url_for("/good"))
    monkeypatch.setattr(feeds, "parse_feed", buggy)
    r = run("fetch")
    assert r.exit_code == 1, r.output
    assert "bad: failed: internal error" in r.stderr and "ZeroDivisionError" in r.stderr
    assert "good: 1 new" in r.stdout and "Traceback" not in r.stderr
    assert len(archive_lines(home, "good")) == 1
    assert json.loads(run("history", "bad", "--json").stdout)["state"]["failures"] == 1


def _drip(seconds: float) -> tuple[socket.socket, threading.Event]:
    """A server that answers a feed's headers, then one byte every 0.2 s for SECONDS."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    asked = threading.Event()

    def serve() -> None:
        with contextlib.suppress(OSError):
            conn, _ = server.accept()
            with conn:
                conn.recv(65536)
                asked.set()
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Length: 100000\r\n\r\n"
                )
                end = time.monotonic() + seconds
                while time.monotonic() < end:
                    conn.sendall(b" ")
                    time.sleep(0.2)

    threading.Thread(target=serve, daemon=True).start()
    return server, asked


def _local_sources(home: Path, tmp_path: Path, count: int, drip: str) -> None:
    """COUNT sources of one post each, read from files, and one at DRIP: written straight
    into sources.toml (an `add` per source would cost a Python start each)."""
    lines = [f'[sources.drip]\ntype = "rss"\nurl = "{drip}"\n']
    for i in range(count):
        feed = tmp_path / f"f{i}.xml"
        feed.write_text(rss([item(1, guid=f"{i}-1")]))
        lines.append(f'[sources.local{i}]\ntype = "rss"\nurl = "{feed}"\n')
    home.mkdir(parents=True, exist_ok=True)
    (home / "sources.toml").write_text("\n".join(lines))


def _subsample(home: Path) -> tuple[list[str], dict[str, str]]:
    return [sys.executable, "-m", "subsample"], {**os.environ, "SUBSAMPLE_HOME": str(home)}


def test_a_dripping_server_holds_the_fetch_no_longer_than_its_deadline(home, tmp_path):
    cmd, env = _subsample(home)
    server, _ = _drip(30)
    try:
        _local_sources(home, tmp_path, 6, drip=f"http://127.0.0.1:{server.getsockname()[1]}/feed")
        started = time.monotonic()
        r = subprocess.run(
            [*cmd, "fetch", "--timeout", "2"], env=env, capture_output=True, text=True, timeout=30
        )
        took = time.monotonic() - started
    finally:
        server.close()
    assert r.returncode == 1, r.stderr
    assert "drip: failed:" in r.stderr and "deadline" in r.stderr and "Traceback" not in r.stderr
    assert all(len(archive_lines(home, f"local{i}")) == 1 for i in range(6))
    assert took < 2 + 2.5, took  # the deadline, plus starting Python and archiving


def test_ctrl_c_ends_a_fetch_at_once_even_with_a_download_wedged(home, tmp_path):
    """Interrupted, `subsample fetch` exits 130 without waiting for the download threads,
    and leaves no process of its own behind (it starts none)."""
    cmd, env = _subsample(home)
    server, asked = _drip(30)
    try:
        _local_sources(home, tmp_path, 20, drip=f"http://127.0.0.1:{server.getsockname()[1]}/feed")
        proc = subprocess.Popen(
            [*cmd, "fetch"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        assert asked.wait(20), "the feed was never asked for"
        if Path("/proc/self/stat").exists():
            assert not _children(proc.pid), "fetch started processes of its own"
        proc.send_signal(signal.SIGINT)
        started = time.monotonic()
        _, err = proc.communicate(timeout=20)
        took = time.monotonic() - started
    finally:
        server.close()
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert took < 2, took


def test_ctrl_c_ends_a_large_fetch_and_its_parsing_processes(home, tmp_path):
    """Ctrl-C at a terminal reaches the whole process group: a fetch that parses in worker
    processes still exits 130 at once, with no traceback from any of them, and leaves none
    of them running."""
    cmd, env = _subsample(home)
    server, asked = _drip(30)
    try:
        _local_sources(home, tmp_path, 60, drip=f"http://127.0.0.1:{server.getsockname()[1]}/feed")
        proc = subprocess.Popen(
            [*cmd, "fetch"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            start_new_session=True,  # its own process group, as a terminal gives a command
        )  # fmt: skip
        assert asked.wait(20), "the feed was never asked for"
        workers: list[int] = []
        deadline = time.monotonic() + 20
        while Path("/proc/self/stat").exists() and not workers and time.monotonic() < deadline:
            workers = _children(proc.pid)
            time.sleep(0.05)
        time.sleep(0.5)  # the workers under way (a Ctrl-C in the ms it takes to start one is lost)
        os.killpg(proc.pid, signal.SIGINT)
        started = time.monotonic()
        _, err = proc.communicate(timeout=20)
        took = time.monotonic() - started
    finally:
        server.close()
    assert proc.returncode == 130, (proc.returncode, err)
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert took < 3, took
    if Path("/proc/self/stat").exists() and len(os.sched_getaffinity(0)) > 1:
        assert workers, "a fetch of 61 sources started no parsing process"
        assert not [pid for pid in workers if _running(pid)], "a worker outlived its fetch"


def _running(pid: int) -> bool:
    """PID is still there a second from now, and not only as a zombie (a process that has
    ended, and whose parent is gone, waits for init to collect it)."""
    deadline = time.monotonic() + 1
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            return False
        if state == "Z":
            return False
        time.sleep(0.05)
    return True


def _children(pid: int) -> list[int]:
    found = []
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                parent = int((p / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            if parent == pid:
                found.append(int(p.name))
    return found

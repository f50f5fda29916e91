"""Storage faults and awkward feeds: clear errors, nothing already archived lost."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from subsample.archive import files
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
        m.setattr(files.os, "fsync", no_space)
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
        m.setattr(files.os, "replace", no_space)
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
            m.setattr(files.os, "fsync", no_space)
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


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds the worker processes in /proc")
def test_a_download_process_that_dies_fails_its_sources_and_nothing_else(home, tmp_path, httpserver):
    """From PROCESSES_FROM sources on, worker processes download; if one is killed (by the
    OOM killer, say), its sources fail with a clear line and the others are archived."""
    import signal
    import time

    from subsample.fetch import pipeline as update

    env = {**os.environ, "SUBSAMPLE_HOME": str(home)}
    cmd = [sys.executable, "-m", "subsample"]
    local = update.PROCESSES_FROM
    for i in range(local):
        feed = tmp_path / f"f{i}.xml"
        feed.write_text(rss([item(1, guid=f"{i}-1")]))
        subprocess.run([*cmd, "add", f"local{i}", "rss", str(feed)], env=env, check=True)
    httpserver.expect_request("/slow").respond_with_handler(
        lambda req: (time.sleep(8), __import__("werkzeug").Response(rss([item(1)])))[1]
    )
    subprocess.run([*cmd, "add", "slow", "rss", httpserver.url_for("/slow")], env=env, check=True)
    proc = subprocess.Popen(
        [*cmd, "fetch"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and len(list((home / "archive").glob("local*.jsonl"))) < local:
        time.sleep(0.05)
    children = [
        int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit() and _parent_of(p) == proc.pid
    ]
    assert children, "no download process to kill"
    for pid in children:
        os.kill(pid, signal.SIGKILL)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 1, (out, err)
    assert "slow: failed: the download process stopped" in err and "Traceback" not in err
    assert "failed" not in out.replace("1 failed (slow)", "")
    assert all(len(archive_lines(home, f"local{i}")) == 1 for i in range(local))


def _parent_of(proc_dir: Path) -> int:
    try:
        return int((proc_dir / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return -1


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds the worker processes in /proc")
def test_download_processes_end_when_the_fetch_is_killed(home, tmp_path, httpserver):
    """A killed `subsample fetch` (Ctrl-C twice, the OOM killer) leaves no worker behind,
    even one whose outcome is too big for the pipe: it learns that nobody reads any more."""
    import time

    from subsample.fetch import pipeline as update

    env = {**os.environ, "SUBSAMPLE_HOME": str(home)}
    cmd = [sys.executable, "-m", "subsample"]
    for i in range(update.PROCESSES_FROM):
        feed = tmp_path / f"f{i}.xml"
        feed.write_text(rss([item(1, guid=f"{i}-1")]))
        subprocess.run([*cmd, "add", f"local{i}", "rss", str(feed)], env=env, check=True)
    big = rss([item(1, html="<p>" + "x" * 3_000_000 + "</p>")])  # more than a pipe holds
    httpserver.expect_request("/slow").respond_with_handler(
        lambda req: (time.sleep(3), __import__("werkzeug").Response(big))[1]
    )
    subprocess.run([*cmd, "add", "slow", "rss", httpserver.url_for("/slow")], env=env, check=True)
    proc = subprocess.Popen([*cmd, "fetch"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    children: list[int] = []
    while time.monotonic() < deadline and not children:
        time.sleep(0.05)
        children = [
            int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit() and _parent_of(p) == proc.pid
        ]
    assert children, "no download process started"
    time.sleep(0.5)
    proc.kill()
    proc.wait()
    deadline = time.monotonic() + 20  # the slow answer comes after 3 s
    while time.monotonic() < deadline and any(_running(pid) for pid in children):
        time.sleep(0.1)
    assert not any(_running(pid) for pid in children)


def _running(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"  # a zombie has ended; its reparented parent may not reap it

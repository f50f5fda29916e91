"""Storage faults and awkward feeds: clear errors, nothing already archived lost."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys

import pytest

from subsample import files
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

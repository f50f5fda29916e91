"""`read N --diff` and guid drift: what changed in a post, and a post under a new name."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
from html import escape
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from .conftest import Run, archive_lines, item, rss


def _serving(httpserver: HTTPServer, feed: dict[str, Any]) -> str:
    def handler(req: Request) -> Response:
        return Response(rss(feed["items"]), content_type="application/rss+xml")

    httpserver.expect_request("/feed").respond_with_handler(handler)
    return httpserver.url_for("/feed")


def test_read_diff_shows_the_words_that_changed(run: Run, httpserver: HTTPServer) -> None:
    feed = {"items": [item(1, html="<p>The cat sat on the mat.</p>")]}
    run("add", "s", "rss", _serving(httpserver, feed))
    run("fetch")
    one = run("read", "1", "--diff")
    assert one.exit_code == 0 and "one revision" in one.stdout
    feed["items"] = [item(1, html="<p>The dog sat on the mat.</p>")]
    run("fetch", "s")
    piped = run("read", "1", "--diff")
    assert piped.exit_code == 0, piped.output
    assert "The [-cat-] {+dog+} sat on the mat." in piped.stdout
    assert "\x1b" not in piped.stdout
    coloured = run("read", "1", "--diff", env={"FORCE_COLOR": "1"})
    assert coloured.exit_code == 0 and "\x1b[" in coloured.stdout
    assert "[-cat-]" not in coloured.stdout and "cat" in coloured.stdout and "dog" in coloured.stdout
    feed["items"] = [item(1, html="<p>The bird sat on the mat.</p>")]
    run("fetch", "s")
    first = run("read", "1", "--diff", "--revision", "1")
    assert "[-cat-] {+bird+}" in first.stdout
    assert "[-dog-] {+bird+}" in run("read", "1", "--diff").stdout
    missing = run("read", "1", "--diff", "--revision", "7")
    assert missing.exit_code == 2 and "no revision 7" in missing.stderr


LONG = " ".join(f"word{i}" for i in range(300))  # a post far longer than its changes
HOSTILE = "\x1b]52;c;AAAA\x07\x1b[2J [bold red]loud[/] \u202eabc"


def _two_revisions(run: Run, httpserver: HTTPServer, old: str, new: str) -> None:
    feed = {"items": [item(1, html=f"<p>{old}</p>")]}
    run("add", "s", "rss", _serving(httpserver, feed))
    run("fetch")
    feed["items"] = [item(1, html=f"<p>{new}</p>")]
    assert run("fetch", "s").exit_code == 0


def test_read_diff_shows_the_changed_words_with_a_few_words_of_context(
    run: Run, httpserver: HTTPServer
) -> None:
    edited = LONG.replace("word100 ", "changed100 ").replace("word250 ", "")
    _two_revisions(run, httpserver, LONG, edited)
    piped = run("read", "1", "--diff").stdout
    assert (
        "word95 word96 word97 word98 word99 [-word100-] {+changed100+} word101 word102 word103 word104 word105\n"
        in piped
    )
    assert "\n...\n" in piped  # between the two changes, far apart
    assert (
        "word245 word246 word247 word248 word249 [-word250-] word251 word252 word253 word254 word255" in piped
    )
    assert "word94" not in piped and "word106" not in piped and "word200" not in piped  # not the whole post
    for env in ({"NO_COLOR": "1", "FORCE_COLOR": "1"}, {}):  # a terminal without colour, a pipe
        assert "[-word100-] {+changed100+}" in run("read", "1", "--diff", env=env).stdout
    coloured = run("read", "1", "--diff", env={"FORCE_COLOR": "1", "TERM": "xterm-256color"}).stdout
    assert "word200" not in coloured and "[-word100-]" not in coloured and "changed100" in coloured
    assert coloured.count("\x1b[1m") == 1  # only the head is bold, not the whole post
    assert re.search(r"\x1b\[(\d+;)*9(;\d+)*mword100\x1b", coloured)  # the removed word struck out


@pytest.mark.parametrize("env", [{}, {"FORCE_COLOR": "1", "TERM": "xterm-256color"}])
def test_read_diff_shows_hostile_text_inert(run: Run, httpserver: HTTPServer, env: dict[str, str]) -> None:
    _two_revisions(run, httpserver, f"calm words {escape(HOSTILE)} here", f"calm {escape(HOSTILE)} there")
    r = run("read", "1", "--diff", env=env)
    assert r.exit_code == 0, r.output
    for bad in ("\x1b]52", "\x1b[2J", "\u202e", "\x07"):
        assert bad not in r.stdout
    assert "[bold red]loud[/]" in r.stdout  # shown, not obeyed


def test_a_long_diff_goes_through_the_pager_on_a_terminal(
    run: Run, home: Path, httpserver: HTTPServer, tmp_path: Path
) -> None:
    edited = " ".join(f"changed{i}" if i % 20 == 0 else f"word{i}" for i in range(300))
    _two_revisions(run, httpserver, LONG, edited)
    paged = tmp_path / "paged.txt"
    terminal, end = pty.openpty()  # stdout on a terminal of 80 x 10
    env = {k: os.environ[k] for k in ("PATH", "PYTHONPATH") if k in os.environ}
    env.update(SUBSAMPLE_HOME=str(home), LANG="C.UTF-8", TERM="xterm", NO_COLOR="1")
    env.update(PAGER=f"cat > {paged}", COLUMNS="80", LINES="10")
    p = subprocess.run(  # (pydoc pages only when stdin is a terminal too)
        [sys.executable, "-m", "subsample", "read", "1", "--diff"], stdin=end, stdout=end, env=env, timeout=60
    )
    os.close(end)
    os.close(terminal)
    assert p.returncode == 0
    shown = paged.read_text()
    assert "[-word20-] {+changed20+}" in shown and "[-word280-] {+changed280+}" in shown


def test_a_whole_feed_changing_its_guids_is_the_same_posts_renamed(
    run: Run, httpserver: HTTPServer, home: Path
) -> None:
    feed = {"items": [item(i) for i in range(5, 0, -1)]}
    run("add", "s", "rss", _serving(httpserver, feed))
    run("fetch")
    # A CMS migration: every guid changes, links and titles stay.
    feed["items"] = [item(i, guid=f"https://new.example/?p={i}") for i in range(5, 0, -1)]
    r = run("fetch", "s")
    assert r.exit_code == 0, r.output
    assert len(archive_lines(home, "s")) == 5  # never duplicates
    listing = json.loads(run("list", "s", "--json").stdout)
    posts = listing["posts"] if isinstance(listing, dict) else listing
    assert len(posts) == 5
    history = [json.loads(line) for line in (home / "history" / "s.jsonl").read_text().splitlines()]
    assert "5 posts changed their guid" in " ".join(history[-1]["notes"])
    assert "5 posts changed their guid" in run("history", "s").stdout + r.stdout


def test_identity_link_keeps_posts_whose_guid_and_title_change(
    run: Run, httpserver: HTTPServer, home: Path
) -> None:
    feed = {"items": [item(i, guid=f"{i}-a") for i in range(3, 0, -1)]}
    url = _serving(httpserver, feed)
    assert run("add", "s", "rss", url, "--identity", "link").exit_code == 0
    assert run("add", "g", "rss", url).exit_code == 0
    run("fetch")
    # Each fetch mints new guids, and the titles carry a comment count.
    feed["items"] = [item(i, guid=f"{i}-b", title=f"Post number {i} (2 comments)") for i in range(3, 0, -1)]
    run("fetch", "s", "g")
    by_link = json.loads(run("list", "s", "--json").stdout)
    posts = by_link["posts"] if isinstance(by_link, dict) else by_link
    assert len(posts) == 3 and all(p["revisions"] == 2 for p in posts)
    by_guid = json.loads(run("list", "g", "--json").stdout)
    assert len(by_guid["posts"] if isinstance(by_guid, dict) else by_guid) == 6  # what the default does
    assert "identity" in (home / "sources.toml").read_text()
    bad = run("set", "s", "identity", "title")
    assert bad.exit_code == 2 and "bad identity" in bad.stderr
    assert run("set", "g", "identity", "link+date").exit_code == 0

"""`read N --diff` and guid drift: what changed in a post, and a post under a new name."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

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

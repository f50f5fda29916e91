"""`backfill`: a source's older pages walked through the CLI, against loopback servers."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from .conftest import Run, archive_lines, item, jsonfeed, rss
from .serving import served

WORDPRESS = "<generator>https://wordpress.org/?v=6.4.2</generator>"


def _wordpress(total: int, per_page: int) -> Callable[[Request], Response]:
    """A WordPress feed of TOTAL posts, PER_PAGE a page, newest first, 404 past the end."""

    def handler(req: Request) -> Response:
        page = int(req.args.get("paged", "1"))
        newest = total - (page - 1) * per_page
        if newest < 1:
            return Response("<html>Not found</html>", status=404)
        items = [item(i) for i in range(newest, max(0, newest - per_page), -1)]
        return Response(
            rss(items).replace("<channel>", "<channel>" + WORDPRESS, 1), content_type="application/rss+xml"
        )

    return handler


def test_a_wordpress_feed_of_300_posts_is_walked_to_its_end(
    run: Run, httpserver: HTTPServer, home: Path
) -> None:
    httpserver.expect_request("/feed").respond_with_handler(_wordpress(300, 10))
    assert run("add", "wp", "rss", httpserver.url_for("/feed")).exit_code == 0
    assert run("fetch").exit_code == 0  # the newest 10, as a fetch finds them
    r = run("backfill", "wp", "--pause", "0")
    assert r.exit_code == 0, r.output
    assert "page 2: 10 posts, 10 new" in r.stdout
    assert "page 31: HTTP 404" in r.stdout
    assert "290 new posts" in r.stdout and "past the end" in r.stdout
    lines = archive_lines(home, "wp")
    assert len({line["key"] for line in lines}) == 300 and len(lines) == 300
    assert {line.get("found_by") for line in lines if line["key"] != "post-300" and line["n"] > 10} == {
        "wordpress"
    }
    # Numbers are given on first archive; `list` orders by date, so the oldest is last.
    listing = json.loads(run("list", "wp", "--json", "--all").stdout)
    posts = listing["posts"] if isinstance(listing, dict) else listing
    assert [p["title"] for p in posts][:1] == ["Post number 300"]
    assert posts[-1]["title"] == "Post number 1"
    # Every page is in the history, marked as a backfill's.
    history = (home / "history" / "wp.jsonl").read_text().splitlines()
    assert sum(1 for h in history if json.loads(h).get("backfill")) == 31
    # Again: the second page brings nothing new, and the walk stops there.
    again = run("backfill", "wp", "--pause", "0")
    assert again.exit_code == 0 and "page 2 brought nothing new" in again.stdout
    assert len(archive_lines(home, "wp")) == 300


def _linked_atom(path: str, items: list[dict[str, Any]], rels: dict[str, str], extra: str = "") -> str:
    entries = "".join(
        f'<entry><id>{it["guid"]}</id><title>{it["title"]}</title><link href="{it["link"]}"/>'
        f'<updated>{it["date"]}</updated><content type="html">{it["html"]}</content></entry>'
        for it in items
    )
    links = "".join(f'<link rel="{rel}" href="{href}"/>' for rel, href in rels.items())
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom" '
        'xmlns:fh="http://purl.org/syndication/history/1.0">'
        f"<title>Archived</title><id>urn:{path}</id><updated>2026-01-01T00:00:00Z</updated>"
        f'<link rel="self" href="{path}"/>{links}{extra}{entries}</feed>'
    )


def test_an_rfc5005_archive_chain_is_followed_back(run: Run, httpserver: HTTPServer, home: Path) -> None:
    httpserver.expect_request("/feed").respond_with_data(
        _linked_atom("/feed", [item(9), item(8), item(7)], {"prev-archive": "/archive/2"}),
        content_type="application/atom+xml",
    )
    httpserver.expect_request("/archive/2").respond_with_data(
        _linked_atom(
            "/archive/2", [item(6), item(5), item(4)], {"prev-archive": "/archive/1"}, "<fh:archive/>"
        ),
        content_type="application/atom+xml",
    )
    httpserver.expect_request("/archive/1").respond_with_data(
        _linked_atom("/archive/1", [item(3), item(2), item(1)], {}, "<fh:archive/>"),
        content_type="application/atom+xml",
    )
    run("add", "arch", "rss", httpserver.url_for("/feed"))
    r = run("backfill", "arch", "--pause", "0")
    assert r.exit_code == 0, r.output
    assert "rfc5005-archive" in r.stdout and "reached the oldest page" in r.stdout
    lines = archive_lines(home, "arch")
    assert sorted(line["key"] for line in lines) == sorted(f"post-{i}" for i in range(1, 10))
    assert {line["found_by"] for line in lines} == {"rfc5005-archive"}


def test_a_json_feed_next_url_chain_is_followed(run: Run, httpserver: HTTPServer, home: Path) -> None:
    for page in (1, 2, 3):
        doc = json.loads(jsonfeed([item(i) for i in range(12 - 4 * page, 8 - 4 * page, -1)]))
        if page < 3:
            doc["next_url"] = httpserver.url_for(f"/feed{page + 1}.json")
        httpserver.expect_request("/feed.json" if page == 1 else f"/feed{page}.json").respond_with_json(doc)
    run("add", "js", "rss", httpserver.url_for("/feed.json"))
    r = run("backfill", "js", "--pause", "0")
    assert r.exit_code == 0, r.output
    assert "jsonfeed" in r.stdout and "12 new posts" in r.stdout
    assert len(archive_lines(home, "js")) == 12


def test_an_interrupted_backfill_resumes_where_it_stopped(
    run: Run, httpserver: HTTPServer, home: Path
) -> None:
    handler = _wordpress(50, 10)
    broken = {"on": True}

    def flaky(req: Request) -> Response:
        if broken["on"] and req.args.get("paged") == "4":
            return Response("down", status=500)
        return handler(req)

    httpserver.expect_request("/feed").respond_with_handler(flaky)
    run("add", "wp", "rss", httpserver.url_for("/feed"))
    r = run("backfill", "wp", "--pause", "0")
    assert r.exit_code == 1 and "page 4: failed" in r.stdout
    assert len(archive_lines(home, "wp")) == 30
    broken["on"] = False
    httpserver.clear_log()
    again = run("backfill", "wp", "--pause", "0")
    assert again.exit_code == 0, again.output
    assert "resumed at page 4" in again.stdout
    first_request = httpserver.log[0][0]
    assert first_request.args.get("paged") == "4"  # not the top of the feed again
    assert len(archive_lines(home, "wp")) == 50
    # --max-pages stops early and also leaves a walk to resume.
    run("add", "wp2", "rss", httpserver.url_for("/feed"))
    short = run("backfill", "wp2", "--pause", "0", "--max-pages", "2")
    assert short.exit_code == 0 and len(archive_lines(home, "wp2")) == 20
    rest = run("backfill", "wp2", "--pause", "0")
    assert "resumed at page 3" in rest.stdout and len(archive_lines(home, "wp2")) == 50


def test_a_feed_with_no_way_back_says_so(run: Run, httpserver: HTTPServer, home: Path) -> None:
    httpserver.expect_request("/feed").respond_with_data(rss([item(1)]), content_type="application/rss+xml")
    run("add", "plain", "rss", httpserver.url_for("/feed"))
    assert run("fetch").exit_code == 0
    r = run("backfill", "plain", "--pause", "0")
    assert r.exit_code == 0, r.output
    assert r.stdout.strip() == "plain: the feed offers no way back to older posts."
    assert len(archive_lines(home, "plain")) == 1


def test_a_feed_with_no_way_back_still_gives_the_entries_past_the_limit(
    run: Run, httpserver: HTTPServer, home: Path
) -> None:
    # One document of 730 entries and no paging at all; a fetch takes the newest 50.
    httpserver.expect_request("/feed").respond_with_data(
        rss([item(i) for i in range(730, 0, -1)]), content_type="application/rss+xml"
    )
    run("add", "big", "rss", httpserver.url_for("/feed"), "--limit", "50")
    assert run("fetch").exit_code == 0 and len(archive_lines(home, "big")) == 50
    r = run("backfill", "big", "--pause", "0")
    assert r.exit_code == 0, r.output
    assert r.stdout.strip() == (
        "big: 680 new posts of the 730 the feed itself holds; the feed offers no way back to older posts."
    )
    lines = archive_lines(home, "big")
    assert len(lines) == 730 and len({line["key"] for line in lines}) == 730
    assert sum(1 for line in lines if line.get("found_by") == "feed") == 680
    # They were in the feed all along: none of them is said to have left it.
    listing = json.loads(run("list", "big", "--json", "--all").stdout)
    assert len(listing) == 730 and not any(p["left_feed"] for p in listing)
    again = run("backfill", "big", "--pause", "0")
    assert again.stdout.strip() == "big: the feed offers no way back to older posts."
    assert len(archive_lines(home, "big")) == 730


def test_until_stops_at_older_pages(run: Run, httpserver: HTTPServer, home: Path) -> None:
    httpserver.expect_request("/feed").respond_with_handler(_wordpress(100, 10))
    run("add", "wp", "rss", httpserver.url_for("/feed"))
    # item(i) is dated 2026-01-01 + i days: posts 70..100 are from 2026-03-12 on.
    r = run("backfill", "wp", "--pause", "0", "--until", "2026-03-12")
    assert r.exit_code == 0, r.output
    assert "older than 2026-03-12" in r.stdout
    assert {line["key"] for line in archive_lines(home, "wp")} == {f"post-{i}" for i in range(70, 101)}


def test_a_complete_feed_marks_posts_it_dropped_as_deleted(
    run: Run, httpserver: HTTPServer, home: Path
) -> None:
    body = {"items": [item(3), item(2), item(1)]}
    httpserver.expect_request("/feed").respond_with_handler(
        lambda req: Response(
            _linked_atom("/feed", body["items"], {"next": "/feed"}, "<fh:complete/>"),
            content_type="application/atom+xml",
        )
    )
    run("add", "c", "rss", httpserver.url_for("/feed"))
    assert run("fetch").exit_code == 0
    body["items"] = [item(3), item(1)]
    r = run("backfill", "c", "--pause", "0")
    assert r.exit_code == 0, r.output
    assert "1 post deleted by the publisher" in r.stdout
    listing = run("list", "c")
    assert "deleted by the publisher" in listing.stdout
    assert len(archive_lines(home, "c")) == 3  # it stays in the archive


def test_a_complete_feed_without_pages_still_marks_deletions(
    run: Run, httpserver: HTTPServer, home: Path
) -> None:
    # RFC 5005 section 2: a complete feed holds every entry, and has no paging links at all.
    body = {"items": [item(3), item(2), item(1)]}
    httpserver.expect_request("/feed").respond_with_handler(
        lambda req: Response(
            _linked_atom("/feed", body["items"], {}, "<fh:complete/>"), content_type="application/atom+xml"
        )
    )
    run("add", "c", "rss", httpserver.url_for("/feed"))
    assert run("fetch").exit_code == 0
    body["items"] = [item(3), item(1)]
    r = run("backfill", "c", "--pause", "0")
    assert r.exit_code == 0, r.output
    assert (
        r.stdout.strip()
        == "c: the feed holds every post (RFC 5005 complete feed). 1 post deleted by the publisher."
    )
    listing = run("list", "c")
    assert "Post number 2" in listing.stdout and "deleted by the publisher" in listing.stdout
    assert len(archive_lines(home, "c")) == 3  # it stays in the archive


def test_a_walk_stopped_by_until_is_widened_by_a_later_backfill(
    run: Run, httpserver: HTTPServer, home: Path
) -> None:
    httpserver.expect_request("/feed").respond_with_handler(_wordpress(100, 10))
    run("add", "wp", "rss", httpserver.url_for("/feed"))
    # item(i) is dated 2026-01-01 + i days: page 4 holds posts 70..61, only 70 of them since then.
    r = run("backfill", "wp", "--pause", "0", "--until", "2026-03-12")
    assert "page 5 is older than 2026-03-12." in r.stdout
    assert "`backfill wp` without --until goes on from page 4." in r.stdout
    assert len(archive_lines(home, "wp")) == 31
    wider = run("backfill", "wp", "--pause", "0")
    assert wider.exit_code == 0, wider.output
    assert "resumed at page 4" in wider.stdout and "past the end" in wider.stdout
    assert {line["key"] for line in archive_lines(home, "wp")} == {f"post-{i}" for i in range(1, 101)}
    assert len(archive_lines(home, "wp")) == 100


def test_restart_walks_a_finished_backfill_again_past_pages_it_already_has(
    run: Run, httpserver: HTTPServer, home: Path
) -> None:
    blog = _wordpress(50, 10)
    ended = {"at": 4}  # pages from here answer 404: the blog's first 20 posts are not online yet

    def handler(req: Request) -> Response:
        if int(req.args.get("paged", "1")) >= ended["at"]:
            return Response("<html>Not found</html>", status=404)
        return blog(req)

    httpserver.expect_request("/feed").respond_with_handler(handler)
    run("add", "wp", "rss", httpserver.url_for("/feed"))
    assert "past the end" in run("backfill", "wp", "--pause", "0").stdout
    assert len(archive_lines(home, "wp")) == 30
    ended["at"] = 99  # the site brings its oldest posts back: the walk's end moved
    same = run("backfill", "wp", "--pause", "0")
    assert "page 2 brought nothing new" in same.stdout and len(archive_lines(home, "wp")) == 30
    again = run("backfill", "wp", "--pause", "0", "--restart")
    assert again.exit_code == 0, again.output
    assert "page 2: 10 posts, 0 new" in again.stdout and "page 4: 10 posts, 10 new" in again.stdout
    assert len(archive_lines(home, "wp")) == 50


def test_posts_a_backfill_found_are_not_said_to_have_left_the_feed(
    run: Run, httpserver: HTTPServer, home: Path
) -> None:
    blog = {"total": 30}
    httpserver.expect_request("/feed").respond_with_handler(lambda req: _wordpress(blog["total"], 10)(req))
    run("add", "wp", "rss", httpserver.url_for("/feed"))
    assert run("fetch").exit_code == 0  # posts 21..30 are in the feed
    assert run("backfill", "wp", "--pause", "0").exit_code == 0  # 1..20 from older pages
    assert "left feed" not in run("list", "wp", "--all").stdout
    blog["total"] = 35  # five new posts push 21..25 out of the feed
    assert run("fetch", "wp").exit_code == 0
    posts = json.loads(run("list", "wp", "--json", "--all").stdout)
    left = {p["title"] for p in posts if p["left_feed"]}
    assert left == {f"Post number {i}" for i in range(21, 26)}
    # in_feed still says what the feed holds; left_feed, whether a post was in it and went.
    assert {p["title"] for p in posts if p["in_feed"]} == {f"Post number {i}" for i in range(26, 36)}
    table = run("list", "wp", "--all").stdout
    assert table.count("left feed") == 5
    with served(home) as site:  # the browser's Posts tab says the same
        assert site.get("/sources/wp").text.count("left the feed") == 5


def test_ctrl_c_says_what_was_kept_and_where_the_next_backfill_resumes(
    run: Run, httpserver: HTTPServer, home: Path
) -> None:
    blog = _wordpress(50, 10)
    waiting, release = threading.Event(), threading.Event()

    def handler(req: Request) -> Response:
        if req.args.get("paged") == "3" and not release.is_set():
            waiting.set()  # page 3 hangs on the wire: Ctrl-C comes now
            release.wait(20)
        return blog(req)

    httpserver.expect_request("/feed").respond_with_handler(handler)
    run("add", "wp", "rss", httpserver.url_for("/feed"))
    env = {**os.environ, "SUBSAMPLE_HOME": str(home), "NO_COLOR": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "subsample", "backfill", "wp", "--pause", "0"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert waiting.wait(20), "the walk never asked for page 3"
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    finally:
        proc.kill()
        release.set()
    assert proc.returncode == 130, (out, err)
    assert err.strip() == (
        "interrupted: 2 pages read, 20 new posts kept; `subsample backfill wp` resumes at page 3."
    ), err
    assert len(archive_lines(home, "wp")) == 20
    again = run("backfill", "wp", "--pause", "0")
    assert "resumed at page 3" in again.stdout and len(archive_lines(home, "wp")) == 50

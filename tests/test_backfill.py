"""`backfill`: a source's older pages walked through the CLI, against loopback servers."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from .conftest import Run, archive_lines, item, jsonfeed, rss

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
    r = run("backfill", "plain", "--pause", "0")
    assert r.exit_code == 0, r.output
    assert r.stdout.strip() == "plain: the feed offers no way back to older posts."
    assert not (home / "archive" / "plain.jsonl").exists()


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

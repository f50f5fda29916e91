"""`backfill` past the feed's window, from the site itself (issue 23): a WordPress-like site
on loopback whose RSS feed holds its 10 newest posts and whose REST API holds all 60."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from .conftest import WHOLE, Run, archive_lines


@dataclass
class Blog:
    """A WordPress site of TOTAL posts: its home page, its feed of the newest FEED, its REST API."""

    base: str
    total: int = 60
    feed: int = 10
    api_page: int = 25  # the most posts a REST page gives (a site may lower per_page's cap)
    announce: str = "link"  # how the home page says where the API is: link, header, generator
    robots: str | None = None  # robots.txt's body, or None for a 404
    robots_status: int = 200
    broken: set[int] = field(default_factory=set)  # REST pages that answer 500
    hang: Callable[[int], None] | None = None  # called before REST page N is answered
    api: Callable[[Request], Response] | None = None  # instead of the REST API (hostile ones)
    paged: bool = False  # the feed says WordPress made it and answers ?paged=N (404 past the end)

    def post(self, n: int) -> dict[str, Any]:
        date = datetime(2026, 1, 1, 10, tzinfo=UTC) + timedelta(days=n)
        return {
            "guid": f"{self.base}/?p={n}",
            "link": f"{self.base}/2026/post-{n}/",
            "title": f"Post number {n}\u2019s",
            "html": f"<p>Body of post {n}.</p><p>{WHOLE}</p>",
            "date": date,
        }

    def home(self, req: Request) -> Response:
        if req.args.get("rest_route"):
            return self.rest(req)
        head = {
            "link": f'<link rel="https://api.w.org/" href="{self.base}/wp-json/">',
            "header": "",
            "generator": '<meta name="generator" content="WordPress 6.4.2">',
            "rest_route": f'<link rel="https://api.w.org/" href="{self.base}/?rest_route=/">',
        }[self.announce]
        headers = {}
        if self.announce == "header":
            headers["Link"] = f'<{self.base}/wp-json/>; rel="https://api.w.org/"'
        page = f"<!doctype html><html><head><title>Blog</title>{head}</head><body>Hello</body></html>"
        return Response(page, content_type="text/html; charset=utf-8", headers=headers)

    def rss(self, req: Request) -> Response:
        items = ""
        newest = self.total - (int(req.args.get("paged", "1")) - 1) * self.feed if self.paged else self.total
        if newest < 1:
            return Response("<html>Not found</html>", status=404)
        for n in range(newest, max(0, newest - self.feed), -1):
            p = self.post(n)
            items += (
                f"<item><title>{escape(p['title'])}</title><link>{p['link']}</link>"
                f"<pubDate>{p['date'].strftime('%a, %d %b %Y %H:%M:%S +0000')}</pubDate>"
                f'<guid isPermaLink="false">{escape(p["guid"])}</guid>'
                f"<description>{escape('Body of post ' + str(n) + ' [&#8230;]')}</description>"
                f"<content:encoded>{escape(p['html'])}</content:encoded></item>"
            )
        body = (
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Blog</title>'
            f"<link>{self.base}/</link><description>d</description>"
            + ("<generator>https://wordpress.org/?v=6.4.2</generator>" if self.paged else "")
            + f"{items}</channel></rss>"
        )
        return Response(body, content_type="application/rss+xml; charset=UTF-8")

    def rest(self, req: Request) -> Response:
        if self.api is not None:
            return self.api(req)
        page = int(req.args.get("page", "1"))
        per_page = min(int(req.args.get("per_page", "10")), self.api_page)
        if self.hang is not None:
            self.hang(page)
        if page in self.broken:
            return Response('{"code":"internal_server_error"}', status=500, content_type="application/json")
        pages = -(-self.total // per_page)
        if page > pages:
            return Response(
                json.dumps({"code": "rest_post_invalid_page_number", "data": {"status": 400}}),
                status=400,
                content_type="application/json",
            )
        newest = self.total - (page - 1) * per_page
        posts = []
        for n in range(newest, max(0, newest - per_page), -1):
            p = self.post(n)
            posts.append(
                {
                    "id": n,
                    "date": p["date"].strftime("%Y-%m-%dT%H:%M:%S"),
                    "date_gmt": p["date"].strftime("%Y-%m-%dT%H:%M:%S"),
                    "guid": {"rendered": escape(p["guid"])},
                    "modified_gmt": p["date"].strftime("%Y-%m-%dT%H:%M:%S"),
                    "link": p["link"],
                    "title": {"rendered": f"Post number {n}&#8217;s"},
                    "content": {"rendered": p["html"], "protected": False},
                    "excerpt": {"rendered": f"<p>Body of post {n} [&hellip;]</p>\n", "protected": False},
                    "_embedded": {"author": [{"id": 1, "name": "Ada Writer"}]},
                }
            )
        return Response(
            json.dumps(posts),
            content_type="application/json; charset=UTF-8",
            headers={"X-WP-Total": str(self.total), "X-WP-TotalPages": str(pages)},
        )

    def robots_txt(self, req: Request) -> Response:
        if self.robots is None:
            return Response("Not found", status=404)
        return Response(self.robots, status=self.robots_status, content_type="text/plain")


def _serve(httpserver: HTTPServer, **kw: Any) -> Blog:
    blog = Blog(httpserver.url_for("").rstrip("/"), **kw)
    httpserver.expect_request("/").respond_with_handler(lambda r: blog.home(r))
    httpserver.expect_request("/feed/").respond_with_handler(lambda r: blog.rss(r))
    httpserver.expect_request("/wp-json/wp/v2/posts").respond_with_handler(lambda r: blog.rest(r))
    httpserver.expect_request("/robots.txt").respond_with_handler(lambda r: blog.robots_txt(r))
    return blog


def _paths(httpserver: HTTPServer, prefix: str) -> list[str]:
    return [req.path for req, _ in httpserver.log if req.path.startswith(prefix)]


def _posts(run: Run, sid: str) -> list[dict[str, Any]]:
    r = run("list", sid, "--json", "--all")
    assert r.exit_code == 0, r.output
    listing = json.loads(r.stdout)
    posts: list[dict[str, Any]] = listing["posts"] if isinstance(listing, dict) else listing
    return posts


def test_a_blog_whose_feed_holds_10_of_its_60_posts_ends_with_60(
    run: Run, httpserver: HTTPServer, home: Path
) -> None:
    blog = _serve(httpserver)
    assert run("add", "blog", "rss", blog.base + "/feed/").exit_code == 0
    first = run("fetch")
    assert first.exit_code == 0, first.output
    assert len(archive_lines(home, "blog")) == 10
    r = run("backfill", "blog", "--pause", "0")
    assert r.exit_code == 0, r.output
    assert "blog: the feed offers no way back to older posts." in r.stdout
    assert "wordpress-api 1: 25 posts, 15 new" in r.stdout  # (posts 60..51 came from the feed)
    assert "blog (wordpress-api): 3 pages, 50 new posts; reached its end." in r.stdout
    assert r.stdout.rstrip().endswith("blog: found 50 new posts: feed 0, wordpress-api 50.")
    lines = archive_lines(home, "blog")
    assert len(lines) == 60 and {line["key"] for line in lines} == {
        f"{blog.base}/?p={n}" for n in range(1, 61)
    }
    assert sum(1 for line in lines if line.get("found_by") == "wordpress-api") == 50
    posts = {p["title"]: p for p in _posts(run, "blog")}
    assert set(posts) == {f"Post number {n}\u2019s" for n in range(1, 61)}  # the HTML title, as plain text
    oldest = posts["Post number 1\u2019s"]
    assert oldest["published"] == "2026-01-02T10:00:00Z"
    assert not any(p["left_feed"] for p in posts.values())  # never in the feed: not "left" it
    text = run("read", str(oldest["n"]))
    assert text.exit_code == 0 and "Body of post 1." in text.stdout
    line = next(x for x in lines if x["key"] == f"{blog.base}/?p=1")
    assert line["content"].startswith("<p>Body of post 1.</p>") and line["author"] == "Ada Writer"
    assert line["link"] == f"{blog.base}/2026/post-1/"
    # The same identity as the feed's: a fetch and a second backfill add nothing.
    again = run("fetch", "blog", "--force")
    assert again.exit_code == 0 and len(archive_lines(home, "blog")) == 60
    second = run("backfill", "blog", "--pause", "0")
    assert second.exit_code == 0, second.output
    assert "read to its end on" in second.stdout and "--restart reads it again" in second.stdout
    assert "found 0 new posts" in second.stdout
    httpserver.clear_log()
    restarted = run("backfill", "blog", "--pause", "0", "--restart")
    assert restarted.exit_code == 0, restarted.output
    assert "3 pages, 0 new posts" in restarted.stdout and len(_paths(httpserver, "/wp-json/")) == 3
    assert len(archive_lines(home, "blog")) == 60
    history = [json.loads(h) for h in (home / "history" / "blog.jsonl").read_text().splitlines()]
    assert sum(1 for h in history if h.get("way") == "wordpress-api") == 6  # a record a page


def test_a_backfill_before_any_fetch_takes_the_feed_first_and_the_rest_from_the_api(
    run: Run, httpserver: HTTPServer, home: Path
) -> None:
    blog = _serve(httpserver, announce="header")
    run("add", "blog", "rss", blog.base + "/feed/")
    r = run("backfill", "blog", "--pause", "0")
    assert r.exit_code == 0, r.output
    assert "found 60 new posts: feed 10, wordpress-api 50." in r.stdout
    lines = archive_lines(home, "blog")
    assert len(lines) == 60
    assert sum(1 for x in lines if x["found_by"] == "feed") == 10  # the feed's text, not the API's
    assert run("fetch").exit_code == 0 and len(archive_lines(home, "blog")) == 60


def test_a_feed_with_pages_is_walked_as_before_and_then_the_api_adds_nothing_twice(
    run: Run, httpserver: HTTPServer, home: Path
) -> None:
    blog = _serve(httpserver, paged=True)
    run("add", "blog", "rss", blog.base + "/feed/")
    assert run("fetch").exit_code == 0
    r = run("backfill", "blog", "--pause", "0")
    assert r.exit_code == 0, r.output
    assert "blog (wordpress): 7 pages, 50 new posts; page 7 answered 404: past the end." in r.stdout
    assert "blog (wordpress-api): 3 pages, 0 new posts; reached its end." in r.stdout
    assert "blog: found 50 new posts: feed 50, wordpress-api 0." in r.stdout
    lines = archive_lines(home, "blog")
    assert len(lines) == 60 and {x["found_by"] for x in lines if "found_by" in x} == {"wordpress"}


def test_the_generator_alone_and_the_rest_route_form_are_found(
    run: Run, httpserver: HTTPServer, home: Path
) -> None:
    blog = _serve(httpserver, announce="generator")
    run("add", "gen", "rss", blog.base + "/feed/")
    r = run("backfill", "gen", "--pause", "0")
    assert r.exit_code == 0, r.output
    assert len(archive_lines(home, "gen")) == 60
    blog.announce = "rest_route"
    run("add", "plain", "rss", blog.base + "/feed/")
    httpserver.clear_log()
    r = run("backfill", "plain", "--pause", "0")
    assert r.exit_code == 0, r.output
    assert len(archive_lines(home, "plain")) == 60
    asked = [req.args.get("rest_route") for req, _ in httpserver.log if req.args.get("rest_route")]
    assert asked == ["/wp/v2/posts"] * 3


def test_robots_txt_that_disallows_the_api_is_honoured(run: Run, httpserver: HTTPServer, home: Path) -> None:
    blog = _serve(httpserver, robots="User-agent: *\nDisallow: /wp-json/\n")
    run("add", "blog", "rss", blog.base + "/feed/")
    r = run("backfill", "blog", "--pause", "0")
    assert r.exit_code == 0, r.output  # the site's wish, not a failure
    assert "robots.txt of 127.0.0.1 disallows" in r.stdout and "/wp-json/wp/v2/posts" in r.stdout
    assert _paths(httpserver, "/wp-json/") == []  # nothing read there
    assert len(archive_lines(home, "blog")) == 10
    assert _paths(httpserver, "/robots.txt") == ["/robots.txt"]  # asked once
    # The site changes its mind: the next backfill reads the API.
    blog.robots = "User-agent: *\nDisallow: /wp-admin/\n"
    r = run("backfill", "blog", "--pause", "0")
    assert r.exit_code == 0 and len(archive_lines(home, "blog")) == 60


def test_a_robots_txt_of_403_disallows_everything_and_a_group_for_subsample_is_ours(
    run: Run, httpserver: HTTPServer, home: Path
) -> None:
    blog = _serve(httpserver, robots="no", robots_status=403)
    run("add", "blog", "rss", blog.base + "/feed/")
    r = run("backfill", "blog", "--pause", "0")
    assert r.exit_code == 0, r.output
    assert "blog (wordpress-api): not looked for: robots.txt of 127.0.0.1 disallows" in r.stdout
    assert _paths(httpserver, "/wp-json/") == [] and len(archive_lines(home, "blog")) == 10
    blog.robots, blog.robots_status = "User-agent: subsample\nDisallow: /\n\nUser-agent: *\nAllow: /\n", 200
    run("add", "two", "rss", blog.base + "/feed/")
    r = run("backfill", "two", "--pause", "0")
    assert "disallows" in r.stdout and len(archive_lines(home, "two")) == 10


def test_dry_run_lists_what_it_would_read_and_archives_nothing(
    run: Run, httpserver: HTTPServer, home: Path
) -> None:
    blog = _serve(httpserver, robots="User-agent: *\nDisallow:\n")
    run("add", "blog", "rss", blog.base + "/feed/")
    assert run("fetch").exit_code == 0
    before = (home / "archive" / "blog.jsonl").read_bytes()
    history = (home / "history" / "blog.jsonl").read_bytes()
    httpserver.clear_log()
    r = run("backfill", "blog", "--pause", "0", "--dry-run")
    assert r.exit_code == 0, r.output
    assert f"feed: {blog.base}/feed/" in r.stdout
    assert f"wordpress-api: {blog.base}/wp-json/wp/v2/posts?page=1&per_page=100" in r.stdout
    assert "60 posts in 1 page" in r.stdout and "nothing archived" in r.stdout
    # One post's worth of the API to count them; no page of posts, no article page.
    api = [req.args for req, _ in httpserver.log if req.path.startswith("/wp-json/")]
    assert [a.get("per_page") for a in api] == ["1"]
    assert _paths(httpserver, "/2026/") == []
    assert (home / "archive" / "blog.jsonl").read_bytes() == before
    assert (home / "history" / "blog.jsonl").read_bytes() == history
    assert not (home / "state" / "backfill" / "blog.json").exists()
    # What robots.txt refuses is said so.
    blog.robots = "User-agent: *\nDisallow: /wp-json/wp/v2/\n"
    run("add", "two", "rss", blog.base + "/feed/")
    r = run("backfill", "two", "--pause", "0", "--dry-run")
    assert r.exit_code == 0, r.output
    assert "wp/v2/posts?page=1&per_page=100&_embed=author (robots.txt disallows it: not read)" in r.stdout
    assert not (home / "archive" / "two.jsonl").exists()


def test_a_failed_api_page_stops_the_way_and_the_next_backfill_goes_on_from_it(
    run: Run, httpserver: HTTPServer, home: Path
) -> None:
    blog = _serve(httpserver, broken={2})
    run("add", "blog", "rss", blog.base + "/feed/")
    r = run("backfill", "blog", "--pause", "0")
    assert r.exit_code == 1, r.output  # posts were missed: the user should know
    assert "failed: HTTP 500" in r.stdout and len(archive_lines(home, "blog")) == 25
    blog.broken = set()
    httpserver.clear_log()
    again = run("backfill", "blog", "--pause", "0")
    assert again.exit_code == 0, again.output
    assert "(wordpress-api, resumed at page 2)" in again.stdout
    assert [req.args.get("page") for req, _ in httpserver.log if req.path.startswith("/wp-json/")] == [
        "2",
        "3",
    ]
    assert len(archive_lines(home, "blog")) == 60


def test_max_pages_caps_the_ways_requests_too(run: Run, httpserver: HTTPServer, home: Path) -> None:
    blog = _serve(httpserver)
    run("add", "blog", "rss", blog.base + "/feed/")
    r = run("backfill", "blog", "--pause", "0", "--max-pages", "1")
    assert r.exit_code == 0, r.output
    assert "stopped after 1 requests; `backfill blog` again goes on" in r.stdout
    assert len(archive_lines(home, "blog")) == 25
    r = run("backfill", "blog", "--pause", "0")
    assert "resumed at page 2" in r.stdout and len(archive_lines(home, "blog")) == 60


def test_until_leaves_the_older_posts_and_a_later_backfill_takes_them(
    run: Run, httpserver: HTTPServer, home: Path
) -> None:
    blog = _serve(httpserver)
    run("add", "blog", "rss", blog.base + "/feed/")
    # Post n is dated 2026-01-01 + n days: since 2026-02-15 means posts 45..60.
    r = run("backfill", "blog", "--pause", "0", "--until", "2026-02-15")
    assert r.exit_code == 0, r.output
    assert {x["key"] for x in archive_lines(home, "blog")} == {f"{blog.base}/?p={n}" for n in range(45, 61)}
    assert "without --until goes on" in r.stdout
    r = run("backfill", "blog", "--pause", "0")
    assert r.exit_code == 0 and len(archive_lines(home, "blog")) == 60


def _hostile(httpserver: HTTPServer, home: Path, run: Run, api: Callable[[Request], Response]) -> Any:
    httpserver.clear()
    blog = _serve(httpserver, api=api)
    run("remove", "h")
    run("add", "h", "rss", blog.base + "/feed/")
    return run("backfill", "h", "--pause", "0")


def test_a_json_that_is_not_a_list_stops_the_way_with_a_note(
    run: Run, httpserver: HTTPServer, home: Path
) -> None:
    r = _hostile(
        httpserver, home, run, lambda req: Response('{"posts": []}', content_type="application/json")
    )
    assert r.exit_code == 1 and "is not a list of posts" in r.stdout, r.output
    assert len(archive_lines(home, "h")) == 10 and "Traceback" not in r.output
    r2 = _hostile(httpserver, home, run, lambda req: Response("<html>", content_type="application/json"))
    assert "is not JSON" in r2.stdout


def test_non_string_fields_and_a_page_loop_do_not_break_the_backfill(
    run: Run, httpserver: HTTPServer, home: Path
) -> None:
    odd = [
        {"guid": {"rendered": 7}, "link": ["x"], "title": "plain"},  # no identity: skipped
        {"guid": {"rendered": "urn:odd-1"}, "title": {"rendered": 5}, "content": [], "date_gmt": 12},
        {"guid": {"rendered": "urn:odd-2"}, "title": {"rendered": "\x1b[31m[bold]Red[/bold]"},
         "date_gmt": "not a date", "_embedded": {"author": "nobody"}},
        "not a post",
        None,
    ]  # fmt: skip
    # The server ignores ?page: every page is the first one, and says nothing of the end.
    r = _hostile(
        httpserver, home, run, lambda req: Response(json.dumps(odd), content_type="application/json")
    )
    assert r.exit_code == 0, r.output
    assert "2 pages, 2 new posts; reached its end." in r.stdout
    lines = {x["key"]: x for x in archive_lines(home, "h")}
    assert lines["urn:odd-1"]["title"] is None and lines["urn:odd-1"]["published"] is None
    assert "\x1b" not in r.stdout and "\x1b" not in run("list", "h").stdout


def test_a_huge_page_is_read_again_ten_posts_at_a_time(httpserver: HTTPServer, home: Path, run: Run) -> None:
    from subsample import core
    from subsample.fetch.http import Limits

    blog = _serve(httpserver)
    run("add", "big", "rss", blog.base + "/feed/")
    whole = Blog(blog.base, api_page=100)
    sizes: list[str] = []

    def api(req: Request) -> Response:
        sizes.append(req.args.get("per_page", ""))
        if req.args.get("per_page") == "100":  # a hundred long posts: over the size cap
            return Response("[" + " " * 300_000 + "]", content_type="application/json")
        return whole.rest(req)

    blog.api = api
    walk = core.backfill(
        resolve(home), "big", now=lambda: datetime.now(UTC), pause=0, limits=Limits(max_bytes=200_000)
    )
    assert not walk.failed, walk.ways
    assert sizes[0] == "100" and set(sizes[1:]) == {"10"}
    assert len(archive_lines(home, "big")) == 60


def resolve(home: Path) -> Any:
    from subsample.paths import resolve_paths

    return resolve_paths(home)


def test_ctrl_c_in_a_way_keeps_what_was_archived_and_says_where_it_goes_on(
    run: Run, httpserver: HTTPServer, home: Path
) -> None:
    waiting, release = threading.Event(), threading.Event()

    def hang(page: int) -> None:
        if page == 2 and not release.is_set():
            waiting.set()  # page 2 of the API hangs on the wire: Ctrl-C comes now
            release.wait(20)

    blog = _serve(httpserver, hang=hang)
    run("add", "blog", "rss", blog.base + "/feed/")
    env = {**os.environ, "SUBSAMPLE_HOME": str(home), "NO_COLOR": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "subsample", "backfill", "blog", "--pause", "0"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert waiting.wait(20), "the backfill never asked for page 2 of the API"
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    finally:
        proc.kill()
        release.set()
    assert proc.returncode == 130, (out, err)
    assert err.strip() == (
        "interrupted: 2 pages read, 25 new posts kept; `subsample backfill blog` goes on with"
        " wordpress-api at page 2."
    ), err
    assert len(archive_lines(home, "blog")) == 25
    again = run("backfill", "blog", "--pause", "0")
    assert again.exit_code == 0, again.output
    assert "resumed at page 2" in again.stdout and len(archive_lines(home, "blog")) == 60


def test_a_progress_file_from_before_the_ways_still_reads(home: Path) -> None:
    from subsample.archive.state import load_progress

    paths = resolve(home)
    (paths.state_dir / "backfill").mkdir(parents=True)
    old = {"next_url": "https://example.org/feed?paged=3", "mechanism": "wordpress", "number": 3,
           "finished": None, "deleted": ["a"]}  # fmt: skip
    (paths.state_dir / "backfill" / "b.json").write_text(json.dumps(old))
    p = load_progress(paths, "b")
    assert (p.next_url, p.number, p.deleted, p.ways, p.ways_finished) == (old["next_url"], 3, ["a"], {}, {})
    (paths.state_dir / "backfill" / "c.json").write_text(json.dumps({"ways": [1], "ways_finished": {"x": 3}}))
    assert load_progress(paths, "c").ways == {}


def test_the_rest_api_posts_url_and_entry() -> None:
    from subsample.fetch.ways.wordpress import entry_of, posts_url

    assert posts_url("https://b.example/wp-json/", 2) == (
        "https://b.example/wp-json/wp/v2/posts?page=2&per_page=100&_embed=author"
    )
    assert posts_url("https://b.example/?rest_route=/", 1, 10) == (
        "https://b.example/?rest_route=/wp/v2/posts&page=1&per_page=10&_embed=author"
    )
    e = entry_of(
        {"guid": {"rendered": "https://b.example/?p=5&#038;x=1"}, "link": "https://b.example/five/",
         "title": {"rendered": "A <em>fine</em> &amp; dandy"}, "date_gmt": "2026-01-02T03:04:05",
         "content": {"rendered": "<p>x</p>", "protected": True}}
    )  # fmt: skip
    assert e is not None
    assert (e["key"], e["title"], e["published"], e["content"]) == (
        "https://b.example/?p=5&x=1",
        "A fine & dandy",
        "2026-01-02T03:04:05Z",
        None,
    )
    assert entry_of({"title": {"rendered": "no identity"}}) is None and entry_of([]) is None


def test_the_run_s_byte_cap_stops_the_ways_and_the_next_backfill_goes_on(
    run: Run, httpserver: HTTPServer, home: Path
) -> None:
    from subsample import config
    from subsample.fetch.backfill import backfill

    blog = _serve(httpserver)
    run("add", "blog", "rss", blog.base + "/feed/")
    now = lambda: datetime.now(UTC)  # noqa: E731
    paths = resolve(home)
    source = config.load_sources(paths)["blog"]
    # The feed (about 12 kB) is read whatever the cap; the API's first page passes it.
    walk = backfill(paths, source, now=now, pause=0, max_bytes=20_000)
    way = walk.ways[0]
    assert not walk.failed and way.steps == 1, way
    assert way.stopped.startswith("stopped after reading") and "again goes on" in way.stopped
    assert len(archive_lines(home, "blog")) == 25
    walk = backfill(paths, source, now=now, pause=0)
    assert walk.ways[0].resumed == "at page 2" and len(archive_lines(home, "blog")) == 60


def test_one_request_at_a_time_per_host_with_a_pause(httpserver: HTTPServer) -> None:
    import time

    from subsample.fetch import http
    from subsample.fetch.door import Door

    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nDisallow: /private/\n")
    httpserver.expect_request("/a").respond_with_data("a")
    session = http.Session()
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        time.sleep(seconds)

    door = Door(
        session, pause=0.3, limits=None, refuse_host=http.stay_outside_unless(httpserver.url_for("/")),
        max_bytes=10**6, sleep=sleep,
    )  # fmt: skip
    try:
        assert door.get(httpserver.url_for("/a")).body == b"a"
        assert door.get(httpserver.url_for("/a")).body == b"a"
        assert door.allows(httpserver.url_for("/a")) and not door.allows(httpserver.url_for("/private/x"))
    finally:
        session.close()
    assert [r.path for r, _ in httpserver.log] == ["/robots.txt", "/a", "/a"]  # robots.txt once
    assert len(slept) == 2 and all(0.1 < s <= 0.3 for s in slept)


def _way_module(name: str, batches: Callable[[Any], Any]) -> Any:
    """A way as fetch/ways/NAME.py would be, offered by every site."""
    import types

    module = types.ModuleType(f"subsample.fetch.ways.{name}")

    class Way:
        def __init__(self, site: Any) -> None:
            self.site, self.name = site, name

        def batches(self, cursor: Any) -> Any:
            return batches(self.site)

    module.NAME = name  # type: ignore[attr-defined]
    module.find = Way  # type: ignore[attr-defined]
    return module


def test_a_way_that_fails_leaves_the_next_to_go_on_and_wayback_runs_only_when_asked(
    run: Run, httpserver: HTTPServer, home: Path, monkeypatch: Any
) -> None:
    from subsample.errors import FetchError
    from subsample.fetch import backfill
    from subsample.fetch.ways import Batch, wordpress
    from subsample.parse.entry import make_entry

    def broken(site: Any) -> Any:
        site.get(site.home_url + "nowhere")
        raise FetchError("the way broke")
        yield  # (a generator)

    def captures(site: Any) -> Any:
        entry = make_entry(
            id="urn:captured", link=None, title="From a capture", author=None, published="2025-06-01T00:00:00Z",
            updated=None, summary=None, content="<p>then</p>", tags=[], enclosures=[], extra_images=[],
        )  # fmt: skip
        yield Batch(
            [entry], None, read=["https://archive.example/web/2025id_/feed"], extra={"captured": "2025"}
        )

    ways = (_way_module("broken", broken), wordpress, _way_module("wayback", captures))
    monkeypatch.setattr(backfill, "WAYS", ways)
    blog = _serve(httpserver)
    run("add", "blog", "rss", blog.base + "/feed/")
    r = run("backfill", "blog", "--pause", "0")
    assert r.exit_code == 1, r.output  # one way failed: the user should know
    assert "blog (broken): failed: the way broke." in r.stdout
    assert "blog (wordpress-api): 3 pages, 50 new posts" in r.stdout and "wayback" not in r.stdout
    assert len(archive_lines(home, "blog")) == 60
    r = run("backfill", "blog", "--pause", "0", "--wayback")
    assert "blog (wayback): 1 page, 1 new post; reached its end." in r.stdout
    line = next(x for x in archive_lines(home, "blog") if x["key"] == "urn:captured")
    assert (line["found_by"], line["captured"]) == ("wayback", "2025")

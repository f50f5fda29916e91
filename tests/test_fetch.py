"""fetch end to end against a real loopback HTTP server."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from werkzeug import Request, Response

from subsample.fetch import pipeline
from subsample.fetch.pool import PARSE_PROCESSES_FROM, parse_processes
from tests.conftest import archive_lines, atom, item, jsonfeed, rdf, rss


def serve_with_etag(httpserver, path: str, body: str, etag: str = '"v1"', ctype: str = "application/rss+xml"):
    def handler(request: Request) -> Response:
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304)
        return Response(
            body, content_type=ctype, headers={"ETag": etag, "Last-Modified": "Mon, 02 Nov 2026 09:00:00 GMT"}
        )

    httpserver.expect_request(path).respond_with_handler(handler)


def test_fetch_archives_every_post_then_sends_conditional_requests(run, home, httpserver):
    items = [item(i) for i in range(31, 0, -1)]  # newest first, as feeds are
    serve_with_etag(httpserver, "/feed.xml", rss(items))
    assert run("add", "blog", "rss", httpserver.url_for("/feed.xml")).exit_code == 0
    r = run("fetch")
    assert r.exit_code == 0, r.output
    assert "31 new" in r.stdout
    lines = archive_lines(home, "blog")
    assert len(lines) == 31
    # Older posts of one fetch get the smaller numbers.
    by_n = sorted(lines, key=lambda p: p["n"])
    assert [p["title"] for p in by_n][:2] == ["Post number 1", "Post number 2"]
    assert {p["n"] for p in lines} == set(range(1, 32))
    for field in (
        "n",
        "source",
        "key",
        "id",
        "title",
        "link",
        "author",
        "published",
        "updated",
        "first_seen",
        "summary",
        "content",
        "tags",
        "enclosures",
        "images",
        "revision",
        "hash",
    ):
        assert field in lines[0], field

    r = run("fetch", "blog")  # named: fetched now, due or not, and conditionally
    assert r.exit_code == 0, r.output
    assert "not modified" in r.stdout
    last = httpserver.log[-1][0]
    assert last.headers["If-None-Match"] == '"v1"'
    assert last.headers["If-Modified-Since"] == "Mon, 02 Nov 2026 09:00:00 GMT"
    assert last.headers["User-Agent"].startswith("subsample/")
    assert len(archive_lines(home, "blog")) == 31

    # --force asks for the whole feed: the server cannot answer 304.
    r = run("fetch", "--force")
    assert r.exit_code == 0, r.output
    assert "not modified" not in r.stdout and "31 unchanged" in r.stdout
    last = httpserver.log[-1][0]
    assert "If-None-Match" not in last.headers and "If-Modified-Since" not in last.headers
    assert len(archive_lines(home, "blog")) == 31


def test_an_edited_post_gets_one_new_revision_and_dropped_posts_stay(run, home, httpserver):
    items = [item(i) for i in range(5, 0, -1)]
    httpserver.expect_ordered_request("/f").respond_with_data(rss(items), content_type="application/rss+xml")
    edited = [item(5), item(4, html="<p>Body of post 4, corrected.</p>"), item(3)]
    httpserver.expect_ordered_request("/f").respond_with_data(rss(edited), content_type="application/rss+xml")
    run("add", "blog", "rss", httpserver.url_for("/f"))
    assert run("fetch").exit_code == 0
    r = run("fetch", "blog")
    assert r.exit_code == 0, r.output
    assert "0 new, 1 updated" in r.stdout
    lines = archive_lines(home, "blog")
    assert len(lines) == 6
    revisions = [p for p in lines if p["key"] == "post-4"]
    assert [p["revision"] for p in revisions] == [1, 2]
    assert revisions[0]["n"] == revisions[1]["n"]
    assert revisions[1]["first_seen"] == revisions[0]["first_seen"]
    # The posts that left the feed are still listed, marked.
    listing = json.loads(run("list", "blog", "--json").stdout)
    assert len(listing) == 5
    gone = {p["title"] for p in listing if p["in_feed"] is False}
    assert gone == {"Post number 1", "Post number 2"}
    r = run("list", "blog")
    assert "left feed" in r.stdout and "edited" in r.stdout
    # Both revisions can be read.
    n = revisions[0]["n"]
    assert "corrected" in run("read", str(n)).stdout
    assert "corrected" not in run("read", str(n), "--revision", "1").stdout


@pytest.mark.parametrize(
    "build, ctype",
    [
        (rss, "application/rss+xml"),
        (atom, "application/atom+xml"),
        (rdf, "application/rdf+xml"),
        (jsonfeed, "application/feed+json"),
    ],
)
def test_every_feed_format_archives_titles_links_dates_and_content(run, home, httpserver, build, ctype):
    items = [item(2, title="Café & “quotes”", html="<p>Hello <b>world</b> &amp; more</p>"), item(1)]
    httpserver.expect_request("/feed").respond_with_data(build(items), content_type=ctype)
    run("add", "f", "rss", httpserver.url_for("/feed"))
    r = run("fetch")
    assert r.exit_code == 0, r.output
    posts = {p["link"]: p for p in archive_lines(home, "f")}
    p = posts["https://example.org/p/2"]
    assert p["title"] == "Café & “quotes”"
    assert p["published"] == "2026-01-03T10:00:00Z"
    assert "Hello <b>world</b> &amp; more" in p["content"]
    assert posts["https://example.org/p/1"]["title"] == "Post number 1"


def test_a_json_feed_title_that_is_a_number_is_kept(run, home, httpserver):
    doc = json.loads(jsonfeed([item(3), item(2), item(1)]))
    doc["title"] = 1999
    doc["items"][0]["title"], doc["items"][1]["title"], doc["items"][2]["title"] = 2024, 2.5, True
    httpserver.expect_request("/f").respond_with_json(doc)
    run("add", "f", "rss", httpserver.url_for("/f"))
    assert run("fetch").exit_code == 0
    titles = {p["link"][-1]: p["title"] for p in archive_lines(home, "f")}
    assert titles == {"3": "2024", "2": "2.5", "1": None}  # (true is no title)
    assert "1999 (f)" in run("list", "f").stdout


def test_limit_takes_only_the_newest_entries(run, home, httpserver):
    httpserver.expect_request("/f").respond_with_data(rss([item(i) for i in range(1, 11)]))
    run("add", "blog", "rss", httpserver.url_for("/f"), "--limit", "3")
    assert run("fetch").exit_code == 0
    assert sorted(p["title"] for p in archive_lines(home, "blog")) == [
        "Post number 10",
        "Post number 8",
        "Post number 9",
    ]


def test_failures_are_reported_per_source_and_the_rest_are_saved(run, home, httpserver):
    httpserver.expect_request("/good").respond_with_data(rss([item(1)]))
    httpserver.expect_request("/missing").respond_with_data("nope", status=404)
    httpserver.expect_request("/page").respond_with_data(
        "<html><body><p>hi</p></body></html>", content_type="text/html"
    )
    httpserver.expect_request("/empty").respond_with_data("")
    for sid, path in (("good", "/good"), ("missing", "/missing"), ("page", "/page"), ("empty", "/empty")):
        run("add", sid, "rss", httpserver.url_for(path))
    r = run("fetch")
    assert r.exit_code == 1, r.output
    assert "good: 1 new" in r.stdout
    assert "missing: failed: HTTP 404" in r.stderr
    assert "page: failed: the response is not a feed" in r.stderr
    assert "empty: failed: the response was empty" in r.stderr
    assert "3 failed" in r.stdout
    assert len(archive_lines(home, "good")) == 1
    history = json.loads(run("history", "missing", "--json").stdout)
    assert history["fetches"][0]["status"] == 404 and history["state"]["failures"] == 1
    # A failing source is not due again until its back-off passes; the good one in 6h.
    r = run("fetch")
    assert r.exit_code == 0 and "Nothing is due" in r.stdout


def test_gone_disables_the_source_and_keeps_its_archive(run, home, httpserver):
    httpserver.expect_ordered_request("/f").respond_with_data(rss([item(1)]))
    httpserver.expect_ordered_request("/f").respond_with_data("gone", status=410)
    run("add", "blog", "rss", httpserver.url_for("/f"))
    run("fetch")
    r = run("fetch", "--force")
    assert r.exit_code == 1 and "disabled" in r.stderr
    assert json.loads(run("list", "--json").stdout)[0]["status"] == "disabled"
    assert len(archive_lines(home, "blog")) == 1


def test_retry_after_sets_the_next_update(run, httpserver):
    httpserver.expect_request("/f").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "86400"}
    )
    run("add", "blog", "rss", httpserver.url_for("/f"), "--interval", "1h")
    assert run("fetch").exit_code == 1
    h = json.loads(run("history", "blog", "--json").stdout)
    assert h["state"]["schedule"] == "Retry-After"
    assert "Retry-After" in run("history", "blog").stdout


def test_permanent_redirect_is_followed_and_remembered(run, home, httpserver):
    httpserver.expect_request("/old").respond_with_data(
        "", status=301, headers={"Location": httpserver.url_for("/new")}
    )
    httpserver.expect_request("/new").respond_with_data(rss([item(1)]))
    run("add", "blog", "rss", httpserver.url_for("/old"))
    r = run("fetch")
    assert r.exit_code == 0 and "moved permanently" in r.stdout
    run("fetch", "--force")
    assert [req.path for req, _ in httpserver.log] == ["/old", "/new", "/new"]


def test_relative_and_temporary_redirects_are_followed_but_not_remembered(run, home, httpserver):
    httpserver.expect_request("/feed").respond_with_data(
        "", status=302, headers={"Location": "../v2/feed.xml"}
    )
    httpserver.expect_request("/v2/feed.xml").respond_with_data(rss([item(1)]))
    run("add", "blog", "rss", httpserver.url_for("/feed"))
    r = run("fetch")
    assert r.exit_code == 0 and "blog: 1 new" in r.stdout and "moved" not in r.stdout
    run("fetch", "--force")
    assert [req.path for req, _ in httpserver.log] == ["/feed", "/v2/feed.xml", "/feed", "/v2/feed.xml"]


def test_redirect_loop_fails_cleanly(run, httpserver):
    httpserver.expect_request("/a").respond_with_data(
        "", status=302, headers={"Location": httpserver.url_for("/b")}
    )
    httpserver.expect_request("/b").respond_with_data(
        "", status=302, headers={"Location": httpserver.url_for("/a")}
    )
    run("add", "loop", "rss", httpserver.url_for("/a"))
    r = run("fetch")
    assert r.exit_code == 1 and "redirects" in r.stderr


def test_compressed_feeds_are_read_and_asked_for(run, home, httpserver):
    import zlib

    feed = rss([item(1)]).encode()
    httpserver.expect_request("/gz").respond_with_data(
        gzip.compress(feed), headers={"Content-Encoding": "gzip"}, content_type="application/rss+xml"
    )
    httpserver.expect_request("/deflate").respond_with_data(
        zlib.compress(feed), headers={"Content-Encoding": "deflate"}, content_type="application/rss+xml"
    )
    run("add", "gz", "rss", httpserver.url_for("/gz"))
    run("add", "deflate", "rss", httpserver.url_for("/deflate"))
    r = run("fetch")
    assert r.exit_code == 0, r.output
    assert [p["title"] for p in archive_lines(home, "gz")] == ["Post number 1"]
    assert [p["title"] for p in archive_lines(home, "deflate")] == ["Post number 1"]
    assert all("gzip" in req.headers.get("Accept-Encoding", "") for req, _ in httpserver.log)


def test_gzip_bomb_stops_at_the_cap(run, home, httpserver):
    bomb = gzip.compress(b"<rss>" + b" " * (200 * 1024 * 1024), compresslevel=9)
    httpserver.expect_request("/bomb").respond_with_data(
        bomb, headers={"Content-Encoding": "gzip"}, content_type="application/rss+xml"
    )
    httpserver.expect_request("/ok").respond_with_data(rss([item(1)]))
    run("add", "bomb", "rss", httpserver.url_for("/bomb"))
    run("add", "ok", "rss", httpserver.url_for("/ok"))
    r = run("fetch")
    assert r.exit_code == 1
    assert "bomb: failed: body is over the" in r.stderr
    assert "ok: 1 new" in r.stdout


def test_torn_last_line_is_set_aside_and_the_next_append_is_clean(run, home, httpserver):
    httpserver.expect_ordered_request("/f").respond_with_data(rss([item(1)]))
    httpserver.expect_ordered_request("/f").respond_with_data(rss([item(2), item(1)]))
    run("add", "blog", "rss", httpserver.url_for("/f"))
    run("fetch")
    path = home / "archive" / "blog.jsonl"
    with open(path, "ab") as f:
        f.write(b'{"n": 99, "title": "half a li')  # a crash mid-write
    assert json.loads(run("list", "blog", "--json").stdout)[0]["title"] == "Post number 1"
    assert run("fetch", "--force").exit_code == 0
    raw = path.read_bytes().split(b"\n")
    good = [json.loads(x) for x in raw if x.startswith(b"{") and x.endswith(b"}")]
    assert [p["title"] for p in good] == ["Post number 1", "Post number 2"]
    # Never thrown away: set aside in torn/ (archive/repair.py), the archive left whole.
    assert b"half a li" not in path.read_bytes()
    assert any(b"half a li" in p.read_bytes() for p in (home / "torn").iterdir())
    assert len(json.loads(run("list", "blog", "--json").stdout)) == 2


def test_nothing_due_is_success_with_a_line_saying_when(run, httpserver):
    httpserver.expect_request("/f").respond_with_data(rss([item(1)]))
    run("add", "blog", "rss", httpserver.url_for("/f"))
    run("fetch")
    r = run("fetch")
    assert r.exit_code == 0
    assert "Nothing is due" in r.stdout and "from now" in r.stdout


def test_deleting_the_index_loses_nothing(run, home, httpserver):
    httpserver.expect_request("/f").respond_with_data(rss([item(2), item(1)]))
    run("add", "blog", "rss", httpserver.url_for("/f"))
    run("fetch")
    before = run("list", "blog", "--json").stdout
    for p in (home / "cache").iterdir():
        p.unlink()
    assert run("list", "blog", "--json").stdout == before
    (home / "cache" / "index.sqlite").write_bytes(b"garbage" * 100)
    for p in (home / "cache").glob("index.sqlite-*"):
        p.unlink()
    assert run("list", "blog", "--json").stdout == before


def test_post_counts_follow_new_posts_revisions_other_writers_and_rebuilds(run, home, httpserver):
    """The index keeps each source's post count as it goes; every way posts arrive keeps it true."""
    feed = {"items": [item(3), item(2), item(1)]}
    httpserver.expect_request("/f").respond_with_handler(lambda req: Response(rss(feed["items"])))
    run("add", "blog", "rss", httpserver.url_for("/f"))
    run("fetch")

    def counted() -> tuple[int, int, int]:
        listing = run("list", "blog").stdout
        total = int(listing.split("Posts (")[1].split(")")[0])
        [row] = json.loads(run("list", "--json").stdout)
        return total, row["posts"], len({p["n"] for p in archive_lines(home, "blog")})

    assert counted() == (3, 3, 3)
    feed["items"] = [item(4), item(3), item(2, title="Edited"), item(1)]  # one new, one revised
    run("fetch", "--force")
    assert counted() == (4, 4, 4)
    # Another writer's lines (read back by sync, not indexed as they were written): a post
    # numbered after every other, and a revision of post 1.
    lines = archive_lines(home, "blog")
    first = next(p for p in lines if p["title"] == "Post number 1")
    extra = [{**first, "n": 99, "key": "by-hand", "revision": 1}, {**first, "revision": 2, "title": "Again"}]
    with open(home / "archive" / "blog.jsonl", "a") as f:
        f.writelines(json.dumps(r) + "\n" for r in extra)
    assert counted() == (5, 5, 5)
    for p in (home / "cache").iterdir():  # rebuilt from the archive
        p.unlink()
    assert counted() == (5, 5, 5)


def test_an_index_from_before_post_counts_is_upgraded_in_place(run, home, httpserver):
    import sqlite3

    httpserver.expect_request("/f").respond_with_data(rss([item(2), item(1)]))
    run("add", "blog", "rss", httpserver.url_for("/f"))
    run("fetch")
    db = sqlite3.connect(home / "cache" / "index.sqlite")
    db.execute("ALTER TABLE files DROP COLUMN posts")  # as version 4 made it
    db.execute("PRAGMA user_version=4")
    db.execute("INSERT INTO files VALUES ('marker', 0, 0, 0)")  # gone if it were rebuilt
    db.commit()
    db.close()
    assert "Posts (2)" in run("list", "blog").stdout
    db = sqlite3.connect(home / "cache" / "index.sqlite")
    assert db.execute("PRAGMA user_version").fetchone()[0] == 5
    assert db.execute("SELECT posts FROM files WHERE source='marker'").fetchone() == (0,)
    db.close()


def test_two_fetch_processes_at_once_neither_duplicate_nor_lose(home, httpserver, tmp_path):
    items = [item(i) for i in range(60, 0, -1)]
    httpserver.expect_request("/f").respond_with_data(rss(items))
    httpserver.expect_request("/g").respond_with_data(rss([item(i, guid=f"g{i}") for i in range(40, 0, -1)]))
    env = {"SUBSAMPLE_HOME": str(home), "PATH": "/usr/bin:/bin"}
    cmd = [sys.executable, "-m", "subsample"]
    subprocess.run([*cmd, "add", "f", "rss", httpserver.url_for("/f"), "--limit", "0"], env=env, check=True)
    subprocess.run([*cmd, "add", "g", "rss", httpserver.url_for("/g"), "--limit", "0"], env=env, check=True)
    procs = [
        subprocess.Popen([*cmd, "fetch", "--force"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(4)
    ]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    f, g = archive_lines(home, "f"), archive_lines(home, "g")
    assert len(f) == 60 and len(g) == 40
    numbers = [p["n"] for p in f + g]
    assert len(set(numbers)) == 100


def test_python_dash_m_works_with_whole_output_and_exit_codes(home, tmp_path):
    """The real entry point (which leaves without the interpreter's teardown) flushes all
    it printed and keeps every exit code."""

    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # buffered, as usual

    def sub(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "subsample", *args], capture_output=True, text=True, env=env
        )

    r = sub("--version")
    assert r.returncode == 0 and r.stdout.startswith("subsample ")
    feed = tmp_path / "feed.xml"
    feed.write_text(rss([item(i, html="<p>" + "words " * 500 + "</p>") for i in range(1, 201)]))
    assert sub("add", "big", "rss", str(feed), "--limit", "0").returncode == 0
    assert sub("fetch").returncode == 0
    r = sub("list", "big", "--json", "-n", "200")
    assert r.returncode == 0 and len(json.loads(r.stdout)) == 200  # all of it, flushed
    r = sub("list", "nosuch")
    assert r.returncode == 2 and "no source named" in r.stderr
    assert sub("--no-such-option").returncode == 2
    (tmp_path / "feed.xml").write_text("not a feed")
    assert sub("fetch", "--force").returncode == 1


def test_local_example_feed_ships_and_archives(run, home):
    example = Path(__file__).parents[1] / "examples" / "demo.xml"
    assert run("add", "demo", "rss", str(example)).exit_code == 0
    assert run("fetch").exit_code == 0
    r = run("list", "demo")
    assert "Posts (3)" in r.stdout


@pytest.mark.parametrize("count", [18, 45], ids=["parsed-in-threads", "parsed-in-processes"])
def test_many_sources_at_once_are_numbered_apart_and_survive_a_guid_migration(
    run, home, httpserver, monkeypatch, count
):
    """A large fetch parses its feeds in worker processes (where there is a core to spare),
    a small one in its download threads: the archives are the same either way."""
    pools = []

    def spy(sources: int):
        pools.append(pool := parse_processes(sources))
        return pool

    monkeypatch.setattr(pipeline, "parse_processes", spy)
    big = "<p>" + "long read " * 300_000 + "</p>"  # 3 MB
    for i in range(count):
        httpserver.expect_request(f"/f{i}").respond_with_data(
            rss([item(2, guid=f"{i}-2"), item(1, guid=f"{i}-1", **({"html": big} if i == 0 else {}))])
        )
        run("add", f"s{i}", "rss", httpserver.url_for(f"/f{i}"))
    httpserver.expect_request("/bad").respond_with_data("<html>not a feed</html>", content_type="text/html")
    run("add", "bad", "rss", httpserver.url_for("/bad"))
    r = run("fetch")
    assert r.exit_code == 1, r.output
    assert "bad: failed: the response is not a feed" in r.stderr
    numbers = []
    for i in range(count):
        posts = archive_lines(home, f"s{i}")
        assert [p["title"] for p in posts] == ["Post number 1", "Post number 2"]
        numbers += [p["n"] for p in posts]
    assert sorted(numbers) == list(range(1, 2 * count + 1))
    assert archive_lines(home, "s0")[0]["content"] == big
    if hasattr(os, "sched_getaffinity") and len(os.sched_getaffinity(0)) > 1:  # (as fetch counts cores)
        assert (pools[0] is not None) == (count + 1 >= PARSE_PROCESSES_FROM)

    # A CMS migration: new guids, same links and titles, one body edited. A renamed post
    # keeps its number and key, and its revision carries the whole new body.
    httpserver.clear_all_handlers()
    for i in range(count):
        httpserver.expect_request(f"/f{i}").respond_with_data(
            rss(
                [
                    item(2, guid=f"new-{i}-2", html=f"<p>Edited {i} &amp; more.</p>"),
                    item(1, guid=f"new-{i}-1", **({"html": big} if i == 0 else {})),
                ]
            )
        )
    httpserver.expect_request("/bad").respond_with_data("<html>not a feed</html>", content_type="text/html")
    r = run("fetch", "--force")
    assert f"0 new, {count} updated" in r.stdout, r.output
    for i in range(count):
        posts = archive_lines(home, f"s{i}")
        assert [(p["key"], p["revision"]) for p in posts] == [(f"{i}-1", 1), (f"{i}-2", 1), (f"{i}-2", 2)]
        assert posts[2]["content"] == f"<p>Edited {i} &amp; more.</p>" and posts[2]["n"] == posts[1]["n"]
        assert posts[2]["title"] == "Post number 2" and posts[2]["link"] == "https://example.org/p/2"


def test_308_is_remembered_until_the_user_changes_the_url(run, home, httpserver):
    httpserver.expect_request("/old").respond_with_data(
        "", status=308, headers={"Location": httpserver.url_for("/new")}
    )
    httpserver.expect_request("/new").respond_with_data(rss([item(1)]))
    httpserver.expect_request("/mine").respond_with_data(rss([item(1)]))
    run("add", "blog", "rss", httpserver.url_for("/old"))
    assert "moved permanently" in run("fetch").stdout
    run("fetch", "--force")
    assert run("set", "blog", "url", httpserver.url_for("/mine")).exit_code == 0
    run("fetch", "--force")
    assert [req.path for req, _ in httpserver.log] == ["/old", "/new", "/new", "/mine"]
    assert len(archive_lines(home, "blog")) == 1  # the same post, whatever the URL


def test_retry_after_as_an_http_date(run, httpserver):
    from datetime import UTC, datetime, timedelta
    from email.utils import format_datetime

    later = format_datetime(datetime.now(UTC) + timedelta(days=2), usegmt=True)
    httpserver.expect_request("/f").respond_with_data("busy", status=503, headers={"Retry-After": later})
    run("add", "blog", "rss", httpserver.url_for("/f"), "--interval", "1h")
    assert run("fetch").exit_code == 1
    h = json.loads(run("history", "blog", "--json").stdout)
    assert h["state"]["schedule"] == "Retry-After"
    assert "asked to wait 2d" in run("history", "blog").stdout


def test_a_source_never_fetched_well_shows_never_and_tells_its_last_attempt_from_its_last_success(
    run, httpserver
):
    feed = {"status": 500}
    httpserver.expect_request("/f").respond_with_handler(
        lambda req: Response(rss([item(1)]) if feed["status"] == 200 else "oops", status=feed["status"])
    )
    run("add", "blog", "rss", httpserver.url_for("/f"))
    assert run("fetch").exit_code == 1
    [row] = json.loads(run("list", "--json").stdout)
    assert row["last_update"] is None and row["last_success"] is None and row["last_attempt"]
    assert "never" in run("list").stdout
    state = json.loads(run("history", "blog", "--json").stdout)["state"]
    assert state["last_success"] is None and state["last_attempt"] == row["last_attempt"]
    assert json.loads(run("config", "blog", "--json").stdout)["state"]["last_success"] is None

    feed["status"] = 200
    assert run("fetch", "--force").exit_code == 0
    [row] = json.loads(run("list", "--json").stdout)
    assert row["last_update"] == row["last_success"] == row["last_attempt"]
    feed["status"] = 500
    assert run("fetch", "--force").exit_code == 1
    state = json.loads(run("history", "blog", "--json").stdout)["state"]
    assert state["last_success"] == row["last_success"] and state["failures"] == 1


def test_one_host_is_sent_at_most_two_requests_at_once(run, home):
    import threading
    import time

    from pytest_httpserver import HTTPServer

    lock = threading.Lock()
    running, most = [0], [0]

    def handler(request: Request) -> Response:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.1)
        with lock:
            running[0] -= 1
        return Response(rss([item(1, guid=request.path)]), content_type="application/rss+xml")

    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)  # answers requests at once
    server.start()
    try:
        for i in range(6):
            server.expect_request(f"/f{i}").respond_with_handler(handler)
            run("add", f"s{i}", "rss", server.url_for(f"/f{i}"))
        r = run("fetch")
    finally:
        server.stop()
    assert r.exit_code == 0, r.output
    assert most[0] == 2


def test_relative_links_of_a_fetched_feed_start_from_its_content_location(run, home, httpserver):
    posts = [item(1, link="p/1.html")]
    httpserver.expect_request("/feeds/latest").respond_with_data(
        atom(posts), headers={"Content-Location": "/blog/2024/feed.xml"}
    )
    run("add", "s", "rss", httpserver.url_for("/feeds/latest"))
    assert run("fetch").exit_code == 0
    [post] = archive_lines(home, "s")
    assert post["link"] == httpserver.url_for("/blog/2024/p/1.html")


def test_an_unchanged_feed_rewrites_no_state_and_its_times_still_count(run, home, httpserver):
    # (issue 22: a warm fetch writes only the states that changed; the times of the others
    # go into one file a batch)
    serve_with_etag(httpserver, "/feed.xml", rss([item(1)]))
    assert run("add", "blog", "rss", httpserver.url_for("/feed.xml")).exit_code == 0
    assert run("fetch").exit_code == 0
    state = home / "state" / "blog.json"
    written = state.stat()
    first = json.loads(run("history", "blog", "--json").stdout)["state"]["last_attempt"]
    r = run("fetch", "blog")  # 304
    assert r.exit_code == 0 and "not modified" in r.stdout, r.output
    assert (state.stat().st_ino, state.stat().st_mtime_ns) == (
        written.st_ino,
        written.st_mtime_ns,
    )  # not rewritten
    shown = json.loads(run("history", "blog", "--json").stdout)["state"]
    assert shown["last_attempt"] >= first and shown["next_update"] > shown["last_attempt"]
    assert shown["etag"] == '"v1"'
    r = run("fetch")  # and it is not due again
    assert r.exit_code == 0 and "Nothing is due" in r.stdout, r.stdout
    # A change is a state written again: its validators are forgotten by a limit change.
    assert run("set", "blog", "limit", "5").exit_code == 0
    assert json.loads(state.read_text())["etag"] is None
    r = run("fetch", "blog")
    assert r.exit_code == 0 and "not modified" not in r.stdout, r.output

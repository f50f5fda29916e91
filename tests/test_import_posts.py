"""`subsample import FORMAT [PATH]`: another reader's posts join the archive as posts of
their feed's source, once, with the identity a later fetch recognises."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from .conftest import Run, archive_lines, item, rss

POSTS = [item(1, title="Ünïcode title"), item(2), item(3)]


@pytest.fixture
def feed_url(httpserver: HTTPServer) -> str:
    httpserver.expect_request("/feed.xml").respond_with_data(rss(POSTS), content_type="application/rss+xml")
    return httpserver.url_for("/feed.xml")


def newsboat_cache(folder: Path, feed_url: str) -> Path:
    if shutil.which("newsboat") is None:
        pytest.skip("needs Debian's newsboat (apt-get install newsboat)")
    (folder / "urls").write_text(f'{feed_url} "news"\n')
    (folder / "config").write_text("")
    subprocess.run(
        ["newsboat", "-x", "reload", "-u", "urls", "-c", "cache.db", "-C", "config"],
        cwd=folder, env={"HOME": str(folder), "PATH": "/usr/bin:/bin"}, check=True, timeout=60,
        capture_output=True,
    )  # fmt: skip
    return folder / "cache.db"


def test_a_newsboat_cache_comes_in_once_and_a_fetch_adds_nothing(
    run: Run, home: Path, tmp_path: Path, feed_url: str
) -> None:
    cache = newsboat_cache(tmp_path, feed_url)
    r = run("import", "newsboat", str(cache))
    assert r.exit_code == 0, r.output
    assert "test-feed: 3 new" in r.stdout and "(new source)" in r.stdout, r.output
    sources = json.loads(run("config", "test-feed", "--json").stdout)["settings"]
    assert sources["url"] == feed_url and sources["title"] == "Test feed", sources
    lines = archive_lines(home, "test-feed")
    assert sorted(p["key"] for p in lines) == ["post-1", "post-2", "post-3"]
    assert {p["imported_from"] for p in lines} == {f"newsboat {cache}"}
    first = next(p for p in lines if p["key"] == "post-1")
    assert first["title"] == "Ünïcode title" and first["published"] == "2026-01-02T10:00:00Z"
    assert first["link"] == "https://example.org/p/1" and "Body of post 1." in first["content"]
    again = run("import", "newsboat", str(cache))
    assert again.exit_code == 0 and "test-feed: 0 new, 0 updated, 3 unchanged" in again.stdout, again.output
    fetched = run("fetch")
    assert fetched.exit_code == 0 and "0 new" in fetched.stdout, fetched.output
    assert len(archive_lines(home, "test-feed")) == 3  # nothing twice, nothing revised
    assert "Posts (3)" in run("list", "test-feed").stdout


def test_the_fetch_that_completes_a_newsboat_copy_is_no_edit_but_a_later_change_is(
    run: Run, home: Path, tmp_path: Path, httpserver: HTTPServer
) -> None:
    """newsboat keeps one text where a feed has a summary and content: the first fetch after
    the import archives what the feed holds as a revision (nothing is lost), which `list`
    does not call an edit; the publisher's next change is one."""

    def feed(body: str) -> str:
        return rss([item(1, html=body)]).replace(
            "<content:encoded>", "<description>A short summary.</description><content:encoded>"
        )

    httpserver.expect_request("/both.xml").respond_with_data(
        feed("<p>The whole post.</p>"), content_type="application/rss+xml"
    )
    cache = newsboat_cache(tmp_path, httpserver.url_for("/both.xml"))
    assert run("import", "newsboat", str(cache)).exit_code == 0
    assert run("fetch").exit_code == 0
    lines = archive_lines(home, "test-feed")
    assert [p["revision"] for p in lines] == [1, 2] and "imported_from" not in lines[1]
    assert lines[1]["summary"] == "A short summary." and lines[1]["content"] == "<p>The whole post.</p>"
    listing = run("list", "test-feed").stdout
    assert "Posts (1)" in listing and "edited" not in listing

    httpserver.clear_all_handlers()
    httpserver.expect_request("/both.xml").respond_with_data(
        feed("<p>The whole post, corrected.</p>"), content_type="application/rss+xml"
    )
    assert run("fetch", "--force").exit_code == 0
    assert "edited ×1" in run("list", "test-feed").stdout  # noqa: RUF001
    assert json.loads(run("list", "test-feed", "--json").stdout)[0]["edits"] == 1


def test_an_imported_feed_joins_the_source_already_subscribed(
    run: Run, home: Path, tmp_path: Path, feed_url: str
) -> None:
    cache = newsboat_cache(tmp_path, feed_url)
    assert run("add", "mine", "rss", feed_url.replace("http://127.0.0.1", "HTTP://127.0.0.1")).exit_code == 0
    r = run("import", "newsboat", str(cache))
    assert r.exit_code == 0 and "mine: 3 new" in r.stdout and "new source" not in r.stdout, r.output
    assert [s["id"] for s in json.loads(run("list", "--json").stdout)] == ["mine"]


def test_sfeed_files_with_a_broken_line_the_rest_comes_in(
    run: Run, home: Path, tmp_path: Path, feed_url: str
) -> None:
    if shutil.which("sfeed_update") is None:
        pytest.skip("needs Debian's sfeed (apt-get install sfeed)")
    rc = tmp_path / "sfeedrc"
    rc.write_text(f'sfeedpath="{tmp_path}/feeds"\nfeeds() {{\n\tfeed "my feed" "{feed_url}"\n}}\n')
    subprocess.run(
        ["sfeed_update", str(rc)], env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}, check=True,
        timeout=60, capture_output=True,
    )  # fmt: skip
    with open(tmp_path / "feeds" / "my feed", "a") as f:
        f.write("1700000000\tbroken\thttps://example.org/x\tan \\x escape\thtml\tid-x\t\t\t\n")
    r = run("import", "sfeed", str(rc))
    assert r.exit_code == 1, r.output  # a row was skipped: said, and the exit code says so
    assert "my-feed: 3 new" in r.stdout and "1 row skipped" in r.stdout, r.output
    assert "my feed:4: not an sfeed line; skipped" in r.stderr, r.output
    assert sorted(p["key"] for p in archive_lines(home, "my-feed")) == ["post-1", "post-2", "post-3"]
    assert run("fetch").exit_code == 0
    assert len(archive_lines(home, "my-feed")) == 3


def test_a_reader_database_comes_in(run: Run, home: Path, tmp_path: Path, feed_url: str) -> None:
    reader = pytest.importorskip("reader", reason="lemon24/reader is a test extra")
    r = reader.make_reader(str(tmp_path / "db.sqlite"))
    r.add_feed(feed_url)
    r.update_feeds()
    r.close()
    done = run("import", "reader", str(tmp_path / "db.sqlite"))
    assert done.exit_code == 0 and "test-feed: 3 new" in done.stdout, done.output
    assert run("fetch").exit_code == 0
    assert len(archive_lines(home, "test-feed")) == 3


def test_a_google_reader_export_and_bad_files_import_nothing(run: Run, home: Path, tmp_path: Path) -> None:
    export = {
        "items": [
            {
                "id": "tag:google.com,2005:reader/item/00000000deadbeef",
                "title": "Old post",
                "published": 1262304000,
                "canonical": [{"href": "https://blog.example/old"}],
                "content": {"content": "<p>From 2010.</p>"},
                "enclosure": [{"href": "https://blog.example/a.mp3", "type": "audio/mpeg"}],
                "origin": {"streamId": "feed/https://blog.example/feed", "title": ""},
            }
        ]
    }
    (tmp_path / "starred.json").write_text(json.dumps(export))
    r = run("import", "greader", str(tmp_path / "starred.json"))
    assert r.exit_code == 0 and "blog-example: 1 new" in r.stdout, r.output  # named after the host
    [post] = archive_lines(home, "blog-example")
    assert post["key"] == "https://blog.example/old" and post["published"] == "2010-01-01T00:00:00Z"
    assert post["enclosures"][0]["url"] == "https://blog.example/a.mp3"
    before = (home / "sources.toml").read_text()
    (tmp_path / "half.json").write_text('{"items": [')
    (tmp_path / "notes.db").write_text("just notes\n")
    data = tmp_path / "x.sqlite"
    data.write_bytes(b"SQLite format 3\x00" + b"\x00" * 50)
    for args in (
        ("greader", str(tmp_path / "half.json")),
        ("newsboat", str(tmp_path / "notes.db")),
        ("reader", str(data)),
        ("sfeed", str(tmp_path / "half.json")),
        ("greader",),
        ("nosuch", "file"),
    ):
        bad = run("import", *args)
        assert bad.exit_code == 2, (args, bad.output)
        assert bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr, bad.output
    assert (home / "sources.toml").read_text() == before
    assert len(archive_lines(home, "blog-example")) == 1


def test_import_file_opml_still_subscribes(run: Run, tmp_path: Path) -> None:
    subs = tmp_path / "subs.opml"
    subs.write_text(
        '<opml version="2.0"><body><outline type="rss" text="A" xmlUrl="https://a.example/feed"/></body></opml>'
    )
    r = run("import", str(subs))
    assert r.exit_code == 0 and "Imported 1 source: a" in r.stderr, r.output
    r = run("import", "opml", str(subs))
    assert r.exit_code == 0 and "already subscribed" in r.stderr, r.output


def test_importing_500_subscriptions_names_a_few_and_counts_the_rest(run: Run, tmp_path: Path) -> None:
    subs = tmp_path / "subs.opml"
    outlines = "".join(
        f'<outline type="rss" text="Feed {i:03d}" xmlUrl="https://f{i}.example/feed"/>' for i in range(500)
    )
    subs.write_text(f'<opml version="2.0"><body>{outlines}</body></opml>')
    r = run("import", str(subs))
    assert r.exit_code == 0, r.output
    assert (
        r.stderr.strip()
        == "Imported 500 sources: feed-000, feed-001, feed-002, feed-003, feed-004 and 495 more"
    )
    assert len(json.loads(run("list", "--json").stdout)) == 500
    again = run("import", str(subs))  # every one a duplicate: one line, not 500
    assert again.exit_code == 0, again.output
    assert again.stderr.splitlines() == [
        "skipped 500 feeds already subscribed: https://f0.example/feed, https://f1.example/feed,"
        " https://f2.example/feed, https://f3.example/feed, https://f4.example/feed and 495 more",
        "Imported 0 sources: none",
    ]

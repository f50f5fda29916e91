"""Reading other readers' files (imports/): inputs made by the real programs where they are
installed (newsboat, sfeed_update, lemon24/reader), broken inputs, and hand-made Google
Reader JSON."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from subsample.errors import UsageError
from subsample.imports import greader, newsboat, reader_db, sfeed

from .conftest import item, rss

POSTS = [
    item(1, title="Ünïcode title"),
    item(2),
    item(3, html="<p>Tab\there and a\\backslash</p>\n<p>two</p>"),
]


@pytest.fixture
def feed_url(httpserver: HTTPServer) -> str:
    httpserver.expect_request("/feed.xml").respond_with_data(rss(POSTS), content_type="application/rss+xml")
    return httpserver.url_for("/feed.xml")


def check_posts(feed: object, url: str) -> None:
    assert getattr(feed, "url") == url  # noqa: B009 - any of the readers' feeds
    posts = {p.id: p for p in getattr(feed, "posts")}  # noqa: B009
    assert set(posts) == {"post-1", "post-2", "post-3"}
    assert posts["post-1"].title == "Ünïcode title" and posts["post-1"].link == "https://example.org/p/1"
    assert posts["post-1"].published == "2026-01-02T10:00:00Z"
    assert "Body of post 2." in str(posts["post-2"].content)


@pytest.mark.skipif(
    shutil.which("newsboat") is None, reason="needs Debian's newsboat (apt-get install newsboat)"
)
def test_a_real_newsboat_cache(tmp_path: Path, feed_url: str) -> None:
    (tmp_path / "urls").write_text(f'{feed_url} "news"\n# a comment\n"query:unread:unread = \\"yes\\""\n')
    (tmp_path / "config").write_text("")
    subprocess.run(
        ["newsboat", "-x", "reload", "-u", "urls", "-c", "cache.db", "-C", "config"],
        cwd=tmp_path, env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}, check=True, timeout=60,
        capture_output=True,
    )  # fmt: skip
    found = newsboat.read(tmp_path / "cache.db", tmp_path / "urls")
    [feed] = found.feeds
    assert feed.title == "Test feed" and found.problems == []
    check_posts(feed, feed_url)
    assert newsboat.read_urls(tmp_path / "urls") == [feed_url]
    # Half a database, and a file that is not one at all: one clear error each.
    data = (tmp_path / "cache.db").read_bytes()
    (tmp_path / "half.db").write_bytes(data[: len(data) // 2])
    (tmp_path / "notes.db").write_text("just some notes\n")
    for bad in ("half.db", "notes.db", "missing.db"):
        with pytest.raises(UsageError, match="newsboat cache"):
            newsboat.read(tmp_path / bad)


@pytest.mark.skipif(
    shutil.which("sfeed_update") is None, reason="needs Debian's sfeed (apt-get install sfeed)"
)
def test_real_sfeed_files_and_a_broken_line(tmp_path: Path, feed_url: str) -> None:
    rc = tmp_path / "sfeedrc"
    rc.write_text(f'sfeedpath="{tmp_path}/feeds"\nfeeds() {{\n\tfeed "my feed" "{feed_url}"\n}}\n')
    subprocess.run(
        ["sfeed_update", str(rc)], env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}, check=True,
        timeout=60, capture_output=True,
    )  # fmt: skip
    found = sfeed.read(rc)
    [feed] = found.feeds
    assert feed.title == "my feed" and found.problems == []
    check_posts(feed, feed_url)
    post3 = next(p for p in feed.posts if p.id == "post-3")
    assert post3.content == "<p>Tab\there and a\\backslash</p>\n<p>two</p>"  # escapes undone
    with open(tmp_path / "feeds" / "my feed", "a") as f:
        f.write("1700000000\tbroken\thttps://example.org/x\tan \\x escape\thtml\tid-x\t\t\t\n")
        f.write("not a timestamp\tline\n")
    found = sfeed.read(rc)
    assert len(found.feeds[0].posts) == 3 and len(found.problems) == 2
    (tmp_path / "other").write_text("echo hello\n")
    with pytest.raises(UsageError, match="names no feed"):
        sfeed.read(tmp_path / "other")


def test_a_real_reader_database(tmp_path: Path, feed_url: str) -> None:
    reader = pytest.importorskip("reader", reason="lemon24/reader is a test extra")
    r = reader.make_reader(str(tmp_path / "db.sqlite"))
    r.add_feed(feed_url)
    r.update_feeds()
    r.close()
    found = reader_db.read(tmp_path / "db.sqlite")
    [feed] = found.feeds
    assert feed.title == "Test feed" and found.problems == []
    check_posts(feed, feed_url)
    (tmp_path / "x.sqlite").write_bytes(b"SQLite format 3\x00" + b"\x00" * 50)
    with pytest.raises(UsageError, match="not a reader database"):
        reader_db.read(tmp_path / "x.sqlite")


def test_a_google_reader_export(tmp_path: Path) -> None:
    export = {
        "items": [
            {
                "id": "tag:google.com,2005:reader/item/00000000deadbeef",
                "title": "Old post",
                "published": 1262304000,
                "canonical": [{"href": "https://blog.example/old"}],
                "summary": {"content": "<p>From 2010.</p>"},
                "author": "Ann",
                "categories": ["user/123/state/com.google/read", "history"],
                "origin": {"streamId": "feed/https://blog.example/feed", "title": "The blog"},
            },
            {"id": "x", "title": "No origin"},
        ]
    }
    (tmp_path / "starred.json").write_text(json.dumps(export))
    found = greader.read(tmp_path / "starred.json")
    [feed] = found.feeds
    assert feed.url == "https://blog.example/feed" and feed.title == "The blog"
    [post] = feed.posts
    assert post.id is None and post.link == "https://blog.example/old"  # the link is the identity
    assert post.published == "2010-01-01T00:00:00Z" and post.tags == ["history"]
    assert found.problems == ["item 2: no origin feed (origin.streamId feed/URL); skipped"]
    (tmp_path / "bad.json").write_text('{"items": [')
    with pytest.raises(UsageError, match="not JSON"):
        greader.read(tmp_path / "bad.json")
    (tmp_path / "other.json").write_text('{"feeds": []}')
    with pytest.raises(UsageError, match="not a Google Reader export"):
        greader.read(tmp_path / "other.json")

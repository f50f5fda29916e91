"""Nothing lost without a word: entries that share a key, entries past the limit, a torn
archive line, a source removed and added again, one post from two readers (issue 21)."""

from __future__ import annotations

import json

from tests.conftest import archive_lines, atom, item, rss


def serve(httpserver, path: str, body: str, etag: str | None = None) -> None:
    headers = {"ETag": etag} if etag else {}
    httpserver.expect_request(path).respond_with_data(
        body, content_type="application/rss+xml", headers=headers
    )


def test_items_with_no_guid_and_one_link_are_each_a_post(run, home, httpserver):
    # The NixOS news feed: 99 items, no guid, every link the same news page.
    page = "https://example.org/news.html"
    items = [item(i, guid=None, link=page) for i in range(12, 0, -1)]
    serve(httpserver, "/news.xml", rss(items))
    assert run("add", "nix", "rss", httpserver.url_for("/news.xml")).exit_code == 0
    r = run("fetch")
    assert r.exit_code == 0, r.output
    assert "12 new" in r.stdout
    assert r.stdout.count("12 entries share a link: kept apart by date") == 1
    assert sorted(p["title"] for p in archive_lines(home, "nix")) == sorted(
        f"Post number {i}" for i in range(1, 13)
    )
    # A post kept apart stays itself: a new post on top, and the oldest drops out.
    httpserver.clear()
    serve(httpserver, "/news.xml", rss([item(13, guid=None, link=page), *items[:-1]]))
    r = run("fetch", "nix")
    assert r.exit_code == 0, r.output
    assert "1 new, 0 updated, 11 unchanged" in r.stdout
    assert "changed their guid" not in r.stdout
    assert len(archive_lines(home, "nix")) == 13


def test_entries_past_the_limit_are_named_and_kept_once_the_limit_is_raised(run, home, httpserver):
    serve(httpserver, "/f", rss([item(i) for i in range(60, 0, -1)]), etag='"v1"')
    assert run("add", "big", "rss", httpserver.url_for("/f"), "--limit", "50").exit_code == 0
    r = run("fetch")
    assert r.exit_code == 0, r.output
    assert "50 new" in r.stdout
    assert "10 older entries of the feed are past the limit of 50 and not archived" in r.stdout
    assert "subsample backfill big" in r.stdout
    assert run("set", "big", "limit", "0").exit_code == 0
    # The server would answer 304 to the ETag it gave: a new limit reads the whole feed.
    r = run("fetch", "big")
    assert r.exit_code == 0, r.output
    assert "10 new" in r.stdout and "past the limit" not in r.stdout
    assert "If-None-Match" not in httpserver.log[-1][0].headers
    assert len(archive_lines(home, "big")) == 60


def test_a_removed_sources_archive_is_never_taken_by_another_feed(run, home, httpserver):
    serve(httpserver, "/a", rss([item(i) for i in (2, 1)]))
    serve(httpserver, "/b", rss([item(i, guid=f"b-{i}", title=f"Other {i}") for i in (3, 2, 1)]))
    run("add", "news", "rss", httpserver.url_for("/a"))
    assert run("fetch").exit_code == 0
    assert run("remove", "news").exit_code == 0
    r = run("add", "news", "rss", httpserver.url_for("/b"))
    assert r.exit_code == 2
    assert r.stderr.count("\n") == 1 and "left its archive (2 posts) of another feed" in r.stderr
    assert "news" not in (home / "sources.toml").read_text()  # nothing added
    # The same feed again continues its archive: nothing fetched twice.
    r = run("add", "news", "rss", httpserver.url_for("/a"))
    assert r.exit_code == 0 and "continues the archive its removed source left (2 posts)" in r.stderr
    r = run("fetch", "news")
    assert "0 new" in r.stdout and len(archive_lines(home, "news")) == 2


def test_add_says_when_the_feed_is_subscribed_already(run, httpserver):
    serve(httpserver, "/a", rss([item(1)]))
    assert run("add", "one", "rss", httpserver.url_for("/a")).exit_code == 0
    r = run("add", "two", "rss", httpserver.url_for("/a").replace("http://localhost", "HTTP://LOCALHOST"))
    assert r.exit_code == 0 and "note: this feed is subscribed already as one" in r.stderr


def test_a_torn_last_line_is_set_aside_and_its_post_keeps_its_number(run, home, httpserver):
    serve(httpserver, "/f", rss([item(i) for i in (3, 2, 1)]))
    run("add", "blog", "rss", httpserver.url_for("/f"))
    assert run("fetch").exit_code == 0
    path = home / "archive" / "blog.jsonl"
    data = path.read_bytes()
    last = data[:-1].rfind(b"\n") + 1
    torn = data[: last + 150]  # a crash 150 bytes into the last line (post 3's)
    path.write_bytes(torn)
    assert json.loads(data[last:])["n"] == 3
    r = run("list", "blog")
    assert r.exit_code == 0, r.output
    assert "ended in a torn line (150 bytes, post 3)" in r.stderr and "kept aside in" in r.stderr
    assert r.stderr.count("\n") == 1
    [aside] = (home / "torn").iterdir()
    assert aside.read_bytes() == torn[last:] + b"\n"  # nothing thrown away
    assert path.read_bytes() == data[:last]
    assert "Posts (2)" in r.stdout
    assert run("list", "blog").stderr == ""  # repaired once
    r = run("fetch", "--force")
    assert r.exit_code == 0 and "1 new" in r.stdout
    assert {p["title"]: p["n"] for p in archive_lines(home, "blog")} == {
        "Post number 1": 1,
        "Post number 2": 2,
        "Post number 3": 3,
    }
    r = run("read", "3")
    assert r.exit_code == 0 and "Post number 3" in r.stdout
    # A new post after it takes the next number, not a reused one.
    httpserver.clear()
    serve(httpserver, "/f", rss([item(i) for i in (4, 3, 2, 1)]))
    run("fetch", "--force")
    assert max(p["n"] for p in archive_lines(home, "blog")) == 4


def greader_export(path, **bodies: str) -> str:
    post = {
        "id": "tag:google.com,2005:reader/item/00000000deadbeef",
        "title": "Old post",
        "published": 1262304000,
        "canonical": [{"href": "https://blog.example/old"}],
        "origin": {"streamId": "feed/https://blog.example/feed", "title": "Blog"},
        **{k: {"content": v} for k, v in bodies.items()},
    }
    path.write_text(json.dumps({"items": [post]}))
    return str(path)


def test_two_readers_copies_of_one_post_are_no_edits(run, home, tmp_path):
    # One reader kept the content only; the other the summary too.
    thin = greader_export(tmp_path / "thin.json", content="<p>From 2010.</p>")
    full = greader_export(tmp_path / "full.json", content="<p>From 2010.</p>", summary="<p>A teaser.</p>")
    for path in (thin, full, thin, full, thin):
        r = run("import", "greader", path)
        assert r.exit_code == 0, r.output
    lines = archive_lines(home, "blog")
    assert len(lines) == 2  # the thin copy, then the full one; nothing alternates
    [post] = json.loads(run("list", "blog", "--json").stdout)
    assert post.get("edits", 0) == 0
    assert "edited" not in run("list", "blog").stdout


def test_a_title_read_better_now_is_no_edit_of_a_post_archived_before(run, home, httpserver):
    feed = atom([item(1, title="x")]).replace(
        "<title>x</title>", '<title type="html">625ft&lt;sup&gt;2&lt;/sup&gt;</title>'
    )
    serve(httpserver, "/a", feed)
    run("add", "flat", "rss", httpserver.url_for("/a"))
    assert run("fetch").exit_code == 0
    [post] = archive_lines(home, "flat")
    assert post["title"] == "625ft2"
    # As an earlier version archived it: "625ft 2", with the hash that title gave.
    from subsample.parse.entry import content_hash

    old = {**post, "title": "625ft 2"}
    old["hash"] = content_hash(old)
    (home / "archive" / "flat.jsonl").write_text(json.dumps(old) + "\n")
    r = run("fetch", "flat")
    assert r.exit_code == 0 and "0 updated, 1 unchanged" in r.stdout, r.output
    assert "edited" not in run("list", "flat").stdout
    assert "_hash_before" not in (home / "archive" / "flat.jsonl").read_text()

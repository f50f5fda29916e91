"""Typed sources: every row of the table (accepted forms, the feed URL, malformed input),
and the look-ups (a YouTube channel page, WebFinger) against loopback servers that answer as
those sites do."""

from __future__ import annotations

import json
from typing import Any

import pytest

from subsample import source_types
from subsample.errors import UsageError
from subsample.source_types import BadWhatError, Lookup, Sites

UC = "UC" + "abcdefghijKLMNOPQRST_-"  # 24 characters, as YouTube's channel ids
PL = "PLrAXtmErZgOeiKm4sgNOknGvNjby9efdf"
YT = "https://www.youtube.com/feeds/videos.xml"

MAPPED = [
    ("youtube", UC, f"{YT}?channel_id={UC}"),
    ("youtube", f"https://www.youtube.com/channel/{UC}", f"{YT}?channel_id={UC}"),
    ("youtube", f"https://youtube.com/channel/{UC}/videos", f"{YT}?channel_id={UC}"),
    ("youtube", PL, f"{YT}?playlist_id={PL}"),
    ("youtube", f"https://www.youtube.com/playlist?list={PL}", f"{YT}?playlist_id={PL}"),
    ("reddit", "r/python", "https://www.reddit.com/r/python/.rss"),
    ("reddit", "/r/Python/", "https://www.reddit.com/r/Python/.rss"),
    ("reddit", "r/python+rust", "https://www.reddit.com/r/python+rust/.rss"),
    ("reddit", "u/spez", "https://www.reddit.com/user/spez/submitted/.rss"),
    ("reddit", "user/spez", "https://www.reddit.com/user/spez/submitted/.rss"),
    ("reddit", "https://old.reddit.com/r/python/top/", "https://www.reddit.com/r/python/.rss"),
    ("github", "owner/repo", "https://github.com/owner/repo/releases.atom"),
    ("github", "owner/repo/releases", "https://github.com/owner/repo/releases.atom"),
    ("github", "owner/repo/tags", "https://github.com/owner/repo/tags.atom"),
    ("github", "owner/repo/commits", "https://github.com/owner/repo/commits.atom"),
    ("github", "owner/repo/commits/main", "https://github.com/owner/repo/commits/main.atom"),
    ("github", "owner/repo/commits/feature/x", "https://github.com/owner/repo/commits/feature/x.atom"),
    ("github", "owner", "https://github.com/owner.atom"),
    ("github", "https://github.com/owner/some.repo", "https://github.com/owner/some.repo/releases.atom"),
    ("mastodon", "#python@fosstodon.org", "https://fosstodon.org/tags/python.rss"),
    ("mastodon", "https://mastodon.social/@Gargron", "https://mastodon.social/@Gargron.rss"),
    ("mastodon", "https://mastodon.social/tags/rust", "https://mastodon.social/tags/rust.rss"),
    ("bluesky", "jay.bsky.social", "https://bsky.app/profile/jay.bsky.social/rss"),
    ("bluesky", "@Jay.bsky.social", "https://bsky.app/profile/jay.bsky.social/rss"),
    (
        "bluesky",
        "did:plc:oky5czdrnfjpqslsw2a5iclo",
        "https://bsky.app/profile/did:plc:oky5czdrnfjpqslsw2a5iclo/rss",
    ),
    ("bluesky", "https://bsky.app/profile/example.com", "https://bsky.app/profile/example.com/rss"),
    ("substack", "platformer", "https://platformer.substack.com/feed"),
    ("substack", "platformer.substack.com", "https://platformer.substack.com/feed"),
    ("substack", "www.platformer.news", "https://www.platformer.news/feed"),
    ("substack", "https://www.platformer.news/p/a-post", "https://www.platformer.news/feed"),
    ("hackernews", "front", "https://news.ycombinator.com/rss"),
    ("hackernews", None, "https://news.ycombinator.com/rss"),
    ("lobsters", "front", "https://lobste.rs/rss"),
    ("lobsters", None, "https://lobste.rs/rss"),
    ("lobsters", "newest", "https://lobste.rs/newest.rss"),
    ("lobsters", "t/rust", "https://lobste.rs/t/rust.rss"),
    ("lobsters", "t/rust,go", "https://lobste.rs/t/rust,go.rss"),
]


@pytest.mark.parametrize("kind, what, url", MAPPED)
def test_each_accepted_form_maps_to_its_feed(kind, what, url):
    assert source_types.map_what(kind, what) == url


MALFORMED = [
    ("youtube", "UCshort"),
    ("youtube", "https://vimeo.com/channel/x"),
    ("youtube", "https://www.youtube.com/watch?v=abc"),
    ("reddit", "python"),
    ("reddit", "r/"),
    ("reddit", "r/a"),
    ("reddit", "https://example.org/r/python"),
    ("github", "-owner"),
    ("github", "owner/repo/issues"),
    ("github", "owner/../etc"),
    ("github", "owner/repo/commits/../x"),
    ("mastodon", "user"),
    ("mastodon", "@user"),
    ("mastodon", "#tag"),
    ("mastodon", "https://mastodon.social/about"),
    ("bluesky", "jay"),
    ("bluesky", "did:plc:short"),
    ("substack", "-x-"),
    ("substack", "a b"),
    ("hackernews", "best"),
    ("lobsters", "t/"),
    ("lobsters", "hottest"),
    ("github", ""),
]


@pytest.mark.parametrize("kind, what", MALFORMED)
def test_malformed_input_names_the_accepted_forms(kind, what):
    with pytest.raises(BadWhatError) as e:
        source_types.map_what(kind, what)
    assert source_types.TYPES[kind].forms in str(e.value)


def test_every_type_is_covered_here_and_known_to_add():
    from subsample.models import SOURCE_TYPES

    assert set(SOURCE_TYPES) == {"rss", *source_types.TYPES}
    assert {kind for kind, _, _ in MAPPED} == set(source_types.TYPES)
    assert {kind for kind, _ in MALFORMED} == set(source_types.TYPES)


def test_handles_and_accounts_need_a_look_up():
    sites = Sites(youtube="http://yt.test")
    handle = source_types.map_what("youtube", "@SomeChannel", sites)
    assert isinstance(handle, Lookup) and handle.url == "http://yt.test/@SomeChannel"
    assert isinstance(source_types.map_what("youtube", "https://www.youtube.com/@SomeChannel/videos"), Lookup)
    assert isinstance(source_types.map_what("youtube", "https://www.youtube.com/c/Old"), Lookup)
    account = source_types.map_what("mastodon", "@alice@example.org")
    assert isinstance(account, Lookup)
    assert account.url == "https://example.org/.well-known/webfinger?resource=acct%3Aalice%40example.org"


def test_reddit_gets_its_headers_a_longer_interval_and_advice_on_403():
    assert "subsample" in source_types.request_headers("reddit")["User-Agent"]
    assert source_types.request_headers("rss") == {} and source_types.request_headers("github") == {}
    assert source_types.default_interval("reddit") == 12 * 3600
    assert "interval" in (source_types.forbidden_hint("reddit") or "")
    assert source_types.forbidden_hint("github") is None


# -- through the CLI -----------------------------------------------------------------


def test_add_keeps_what_was_typed_and_the_feed_url(run, home):
    r = run("add", "py", "reddit", "r/python")
    assert r.exit_code == 0, r.output
    assert "https://www.reddit.com/r/python/.rss" in r.stderr
    text = (home / "sources.toml").read_text()
    assert 'type = "reddit"' in text and 'what = "r/python"' in text
    assert 'url = "https://www.reddit.com/r/python/.rss"' in text
    assert run("add", "lk", "github", "torvalds/linux/tags", "--interval", "1d").exit_code == 0
    assert run("add", "hn", "hackernews").exit_code == 0
    rows = {row["id"]: row for row in json.loads(run("list", "--json").stdout)}
    assert rows["py"]["type"] == "reddit" and rows["py"]["interval"] == 12 * 3600  # the type's default
    assert (
        rows["lk"]["url"] == "https://github.com/torvalds/linux/tags.atom" and rows["lk"]["interval"] == 86400
    )
    assert rows["hn"]["url"] == "https://news.ycombinator.com/rss" and rows["hn"]["what"] == "front"
    listing = run("list").stdout
    assert "reddit" in listing and "github" in listing and "hackernews" in listing
    shown = run("config", "py").stdout
    assert "reddit" in shown and "r/python" in shown


def test_set_type_or_what_resolves_the_feed_again_and_a_url_set_by_hand_is_the_feed(run, home):
    def source() -> dict[str, Any]:
        rows: list[dict[str, Any]] = json.loads(run("list", "--json").stdout)
        return next(row for row in rows if row["id"] == "rel")

    assert run("add", "rel", "github", "lemon24/reader").exit_code == 0
    assert source()["url"] == "https://github.com/lemon24/reader/releases.atom"
    # Another what, the same type: the feed follows.
    assert run("set", "rel", "what", "beetbox/beets/tags").exit_code == 0
    assert (source()["url"], source()["what"]) == (
        "https://github.com/beetbox/beets/tags.atom",
        "beetbox/beets/tags",
    )
    # Another type, the same what: resolved as that type reads it.
    assert run("set", "rel", "type", "reddit").exit_code == 2  # not a reddit what: one line, nothing changed
    assert (source()["type"], source()["url"]) == ("github", "https://github.com/beetbox/beets/tags.atom")
    assert run("set", "rel", "what", "owner/repo/wiki").exit_code == 2
    assert run("add", "front", "hackernews").exit_code == 0
    assert run("set", "front", "type", "lobsters").exit_code == 0  # "front" is a lobsters what too
    rows = {row["id"]: row for row in json.loads(run("list", "--json").stdout)}
    assert (rows["front"]["type"], rows["front"]["url"]) == ("lobsters", "https://lobste.rs/rss")
    # A URL set by hand is the feed: the what it came from no longer stands for it.
    assert run("set", "rel", "url", "https://example.org/beets.xml").exit_code == 0
    assert (source()["url"], source()["what"]) == ("https://example.org/beets.xml", None)
    assert 'what = "beetbox' not in (home / "sources.toml").read_text()


@pytest.mark.parametrize(
    "args, message",
    [
        (["x", "github", "owner/repo/wiki"], "bad github source"),
        (["x", "reddit", "python"], "r/NAME, u/NAME"),
        (["x", "youtube"], "missing WHAT"),
        (["x", "mastodon", "@nobody"], "@USER@HOST"),
        (["x", "myspace", "tom"], "unknown source type"),
    ],
)
def test_add_refuses_a_malformed_what_with_one_line_and_exit_2(run, home, args, message):
    r = run("add", *args)
    assert r.exit_code == 2, r.output
    assert message in r.stderr and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert not (home / "sources.toml").exists()


def test_a_what_broken_by_hand_in_sources_toml_is_reported(run, home):
    home.mkdir(parents=True)
    (home / "sources.toml").write_text(
        '[sources.s]\ntype = "reddit"\nwhat = 3\nurl = "https://www.reddit.com/r/x/.rss"\n'
    )
    r = run("list")
    assert r.exit_code == 2 and "what must be a string" in r.stderr


# -- look-ups against loopback servers -----------------------------------------------


def add(home, kind: str, what: str, sites: Sites):
    from subsample import core
    from subsample.paths import resolve_paths

    return core.add_source(resolve_paths(home), "s", kind, what, limit=50, sites=sites)


def test_a_youtube_handle_is_resolved_once_from_the_channel_pages_canonical_link(home, httpserver):
    httpserver.expect_request("/@SomeChannel").respond_with_data(
        f'<html><head><link rel="canonical" href="https://www.youtube.com/channel/{UC}"></head></html>',
        content_type="text/html; charset=utf-8",
    )
    added = add(home, "youtube", "@SomeChannel", Sites(youtube=httpserver.url_for("").rstrip("/")))
    assert added.source.url == f"{YT}?channel_id={UC}" and added.source.what == "@SomeChannel"
    assert 'what = "@SomeChannel"' in (home / "sources.toml").read_text()


def test_a_youtube_handle_that_the_site_does_not_know_is_one_clear_error(home, httpserver):
    from subsample.errors import UsageError

    base = Sites(youtube=httpserver.url_for("").rstrip("/"))
    httpserver.expect_request("/@nobody").respond_with_data("not found", status=404)
    with pytest.raises(UsageError, match="channel page answered HTTP 404"):
        add(home, "youtube", "@nobody", base)
    httpserver.expect_request("/@nocanon").respond_with_data(
        "<html><head></head></html>", content_type="text/html"
    )
    with pytest.raises(UsageError, match="no canonical link to a channel"):
        add(home, "youtube", "@nocanon", base)
    assert not (home / "sources.toml").exists()


def test_a_mastodon_account_is_found_by_webfinger_on_its_domain(home, httpserver):
    # The account's domain (this server) is not its web host (localhost, another name).
    host = f"127.0.0.1:{httpserver.port}"
    httpserver.expect_request(
        "/.well-known/webfinger", query_string={"resource": f"acct:alice@{host}"}
    ).respond_with_json(
        {
            "subject": f"acct:alice@{host}",
            "links": [
                {
                    "rel": "self",
                    "type": "application/activity+json",
                    "href": "https://social.example/users/alice",
                },
                {
                    "rel": "http://webfinger.net/rel/profile-page",
                    "type": "text/html",
                    "href": "https://social.example/@alice",
                },
            ],
        }
    )
    added = add(home, "mastodon", f"@alice@{host}", Sites(webfinger_scheme="http"))
    assert added.source.url == "https://social.example/@alice.rss"
    assert added.source.what == f"@alice@{host}"


def test_a_webfinger_without_a_profile_page_is_one_clear_error(home, httpserver):
    from subsample.errors import UsageError

    host = f"127.0.0.1:{httpserver.port}"
    httpserver.expect_request("/.well-known/webfinger").respond_with_json({"links": []})
    with pytest.raises(UsageError, match="WebFinger names no profile page"):
        add(home, "mastodon", f"@bob@{host}", Sites(webfinger_scheme="http"))


def test_a_typed_sources_own_headers_are_sent_and_its_403_says_what_to_try(run, home, httpserver) -> None:
    from subsample.source_types import request_headers

    from .conftest import item, rss

    wanted = request_headers("reddit")["User-Agent"]
    httpserver.expect_request("/ok", headers={"User-Agent": wanted}).respond_with_data(
        rss([item(1)]), content_type="application/rss+xml"
    )
    httpserver.expect_request("/no").respond_with_data("go away", status=403)
    home.mkdir(parents=True, exist_ok=True)
    (home / "sources.toml").write_text(
        f'[sources.rd]\ntype = "reddit"\nurl = "{httpserver.url_for("/ok")}"\n'
        f'[sources.blocked]\ntype = "reddit"\nurl = "{httpserver.url_for("/no")}"\n'
    )
    r = run("fetch")
    assert r.exit_code == 1, r.output
    assert "rd: 1 new" in r.stdout
    assert "blocked: failed: HTTP 403 from the server; reddit refuses many clients" in r.stderr


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_mastodon_account_whose_webfinger_cannot_be_reached_takes_the_usual_feed(run, home):
    host = f"127.0.0.1:{_closed_port()}"  # nothing listens there: WebFinger cannot be reached
    r = run("add", "m", "mastodon", f"@alice@{host}")
    assert r.exit_code == 0, r.output
    assert "note: WebFinger could not be reached (" in r.stderr
    assert f"assuming the usual feed https://{host}/@alice.rss" in r.stderr
    assert "subsample set m url FEED" in r.stderr and "Added m." in r.stderr
    source = json.loads(run("config", "m", "--json").stdout)["settings"]
    assert source["url"] == f"https://{host}/@alice.rss" and source["what"] == f"@alice@{host}"


def test_a_webfinger_that_is_down_gives_the_usual_feed_with_a_note(home, httpserver):
    host = f"127.0.0.1:{httpserver.port}"
    httpserver.expect_request("/.well-known/webfinger").respond_with_data("down", status=503)
    added = add(home, "mastodon", f"@carol@{host}", Sites(webfinger_scheme="http"))
    assert added.source.url == f"https://{host}/@carol.rss" and "HTTP 503" in (added.note or "")


def test_a_webfinger_that_says_no_such_account_is_still_an_error(home, httpserver):
    host = f"127.0.0.1:{httpserver.port}"
    httpserver.expect_request("/.well-known/webfinger").respond_with_data("no such account", status=404)
    with pytest.raises(UsageError, match="WebFinger answered HTTP 404"):
        add(home, "mastodon", f"@dave@{host}", Sites(webfinger_scheme="http"))
    assert not (home / "sources.toml").exists()

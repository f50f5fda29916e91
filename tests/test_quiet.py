"""Sources that went quiet (issue 15): `list --stale`, the Dead status and its slower
back-off, and feeds that announce a new address of their own."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from subsample.fetch import schedule
from subsample.fetch.moves import announced_url
from subsample.parse import fastxml
from subsample.parse import feeds as parse
from tests.conftest import Run, item, rss
from tests.serving import served

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


def _edit_state(home: Path, sid: str, **changes: Any) -> None:
    path = home / "state" / f"{sid}.json"
    data = json.loads(path.read_text())
    data.update(
        {k: v.strftime("%Y-%m-%dT%H:%M:%SZ") if isinstance(v, datetime) else v for k, v in changes.items()}
    )
    path.write_text(json.dumps(data))


def _edit_state_file(home: Path, sid: str, **changes: str) -> None:
    """A state written by hand, for a source never fetched."""
    path = home / "state" / f"{sid}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(changes))


def _ago(days: int) -> datetime:
    return datetime.now(UTC) - timedelta(days=days)


# -- pure decisions ------------------------------------------------------------------


def test_status_is_dead_after_thirty_days_of_failures_only() -> None:
    assert schedule.status(True, 0, None, NOW) == "Enabled"
    assert schedule.status(False, 9, NOW - timedelta(days=90), NOW) == "Disabled"
    assert schedule.status(True, 3, NOW - timedelta(days=29), NOW) == "Failing"
    assert schedule.status(True, 3, NOW - timedelta(days=30), NOW) == "Dead"


def test_a_dead_source_waits_at_least_a_day_and_at_most_a_week() -> None:
    since = NOW - timedelta(days=31)
    # One failure of a 1h source would wait an hour; dead, it waits a day.
    dead = schedule.next_update(3600, 1, NOW, failing_since=since)
    assert dead.at - NOW == timedelta(days=1) and dead.reason.startswith("dead")
    assert schedule.next_update(3600, 1, NOW, failing_since=NOW - timedelta(days=2)).at - NOW == timedelta(
        hours=1
    )
    assert schedule.next_update(3600, 40, NOW, failing_since=since).at - NOW == timedelta(days=7)


def test_quiet_means_no_new_post_or_failing_since_before_the_cutoff() -> None:
    cutoff = NOW - timedelta(days=90)
    assert schedule.is_quiet(NOW - timedelta(days=91), None, cutoff)
    assert not schedule.is_quiet(NOW - timedelta(days=89), None, cutoff)
    assert schedule.is_quiet(NOW, NOW - timedelta(days=95), cutoff)
    assert not schedule.is_quiet(None, None, cutoff)  # unknown: not claimed quiet


def test_an_announced_address_is_one_we_do_not_know_already() -> None:
    ours = ["http://example.org/feed/", "https://example.org/feed"]
    # A self link that only spells our address differently is no move.
    for same in ("https://EXAMPLE.org/feed", "http://example.org:80/feed", "http://example.org/feed/"):
        assert announced_url(same, None, ours) is None
    assert announced_url("https://new.example/feed", None, ours) == "https://new.example/feed"
    # itunes:new-feed-url always counts, even for http -> https ...
    assert announced_url(None, "https://example.org/feed/", ["http://example.org/feed/"]) == (
        "https://example.org/feed/"
    )
    # ... but not when it is where a redirect already took us, or not a web URL at all.
    assert announced_url(None, "https://b.example/f", ["http://a.example/f", "https://b.example/f"]) is None
    assert announced_url("javascript:alert(1)", "file:///etc/passwd", ours) is None


# -- the parsers: the feed's own addresses, fast reader and feedparser alike ----------------

ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
URL = "http://feeds.example/feed.xml"

ANNOUNCING = [
    f'<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:itunes="{ITUNES}"><channel>'
    '<title>T</title><link>http://a.example/</link><atom:link rel="self" href="https://b.example/rss"'
    ' type="application/rss+xml"/><itunes:new-feed-url> https://c.example/rss </itunes:new-feed-url>'
    "<item><title>x</title><guid>1</guid></item></channel></rss>",
    '<feed xmlns="http://www.w3.org/2005/Atom" xmlns:itunes="http://www.itunes.com/DTDs/PodCast-1.0.dtd">'
    '<title>T</title><id>urn:x</id><link href="http://a.example/"/><link rel="SELF" href="/atom.xml"/>'
    '<link rel="self" href="http://other.example/"/><itunes:New-Feed-URL>https://c.example/rss'
    "</itunes:New-Feed-URL><entry><id>1</id><title>e</title></entry></feed>",
    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"'
    ' xmlns:atom="http://www.w3.org/2005/Atom"><channel rdf:about="http://a.example/"><title>T</title>'
    '<link>http://a.example/</link><atom:link rel="self" href="https://b.example/rss"/></channel>'
    '<item rdf:about="http://a.example/1"><title>x</title><link>http://a.example/1</link></item></rdf:RDF>',
]


def test_both_readers_give_the_feeds_self_link_and_new_feed_url_alike() -> None:
    expected = [
        ("https://b.example/rss", "https://c.example/rss"),
        ("http://feeds.example/atom.xml", "https://c.example/rss"),
        ("https://b.example/rss", None),
    ]
    for body, (self_url, new_url) in zip(ANNOUNCING, expected, strict=True):
        fast = fastxml.read(body.encode(), None)
        assert fast is not None, body
        quick = parse.from_feedparser_shape(fast, URL, None)
        assert quick == parse.parse_with_feedparser(body.encode(), URL, None)
        assert (quick.self_url, quick.new_url) == (self_url, new_url)


def test_a_new_feed_url_the_fast_reader_cannot_copy_is_declined_and_feedparser_reads_it() -> None:
    for inner in ('<itunes:new-feed-url a="1">https://c.example/</itunes:new-feed-url>',
                  "<itunes:new-feed-url>https://c.example/?a=1&amp;b=2</itunes:new-feed-url>",
                  "<itunes:new-feed-url>https://c.example/1</itunes:new-feed-url>"
                  "<itunes:new-feed-url>https://c.example/2</itunes:new-feed-url>"):  # fmt: skip
        body = f'<rss version="2.0" xmlns:itunes="{ITUNES}"><channel><title>T</title>{inner}</channel></rss>'
        assert fastxml.read(body.encode(), None) is None, inner
        parse.parse_with_feedparser(body.encode(), URL, None)  # reads it, whatever it makes of it


# -- through the command line ------------------------------------------------------------


def _dated(days_ago: int) -> str:
    return _ago(days_ago).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_list_stale_judges_by_the_posts_own_dates_not_when_they_were_first_seen(
    run: Run, home: Path, httpserver: HTTPServer
) -> None:
    feeds = {
        "fresh": [item(1, date=_dated(3))],
        "dormant": [item(2, date=_dated(400)), item(3, date=_dated(500))],  # a blog that stopped
        "ahead": [item(4, date="2099-01-01T00:00:00Z")],  # dated ahead: counts from today's sighting
        "undated": [item(5, date=None)],  # no date: counts from today's sighting
    }
    for sid, items in feeds.items():
        httpserver.expect_request(f"/{sid}").respond_with_data(rss(items))
    httpserver.expect_request("/broken").respond_with_data("oops", status=500)
    for sid in [*feeds, "broken"]:
        run("add", sid, "rss", httpserver.url_for(f"/{sid}"))
    assert run("fetch").exit_code == 1  # (broken) -- every post was first seen just now
    _edit_state(home, "broken", failing_since=_ago(95))

    r = run("list", "--stale", "90d")
    assert r.exit_code == 0, r.output
    listed = {line.split()[0] for line in r.stdout.splitlines()[1:]}
    assert listed == {"dormant", "broken"}, r.stdout
    assert "Last Post" in r.stdout and "Last Success" in r.stdout and "1 year ago" in r.stdout
    rows = {row["id"]: row for row in json.loads(run("list", "--stale", "90d", "--json").stdout)}
    assert set(rows) == {"dormant", "broken"}
    assert rows["dormant"]["last_post"].startswith(_dated(400)[:10])
    assert rows["broken"]["last_post"] is None and rows["broken"]["status"] == "dead"

    r = run("list", "--stale", "600d")
    assert (
        r.exit_code == 0
        and r.stdout.strip() == "No source has gone 600d without a new post or failed that long."
    )
    assert json.loads(run("list", "--stale", "600d", "--json").stdout) == []
    r = run("list", "--stale", "soon")
    assert r.exit_code == 2 and "bad duration" in r.stderr and "Traceback" not in r.output


def test_posts_without_dates_count_from_their_first_sighting(
    run: Run, home: Path, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/old").respond_with_data(rss([item(1, date=None), item(2, date=None)]))
    run("add", "old", "rss", httpserver.url_for("/old"))
    assert run("fetch").exit_code == 0
    assert json.loads(run("list", "--stale", "90d", "--json").stdout) == []
    archive = home / "archive" / "old.jsonl"
    lines = [json.loads(line) for line in archive.read_text().splitlines()]
    sightings = [_dated(120), _dated(150)]
    archive.write_text(
        "".join(
            json.dumps({**rec, "first_seen": seen}) + "\n" for rec, seen in zip(lines, sightings, strict=True)
        )
    )
    (home / "cache" / "index.sqlite").unlink()
    [row] = json.loads(run("list", "--stale", "90d", "--json").stdout)
    assert row["id"] == "old" and row["last_post"] == sightings[0]


@pytest.mark.parametrize("duration", ["1000000d", "9999999w", f"{10**30}s"])
def test_a_duration_longer_than_the_calendar_finds_no_source(run: Run, home: Path, duration: str) -> None:
    run("add", "s", "rss", "https://example.org/feed")
    _edit_state_file(home, "s", failing_since="0001-01-02T00:00:00Z")  # as old as a date can be
    r = run("list", "--stale", duration)
    assert r.exit_code == 0 and r.stdout.startswith(f"No source has gone {duration} "), r.output
    assert json.loads(run("list", "--stale", duration, "--json").stdout) == []


def test_a_duration_of_absurd_length_is_a_one_line_usage_error(run: Run) -> None:
    r = run("list", "--stale", "9" * 5000 + "d")
    assert r.exit_code == 2 and r.stderr.count("\n") == 1 and "too long" in r.stderr, r.output


def test_a_source_failing_for_a_month_is_dead_but_still_fetched_less_often(
    run: Run, home: Path, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/gone").respond_with_data("oops", status=500)
    httpserver.expect_request("/flaky").respond_with_data("oops", status=500)
    run("add", "gone", "rss", httpserver.url_for("/gone"), "--interval", "1h")
    run("add", "flaky", "rss", httpserver.url_for("/flaky"), "--interval", "1h")
    assert run("fetch").exit_code == 1
    _edit_state(home, "gone", failing_since=_ago(31))
    statuses = {r["id"]: r["status"] for r in json.loads(run("list", "--json").stdout)}
    assert statuses == {"gone": "dead", "flaky": "failing"}
    assert "Dead" in run("list").stdout and "Failing" in run("list").stdout

    # Still fetched when asked, and then not again for a day however short its interval.
    assert run("fetch", "--force", "gone").exit_code == 1
    state = json.loads(run("history", "gone", "--json").stdout)["state"]
    wait = datetime.fromisoformat(state["next_update"].replace("Z", "+00:00")) - datetime.now(UTC)
    assert timedelta(hours=23) < wait <= timedelta(days=1) and state["schedule"].startswith("dead")

    with served(home) as site:
        page = site.get("/").text
        assert 'class="status dead">Dead<' in page and 'class="status failing">Failing<' in page


def _podcast(self_url: str | None = None, new_url: str | None = None) -> str:
    extra = f'<atom:link rel="self" href="{self_url}"/>' if self_url else ""
    extra += f"<itunes:new-feed-url>{new_url}</itunes:new-feed-url>" if new_url else ""
    return (
        rss([item(1)])
        .replace("<channel>", f"<channel>{extra}", 1)
        .replace("<rss ", f'<rss xmlns:atom="http://www.w3.org/2005/Atom" xmlns:itunes="{ITUNES}" ', 1)
    )


def test_a_feed_announcing_a_new_address_is_reported_until_the_url_is_set(
    run: Run, home: Path, httpserver: HTTPServer
) -> None:
    new = httpserver.url_for("/new")
    httpserver.expect_request("/pod").respond_with_data(_podcast(new_url=new))
    httpserver.expect_request("/blog").respond_with_data(_podcast(self_url="https://elsewhere.example/feed"))
    httpserver.expect_request("/new").respond_with_data(_podcast(self_url=new))
    run("add", "pod", "rss", httpserver.url_for("/pod"))
    run("add", "blog", "rss", httpserver.url_for("/blog"))
    r = run("fetch")
    assert r.exit_code == 0, r.output
    said = " ".join(r.stdout.split())  # (rich wraps long lines)
    assert f"the feed says it moved to {new}; `subsample set pod url {new}` takes it" in said
    assert "the feed says it moved to https://elsewhere.example/feed" in said

    for sid, url in (("pod", new), ("blog", "https://elsewhere.example/feed")):
        h = run("history", sid)
        assert f"The feed says it moved to {url}" in " ".join(h.stdout.split()), h.output
        assert json.loads(run("history", sid, "--json").stdout)["fetches"][0]["announced_url"] == url
        c = run("config", sid)
        assert f"`subsample set {sid} url {url}` takes it" in " ".join(c.stdout.split())
        assert json.loads(run("config", sid, "--json").stdout)["state"]["announced_url"] == url

    assert run("set", "pod", "url", new).exit_code == 0
    assert "moved to" not in run("config", "pod").stdout
    assert "announced_url" not in json.loads(run("config", "pod", "--json").stdout)["state"]
    # The new address's self link is itself (a different spelling would be too): nothing to say.
    r = run("fetch", "--force", "pod")
    assert r.exit_code == 0 and "moved to" not in r.stdout
    assert "moved to" not in run("history", "pod").stdout


def test_a_self_link_that_only_spells_our_address_differently_is_no_news(
    run: Run, httpserver: HTTPServer
) -> None:
    url = httpserver.url_for("/feed")
    other_spelling = url.replace("http://127.0.0.1", "https://127.0.0.1") + "/"
    httpserver.expect_request("/feed").respond_with_data(_podcast(self_url=other_spelling))
    run("add", "blog", "rss", url)
    r = run("fetch")
    assert r.exit_code == 0 and "moved to" not in r.stdout
    assert "announced_url" not in json.loads(run("config", "blog", "--json").stdout)["state"]

"""Dates anywhere a feed can put them never raise; a date that cannot be held in UTC leaves
published/updated unknown and is kept as the feed wrote it, in date_text."""

from __future__ import annotations

import json

import pytest

from subsample.parse import fastxml
from subsample.parse.feeds import from_feedparser_shape, parse_feed, parse_with_feedparser

from .conftest import archive_lines

URL = "https://s.example/feed"

UNHELD = [
    "Fri, 31 Dec 9999 23:59:59 -0100",  # past the last instant datetime holds, in UTC
    "9999-12-31T23:30:00-01:00",
    "0001-01-01T00:30:00+01:00",  # before the first
    "not a date at all",
]
# feedparser makes something of these (the year 100; 2012-12-10): its reading stands, in
# both readers (the fast one calls feedparser's date function), and nothing raises.
ODD = ["Mon, 01 Jan 0001 00:00:00 +0100", "12345-01-01T00:00:00Z", "Sat, 31 Dec 9999 25:00:00 GMT", "\u00e9"]
HELD = {
    "9999-12-31T23:59:59Z": "9999-12-31T23:59:59Z",
    "0001-01-01T00:00:00Z": "0001-01-01T00:00:00Z",
    "1969-07-20T20:17:40Z": "1969-07-20T20:17:40Z",
    "Sun, 20 Jul 1969 20:17:40 -0500": "1969-07-21T01:17:40Z",
}


def rss(date: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>D</title>'
        f"<item><title>t</title><guid>g</guid><pubDate>{date}</pubDate></item></channel></rss>"
    ).encode()


def atom(date: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>D</title>'
        f"<entry><id>g</id><title>t</title><updated>{date}</updated></entry></feed>"
    ).encode()


def json_feed(date: str) -> bytes:
    return json.dumps(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "title": "D",
            "items": [{"id": "g", "title": "t", "date_published": date}],
        }
    ).encode()


@pytest.mark.parametrize("build", [rss, atom, json_feed])
@pytest.mark.parametrize("date", UNHELD)
def test_a_date_that_cannot_be_held_is_unknown_and_kept_as_written(build, date: str) -> None:
    (entry,) = parse_feed(build(date), URL, None).entries
    assert entry["published"] is None and entry["updated"] is None
    assert entry["date_text"] == date


@pytest.mark.parametrize("build", [rss, atom])
@pytest.mark.parametrize("date", UNHELD + ODD)
def test_the_fast_reader_reads_such_dates_as_feedparser(build, date: str) -> None:
    body = build(date)
    (entry,) = parse_with_feedparser(body, URL, None).entries
    assert (entry["published"] is None) == ("date_text" in entry)
    fast = fastxml.read(body, None)
    if date in UNHELD:
        assert fast is None  # feedparser's path keeps the date as written
    elif fast is not None:  # feedparser's own date function read it, in both readers
        assert from_feedparser_shape(fast, URL, None).entries == [entry]


@pytest.mark.parametrize("date", ODD)
def test_json_feed_keeps_what_is_not_rfc_3339_as_written(date: str) -> None:
    (entry,) = parse_feed(json_feed(date), URL, None).entries
    assert entry["published"] is None and entry["date_text"] == date


@pytest.mark.parametrize("build", [rss, atom, json_feed])
@pytest.mark.parametrize(("date", "stored"), HELD.items())
def test_the_ends_of_the_range_and_dates_before_1970_are_held(build, date: str, stored: str) -> None:
    if build is json_feed and not date[0].isdigit():
        return  # JSON Feed dates are RFC 3339
    (entry,) = parse_feed(build(date), URL, None).entries
    assert entry["published"] == stored
    assert "date_text" not in entry


def test_fetch_keeps_an_impossible_date_as_written_without_a_traceback(run, home, httpserver) -> None:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>D</title>'
        "<item><title>Far future</title><guid>g1</guid><pubDate>Fri, 31 Dec 9999 23:59:59 -0100</pubDate></item>"
        "<item><title>Fine</title><guid>g2</guid><pubDate>Tue, 10 Jun 2003 04:00:00 GMT</pubDate></item>"
        "</channel></rss>"
    )
    httpserver.expect_request("/feed.xml").respond_with_data(body, content_type="application/rss+xml")
    assert run("add", "d", "rss", httpserver.url_for("/feed.xml")).exit_code == 0
    r = run("fetch")
    assert r.exit_code == 0, r.output
    assert "Traceback" not in r.output
    listed = run("list", "d", "--json")
    assert listed.exit_code == 0, listed.output
    by_title = {p["title"]: p for p in json.loads(listed.stdout)}
    assert by_title["Far future"]["published"] is None
    assert by_title["Fine"]["published"] == "2003-06-10T04:00:00Z"
    shown = run("read", str(by_title["Far future"]["n"]), "--json")
    assert json.loads(shown.stdout)["date_text"] == "Fri, 31 Dec 9999 23:59:59 -0100"
    assert [line.get("date_text") for line in archive_lines(home, "d")].count(
        "Fri, 31 Dec 9999 23:59:59 -0100"
    ) == 1

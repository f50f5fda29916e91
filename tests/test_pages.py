"""Reading posts' pages for their full text (fetch/pages.py) against loopback servers:
polite, bounded, HTML only, guarded, and every outcome recorded (archive/fulltext.py)."""

from __future__ import annotations

import itertools
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from subsample.archive import fulltext
from subsample.fetch import http
from subsample.fetch.pages import PageRequest, PageResult, read_pages
from subsample.paths import resolve_paths

from .test_extract import PAGE
from .test_hostile import RawServer

TEASER = "<p>Radiators in space reject heat by radiation alone, which is slower…</p>"


def now() -> datetime:
    return datetime(2026, 12, 1, 12, tzinfo=UTC)


def request(url: str, n: int = 1, feed_url: str | None = None, **kw: str) -> PageRequest:
    return PageRequest(
        "blog", feed_url or url, n, f"post-{n}", 1, url, summary=kw.pop("summary", TEASER), **kw
    )


def read(requests: list[PageRequest], pause: float = 0.0) -> dict[int, PageResult]:
    session = http.Session()
    try:
        return {r.request.n: r for r in read_pages(requests, session=session, now=now, pause=pause)}
    finally:
        session.close()


def test_an_article_page_gives_the_article_and_other_pages_their_reasons(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/post").respond_with_data(PAGE, content_type="text/html; charset=utf-8")
    httpserver.expect_request("/paper.pdf").respond_with_data(b"%PDF-1.4", content_type="application/pdf")
    httpserver.expect_request("/gone").respond_with_data("no", status=410, content_type="text/html")
    httpserver.expect_request("/not-yet").respond_with_data("no", status=404, content_type="text/html")
    other = PAGE.replace(b"Radiators in space", b"Something else entirely")
    httpserver.expect_request("/other").respond_with_data(other, content_type="text/html")
    # The feed's own site is the host it is read from (127.0.0.1); localhost is another site.
    feed = httpserver.url_for("/feed.xml")
    elsewhere = httpserver.url_for("/other").replace("127.0.0.1", "localhost")
    assert "127.0.0.1" in feed
    results = read(
        [
            request(httpserver.url_for("/post"), 1, feed),
            request(httpserver.url_for("/paper.pdf"), 2, feed),
            request(httpserver.url_for("/gone"), 3, feed),
            request(httpserver.url_for("/not-yet"), 4, feed),
            request(httpserver.url_for("/other"), 5, feed),
            request(elsewhere, 6, feed),
        ]
    )
    ok = results[1]
    assert ok.article is not None and ok.error is None and ok.status == 200
    assert "Stefan-Boltzmann" in ok.article.html and "All rights reserved" not in ok.article.html
    assert "unexpected content type" in str(results[2].error) and results[2].permanent
    assert results[3].error == "HTTP 410 from the server" and results[3].permanent  # Gone: for good
    # A 404 is tried again later, as the README says of a failed page: a post's page is
    # often not there yet when its feed is.
    assert results[4].error == "HTTP 404 from the server" and not results[4].permanent
    # A page of the feed's own site without the post's words may be an error page or a wall:
    # tried again. Another site's is another article (a link blog's link): never again.
    assert "own site" in str(results[5].error) and not results[5].permanent and results[5].article is None
    assert "opening words" in str(results[6].error) and results[6].permanent and results[6].article is None


def test_a_page_of_the_feeds_own_site_counts_by_the_posts_title(httpserver: HTTPServer) -> None:
    """A summary written by hand is nowhere in the page; on the feed's own site the post's
    title is enough, elsewhere it is not (a link blog titles its post as what it links to)."""
    from .test_extract import PAGE_WITH_LEDE

    httpserver.expect_request("/post").respond_with_data(PAGE_WITH_LEDE, content_type="text/html")
    feed = httpserver.url_for("/feed.xml")
    mine = httpserver.url_for("/post")
    summary, title = (
        "<p>A note on heat, written for the feed.</p>",
        "AI datacenters in space do not have a cooling problem",
    )
    results = read(
        [
            request(mine, 1, feed, summary=summary, title=title),
            request(mine.replace("127.0.0.1", "localhost"), 2, feed, summary=summary, title=title),
        ]
    )
    assert results[1].article is not None and results[1].error is None
    assert results[2].article is None and results[2].permanent


def test_a_page_several_posts_link_to_is_read_once_and_judged_for_each(httpserver: HTTPServer) -> None:
    """A digest's anchors, or a feed whose posts all link to one page: one download in a
    fetch, an outcome for every post (and a post asked for twice is read once)."""
    httpserver.expect_request("/digest").respond_with_data(PAGE, content_type="text/html")
    page = httpserver.url_for("/digest")
    requests = [
        request(page + "#first", 1),
        request(page + "#second", 2, summary="<p>Something this page never says at all, not once.</p>"),
        request(page, 3),
        request(page, 3),
    ]
    session = http.Session()
    try:
        outcomes = list(read_pages(requests, session=session, now=now, pause=0.0))
    finally:
        session.close()
    assert len(httpserver.log) == 1
    assert sorted(o.request.n for o in outcomes) == [1, 2, 3]
    by_n = {o.request.n: o for o in outcomes}
    assert by_n[1].article is not None and by_n[3].article is not None and by_n[2].article is None
    assert all(o.status == 200 for o in outcomes)


LATIN_PAGE = """<!doctype html><html><head><title>Radiators</title></head><body><main><article>
<h1>Radiators</h1><p>The caf\u00e9\u2019s \u201cna\u00efve\u201d radiator \u2014 a r\u00e9sum\u00e9 of the numbers.
{words}</p><p>{words} and that is the end of the article.</p></article></main></body></html>""".format(
    words=" ".join(["heat"] * 40)
)


def test_a_page_is_read_in_the_charset_its_server_names(httpserver: HTTPServer) -> None:
    """A page in iso-8859-1 (read as browsers read it, windows-1252: its curly quotes), with
    no <meta charset>: the Content-Type says so, and a guess from the bytes gets it wrong."""
    body = LATIN_PAGE.encode("cp1252")
    httpserver.expect_request("/page").respond_with_data(body, content_type="text/html; charset=ISO-8859-1")
    teaser = (
        "<p>The caf\u00e9\u2019s \u201cna\u00efve\u201d radiator \u2014 a r\u00e9sum\u00e9 of the\u2026</p>"
    )
    [result] = read([request(httpserver.url_for("/page"), summary=teaser)]).values()
    assert result.error is None and result.article is not None
    assert "\u201cna\u00efve\u201d radiator" in result.article.html


def test_one_host_is_asked_one_page_at_a_time_with_a_pause(httpserver: HTTPServer) -> None:
    seen: list[float] = []

    def page(_: Request) -> Response:
        seen.append(time.monotonic())
        return Response(PAGE, content_type="text/html")

    httpserver.expect_request("/p").respond_with_handler(page)
    read([request(httpserver.url_for(f"/p?{i}"), i) for i in range(1, 4)], pause=0.3)
    assert len(seen) == 3
    assert all(b - a >= 0.29 for a, b in itertools.pairwise(seen)), seen


def test_a_public_feed_cannot_send_us_to_a_page_in_the_local_network(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/admin").respond_with_data(PAGE, content_type="text/html")
    [result] = read(
        [request(httpserver.url_for("/admin"), feed_url="https://feeds.example.org/rss")]
    ).values()
    assert "local network" in str(result.error)
    assert not httpserver.log


def test_attempts_are_kept_and_a_failed_page_waits_longer_each_time(tmp_path: Path) -> None:
    paths = resolve_paths(tmp_path)
    assert fulltext.page_due(None, now())
    failed = {"n": 7, "key": "k", "revision": 1, "url": "u", "fetched": "2026-12-01T12:00:00Z", "error": "x"}
    fulltext.record_attempts(paths, "blog", [failed])
    h = fulltext.histories(paths, "blog")[7]
    assert h.failures == 1 and not fulltext.page_due(h, now() + timedelta(minutes=59))
    assert fulltext.page_due(h, now() + timedelta(hours=1))
    fulltext.record_attempts(paths, "blog", [{**failed, "fetched": "2026-12-01T13:00:00Z"}])
    h = fulltext.histories(paths, "blog")[7]
    assert not fulltext.page_due(h, now() + timedelta(hours=2, minutes=59))
    assert fulltext.page_due(h, now() + timedelta(hours=3))
    fulltext.record_attempts(
        paths, "blog", [{**failed, "error": None, "html": "<p>whole</p>", "extractor": "t"}]
    )
    h = fulltext.histories(paths, "blog")[7]
    assert h.text is not None and h.text["html"] == "<p>whole</p>" and not fulltext.page_due(h, now())
    pdf = {**failed, "n": 8, "error": "unexpected content type", "permanent": True}
    fulltext.record_attempts(paths, "blog", [pdf])
    assert not fulltext.page_due(fulltext.histories(paths, "blog")[8], now() + timedelta(days=30))


def test_a_page_that_drips_is_given_up_at_its_deadline() -> None:
    """A page whose server sends a byte now and then holds its reader no longer than the
    page's deadline: the outcome is a failure recorded for a later try, not a hang."""
    drip = RawServer("drip-page")
    session = http.Session()
    started = time.monotonic()
    try:
        [result] = read_pages(
            [request(drip.url.replace("/feed", "/post"))],
            session=session,
            now=now,
            limits=http.Limits(connect_timeout=1, read_timeout=1, deadline=2),
        )
    finally:
        session.close()
        drip.close()
    assert time.monotonic() - started < 4
    assert "deadline" in str(result.error) and result.article is None and not result.permanent


def test_pages_an_earlier_version_gave_up_on_by_mistake_are_tried_again(tmp_path: Path) -> None:
    """A 404, a page judged by its extracted article only, a bad selector: marked permanent
    before, tried again after their back-off; a PDF and a 410 stay given up."""
    paths = resolve_paths(tmp_path)
    base = {"key": "k", "revision": 1, "url": "u", "fetched": "2026-12-01T12:00:00Z", "permanent": True}
    errors = {
        1: "HTTP 404 from the server",
        2: "the page does not hold the post's text (a link to another site?)",
        3: "bad CSS selector 'p[[': Expected selector",
        4: "unexpected content type 'application/pdf'",
        5: "HTTP 410 from the server",
    }
    fulltext.record_attempts(paths, "blog", [{**base, "n": n, "error": e} for n, e in errors.items()])
    found = fulltext.histories(paths, "blog")
    later = now() + timedelta(hours=1)
    assert [n for n in errors if fulltext.page_due(found[n], later)] == [1, 2, 3]


def test_a_short_post_a_sitemap_brought_is_no_teaser() -> None:
    from subsample.fetch.pages import is_teaser

    short = {"content": "<p>Three short lines.</p>", "summary": None}
    assert is_teaser(short)  # as a feed's, a teaser: its page is read
    assert not is_teaser({**short, "found_by": "sitemap"})  # read from its page already

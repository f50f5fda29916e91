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
    return PageRequest("blog", feed_url or url, n, f"post-{n}", 1, url, summary=kw.get("summary", TEASER))


def read(requests: list[PageRequest], pause: float = 0.0) -> dict[int, PageResult]:
    session = http.Session()
    try:
        return {r.request.n: r for r in read_pages(requests, session=session, now=now, pause=pause)}
    finally:
        session.close()


def test_an_article_page_gives_the_article_and_other_pages_their_reasons(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/post").respond_with_data(PAGE, content_type="text/html; charset=utf-8")
    httpserver.expect_request("/paper.pdf").respond_with_data(b"%PDF-1.4", content_type="application/pdf")
    httpserver.expect_request("/gone").respond_with_data("no", status=404, content_type="text/html")
    httpserver.expect_request("/other").respond_with_data(
        PAGE.replace(b"Radiators in space", b"Something else entirely"), content_type="text/html"
    )
    results = read(
        [
            request(httpserver.url_for("/post"), 1),
            request(httpserver.url_for("/paper.pdf"), 2),
            request(httpserver.url_for("/gone"), 3),
            request(httpserver.url_for("/other"), 4),
        ]
    )
    ok = results[1]
    assert ok.article is not None and ok.error is None and ok.status == 200
    assert "Stefan-Boltzmann" in ok.article.html and "All rights reserved" not in ok.article.html
    assert "unexpected content type" in str(results[2].error) and results[2].permanent
    assert results[3].error == "HTTP 404 from the server"
    assert "does not hold the post's text" in str(results[4].error)


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

"""A fetch reads pages within a time budget (`--pages-for`), many sites at once, and leaves
the rest to the next fetch (issue 22): pages must not hold a fetch hostage."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from .conftest import Run, item, rss
from .test_extract import PAGE

TEASER = "<p>Radiators in space reject heat by radiation alone, which is slower…</p>"
SLOW = 0.5  # seconds each page takes to answer


@pytest.fixture
def site() -> Iterator[HTTPServer]:
    server = HTTPServer(host="127.0.0.1", threaded=True)  # (two sites' pages at once)
    server.start()
    yield server
    server.clear()
    server.stop()


def slow_page(_: Request) -> Response:
    time.sleep(SLOW)
    return Response(PAGE, content_type="text/html; charset=utf-8")


def teasers(server: HTTPServer, host: str, path: str, count: int) -> str:
    """A feed of COUNT teasers whose pages are on HOST (a name for the loopback server)."""
    base = f"http://{host}:{server.port}"
    items = [item(i, link=f"{base}{path}/{i}", html=TEASER) for i in range(1, count + 1)]
    server.expect_request(f"{path}.xml").respond_with_data(rss(items), content_type="application/rss+xml")
    for i in range(1, count + 1):
        server.expect_request(f"{path}/{i}").respond_with_handler(slow_page)
    return f"{base}{path}.xml"


def full_texts(home: Path, sid: str) -> int:
    path = home / "fulltext" / f"{sid}.jsonl"
    lines = path.read_text().splitlines() if path.exists() else []
    return sum(1 for line in lines if "html" in json.loads(line))


def test_a_fetch_stops_reading_pages_at_its_budget_and_the_next_one_reads_the_rest(
    run: Run, site: HTTPServer, home: Path
) -> None:
    assert run("add", "blog", "rss", teasers(site, "127.0.0.1", "/blog", 5)).exit_code == 0
    began = time.monotonic()
    r = run("fetch", "--pages-for", "1s")
    took = time.monotonic() - began
    assert r.exit_code == 0, r.output
    # One site, one page at a time: pages begun before the second is up (0 s and 0.5 s).
    read = full_texts(home, "blog")
    assert 1 <= read <= 2, r.stdout
    assert f"{5 - read} waiting" in r.stdout
    assert took < 5 * SLOW  # it did not wait for all five
    r = run("fetch", "blog")  # the default budget: the rest now
    assert r.exit_code == 0 and full_texts(home, "blog") == 5, r.output
    assert "waiting" not in r.stdout


def test_pages_of_many_sites_are_read_side_by_side(run: Run, site: HTTPServer, home: Path) -> None:
    # Two names of the loopback server are two sites, each read one page at a time.
    assert run("add", "a", "rss", teasers(site, "127.0.0.1", "/a", 3)).exit_code == 0
    assert run("add", "b", "rss", teasers(site, "localhost", "/b", 3)).exit_code == 0
    r = run("fetch", "--pages-for", "2s")
    assert r.exit_code == 0, r.output
    # In turn, 2 s would begin four of the six pages (at 0, 0.5, 1 and 1.5 s); side by side
    # each site's three are done by 1.5 s.
    assert full_texts(home, "a") + full_texts(home, "b") == 6, r.stdout
    assert "6 full texts" in r.stdout


def test_pages_for_0_reads_no_page_and_a_bad_duration_is_a_usage_error(
    run: Run, site: HTTPServer, home: Path
) -> None:
    assert run("add", "blog", "rss", teasers(site, "127.0.0.1", "/blog", 2)).exit_code == 0
    r = run("fetch", "--pages-for", "0")
    assert r.exit_code == 0 and "2 waiting" in r.stdout, r.output
    assert full_texts(home, "blog") == 0
    assert not [req for req, _ in site.log if req.path.startswith("/blog/")]
    r = run("fetch", "--pages-for", "soon")
    assert r.exit_code == 2 and "Traceback" not in r.output
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr


@pytest.mark.parametrize("zero", ["0s", "00m"])
def test_any_zero_duration_reads_no_page(run: Run, site: HTTPServer, home: Path, zero: str) -> None:
    assert run("add", "blog", "rss", teasers(site, "127.0.0.1", "/blog", 1)).exit_code == 0
    r = run("fetch", "--pages-for", zero)
    assert r.exit_code == 0 and "1 waiting" in r.stdout, r.output

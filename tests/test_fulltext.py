"""Full text for teasers, end to end (issue 14): a fetch reads the pages of its teasers
after the feeds are archived, and `read`, `search`, `export` and `config` show it."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from subsample.fetch import pages

from .conftest import Run, item, rss
from .test_extract import PAGE

TEASER = "<p>Radiators in space reject heat by radiation alone, which is slower…</p>"


def teaser_feed(httpserver: HTTPServer, count: int = 1, path: str = "/post") -> None:
    items = [item(i, link=httpserver.url_for(f"{path}/{i}"), html=TEASER) for i in range(1, count + 1)]
    httpserver.expect_request("/feed.xml").respond_with_data(rss(items), content_type="application/rss+xml")


def page_hits(httpserver: HTTPServer, prefix: str = "/post") -> int:
    return sum(1 for req, _ in httpserver.log if req.path.startswith(prefix))


def test_a_teasers_page_gives_its_article_to_read_search_and_export(
    run: Run, httpserver: HTTPServer, home: Path
) -> None:
    teaser_feed(httpserver)
    httpserver.expect_request("/post/1").respond_with_data(PAGE, content_type="text/html; charset=utf-8")
    assert run("add", "blog", "rss", httpserver.url_for("/feed.xml")).exit_code == 0
    archive = home / "archive" / "blog.jsonl"
    r = run("fetch")
    assert r.exit_code == 0, r.output
    assert "1 full text" in r.stdout
    before = archive.read_bytes()

    r = run("read", "1", "--no-pager")
    assert r.exit_code == 0, r.output
    assert "Stefan-Boltzmann" in r.stdout and "Full text from" in r.stdout
    assert httpserver.url_for("/post/1") in r.stdout and "trafilatura" in r.stdout
    for chrome in ("About this site", "newsletter", "Totally agree", "All rights reserved"):
        assert chrome not in r.stdout
    feed = run("read", "1", "--feed", "--no-pager").stdout
    assert "Stefan-Boltzmann" not in feed and "slower" in feed and "Full text from" not in feed
    record = json.loads(run("read", "1", "--json").stdout)
    assert (record.get("summary") or record.get("content")) == TEASER
    assert record["fulltext"]["status"] == 200 and "Stefan-Boltzmann" in record["fulltext"]["html"]

    hits = json.loads(run("search", "Boltzmann", "--json").stdout)
    assert [h["n"] for h in hits] == [1] and "Boltzmann" in hits[0]["snippet"]

    feed_json = json.loads(run("export", "blog", "--format", "json").stdout)
    [entry] = feed_json["items"]
    assert "Stefan-Boltzmann" in entry["content_html"] and "slower" in entry["summary"]
    xml = run("export", "blog", "--format", "rss").stdout
    assert "Stefan-Boltzmann" in xml and "which is slower" in xml

    run("fetch", "blog")  # a post with its full text is not read again
    assert page_hits(httpserver) == 1
    assert archive.read_bytes().startswith(before)  # the archive's lines untouched by pages
    assert b"Stefan-Boltzmann" not in archive.read_bytes()


def test_a_selector_overrides_the_extractor(run: Run, httpserver: HTTPServer) -> None:
    teaser_feed(httpserver)
    httpserver.expect_request("/post/1").respond_with_data(PAGE, content_type="text/html")
    run("add", "blog", "rss", httpserver.url_for("/feed.xml"), "--selector", "main article, section.comments")
    assert run("fetch").exit_code == 0
    r = run("read", "1", "--no-pager")
    assert "Totally agree" in r.stdout and "selector main article" in r.stdout


def test_fulltext_never_reads_no_page_and_always_reads_whole_posts(run: Run, httpserver: HTTPServer) -> None:
    teaser_feed(httpserver)
    httpserver.expect_request("/post/1").respond_with_data(PAGE, content_type="text/html")
    run("add", "blog", "rss", httpserver.url_for("/feed.xml"), "--fulltext", "never")
    r = run("fetch")
    assert r.exit_code == 0 and "full text" not in r.stdout
    assert page_hits(httpserver) == 0
    assert run("set", "blog", "fulltext", "always").exit_code == 0
    assert run("set", "blog", "fulltext", "sometimes").exit_code == 2
    run("fetch", "blog")
    assert page_hits(httpserver) == 1  # the earlier post's page, read once allowed


def test_pages_over_the_cap_wait_for_the_next_fetch_and_config_shows_them(
    run: Run, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pages, "PAGES_PER_FETCH", 2)
    teaser_feed(httpserver, count=5)
    for i in range(1, 6):
        httpserver.expect_request(f"/post/{i}").respond_with_data(PAGE, content_type="text/html")
    run("add", "blog", "rss", httpserver.url_for("/feed.xml"))
    r = run("fetch")
    assert "2 full texts (3 waiting)" in r.stdout, r.output
    assert page_hits(httpserver) == 2
    cfg = json.loads(run("config", "blog", "--json").stdout)
    assert cfg["full_text"]["backlog"] == 3 and cfg["full_text"]["posts_with_full_text"] == 2
    assert "full_text.backlog" in run("config", "blog").stdout
    # the newest first: posts 5 and 4 have their full text
    assert "Full text from" in run("read", "5", "--no-pager").stdout
    assert "Full text from" not in run("read", "1", "--no-pager").stdout
    run("fetch", "blog")
    run("fetch", "blog")
    assert page_hits(httpserver) == 5
    assert json.loads(run("config", "blog", "--json").stdout)["full_text"]["backlog"] == 0


def test_bad_pages_are_recorded_and_the_feed_is_archived_anyway(
    run: Run, httpserver: HTTPServer, home: Path
) -> None:
    teaser_feed(httpserver, count=3)
    httpserver.expect_request("/post/1").respond_with_data(b"%PDF-1.4", content_type="application/pdf")
    httpserver.expect_request("/post/2").respond_with_data(
        b"<p>x</p>" * (2 * 1024 * 1024), content_type="text/html"
    )
    httpserver.expect_request("/post/3").respond_with_data("down", status=503, content_type="text/html")
    run("add", "blog", "rss", httpserver.url_for("/feed.xml"))
    r = run("fetch")
    assert r.exit_code == 0, r.output
    assert "3 failed" in r.stdout
    assert (
        len(run("list", "blog", "--json").stdout)
        and "Full text from" not in run("read", "1", "--no-pager").stdout
    )
    attempts = [json.loads(x) for x in (home / "fulltext" / "blog.jsonl").read_text().splitlines()]
    by_n = {a["n"]: a for a in attempts}
    assert by_n[1].get("permanent") and "content type" in by_n[1]["error"]
    assert by_n[3]["error"] == "HTTP 503 from the server" and not by_n[3].get("permanent")
    hits = page_hits(httpserver)
    run("fetch", "blog")  # the PDF never again, the others not before their back-off
    assert page_hits(httpserver) == hits


def test_a_public_feed_cannot_send_its_pages_into_the_local_network(
    run: Run, httpserver: HTTPServer, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from subsample.fetch import http

    teaser_feed(httpserver)
    httpserver.expect_request("/post/1").respond_with_data(PAGE, content_type="text/html")
    run("add", "blog", "rss", httpserver.url_for("/feed.xml"))
    real = http.stay_outside_unless

    def guard(url: str) -> object:
        # The pages are judged as a public feed's (the feed itself, read first, is let be).
        public = threading.current_thread().name.startswith("pages")
        return real("https://feeds.example.org/rss" if public else url)

    monkeypatch.setattr(http, "stay_outside_unless", guard)
    r = run("fetch")
    assert r.exit_code == 0 and "1 new" in r.stdout, r.output
    [attempt] = [json.loads(x) for x in (home / "fulltext" / "blog.jsonl").read_text().splitlines()]
    assert "html" not in attempt and "local network" in attempt["error"]
    assert page_hits(httpserver) == 0


def test_older_teasers_are_read_over_the_next_fetches_newest_first(
    run: Run, httpserver: HTTPServer, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Beyond a source's 100 newest posts too: the teasers whose page was never read are
    reached, at most PAGES_PER_FETCH a fetch, without asking again for pages already read."""
    count = 103
    teaser_feed(httpserver, count=count)
    for i in range(1, count + 1):
        httpserver.expect_request(f"/post/{i}").respond_with_data(PAGE, content_type="text/html")
    run("add", "blog", "rss", httpserver.url_for("/feed.xml"), "--limit", "200", "--fulltext", "never")
    assert run("fetch").exit_code == 0
    posts = json.loads(run("list", "blog", "--all", "--json").stdout)
    assert len(posts) == count
    # The 100 newest have their full text already (read by earlier fetches, as a fetch writes it).
    done = [
        {"n": p["n"], "key": p["key"], "revision": 1, "url": p["link"], "final_url": p["link"],
         "fetched": "2026-01-01T00:00:00Z", "status": 200, "extractor": "t", "html": "<p>whole</p>"}
        for p in posts[:100]
    ]  # fmt: skip
    (home / "fulltext").mkdir()
    (home / "fulltext" / "blog.jsonl").write_text("".join(json.dumps(d) + "\n" for d in done))
    run("set", "blog", "fulltext", "auto")
    oldest = [p["n"] for p in posts[100:]]  # newest first: posts 3, 2 and 1 of the feed
    monkeypatch.setattr(pages, "PAGES_PER_FETCH", 2)

    r = run("fetch", "blog", "--force")
    assert "2 full texts (1 waiting)" in r.stdout, r.output
    assert sorted(req.path for req, _ in httpserver.log if req.path.startswith("/post")) == [
        "/post/2",
        "/post/3",
    ]
    assert "Full text from" in run("read", str(oldest[0]), "--no-pager").stdout
    assert json.loads(run("config", "blog", "--json").stdout)["full_text"]["backlog"] == 1
    r = run("fetch", "blog", "--force")
    assert "1 full text" in r.stdout, r.output
    assert "Full text from" in run("read", str(oldest[-1]), "--no-pager").stdout
    run("fetch", "blog", "--force")
    assert page_hits(httpserver) == 3  # no page asked for twice


def test_a_post_revised_into_a_teaser_is_judged_again(run: Run, httpserver: HTTPServer, home: Path) -> None:
    """Whether a post is a teaser is remembered between fetches, by revision: a post whose
    feed later cuts it to a teaser has its page read; a lost or broken memory is rebuilt."""
    whole = [item(1, link=httpserver.url_for("/post/1"))]
    httpserver.expect_request("/feed.xml").respond_with_data(rss(whole), content_type="application/rss+xml")
    httpserver.expect_request("/post/1").respond_with_data(PAGE, content_type="text/html")
    run("add", "blog", "rss", httpserver.url_for("/feed.xml"))
    assert "full text" not in run("fetch").stdout
    (home / "cache" / "teasers-blog.json").write_text("{not json")
    assert "full text" not in run("fetch", "blog", "--force").stdout
    httpserver.clear()
    cut = [item(1, link=httpserver.url_for("/post/1"), html=TEASER)]
    httpserver.expect_request("/feed.xml").respond_with_data(rss(cut), content_type="application/rss+xml")
    httpserver.expect_request("/post/1").respond_with_data(PAGE, content_type="text/html")
    r = run("fetch", "blog", "--force")
    assert "1 full text" in r.stdout, r.output


def test_posts_that_share_a_page_are_given_it_from_one_download(run: Run, httpserver: HTTPServer) -> None:
    """A feed whose posts link to one page (anchors of a digest): read once in a fetch,
    and each post that the page holds gets it."""
    digest = httpserver.url_for("/digest")
    items = [item(i, link=f"{digest}#part-{i}", html=TEASER) for i in (1, 2, 3)]
    httpserver.expect_request("/feed.xml").respond_with_data(rss(items), content_type="application/rss+xml")
    httpserver.expect_request("/digest").respond_with_data(PAGE, content_type="text/html")
    run("add", "blog", "rss", httpserver.url_for("/feed.xml"))
    r = run("fetch")
    assert "3 full texts" in r.stdout, r.output
    assert page_hits(httpserver, "/digest") == 1
    for n in ("1", "2", "3"):
        assert "Stefan-Boltzmann" in run("read", n, "--no-pager").stdout


def test_raw_list_and_jsonl_export_carry_the_full_text(run: Run, httpserver: HTTPServer, home: Path) -> None:
    teaser_feed(httpserver, count=2)
    httpserver.expect_request("/post/2").respond_with_data(PAGE, content_type="text/html")
    httpserver.expect_request("/post/1").respond_with_data("no", status=500, content_type="text/html")
    run("add", "blog", "rss", httpserver.url_for("/feed.xml"))
    assert run("fetch").exit_code == 0
    page = httpserver.url_for("/post/2")

    raw = run("read", "2", "--raw").stdout
    assert raw.startswith(f"<!-- full text from {page}, trafilatura ") and "Stefan-Boltzmann" in raw
    assert "<h2>" in raw or "<p>" in raw  # HTML, not the rendered article
    assert run("read", "2", "--raw", "--feed").stdout == TEASER + "\n"
    assert run("read", "1", "--raw").stdout == TEASER + "\n"  # no page read: the feed's HTML

    listed = {p["n"]: p for p in json.loads(run("list", "blog", "--json", "--content").stdout)}
    assert listed[2]["summary"] == TEASER or listed[2]["content"] == TEASER  # the feed's own fields kept
    full = listed[2]["fulltext"]
    assert "Stefan-Boltzmann" in full["html"] and full["url"] == page and full["status"] == 200
    assert full["extractor"].startswith("trafilatura ") and full["fetched"].endswith("Z")
    assert listed[1]["fulltext"] is None
    assert "fulltext" not in json.loads(run("list", "blog", "--json").stdout)[0]

    lines = [json.loads(x) for x in run("export", "blog", "--format", "jsonl").stdout.splitlines()]
    by_n = {x["n"]: x for x in lines}
    assert by_n[2]["fulltext"] == full and "fulltext" not in by_n[1]
    assert (by_n[2].get("summary") or by_n[2].get("content")) == TEASER
    archived = {
        x["n"]: x for x in (json.loads(y) for y in (home / "archive" / "blog.jsonl").read_text().splitlines())
    }
    assert {k: v for k, v in by_n[2].items() if k != "fulltext"} == archived[
        2
    ]  # the archive's line, as it is

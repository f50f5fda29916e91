"""The other tabs: history, gallery, config, export (RSS, Atom, JSON Feed, JSON lines), OPML."""

from __future__ import annotations

import json
from pathlib import Path

import feedparser
import pytest
from pytest_httpserver import HTTPServer

from subsample.parse.feeds import parse_feed
from tests.conftest import Run, archive_lines, item, rss


@pytest.fixture
def blog(run: Run, httpserver: HTTPServer) -> Run:
    items = [
        item(3, html='<p>A cat: <img src="https://example.org/cat.png" alt="the cat"></p>'),
        item(2, guid=None, title="No guid here", html="<p>Two &amp; <em>two</em></p>"),
        item(
            1,
            html='<p><img src="javascript:alert(1)" alt="x"><img src="https://example.org/a&quot;b.png" alt="&lt;script&gt;"></p>',
        ),
    ]
    httpserver.expect_ordered_request("/f").respond_with_data(rss(items, title="My blog"))
    httpserver.expect_ordered_request("/f").respond_with_data("boom", status=500)
    run("add", "blog", "rss", httpserver.url_for("/f"))
    assert run("fetch").exit_code == 0
    assert run("fetch", "--force").exit_code == 1
    return run


def test_history_shows_fetches_newest_first_and_why_it_is_failing(blog: Run) -> None:
    r = blog("history", "blog")
    assert r.exit_code == 0, r.output
    assert "Failing since" in r.stdout and "HTTP 500" in r.stdout
    assert "back-off after 1 failure" in r.stdout
    assert r.stdout.index("failed") < r.stdout.index("new posts")
    h = json.loads(blog("history", "blog", "--json").stdout)
    assert [f["status"] for f in h["fetches"]] == [500, 200]
    assert h["fetches"][1]["new"] == 3 and h["fetches"][1]["bytes"] > 0
    assert blog("history", "ghost").exit_code == 2


def test_gallery_lists_images_and_writes_a_safe_page(blog: Run, tmp_path: Path) -> None:
    images = json.loads(blog("gallery", "blog", "--json").stdout)
    assert {i["url"] for i in images} >= {"https://example.org/cat.png"}
    assert "the cat" in blog("gallery", "blog").stdout
    page = tmp_path / "g.html"
    assert blog("gallery", "blog", "--html", str(page)).exit_code == 0
    html = page.read_text()
    assert "https://example.org/cat.png" in html
    assert "javascript:" not in html and "<script" not in html
    assert "&lt;script&gt;" in html and "a&quot;b.png" in html


def test_config_shows_settings_and_state(blog: Run) -> None:
    cfg = json.loads(blog("config", "blog", "--json").stdout)
    assert cfg["state"]["failures"] == 1 and cfg["state"]["last_error"] == "HTTP 500 from the server"
    assert "state.failures" in blog("config", "blog").stdout


@pytest.mark.parametrize("fmt", ["rss", "atom", "json"])
def test_export_round_trips_ids_titles_links_dates_content(
    blog: Run, home: Path, tmp_path: Path, fmt: str
) -> None:
    out = tmp_path / f"blog.{fmt}"
    r = blog("export", "blog", "--format", fmt, "-o", str(out))
    assert r.exit_code == 0, r.output
    if fmt != "json":
        assert not feedparser.parse(out.read_bytes()).bozo
    parsed = parse_feed(out.read_bytes(), "file://" + str(out))
    original = {p["key"]: p for p in archive_lines(home, "blog")}
    again = {e["key"]: e for e in parsed.entries}
    assert set(again) == set(original)
    for key, p in original.items():
        e = again[key]
        assert (e["title"], e["link"], e["published"]) == (p["title"], p["link"], p["published"])
        assert e["content"] == p["content"]


def test_export_reimported_as_a_new_source_archives_the_same_posts(
    blog: Run, home: Path, tmp_path: Path
) -> None:
    for fmt in ("rss", "atom", "json"):
        out = tmp_path / f"blog.{fmt}"
        blog("export", "blog", "-f", fmt, "-o", str(out))
        assert blog("add", f"copy-{fmt}", "rss", str(out)).exit_code == 0
    assert blog("fetch").exit_code == 0
    want = {(p["key"], p["title"], p["content"]) for p in archive_lines(home, "blog")}
    for fmt in ("rss", "atom", "json"):
        got = {(p["key"], p["title"], p["content"]) for p in archive_lines(home, f"copy-{fmt}")}
        assert got == want, fmt


def test_export_jsonl_is_the_latest_revision_of_each_post(blog: Run) -> None:
    lines = blog("export", "blog", "-f", "jsonl").stdout.splitlines()
    assert len(lines) == 3 and all(json.loads(x)["revision"] == 1 for x in lines)
    assert blog("export", "blog", "-f", "yaml").exit_code == 2
    assert blog("export").exit_code == 2


def test_opml_out_and_in(run: Run, tmp_path: Path) -> None:
    run("add", "one", "rss", "https://one.example/feed", "--title", "One & only")
    run("add", "two", "rss", "https://two.example/feed")
    opml = run("export", "--opml").stdout
    assert 'xmlUrl="https://one.example/feed"' in opml and "One &amp; only" in opml
    other = tmp_path / "subs.opml"
    other.write_text(
        '<?xml version="1.0"?><opml version="2.0"><head/><body>'
        '<outline text="Tech"><outline text="Tech" type="rss" xmlUrl="https://three.example/rss"/>'
        '<outline text="Nested deeper"><outline text="Four" type="rss" xmlUrl="https://four.example/atom"/></outline></outline>'
        '<outline text="Dup" type="rss" xmlUrl="https://one.example/feed"/>'
        '<outline text="Bad" type="rss" xmlUrl="javascript:alert(1)"/>'
        "</body></opml>"
    )
    r = run("import", str(other))
    assert r.exit_code == 1, r.output  # one bad entry is an error worth an exit code
    assert "already subscribed" in r.stderr and "'Bad'" in r.stderr
    ids = {s["id"]: s for s in json.loads(run("list", "--json").stdout)}
    assert {"one", "two", "tech", "four"} <= set(ids)
    assert ids["tech"]["url"] == "https://three.example/rss" and ids["four"]["title"] == "Four"
    assert len(ids) == 4
    garbage = tmp_path / "x.opml"
    garbage.write_text("not xml at all <<<")
    r = run("import", str(garbage))
    assert r.exit_code == 2 and len(json.loads(run("list", "--json").stdout)) == 4


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_gallery_download_stores_images_once_and_only_images(
    run: Run, home: Path, httpserver: HTTPServer
) -> None:
    feed = rss(
        [
            item(
                1,
                html=f'<img src="{httpserver.url_for("/cat.png")}" alt="cat">'
                f'<img src="{httpserver.url_for("/page.html")}" alt="not an image">',
            )
        ]
    )
    httpserver.expect_request("/f").respond_with_data(feed)
    httpserver.expect_request("/cat.png").respond_with_data(PNG, content_type="image/png")
    httpserver.expect_request("/page.html").respond_with_data("<html>", content_type="text/html")
    run("add", "pics", "rss", httpserver.url_for("/f"))
    run("fetch")
    r = run("gallery", "pics", "--download", "--json")
    assert r.exit_code == 1, r.output  # the HTML "image" is refused
    assert "unexpected content type" in r.stderr
    images = {i["alt"]: i for i in json.loads(r.stdout)}
    stored = Path(images["cat"]["path"])
    assert stored.parent == home / "media" and stored.read_bytes() == PNG
    assert "path" not in images["not an image"]
    hits = len([x for x, _ in httpserver.log if x.path == "/cat.png"])
    run("gallery", "pics", "--download")
    assert len([x for x, _ in httpserver.log if x.path == "/cat.png"]) == hits  # skipped: already stored
    listed = {i["alt"]: i for i in json.loads(run("gallery", "pics", "--json").stdout)}
    assert listed["cat"]["path"] == str(stored)  # the gallery now shows the local copy


def test_gallery_download_never_reaches_into_the_local_network_for_a_public_feed(home: Path) -> None:
    """A public feed's images may not point at loopback/private addresses, directly or by redirect."""
    from subsample.fetch.media import download_images
    from subsample.paths import resolve_paths

    images = [{"url": "http://127.0.0.1:9/admin.png"}, {"url": "http://169.254.169.254/latest/meta-data"}]
    count, problems = download_images(resolve_paths(), images, "https://93.184.215.14/feed.xml")
    assert count == 0 and len(problems) == 2
    assert all("in the local network" in p for p in problems)


def test_gallery_download_refuses_a_redirect_into_the_local_network(
    home: Path, httpserver: HTTPServer
) -> None:
    from subsample.fetch import http as net

    httpserver.expect_request("/img").respond_with_data(
        "", status=302, headers={"Location": "http://10.0.0.1/x.png"}
    )
    session = net.Session()
    refuse = lambda host: "internal" if host == "10.0.0.1" else None  # noqa: E731
    from subsample.errors import FetchError

    with pytest.raises(FetchError, match="internal"):
        net.get(session, httpserver.url_for("/img"), refuse_host=refuse)
    assert len(httpserver.log) == 1  # the redirect was not followed

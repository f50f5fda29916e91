"""The wayback way: a web archive's captures of a feed, read back as the feed was then
(issue 23). A loopback "web archive" answers the CDX index and serves the captures."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from subsample.fetch import http
from subsample.fetch.pipeline import archive_entries
from subsample.fetch.ways import Batch, Site, wayback
from subsample.models import Source
from subsample.paths import resolve_paths

from .conftest import Run, archive_lines

FEED = "https://blog.example/feed"
WHOLE = " ".join(["words"] * 160)  # a whole post, not a teaser


def post(i: int, body: str | None = None, link: str | None = None) -> dict[str, Any]:
    return {
        "title": f"Post {i}",
        "link": link or f"https://blog.example/p/{i}",
        "date": f"2024-01-{i:02d}T10:00:00Z",
        "html": body or f"<p>Post {i} says hello.</p><p>{WHOLE}</p>",
    }


def feed_of(posts: list[dict[str, Any]]) -> str:
    """An RSS feed with no guids, newest first: each post's key is its link."""
    items = "".join(
        f"<item><title>{escape(p['title'])}</title><link>{escape(p['link'])}</link>"
        f"<pubDate>{datetime.fromisoformat(p['date']).strftime('%a, %d %b %Y %H:%M:%S +0000')}</pubDate>"
        f"<description>{escape(p['html'])}</description></item>"
        for p in reversed(posts)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Blog</title>'
        f"<link>https://blog.example/</link><description>d</description>{items}</channel></rss>"
    )


ERROR_PAGE = "<!DOCTYPE html><html><head><title>Wayback Machine</title></head><body>Got an HTTP 302 response at crawl time</body></html>"


def archive_of(base: str) -> dict[str, tuple[str, str]]:
    """Four captures (timestamp -> (body, content type)): posts 1-10, 6-15 (links rewritten
    into the archive, post 8 edited), an error page, 11-20 (post 12 edited again)."""
    first = [post(i) for i in range(1, 11)]
    second = [post(i) for i in range(6, 16)]
    second[8 - 6] = post(8, "<p>Post 8, edited in February.</p><p>" + WHOLE + "</p>")
    # A link rewritten by a replay of another capture: a post's own address is never the archive's.
    second[7 - 6] = post(7, link="https://web.archive.org/web/20230101000000/https://blog.example/p/7")
    second[9 - 6] = post(9, link=f"{base}/web/20240301000000id_/https://blog.example/p/9")
    second[10 - 6] = post(
        10,
        '<p>See <a href="/web/20240301000000/https://blog.example/p/3">post 3</a> and'
        ' <a href="https://web.archive.org/web/20081022192943/http://cm.bell-labs.com/">an old page</a>.</p>'
        f"<p>{WHOLE}</p>",
    )
    second[12 - 6] = post(12, "<p>Post 12 as it first was.</p><p>" + WHOLE + "</p>")
    third = [post(i) for i in range(11, 21)]
    third[12 - 11] = post(12, "<p>Post 12 as it is now.</p><p>" + WHOLE + "</p>")
    rss = "application/rss+xml"
    return {
        "20240110120000": (feed_of(first), rss),
        "20240301000000": (feed_of(second), rss),
        "20240401000000": (ERROR_PAGE, "text/html"),
        "20240501000000": (feed_of(third), "text/xml"),
    }


def cdx_rows(captures: dict[str, Any], original: str = FEED) -> list[list[str]]:
    header = [["timestamp", "original", "statuscode", "digest"]]
    return header + [[ts, original, "200", f"D{ts}"] for ts in sorted(captures)]


def serve_archive(
    httpserver: HTTPServer,
    captures: dict[str, tuple[str, str]],
    cdx: Callable[[Request], Response] | None = None,
) -> list[str]:
    """Serve CAPTURES as a web archive; the paths asked, in order."""
    asked: list[str] = []

    def handle(request: Request) -> Response:
        asked.append(request.full_path)
        if request.path == "/cdx/search/cdx":
            if cdx is not None:
                return cdx(request)
            assert request.args["url"] == FEED
            assert request.args["output"] == "json" and request.args["collapse"] == "digest"
            assert request.args["filter"] == "statuscode:200"
            since = request.args.get("from", "")
            return Response(
                json.dumps([r for r in cdx_rows(captures) if r[0] == "timestamp" or r[0] >= since]),
                content_type="application/json",
            )
        m = re.fullmatch(r"/web/(\d{14})id_/(.*)", request.path)
        if m and m.group(1) in captures and re.match(r"https?:/+blog\.example/", m.group(2)):
            body, ctype = captures[m.group(1)]
            return Response(body, content_type=ctype)
        return Response("not here", status=404)

    httpserver.expect_request(re.compile(".*")).respond_with_handler(handle)
    return asked


def make_site(base: str, **kw: Any) -> Site:
    session = http.Session()
    return Site(
        source=Source(id="blog", type="rss", url=FEED),
        feed_url=FEED,
        home_url="https://blog.example/",
        get=lambda url: http.get(session, url, refuse_host=http.stay_outside_unless(base)),
        archived=kw.pop("archived", set()),
        **kw,
    )


@pytest.fixture
def base(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> str:
    url = httpserver.url_for("").rstrip("/")
    monkeypatch.setenv("SUBSAMPLE_WAYBACK_URL", url + "/")
    return url


def walk(site: Site, cursor: dict[str, Any] | None = None) -> list[Batch]:
    way = wayback.find(site)
    assert way is not None and way.name == "wayback"
    return list(way.batches(cursor))


def test_each_capture_is_the_feed_as_it_was_then_oldest_first(httpserver: HTTPServer, base: str) -> None:
    serve_archive(httpserver, archive_of(base))
    batches = walk(make_site(base))
    assert [len(b.entries) for b in batches] == [10, 10, 0, 10]
    assert [b.extra.get("captured") for b in batches] == [
        "2024-01-10T12:00:00Z",
        "2024-03-01T00:00:00Z",
        "2024-04-01T00:00:00Z",
        "2024-05-01T00:00:00Z",
    ]
    assert [b.read for b in batches[:2]] == [
        [f"{base}/web/20240110120000id_/{FEED}"],
        [f"{base}/web/20240301000000id_/{FEED}"],
    ]
    # The error page is skipped with a note, and the walk goes on.
    assert "web page, not the feed" in (batches[2].note or "")
    assert [b.note for b in (batches[0], batches[1], batches[3])] == [None, None, None]
    assert [b.cursor["after"] for b in batches[:3] if b.cursor] == [
        "20240110120000",
        "20240301000000",
        "20240401000000",
    ]
    assert batches[-1].cursor is None  # done
    first = batches[0].entries
    assert [e["title"] for e in first] == [f"Post {i}" for i in range(10, 0, -1)]
    assert first[0]["published"] == "2024-01-10T10:00:00Z"
    assert first[0]["link"] == "https://blog.example/p/10"


def test_links_the_archive_rewrote_are_the_originals_again(httpserver: HTTPServer, base: str) -> None:
    serve_archive(httpserver, archive_of(base))
    batches = walk(make_site(base))
    second = {e["title"]: e for e in batches[1].entries}
    assert second["Post 7"]["link"] == "https://blog.example/p/7"
    assert second["Post 9"]["link"] == "https://blog.example/p/9"
    assert 'href="https://blog.example/p/3"' in second["Post 10"]["summary"]
    assert all("/web/2024" not in json.dumps(e) for b in batches for e in b.entries)
    # The publisher's own link to an archived page of another time stays as written.
    assert (
        "https://web.archive.org/web/20081022192943/http://cm.bell-labs.com/" in second["Post 10"]["summary"]
    )
    # Same keys as the first capture's, so a post is one post whatever capture showed it.
    first = {e["title"]: e for e in batches[0].entries}
    assert {t: e["key"] for t, e in second.items() if t in first} == {
        t: e["key"] for t, e in first.items() if t in second
    }
    assert second["Post 7"]["hash"] == first["Post 7"]["hash"]


def test_archived_captures_make_every_post_once_and_an_edit_a_revision(
    httpserver: HTTPServer, base: str, home: Path
) -> None:
    serve_archive(httpserver, archive_of(base))
    paths, now = resolve_paths(home), datetime(2026, 12, 1, tzinfo=UTC)
    for b in walk(make_site(base)):
        archive_entries(paths, "blog", b.entries, now, {"found_by": "wayback", **b.extra})
    lines = archive_lines(home, "blog")
    posts = {line["title"] for line in lines}
    assert posts == {f"Post {i}" for i in range(1, 21)}
    revisions: dict[str, list[dict[str, Any]]] = {line["title"]: [] for line in lines}
    for line in lines:
        revisions[line["title"]].append(line)
    assert [len(revisions[f"Post {i}"]) for i in (7, 8, 12, 13)] == [1, 2, 2, 1]
    assert "edited in February" in revisions["Post 8"][-1]["summary"]
    assert "as it is now" in revisions["Post 12"][-1]["summary"]  # the latest revision is the newest text
    assert revisions["Post 12"][-1]["captured"] == "2024-05-01T00:00:00Z"
    assert revisions["Post 1"][0]["captured"] == "2024-01-10T12:00:00Z"
    # A second walk, knowing what is archived now, adds nothing.
    archived = {line["link"] for line in lines}
    again = [b for b in walk(make_site(base, archived=archived)) if b.entries]
    assert again == []


def test_a_post_archived_from_the_live_feed_keeps_its_newer_text(httpserver: HTTPServer, base: str) -> None:
    serve_archive(httpserver, archive_of(base))
    live = {"https://blog.example/p/8", "https://blog.example/p/12"}
    titles = [e["title"] for b in walk(make_site(base, archived=live)) for e in b.entries]
    assert "Post 8" not in titles and "Post 12" not in titles
    assert len(set(titles)) == 18


def test_dry_run_lists_the_captures_and_reads_none(httpserver: HTTPServer, base: str) -> None:
    asked = serve_archive(httpserver, archive_of(base))
    batches = walk(make_site(base, dry_run=True))
    assert [b.entries for b in batches] == [[]]
    assert batches[0].read[1:] == [f"{base}/web/{ts}id_/{FEED}" for ts in sorted(archive_of(base))]
    assert batches[0].read[0].startswith(f"{base}/cdx/search/cdx?url=https%3A%2F%2Fblog.example%2Ffeed")
    assert [p.split("?")[0] for p in asked] == ["/cdx/search/cdx"]


def test_a_capped_walk_resumes_after_its_last_capture(httpserver: HTTPServer, base: str) -> None:
    asked = serve_archive(httpserver, archive_of(base))
    first = walk(make_site(base, max_pages=2))
    assert [len(b.entries) for b in first] == [10, 10]
    cursor = first[-1].cursor
    assert cursor is not None and cursor["after"] == "20240301000000"
    archived = {e["link"] for b in first for e in b.entries}
    rest = walk(make_site(base, archived=archived), json.loads(json.dumps(cursor)))
    assert [len(b.entries) for b in rest] == [0, 10]
    assert "from=20240301000000" in asked[-3]
    # The edit of post 12 in the last capture still arrives: the walk took post 12 itself.
    assert any(e["title"] == "Post 12" and "as it is now" in e["summary"] for e in rest[-1].entries)
    assert rest[-1].cursor is None


def test_until_skips_the_captures_from_before_it(httpserver: HTTPServer, base: str) -> None:
    asked = serve_archive(httpserver, archive_of(base))
    batches = walk(make_site(base, until="2024-01-16T00:00:00Z"))
    assert [b.extra.get("captured") for b in batches if b.entries] == ["2024-05-01T00:00:00Z"]
    assert "from=20240116000000" in asked[0]
    assert not any("20240110120000" in p for p in asked)  # from before it: not read
    assert not any(e["published"] < "2024-01-16" for b in batches for e in b.entries)


@pytest.mark.parametrize(
    ("answer", "note"),
    [
        ("<html>Internal error</html>", "not JSON"),
        ('{"captures": 3}', "no captures"),
        ("[]", "no captures"),
        ("[[1, 2, 3]]", "no captures"),
        ("[" * 100_000 + "]" * 100_000, "not JSON"),
    ],
)
def test_an_index_that_is_not_a_list_of_captures_is_a_note(
    httpserver: HTTPServer, base: str, answer: str, note: str
) -> None:
    asked = serve_archive(
        httpserver, archive_of(base), cdx=lambda r: Response(answer, content_type="application/json")
    )
    batches = walk(make_site(base))
    assert [b.entries for b in batches] == [[]] and note in (batches[0].note or "")
    assert len(asked) == 1


def test_rows_of_the_wrong_shape_are_left_out(httpserver: HTTPServer, base: str) -> None:
    rows: list[Any] = [
        ["timestamp", "original", "statuscode", "digest"],
        ["20240110120000", FEED, "200", "A"],
        ["2024011012", FEED, "200", "B"],  # not a timestamp of 14 digits
        [20240110120001, FEED, "200", "C"],
        ["20240110120002"],
        "20240110120003 " + FEED,
        ["20240110120004", "javascript:alert(1)", "200", "D"],
        ["20240110120005", "https://evil.example/feed", "200", "E"],  # another site's capture
        ["20240110120006", FEED, "404", "F"],
        ["20240110120007", "http://www.blog.example/feed", "200", "G"],  # the same feed, over http with www
        ["20240110120008", "https://blog.example/feed\r\nX: y", "200", "H"],
        [],
        ["resumekey"],
        {"timestamp": "20240110120009"},
        None,
    ]
    serve_archive(httpserver, {}, cdx=lambda r: Response(json.dumps(rows), content_type="application/json"))
    batches = walk(make_site(base, dry_run=True))
    assert batches[0].read[1:] == [
        f"{base}/web/20240110120000id_/{FEED}",
        f"{base}/web/20240110120007id_/http://www.blog.example/feed",
    ]


def test_a_huge_index_is_thinned_evenly(httpserver: HTTPServer, base: str) -> None:
    stamps = [(datetime(2010, 1, 1) + timedelta(minutes=i)).strftime("%Y%m%d%H%M%S") for i in range(50_000)]
    rows = [["timestamp", "original", "statuscode", "digest"]] + [[s, FEED, "200", s] for s in stamps]
    serve_archive(httpserver, {}, cdx=lambda r: Response(json.dumps(rows), content_type="application/json"))
    listed = walk(make_site(base, dry_run=True))[0].read[1:]
    assert len(listed) == wayback.MAX_CAPTURES
    assert listed[0].endswith(f"/web/{stamps[0]}id_/{FEED}") and listed[-1].endswith(
        f"/web/{stamps[-1]}id_/{FEED}"
    )
    # Evenly: every fifth capture, near enough.
    kept = [u.split("/web/")[1][:14] for u in listed]
    at = {s: i for i, s in enumerate(stamps)}
    gaps = [at[b] - at[a] for a, b in itertools.pairwise(kept)]
    assert set(gaps) <= {4, 5, 6}


def test_a_failing_archive_stops_the_walk_where_it_can_resume(httpserver: HTTPServer, base: str) -> None:
    captures = archive_of(base)
    calls = {"n": 0}

    def cdx(request: Request) -> Response:
        return Response(json.dumps(cdx_rows(captures)), content_type="application/json")

    def handle(request: Request) -> Response:
        if request.path == "/cdx/search/cdx":
            return cdx(request)
        calls["n"] += 1
        if calls["n"] == 1:
            body, ctype = captures["20240110120000"]
            return Response(body, content_type=ctype)
        return Response("slow down", status=429)

    httpserver.expect_request(re.compile(".*")).respond_with_handler(handle)
    batches = walk(make_site(base))
    assert [len(b.entries) for b in batches] == [10, 0]
    assert "429" in (batches[1].note or "")
    assert batches[1].cursor is not None and batches[1].cursor["after"] == "20240110120000"


def test_a_capture_the_archive_cannot_find_is_skipped(httpserver: HTTPServer, base: str) -> None:
    captures = archive_of(base)
    rows = cdx_rows(captures)
    rows.insert(2, ["20240201000000", FEED, "200", "X"])  # listed, but not served: 404
    serve_archive(
        httpserver, captures, cdx=lambda r: Response(json.dumps(rows), content_type="application/json")
    )
    batches = walk(make_site(base))
    assert [len(b.entries) for b in batches] == [10, 0, 10, 0, 10]
    assert "HTTP 404" in (batches[1].note or "")


def test_the_archive_is_the_wayback_machine_unless_the_environment_says(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("SUBSAMPLE_WAYBACK_URL", raising=False)
    assert wayback.archive_url() == "https://web.archive.org"
    monkeypatch.setenv("SUBSAMPLE_WAYBACK_URL", "http://127.0.0.1:8080/")
    assert wayback.archive_url() == "http://127.0.0.1:8080"


def test_restore_links_of_one_capture_leaves_other_times_alone() -> None:
    body = (
        b'<a href="https://web.archive.org/web/20150101000000im_/https://a.example/x">'
        b'<a href="https://web.archive.org/web/20081022192943/http://b.example/">'
    )
    assert wayback.restore_links(body, "https://web.archive.org", "20150101000000") == (
        b'<a href="https://a.example/x"><a href="https://web.archive.org/web/20081022192943/http://b.example/">'
    )


def test_restore_links_leaves_other_text_alone() -> None:
    body = (
        b"<link>https://web.archive.org/web/2015im_/http://a.example/x</link>"
        b"<p>Wayback URLs look like /web/2015/http://a.example/ in prose.</p>"
        b'{"url": "https:\\/\\/web.archive.org\\/web\\/20150101000000\\/https:\\/\\/a.example\\/y"}'
        b"<link>https://web.archive.org/about/</link>"
    )
    assert wayback.restore_links(body, "https://web.archive.org") == (
        b"<link>http://a.example/x</link>"
        b"<p>Wayback URLs look like /web/2015/http://a.example/ in prose.</p>"
        b'{"url": "https:\\/\\/a.example\\/y"}'
        b"<link>https://web.archive.org/about/</link>"
    )


# -- through the command line, once the backfill runs the ways ------------------------


def test_backfill_wayback_archives_the_posts_of_every_capture(
    run: Run, httpserver: HTTPServer, home: Path, base: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The live feed holds the newest 5; the archive's captures hold 1-20.
    live = [post(i) for i in range(16, 21)]
    captures = archive_of(base)
    feed_url = httpserver.url_for("/feed")
    asked: list[str] = []

    def handle(request: Request) -> Response:
        asked.append(request.path)
        if request.path == "/feed":
            return Response(feed_of(live), content_type="application/rss+xml")
        if request.path == "/cdx/search/cdx":
            rows = cdx_rows(captures, original=feed_url)
            return Response(json.dumps(rows), content_type="application/json")
        m = re.fullmatch(r"/web/(\d{14})id_/.*", request.path)
        if m and m.group(1) in captures:
            body, ctype = captures[m.group(1)]
            return Response(body, content_type=ctype)
        return Response("not here", status=404)

    httpserver.expect_request(re.compile(".*")).respond_with_handler(handle)
    assert run("add", "blog", "rss", feed_url, "--limit", "0").exit_code == 0
    assert run("fetch", "blog").exit_code == 0
    r = run("backfill", "blog", "--pause", "0")
    assert r.exit_code == 0, r.output
    assert not [p for p in asked if p.startswith(("/cdx", "/web/"))]  # nothing asked of the archive
    r = run("backfill", "blog", "--wayback", "--pause", "0")
    assert r.exit_code == 0, r.output
    lines = archive_lines(home, "blog")
    assert {line["title"] for line in lines} == {f"Post {i}" for i in range(1, 21)}
    found = {line["title"]: line.get("found_by") for line in lines}
    assert {found[f"Post {i}"] for i in range(1, 16)} == {"wayback"}
    # A post a later capture shows edited gets a revision, as a fetch would have given it.
    post8 = [line for line in lines if line["title"] == "Post 8"]
    assert len(post8) == 2 and "edited in February" in post8[-1]["summary"]
    assert "wayback" in r.stdout
    r = run("backfill", "blog", "--wayback", "--pause", "0")
    assert r.exit_code == 0, r.output
    assert len(archive_lines(home, "blog")) == len(lines)  # a second run adds nothing

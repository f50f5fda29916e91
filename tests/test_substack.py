"""The substack way: a Substack publication's whole archive from its JSON API, as the
entries its feed gives (issue 23). A loopback "Substack" serves /feed (the newest 10, in
the shape of a real Substack RSS) and /api/v1/archive (all 30)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any
from urllib.parse import parse_qs

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from subsample.archive.merge import rekey
from subsample.fetch import http
from subsample.fetch.ways import Batch, Site, substack
from subsample.models import Source
from subsample.parse.feeds import parse_feed

WHOLE = " ".join(["words"] * 160)
PAID = 5  # post 5 is for paying subscribers


def posts(origin: str, count: int = 30) -> list[dict[str, Any]]:
    """COUNT posts as Substack's API gives them with their bodies, newest first."""
    out = []
    for i in range(count, 0, -1):
        date = datetime(2025, 1, 1, 9, tzinfo=UTC) + timedelta(days=7 * i, seconds=i)
        slug = f"post-number-{i}"
        out.append(
            {
                "id": 1000 + i,
                "publication_id": 7,
                "type": "newsletter",
                "title": f"Post number {i}",
                "subtitle": f"What post {i} is about",
                "slug": slug,
                "post_date": date.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                "audience": "only_paid" if i == PAID else "everyone",
                "canonical_url": f"{origin}/p/{slug}",
                "cover_image": f"https://substack-post-media.s3.amazonaws.com/public/images/{i}.jpeg",
                "publishedBylines": [{"id": 1, "name": "Ann Author", "handle": "ann"}],
                "postTags": [{"name": "essays"}],
                "truncated_body_text": f"Post {i} begins",
                "wordcount": 170,
                "body_html": (
                    f"<p>Post {i} begins.</p>"
                    if i == PAID
                    else f'<p>Post {i} says &#8220;hello&#8221;.</p><p><img src="https://substackcdn.com/image/{i}.png"></p><p>{WHOLE}</p>'
                ),
            }
        )
    return out


def feed_of(origin: str, newest: list[dict[str, Any]]) -> str:
    """A Substack RSS feed (as pennspark.substack.com's of 2026) of NEWEST."""
    items = "".join(
        f"<item><title><![CDATA[{p['title']}]]></title><description><![CDATA[{p['subtitle']}]]></description>"
        f'<link>{p["canonical_url"]}</link><guid isPermaLink="false">{p["canonical_url"]}</guid>'
        f"<dc:creator><![CDATA[Ann Author]]></dc:creator>"
        f"<pubDate>{format_datetime(datetime.fromisoformat(p['post_date'].replace('Z', '+00:00')), usegmt=True)}</pubDate>"
        f'<enclosure url="{p["cover_image"]}" length="0" type="image/jpeg"/>'
        f"<content:encoded><![CDATA[{p['body_html']}]]></content:encoded></item>"
        for p in newest
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:atom="http://www.w3.org/2005/Atom" '
        'version="2.0"><channel><title><![CDATA[The Letter]]></title><description><![CDATA[A letter]]></description>'
        f"<link>{origin}</link><generator>Substack</generator>"
        f'<atom:link href="{origin}/feed" rel="self" type="application/rss+xml"/>{items}</channel></rss>'
    )


HOME = (
    '<!DOCTYPE html><html><head><meta name="generator" content="Substack">'
    '<link rel="stylesheet" href="https://substackcdn.com/bundle/theme/main.css">'
    "<title>The Letter</title></head><body>Subscribe</body></html>"
)


def serve_substack(
    httpserver: HTTPServer, archive: Callable[[int, int], Any] | None = None, home: str = HOME
) -> tuple[str, list[str]]:
    """The loopback publication; its origin and the paths asked."""
    origin = httpserver.url_for("").rstrip("/")
    every = posts(origin)
    by_slug = {p["slug"]: p for p in every}
    asked: list[str] = []

    def listing(offset: int, limit: int) -> Any:
        # The archive lists posts without their bodies, as Substack's mostly does.
        return [{k: v for k, v in p.items() if k != "body_html"} for p in every[offset : offset + limit]]

    def handle(request: Request) -> Response:
        asked.append(request.full_path.rstrip("?"))
        if request.path == "/":
            return Response(home, content_type="text/html")
        if request.path == "/feed":
            return Response(feed_of(origin, every[:10]), content_type="application/xml")
        if request.path == "/api/v1/archive":
            args = parse_qs(request.query_string.decode())
            assert args["sort"] == ["new"]
            offset, limit = int(args["offset"][0]), int(args["limit"][0])
            answer = (archive or listing)(offset, limit)
            return Response(
                answer if isinstance(answer, str) else json.dumps(answer), content_type="application/json"
            )
        m = re.fullmatch(r"/api/v1/posts/([^/]+)", request.path)
        if m and m.group(1) in by_slug:
            return Response(json.dumps(by_slug[m.group(1)]), content_type="application/json")
        return Response("{}", status=404, content_type="application/json")

    httpserver.expect_request(re.compile(".*")).respond_with_handler(handle)
    return origin, asked


def make_site(origin: str, kind: str = "substack", **kw: Any) -> Site:
    session = http.Session()
    return Site(
        source=Source(id="letter", type=kind, url=f"{origin}/feed"),
        feed_url=f"{origin}/feed",
        home_url=f"{origin}/",
        get=lambda url: http.get(session, url, refuse_host=http.stay_outside_unless(origin)),
        archived=kw.pop("archived", set()),
        **kw,
    )


def walk(site: Site, cursor: dict[str, Any] | None = None) -> list[Batch]:
    way = substack.find(site)
    assert way is not None and way.name == "substack"
    return list(way.batches(cursor))


def the_feed(origin: str) -> list[dict[str, Any]]:
    resp = http.get(http.Session(), f"{origin}/feed")
    return rekey(parse_feed(resp.body, resp.url, resp.headers.get("content-type")).entries, "guid")


def test_every_post_of_the_archive_with_its_title_date_and_body(httpserver: HTTPServer) -> None:
    origin, _ = serve_substack(httpserver)
    batches = walk(make_site(origin))
    entries = [e for b in batches for e in b.entries]
    assert len(entries) == 30
    assert [e["title"] for e in entries] == [f"Post number {i}" for i in range(30, 0, -1)]
    last = entries[0]
    assert last["published"] == "2025-07-30T09:00:30Z"
    assert "Post 30 says" in last["content"] and WHOLE in last["content"]
    assert last["summary"] == "What post 30 is about"
    assert last["author"] == "Ann Author" and last["tags"] == ["essays"]
    assert last["link"] == f"{origin}/p/post-number-30"
    assert {"url": "https://substackcdn.com/image/30.png", "alt": None} in last["images"]


def test_keys_and_texts_are_the_feeds_so_a_fetch_adds_nothing(httpserver: HTTPServer) -> None:
    origin, _ = serve_substack(httpserver)
    feed = {e["key"]: e for e in the_feed(origin)}
    assert len(feed) == 10
    ours = {e["key"]: e for b in walk(make_site(origin)) for e in b.entries}
    assert set(feed) <= set(ours)
    for key, e in feed.items():
        mine = ours[key]
        assert (mine["hash"], mine["published"], mine["enclosures"]) == (
            e["hash"],
            e["published"],
            e["enclosures"],
        )


def test_paging_goes_by_offset_and_ends_on_an_empty_list(httpserver: HTTPServer) -> None:
    origin, asked = serve_substack(httpserver)
    batches = walk(make_site(origin))
    assert [len(b.entries) for b in batches] == [12, 12, 6, 0]
    assert [b.cursor for b in batches] == [{"offset": 12}, {"offset": 24}, {"offset": 30}, None]
    pages = [p for p in asked if p.startswith("/api/v1/archive")]
    assert pages == [f"/api/v1/archive?sort=new&offset={n}&limit=12" for n in (0, 12, 24, 30)]
    assert batches[0].read[0] == f"{origin}/api/v1/archive?sort=new&offset=0&limit=12"
    assert f"{origin}/api/v1/posts/post-number-30" in batches[0].read


def test_a_paid_post_gives_its_public_part_and_says_so(httpserver: HTTPServer) -> None:
    origin, _ = serve_substack(httpserver)
    batches = walk(make_site(origin))
    paid = next(e for b in batches for e in b.entries if e["title"] == f"Post number {PAID}")
    assert paid["content"] == f"<p>Post {PAID} begins.</p>"
    assert [b.note for b in batches] == [
        None,
        None,
        "1 post is for paying subscribers: only the public part is archived",
        None,
    ]


def test_posts_archived_already_are_not_read_again(httpserver: HTTPServer) -> None:
    origin, asked = serve_substack(httpserver)
    archived = {e["link"] for e in the_feed(origin)}
    entries = [e for b in walk(make_site(origin, archived=archived)) for e in b.entries]
    assert len(entries) == 20 and not {e["link"] for e in entries} & archived
    assert not [p for p in asked if re.fullmatch(r"/api/v1/posts/post-number-(2[1-9]|30)", p)]  # not read


def test_a_capped_walk_resumes_at_its_offset(httpserver: HTTPServer) -> None:
    origin, _ = serve_substack(httpserver)
    first = walk(make_site(origin, max_pages=5))  # one archive page and four bodies
    assert [len(b.entries) for b in first] == [4]
    assert first[-1].cursor == {"offset": 0}  # nothing of page one is done: the next run begins there again
    archived = {e["link"] for e in first[0].entries}
    again = walk(make_site(origin, archived=archived, max_pages=14))  # page one's 8 others, page two's 4
    assert [len(b.entries) for b in again] == [8, 4]
    assert [b.cursor for b in again] == [{"offset": 12}, {"offset": 12}]  # page two is not done
    archived |= {e["link"] for b in again for e in b.entries}
    rest = walk(make_site(origin, archived=archived), again[-1].cursor)
    assert sum(len(b.entries) for b in rest) == 14 and rest[-1].cursor is None


def test_dry_run_reads_the_archive_pages_and_no_post(httpserver: HTTPServer) -> None:
    origin, asked = serve_substack(httpserver)
    batches = walk(make_site(origin, dry_run=True))
    assert all(b.entries == [] for b in batches)
    listed = [u for b in batches for u in b.read]
    assert len([u for u in listed if "/api/v1/posts/" in u]) == 30
    assert not [p for p in asked if p.startswith("/api/v1/posts/")]


def test_a_custom_domain_is_known_by_its_home_page(httpserver: HTTPServer) -> None:
    origin, _ = serve_substack(httpserver)
    assert substack.find(make_site(origin, kind="rss")) is not None


def test_a_site_that_is_not_substack_has_no_such_way(httpserver: HTTPServer) -> None:
    page = '<html><head><meta name="generator" content="WordPress 6.5"></head><body><img src="https://substackcdn.com/image/1.png"></body></html>'
    origin, asked = serve_substack(httpserver, home=page)
    assert substack.find(make_site(origin, kind="rss")) is None
    assert not [p for p in asked if p.startswith("/api/")]


@pytest.mark.parametrize(
    ("pages", "note"),
    [
        (lambda o, n: "<html>Too many requests</html>", "not JSON"),
        (lambda o, n: {"posts": []}, "not a list of posts"),
        (lambda o, n: "[" * 100_000 + "]" * 100_000, "not JSON"),
    ],
)
def test_an_archive_that_is_not_json_posts_is_a_note(
    httpserver: HTTPServer, pages: Callable[[int, int], Any], note: str
) -> None:
    origin, _ = serve_substack(httpserver, archive=pages)
    batches = walk(make_site(origin))
    assert [b.entries for b in batches] == [[]] and note in (batches[0].note or "")
    assert batches[0].cursor == {"offset": 0}  # (None would say the archive was read whole)


def test_posts_of_the_wrong_shape_are_left_out(httpserver: HTTPServer) -> None:
    def junk(offset: int, limit: int) -> Any:
        if offset:
            return []
        return [
            1,
            None,
            "post",
            [],
            {"title": "no address"},
            {"canonical_url": "javascript:alert(1)", "title": "script"},
            {"canonical_url": 7},
            {"canonical_url": "https://letter.example/p/odd", "title": ["not", "text"], "post_date": "yesterday",
             "slug": "../../etc", "body_html": 3, "publishedBylines": "Ann", "postTags": [1, {"name": 2}],
             "cover_image": "javascript:x"},
        ]  # fmt: skip

    origin, asked = serve_substack(httpserver, archive=junk)
    entries = [e for b in walk(make_site(origin)) for e in b.entries]
    assert [
        (e["link"], e["title"], e["published"], e["content"], e["author"], e["tags"], e["enclosures"])
        for e in entries
    ] == [("https://letter.example/p/odd", None, None, None, None, [], [])]
    assert not [p for p in asked if p.startswith("/api/v1/posts/")]  # no slug we would ask for


def test_an_archive_that_never_ends_is_stopped(httpserver: HTTPServer) -> None:
    origin, _ = serve_substack(
        httpserver, archive=lambda o, n: [{"canonical_url": "https://x.example/p/1", "body_html": "<p>x</p>"}]
    )
    batches = walk(make_site(origin))
    assert "repeats itself" in (batches[-1].note or "") and len(batches) == 2


def test_a_body_that_cannot_be_read_is_read_at_the_next_run(httpserver: HTTPServer) -> None:
    origin, _ = serve_substack(httpserver)
    real = make_site(origin).get

    def flaky(url: str) -> http.Response:
        if "/api/v1/posts/post-number-27" in url:
            return http.Response(status=503, url=url, headers={})
        return real(url)

    site = make_site(origin)
    site.get = flaky
    batches = walk(site)
    assert [len(b.entries) for b in batches] == [3] and "HTTP 503" in (batches[0].note or "")
    assert batches[0].cursor == {"offset": 0}  # page one again, next time

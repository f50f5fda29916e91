"""The sitemap way (issue 23): a site's sitemaps walked to every post they list, against
loopback servers; the article check and the sitemap reader on their own; and a real Jekyll
site's built output (tests/data/jekyll-next, see its README) recovered post by post."""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from subsample.fetch import http
from subsample.fetch.ways import Batch, Site, sitemaps
from subsample.models import Source
from subsample.parse import sitemap as sm
from subsample.parse.article import never_a_post, read_meta
from subsample.parse.extract import feed_text
from subsample.times import parse_iso

from .conftest import Run, archive_lines

STATIC = Path(__file__).parent / "data" / "jekyll-next"
WORDS = " ".join(f"word{i}" for i in range(200))  # an article's worth of text


# -- a site on loopback ----------------------------------------------------------------


class Served:
    """A site whose files are a dict (path -> body, or (body, content type)); 404 elsewhere.
    `asked` lists the paths requested, in order."""

    def __init__(self, httpserver: HTTPServer, files: dict[str, Any]) -> None:
        self.files = files
        self.asked: list[str] = []
        self.base = httpserver.url_for("").rstrip("/")
        httpserver.expect_request(re.compile(r"/.*")).respond_with_handler(self._answer)

    def _answer(self, req: Request) -> Response:
        self.asked.append(req.path)
        found = self.files.get(req.path)
        if found is None:
            return Response("<html><body>not here</body></html>", status=404, content_type="text/html")
        body, ctype = found if isinstance(found, tuple) else (found, _type_of(req.path))
        if isinstance(body, str):
            body = body.replace("{BASE}", self.base).encode()
        return Response(body, content_type=ctype)

    def url(self, path: str) -> str:
        return self.base + path

    def pages_read(self) -> list[str]:
        return [p for p in self.asked if not p.endswith((".xml", ".gz", ".txt"))]


def _type_of(path: str) -> str:
    if path.endswith(".xml"):
        return "application/xml"
    if path.endswith(".txt"):
        return "text/plain"
    return "text/html; charset=utf-8"


def site_of(served: Served, home: str = "/", *, archived: set[str] | None = None, **kw: Any) -> Site:
    """The Site a backfill would build, whose get is the guarded http.get (no robots.txt
    rules or pauses here: those are Site.get's, built by the backfill)."""
    home_url = served.url(home)
    session = http.Session()
    return Site(
        source=Source(id="blog", type="rss", url=served.url("/feed.xml")),
        feed_url=kw.pop("feed_url", served.url("/feed.xml")),
        home_url=home_url,
        get=lambda url: http.get(session, url, refuse_host=http.stay_outside_unless(home_url)),
        archived=archived or set(),
        **kw,
    )


def run_way(site: Site, cursor: dict[str, Any] | None = None) -> list[Batch]:
    way = sitemaps.find(site)
    assert way is not None, "no sitemap found"
    return list(way.batches(cursor))


def posts(batches: list[Batch]) -> list[dict[str, Any]]:
    return [e for b in batches for e in b.entries]


def urlset(*locs: str | tuple[str, str]) -> str:
    rows = []
    for loc in locs:
        url, lastmod = loc if isinstance(loc, tuple) else (loc, None)
        mod = f"<lastmod>{lastmod}</lastmod>" if lastmod else ""
        rows.append(f"<url><loc>{{BASE}}{url}</loc>{mod}</url>")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">' + "".join(rows) + "</urlset>"
    )


def index(*locs: str) -> str:
    rows = "".join(f"<sitemap><loc>{{BASE}}{loc}</loc></sitemap>" for loc in locs)
    return f'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{rows}</sitemapindex>'


def article(
    title: str, marker: str = "og:type", date: str = "2024-05-01T10:00:00Z", author: str = "Ann"
) -> str:
    """A post's page saying it is an article by MARKER: "og:type", "json-ld", "graph"
    (JSON-LD in an @graph), "list" (a JSON-LD list), "published" (article:published_time)."""
    head = ""
    if marker == "og:type":
        head = f'<meta property="og:type" content="article"><meta property="og:title" content="{title}">'
        head += f'<meta name="author" content="{author}">'
    elif marker == "published":
        head = f'<meta property="article:published_time" content="{date}">'
    else:
        node = {"@type": "BlogPosting", "headline": title, "datePublished": date, "author": {"name": author}}
        data: Any = {"@context": "https://schema.org", **node}
        if marker == "graph":
            data = {"@context": "https://schema.org", "@graph": [{"@type": "WebSite", "name": "Blog"}, node]}
        elif marker == "list":
            data = [{"@type": "BreadcrumbList"}, {"@context": "https://schema.org", **node}]
        head = f'<script type="application/ld+json">{json.dumps(data)}</script>'
    time = f'<time datetime="{date}">May 1</time>' if marker == "og:type" else ""
    return (
        f"<html><head><title>{title} | Blog</title>{head}</head><body><nav>Home About</nav>"
        f"<article><h1>{title}</h1>{time}<p>{title} begins here. {WORDS}</p>"
        f"<p>The second paragraph of {title}.</p></article></body></html>"
    )


def plain(title: str, og_type: str = "website") -> str:
    return (
        f'<html><head><title>{title}</title><meta property="og:type" content="{og_type}"></head>'
        f"<body><main><h1>{title}</h1><p>{WORDS}</p></main></body></html>"
    )


# -- the article check ---------------------------------------------------------------------


@pytest.mark.parametrize("marker", ["og:type", "json-ld", "graph", "list", "published"])
def test_each_marker_makes_a_page_an_article(marker: str) -> None:
    meta = read_meta(article("Hello", marker, date="2024-05-01T12:00:00+02:00"), "https://x.org/hello/")
    assert meta.article is not None
    assert meta.published == "2024-05-01T10:00:00Z"
    if marker != "published":
        assert meta.title == "Hello"
        assert meta.author == "Ann"


def test_pages_that_are_not_posts_are_refused() -> None:
    assert read_meta(plain("About me"), "https://x.org/about/").article is None
    assert read_meta(plain("Posts tagged python"), "https://x.org/tags/python/").article is None
    assert read_meta("<html><body><p>nothing said</p></body></html>", "https://x.org/x/").article is None
    # A home page listing its posts in JSON-LD is no post itself.
    listing = {"@type": "Blog", "blogPost": [{"@type": "BlogPosting", "headline": "A"}]}
    items = {"@type": "ItemList", "itemListElement": [{"@type": "BlogPosting", "headline": "B"}]}
    home = f'<html><head><script type="application/ld+json">{json.dumps([listing, items])}</script></head></html>'
    assert read_meta(home, "https://x.org/").article is None
    # Broken or hostile JSON-LD is no article, and no error.
    deep = '<script type="application/ld+json">' + "[" * 100_000 + "</script>"
    assert (
        read_meta(
            f"<html><head>{deep}<script type='application/ld+json'>{{nope</script></head></html>",
            "https://x.org/",
        ).article
        is None
    )


def test_pages_named_like_no_post_are_refused_unread() -> None:
    for url in (
        "/about/",
        "/tag/python/",
        "/tags/",
        "/category/x/",
        "/page/2/",
        "/page2/",
        "/author/ann/",
        "/archives/",
    ):
        assert never_a_post("https://x.org" + url), url
    assert never_a_post("https://x.org/blog/about/", "/blog/")
    # Deeper down, those names are posts' own: Jekyll's /2013/12/25/tags/ is a post titled Tags.
    for url in ("/2013/12/25/tags/", "/foo/bar/baz/2013/12/25/categories/", "/about-my-trip/", "/"):
        assert not never_a_post("https://x.org" + url), url


def test_metadata_comes_from_json_ld_then_open_graph_then_the_page() -> None:
    page = (
        '<html><head><title>Page title | Site</title><meta property="og:title" content="OG title">'
        '<meta property="article:published_time" content="2020-01-02T03:04:05Z">'
        '<meta property="article:modified_time" content="2021-01-01T00:00:00+01:00">'
        '<meta property="article:author" content="https://facebook.com/ann">'
        '<link rel="canonical" href="/posts/one/">'
        '<script type="application/ld+json">{"@type": ["Thing", "schema:NewsArticle"], "headline": "LD title",'
        ' "author": [{"@type": "Person", "name": "Ann"}, {"name": "Bob"}]}</script>'
        '</head><body><article><time datetime="1999-01-01">old</time></article></body></html>'
    )
    meta = read_meta(page, "https://x.org/p?id=1")
    assert (meta.article, meta.title, meta.author) == ("json-ld", "LD title", "Ann, Bob")
    assert meta.published == "2020-01-02T03:04:05Z"  # the LD gives none: Open Graph's
    assert meta.updated == "2020-12-31T23:00:00Z"
    assert meta.canonical == "https://x.org/posts/one/"
    only_time = read_meta('<html><head><meta property="og:type" content="article"><title>T</title></head>'
                          '<body><article><time datetime="2019-06-01T08:00:00-04:00">x</time></article></body></html>', "https://x.org/a")  # fmt: skip
    assert (only_time.title, only_time.published) == ("T", "2019-06-01T12:00:00Z")


# -- the sitemap reader ----------------------------------------------------------------------


def test_a_sitemap_with_a_dtd_or_entities_is_refused() -> None:
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://x.org/&b;</loc></url></urlset>'
    )
    assert sm.parse_sitemap(bomb.encode()) is None
    external = '<?xml version="1.0"?><urlset><url><loc>&ext;</loc></url></urlset>'
    assert sm.parse_sitemap(external.encode()) is None
    assert sm.parse_sitemap(b"<html><body>not a sitemap</body></html>") is None
    assert sm.parse_sitemap(b"\x1f\x8bnot gzip at all") is None


def test_a_sitemap_keeps_http_urls_and_reads_w3c_dates() -> None:
    body = (
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        "<url><loc> https://x.org/a/ </loc><lastmod>2024-05-01T10:00+02:00</lastmod></url>"
        "<url><loc>javascript:alert(1)</loc></url><url><loc>ftp://x.org/b</loc></url>"
        "<url><loc>https://x.org/c/</loc><lastmod>2023-07</lastmod></url>"
        "<url><loc>https://x.org/d/</loc><lastmod>yesterday</lastmod></url></urlset>"
    )
    found = sm.parse_sitemap(body.encode())
    assert found is not None
    assert found.urls == [
        sm.Listed("https://x.org/a/", "2024-05-01T08:00:00Z"),
        sm.Listed("https://x.org/c/", "2023-07-01T00:00:00Z"),
        sm.Listed("https://x.org/d/", None),
    ]
    many = sm.parse_sitemap(
        urlset(*[f"/p{i}/" for i in range(30)]).replace("{BASE}", "https://x.org").encode(), max_urls=10
    )
    assert many is not None and len(many.urls) == 10


def test_a_gzip_bomb_stops_at_the_cap() -> None:
    bomb = gzip.compress(b"<urlset>" + b" " * 5_000_000 + b"</urlset>")
    assert len(bomb) < 10_000
    with pytest.raises(sm.TooLarge):
        sm.inflate(bomb, max_bytes=1_000_000)
    assert sm.inflate(bomb, max_bytes=6_000_000).startswith(b"<urlset>")


def test_an_index_names_which_sitemaps_hold_posts() -> None:
    ghost = ["sitemap-pages.xml", "sitemap-posts.xml", "sitemap-authors.xml", "sitemap-tags.xml"]
    wordpress = ["wp-sitemap-posts-post-1.xml", "wp-sitemap-posts-page-1.xml", "wp-sitemap-posts-post-2.xml",
                 "wp-sitemap-taxonomies-category-1.xml", "wp-sitemap-users-1.xml"]  # fmt: skip
    yoast = [
        "post-sitemap.xml",
        "page-sitemap.xml",
        "category-sitemap.xml",
        "post_tag-sitemap.xml",
        "author-sitemap.xml",
    ]

    def chosen(names: list[str]) -> list[str]:
        return [
            s.loc.removeprefix("https://x.org/")
            for s in sm.worth_reading([sm.Listed(f"https://x.org/{n}") for n in names])
        ]

    assert chosen(ghost) == ["sitemap-posts.xml"]
    assert chosen(wordpress) == ["wp-sitemap-posts-post-1.xml", "wp-sitemap-posts-post-2.xml"]
    assert chosen(yoast) == ["post-sitemap.xml"]
    # Hugo's multilingual index says nothing by its names: all of it.
    assert chosen(["en/sitemap.xml", "fr/sitemap.xml", "tags-sitemap.xml"]) == [
        "en/sitemap.xml",
        "fr/sitemap.xml",
    ]


# -- the way, over loopback --------------------------------------------------------------


def test_robots_txt_names_the_sitemap(httpserver: HTTPServer) -> None:
    served = Served(httpserver, {
        "/robots.txt": "User-agent: *\nDisallow: /private/\n\nSitemap: {BASE}/maps/everything.xml\n",
        "/maps/everything.xml": urlset(("/one/", "2024-01-01"), ("/two/", "2024-03-01"), "/about/", "/"),
        "/one/": article("One", "og:type", "2024-01-01T09:00:00Z"),
        "/two/": article("Two", "json-ld", "2024-03-01T09:00:00Z"),
        "/": plain("Home"),
    })  # fmt: skip
    batches = run_way(site_of(served))
    found = posts(batches)
    assert [p["title"] for p in found] == ["Two", "One"]  # newest first by lastmod
    assert [p["published"] for p in found] == ["2024-03-01T09:00:00Z", "2024-01-01T09:00:00Z"]
    assert found[0]["link"] == served.url("/two/") and found[0]["key"] == served.url("/two/")
    assert found[0]["id"] is None and found[0]["author"] == "Ann"
    assert "Two begins here" in found[0]["content"] and "second paragraph of Two" in found[0]["content"]
    assert "Home About" not in found[0]["content"]  # the extractor's article, not the page
    # The well-known addresses are not tried when robots.txt names one; the home page and
    # /about/ are never read; one Batch per page read, the last one saying the way is done.
    assert served.asked == ["/robots.txt", "/maps/everything.xml", "/two/", "/one/"]
    assert [b.read for b in batches] == [
        [served.url("/two/"), served.url("/maps/everything.xml")],  # the page, then what it took to find it
        [served.url("/one/")],
        [],
    ]
    assert batches[-1].cursor is None and all(b.cursor is not None for b in batches[:-1])


def test_no_sitemap_is_no_way(httpserver: HTTPServer) -> None:
    served = Served(
        httpserver, {"/robots.txt": "User-agent: *\nDisallow:\n", "/sitemap.xml": plain("Soft 404")}
    )
    assert sitemaps.find(site_of(served)) is None
    assert served.asked == ["/robots.txt", "/sitemap.xml", "/sitemap_index.xml", "/wp-sitemap.xml"]


def test_a_ghost_index_is_followed_to_its_posts(httpserver: HTTPServer) -> None:
    served = Served(httpserver, {
        "/sitemap.xml": index("/sitemap-pages.xml", "/sitemap-posts.xml", "/sitemap-authors.xml", "/sitemap-tags.xml"),
        "/sitemap-posts.xml": urlset(("/first-post/", "2023-01-01"), ("/second-post/", "2023-02-01")),
        "/sitemap-pages.xml": urlset("/about/", "/contact-the-team/"),
        "/sitemap-tags.xml": urlset("/tag/news/"),
        "/first-post/": article("First", "graph", "2023-01-01T00:00:00Z"),
        "/second-post/": article("Second", "graph", "2023-02-01T00:00:00Z"),
    })  # fmt: skip
    found = posts(run_way(site_of(served)))
    assert [p["title"] for p in found] == ["Second", "First"]
    assert "/sitemap-pages.xml" not in served.asked and "/sitemap-tags.xml" not in served.asked
    assert served.pages_read() == ["/second-post/", "/first-post/"]


def test_a_wordpress_index_is_followed_to_its_post_sitemaps(httpserver: HTTPServer) -> None:
    served = Served(httpserver, {
        "/wp-sitemap.xml": index("/wp-sitemap-posts-post-1.xml", "/wp-sitemap-posts-page-1.xml",
                                 "/wp-sitemap-posts-post-2.xml", "/wp-sitemap-taxonomies-category-1.xml",
                                 "/wp-sitemap-users-1.xml"),
        "/wp-sitemap-posts-post-1.xml": urlset("/2024/05/hello-world/", "/2024/04/older/"),
        "/wp-sitemap-posts-post-2.xml": urlset("/2019/01/oldest/"),
        "/2024/05/hello-world/": article("Hello world", "published", "2024-05-01T00:00:00Z"),
        "/2024/04/older/": article("Older", "list", "2024-04-01T00:00:00Z"),
        "/2019/01/oldest/": article("Oldest", "og:type", "2019-01-01T00:00:00Z"),
    })  # fmt: skip
    found = posts(run_way(site_of(served)))
    assert [p["title"] for p in found] == [
        "Hello world | Blog",
        "Older",
        "Oldest",
    ]  # (no og:title: the <title>)
    assert [p["published"] for p in found] == [
        "2024-05-01T00:00:00Z",
        "2024-04-01T00:00:00Z",
        "2019-01-01T00:00:00Z",
    ]
    assert [p for p in served.asked if p.endswith(".xml")] == [
        "/sitemap.xml", "/sitemap_index.xml", "/wp-sitemap.xml",
        "/wp-sitemap-posts-post-1.xml", "/wp-sitemap-posts-post-2.xml",
    ]  # fmt: skip


def test_a_gzipped_sitemap_is_read(httpserver: HTTPServer) -> None:
    served = Served(httpserver, {
        "/robots.txt": "Sitemap: {BASE}/sitemap.xml.gz\n",
        "/post/": article("Zipped"),
    })  # fmt: skip
    served.files["/sitemap.xml.gz"] = (
        gzip.compress(urlset("/post/").replace("{BASE}", served.base).encode()),
        "application/x-gzip",
    )
    assert [p["title"] for p in posts(run_way(site_of(served)))] == ["Zipped"]


def test_an_index_loop_ends(httpserver: HTTPServer) -> None:
    served = Served(httpserver, {
        "/sitemap.xml": index("/sitemap.xml", "/a.xml"),
        "/a.xml": index("/b.xml", "/sitemap.xml"),
        "/b.xml": index("/a.xml", "/c.xml"),
        "/c.xml": index("/d.xml"),
        "/d.xml": urlset("/too-deep/"),  # an index of an index of an index of an index
        "/too-deep/": article("Too deep"),
    })  # fmt: skip
    assert posts(run_way(site_of(served))) == []
    assert sorted(served.asked) == ["/a.xml", "/b.xml", "/c.xml", "/robots.txt", "/sitemap.xml"]


def test_only_the_sites_host_and_folder_are_read(httpserver: HTTPServer) -> None:
    served = Served(httpserver, {
        "/sitemap.xml": urlset("/blog/", "/blog/mine/", "/blog", "/shop/item/", "/blogger/x/").replace(
            "</urlset>",
            "<url><loc>http://elsewhere.example/blog/theirs/</loc></url>"
            "<url><loc>http://127.0.0.2/blog/theirs/</loc></url><url><loc>mailto:a@b.c</loc></url></urlset>",
        ),
        "/blog/mine/": article("Mine"),
        "/shop/item/": article("An item"),
    })  # fmt: skip
    found = posts(run_way(site_of(served, "/blog/")))
    assert [p["title"] for p in found] == ["Mine"]
    assert served.pages_read() == ["/blog/mine/"]


def test_the_family_of_a_site() -> None:
    family = sitemaps.Family.of("https://www.x.org/", "https://x.org/blog/feed/")
    assert family.folder == "/blog/"
    assert family.holds("http://x.org/blog/a/") and family.holds("https://WWW.X.ORG/blog/a/")
    assert not family.holds("https://x.org/blog/") and not family.holds("https://x.org/elsewhere/")
    assert not family.holds("https://y.org/blog/a/") and not family.holds("https://x.org:8443/blog/a/")
    for feed in (
        "https://x.org/feed.xml",
        "https://x.org/feeds/posts/default",
        "https://x.org/rss/",
        "https://x.org/index.xml",
    ):
        assert sitemaps.Family.of("https://x.org/", feed).folder == "/", feed
    assert sitemaps.Family.of("https://x.org/", "https://x.org/posts/index.xml").folder == "/posts/"
    assert sitemaps.Family.of("https://x.org/blog", "https://feeds.example/x").folder == "/blog/"
    assert (
        sitemaps.page_key("http://www.X.org/a/b/#c") == sitemaps.page_key("https://x.org/a/b") == "x.org/a/b"
    )


def test_archived_posts_are_not_read_again(httpserver: HTTPServer) -> None:
    served = Served(httpserver, {
        "/sitemap.xml": urlset("/a/", "/b/", "/c/", "/d/"),
        "/a/": article("A"), "/b/": article("B"), "/c/": article("C"), "/d/": article("D"),
    })  # fmt: skip
    # As archived: another scheme, no trailing slash, a fragment; and D's canonical address.
    host = served.base.split("//", 1)[1]
    archived = {f"https://{host}/a", f"{served.base}/b/#comments", f"{served.base}/elsewhere/d"}
    served.files["/d/"] = article("D").replace(
        "<head>", f'<head><link rel="canonical" href="{served.base}/elsewhere/d">'
    )
    found = posts(run_way(site_of(served, archived=archived)))
    assert [p["title"] for p in found] == ["C"]
    assert served.pages_read() == ["/c/", "/d/"]


def test_a_dry_run_reads_the_sitemaps_but_no_page(httpserver: HTTPServer) -> None:
    served = Served(httpserver, {
        "/sitemap.xml": index("/posts.xml"),
        "/posts.xml": urlset(("/a/", "2024-01-01"), ("/b/", "2024-02-01"), "/tags/", "/"),
        "/a/": article("A"), "/b/": article("B"),
    })  # fmt: skip
    batches = run_way(site_of(served, dry_run=True))
    assert served.pages_read() == []
    assert [b.read for b in batches] == [[served.url("/b/"), served.url("/a/")]]
    assert posts(batches) == [] and batches[-1].cursor is None


def test_until_skips_older_posts_by_lastmod_and_by_their_date(httpserver: HTTPServer) -> None:
    served = Served(httpserver, {
        "/sitemap.xml": urlset(("/new/", "2024-06-01"), ("/old/", "2020-01-01"), ("/edited/", "2024-06-02")),
        "/new/": article("New", date="2024-05-31T00:00:00Z"),
        "/old/": article("Old", date="2020-01-01T00:00:00Z"),
        "/edited/": article("Edited", date="2019-01-01T00:00:00Z"),  # old, but edited lately
    })  # fmt: skip
    found = posts(run_way(site_of(served, until="2024-01-01T00:00:00Z")))
    assert [p["title"] for p in found] == ["New"]
    assert "/old/" not in served.asked


def test_the_request_cap_stops_and_the_cursor_goes_on(httpserver: HTTPServer) -> None:
    served = Served(httpserver, {
        "/sitemap.xml": urlset(*[(f"/p{i}/", f"2024-01-{i:02d}") for i in range(1, 7)], "/not-a-post/"),
        **{f"/p{i}/": article(f"P{i}") for i in range(1, 7)},
        "/not-a-post/": plain("A page"),
    })  # fmt: skip
    # robots.txt and sitemap.xml find the way (the backfill gives that its own allowance);
    # the walk's cap is its own requests: 3 pages.
    first = run_way(site_of(served, max_pages=3))
    assert [p["title"] for p in posts(first)] == ["P6", "P5", "P4"]
    assert first[-1].cursor is not None and first[-1].note and "cap of 3 requests" in first[-1].note
    archived = {p["link"] for p in posts(first)}
    served.asked.clear()
    second = run_way(site_of(served, archived=archived), first[-1].cursor)
    assert [p["title"] for p in posts(second)] == ["P3", "P2", "P1"]
    assert served.pages_read() == ["/p3/", "/p2/", "/p1/", "/not-a-post/"]
    refused = [b for b in second if b.refused]
    assert [b.refused for b in refused] == [[served.url("/not-a-post/")]]
    # Stopped again after the refused page, a third run does not read it again.
    assert second[-1].cursor is None
    cursor = refused[0].cursor
    served.asked.clear()
    third = run_way(site_of(served, archived=archived | {p["link"] for p in posts(second)}), cursor)
    assert posts(third) == [] and served.pages_read() == []


def test_pages_that_fail_are_noted_and_the_way_goes_on(httpserver: HTTPServer) -> None:
    served = Served(httpserver, {
        "/sitemap.xml": urlset("/gone/", "/fine/", "/a.pdf"),
        "/fine/": article("Fine"),
        "/a.pdf": (b"%PDF-1.4", "application/pdf"),
    })  # fmt: skip
    batches = run_way(site_of(served))
    assert [p["title"] for p in posts(batches)] == ["Fine"]
    assert any(b.note and "/gone/: HTTP 404" in b.note for b in batches)
    assert [b.refused for b in batches if b.refused] == [[served.url("/a.pdf")]]


def test_a_canonical_address_on_the_host_is_the_link_but_not_the_home_page(httpserver: HTTPServer) -> None:
    served = Served(httpserver, {
        "/sitemap.xml": urlset("/p/one.html", "/p/two.html", "/p/three.html"),
        "/p/one.html": article("One").replace("<head>", '<head><link rel="canonical" href="/one/">'),
        "/p/two.html": article("Two").replace("<head>", '<head><link rel="canonical" href="https://elsewhere.example/two/">'),
        "/p/three.html": article("Three").replace("<head>", '<head><link rel="canonical" href="/">'),
    })  # fmt: skip
    found = posts(run_way(site_of(served)))
    assert [p["link"] for p in found] == [
        served.url("/one/"),
        served.url("/p/two.html"),
        served.url("/p/three.html"),
    ]


# -- a real site: Jekyll's built output, from a public repository --------------------------


def static_files(base_placeholder: str = "http://localhost:4000") -> dict[str, Any]:
    """tests/data/jekyll-next as the site served it: every path a file (a folder its
    index.html), its own address (localhost:4000) the server's."""
    files: dict[str, Any] = {}
    for f in STATIC.rglob("*"):
        if not f.is_file() or f.name == "README.md":
            continue
        rel = "/" + f.relative_to(STATIC).as_posix()
        body = f.read_text(encoding="utf-8").replace(base_placeholder, "{BASE}")
        files[rel] = body
        if f.name == "index.html":
            files[rel.removesuffix("index.html")] = body
    return files


def static_posts() -> list[dict[str, Any]]:
    """The posts of the static site as its own pages say (what the test expects back):
    address, title, date, and the first words of the post's body."""
    import lxml.html

    found = []
    body = (STATIC / "sitemap.xml").read_bytes()
    listed = sm.parse_sitemap(body)
    assert listed is not None
    for page in listed.urls:
        path = page.loc.removeprefix("http://localhost:4000")
        f = STATIC / unquote(path).lstrip("/") / "index.html"
        if not f.exists():
            continue
        root = lxml.html.fromstring(f.read_bytes())
        if not root.xpath("//meta[@property='og:type'][@content='article']"):
            continue
        body_text = " ".join(root.xpath("string(//div[@itemprop='articleBody'])").split())
        when = root.xpath("//time[@itemprop][@datetime]/@datetime")[0]
        found.append({
            "path": path,
            "title": root.xpath("//meta[@property='og:title']/@content")[0],
            "published": parse_iso(when),
            "words": body_text[:60],
        })  # fmt: skip
    return found


def feed_of_newest(served: Served, count: int) -> str:
    """The RSS feed the site would have: its newest COUNT posts."""
    from html import escape

    newest = sorted(static_posts(), key=lambda p: p["published"], reverse=True)[:count]
    items = "".join(
        f"<item><title>{escape(p['title'])}</title><link>{served.url(p['path'])}</link>"
        f"<guid>{served.url(p['path'])}</guid><pubDate>{format_datetime(p['published'])}</pubDate>"
        f"<description>{escape(p['words'])}</description></item>"
        for p in newest
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>NexT</title><link>{served.base}/</link>{items}</channel></rss>'


@pytest.fixture
def static_site(httpserver: HTTPServer) -> Iterator[Served]:
    served = Served(httpserver, static_files())
    served.files["/feed.xml"] = (feed_of_newest(served, 10), "application/rss+xml")
    yield served


def test_the_real_sites_posts_are_all_recovered(static_site: Served) -> None:
    expected = static_posts()
    assert len(expected) == 15  # every post of the site, from its own pages
    batches = run_way(site_of(static_site))
    found = {p["link"].removeprefix(static_site.base): p for p in posts(batches)}
    # Jekyll writes non-ASCII paths percent-encoded in its sitemap, as the links are.
    assert sorted(found) == sorted(e["path"] for e in expected)
    for e in expected:
        post = found[e["path"]]
        assert post["title"] == e["title"]
        assert parse_iso(post["published"]) == e["published"], e["path"]
        assert e["words"].split()[:6] == feed_text(post["content"] or "").split()[:6], e["path"]
    # The home page, about, tags and categories are not read at all (the article check
    # refuses them too: the next test); what else was read and is no post was refused.
    read = static_site.pages_read()
    assert not {"/", "/about/", "/tags/", "/tag/", "/categories/", "/archives/", "/page2/"} & set(read)
    assert [u.removeprefix(static_site.base) for b in batches for u in b.refused] == ["/README.en/"]
    # The theme's own files the sitemap lists (/assets/lib/fastclick/) are not in the copy.
    assert sorted(set(read) - {unquote(f) for f in found}) == [
        "/README.en/",
        "/assets/lib/fastclick/",
        "/assets/lib/jquery_lazyload/",
    ]


def test_the_real_sites_pages_are_judged_rightly() -> None:
    for page, is_article in [
        ("2013/12/27/images/index.html", True),
        ("foo/2013/12/25/tags/index.html", True),  # a post titled "Tags"
        ("about/index.html", False),
        ("tags/index.html", False),
        ("tag/index.html", False),
        ("categories/index.html", False),
        ("index.html", False),
    ]:
        meta = read_meta((STATIC / page).read_text(encoding="utf-8"), "http://localhost:4000/" + page)
        assert (meta.article is not None) == is_article, page


def test_the_feed_of_the_real_site_holds_ten_of_its_posts(static_site: Served) -> None:
    import feedparser

    feed = feedparser.parse(static_site.files["/feed.xml"][0])
    assert len(feed.entries) == 10


def test_backfill_recovers_every_post_of_the_real_site(run: Run, static_site: Served, home: Path) -> None:
    assert run("add", "next", "rss", static_site.url("/feed.xml")).exit_code == 0
    assert run("fetch", "next").exit_code == 0
    assert len(archive_lines(home, "next")) == 10
    r = run("backfill", "next", "--pause", "0")
    assert r.exit_code == 0, r.output
    lines = archive_lines(home, "next")
    assert len({line["key"] for line in lines}) == 15
    assert [line["found_by"] for line in lines if line.get("found_by")] == ["sitemap"] * 5
    assert run("backfill", "next", "--pause", "0").exit_code == 0  # a second run adds nothing
    assert len(archive_lines(home, "next")) == len(lines)


def test_a_site_that_stops_answering_stops_the_way_but_404s_do_not(httpserver: HTTPServer) -> None:
    served = Served(
        httpserver,
        {"/sitemap.xml": urlset(*[f"/gone{i}/" for i in range(8)], "/last/"), "/last/": article("Last")},
    )
    assert [p["title"] for p in posts(run_way(site_of(served)))] == ["Last"]  # eight 404s, then the post

    def down(req: Request) -> Response:
        if req.path == "/sitemap.xml":
            return Response(
                urlset(*[f"/p{i}/" for i in range(8)]).replace("{BASE}", served.base),
                content_type="application/xml",
            )
        return Response("busy", status=503)

    httpserver.clear()
    httpserver.expect_request(re.compile(r"/.*")).respond_with_handler(down)
    batches = run_way(site_of(served))
    assert len([b for b in batches if b.read]) == 5
    assert batches[-1].cursor is not None and "5 pages in a row could not be read" in (batches[-1].note or "")


def test_finding_the_way_reads_little_and_every_named_sitemap_is_walked(httpserver: HTTPServer) -> None:
    names = "".join(f"Sitemap: {{BASE}}/map{i}.xml\n" for i in range(30))
    served = Served(httpserver, {
        "/robots.txt": names,
        **{f"/map{i}.xml": urlset(f"/post{i}/") for i in range(30)},
        **{f"/post{i}/": article(f"Post {i}") for i in range(30)},
    })  # fmt: skip
    way = sitemaps.find(site_of(served))
    assert way is not None and served.asked == ["/robots.txt", "/map0.xml"]  # (the backfill allows ten)
    assert len(posts(list(way.batches(None)))) == 30
    assert served.asked.count("/map0.xml") == 1

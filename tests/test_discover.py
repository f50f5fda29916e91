"""Discovery: `add ID rss PAGE` and `discover URL` find a page's feeds, on loopback servers."""

from __future__ import annotations

import json

import pytest

from subsample.parse import discover as pages
from subsample.parse.discover import Found

from .conftest import atom, item, jsonfeed, rss

RSS = "application/rss+xml"
ATOM = "application/atom+xml"


def page(*links: str, body: str = "<p>hello</p>") -> str:
    return (
        f"<!doctype html><html><head><title>A blog</title>{''.join(links)}</head><body>{body}</body></html>"
    )


def paths_asked(httpserver) -> list[str]:
    return [req.path for req, _ in httpserver.log]


# -- through the CLI -----------------------------------------------------------------


def test_add_a_page_subscribes_to_its_main_feed_and_names_the_others(run, home, httpserver):
    httpserver.expect_request("/").respond_with_data(
        page(
            '<link rel="alternate stylesheet" type="application/rss+xml" href="/style.xml">',
            f'<link rel="alternate" type="{RSS}" title="Comments Feed" href="/comments/feed/">',
            f'<link rel="Alternate Home" type="{RSS}" title="The blog" href="/feed.xml">',
            f'<link rel="alternate" type="{ATOM}" title="The blog, again" href="/feed.xml">',
            f'<link rel="alternate" type="{ATOM}" href="atom.xml">',
        ),
        content_type="text/html; charset=utf-8",
    )
    httpserver.expect_request("/comments/feed/").respond_with_data(
        rss([item(9, title="Re: post 1", link="https://example.org/p/1#c9")], title="Comments"),
        content_type=RSS,
    )
    httpserver.expect_request("/feed.xml").respond_with_data(rss([item(1), item(2)]), content_type=RSS)
    httpserver.expect_request("/atom.xml").respond_with_data(atom([item(1), item(2)]), content_type=ATOM)
    r = run("add", "blog", "rss", httpserver.url_for("/"))
    assert r.exit_code == 0, r.output
    assert f"subscribed to its feed {httpserver.url_for('/feed.xml')}" in r.stderr
    assert httpserver.url_for("/atom.xml") in r.stderr and httpserver.url_for("/comments/feed/") in r.stderr
    # "alternate stylesheet" is a style, and /feed.xml listed twice is one feed, asked for once
    assert "/style.xml" not in paths_asked(httpserver)
    assert paths_asked(httpserver).count("/feed.xml") == 1
    [row] = json.loads(run("list", "--json").stdout)
    assert row["type"] == "rss" and row["url"] == httpserver.url_for("/feed.xml")
    assert row["what"] == httpserver.url_for("/")
    r = run("fetch")
    assert r.exit_code == 0 and "2 new" in r.stdout, r.output


def test_discover_lists_several_feeds_best_first_without_adding(run, home, httpserver):
    teaser = [item(i, html=None) for i in (1, 2, 3)]
    httpserver.expect_request("/blog/").respond_with_data(
        page(
            f'<link rel="alternate" type="{RSS}" title="Comments" href="/blog/comments.xml">',
            f'<link rel="alternate" type="{RSS}" title="Summaries" href="/blog/rss.xml">',
            f'<link rel="alternate" type="{ATOM}" title="Full posts" href="/blog/atom.xml">',
            '<link rel="alternate" type="application/feed+json" title="JSON" href="/blog/feed.json">',
        ),
        content_type="text/html",
    )
    httpserver.expect_request("/blog/comments.xml").respond_with_data(
        rss([item(7, link="https://example.org/c/7")], title="Comments"), content_type=RSS
    )
    summaries = rss(teaser).replace("<item>", "<item><description>A teaser.</description>")
    httpserver.expect_request("/blog/rss.xml").respond_with_data(summaries, content_type=RSS)
    httpserver.expect_request("/blog/atom.xml").respond_with_data(atom([item(1), item(2), item(3)]))
    httpserver.expect_request("/blog/feed.json").respond_with_data(
        jsonfeed([item(5, link="https://example.org/other/5")]), content_type="application/feed+json"
    )
    r = run("discover", httpserver.url_for("/blog/"), "--json")
    assert r.exit_code == 0, r.output
    found = json.loads(r.stdout)
    assert [f["title"] for f in found] == ["Full posts", "JSON", "Summaries", "Comments"]
    assert [f["format"] for f in found] == ["Atom 1.0", "JSON Feed 1.1", "RSS 2.0", "RSS 2.0"]
    assert found[-1]["comments"] is True
    r = run("discover", httpserver.url_for("/blog/"))
    assert r.exit_code == 0 and "Full posts" in r.stdout and "Format" in r.stdout
    assert run("list", "--json").stdout.strip() == "[]"
    assert not (home / "sources.toml").exists()


def test_a_page_with_only_a_well_known_path(run, httpserver):
    httpserver.expect_request("/").respond_with_data(page(), content_type="text/html")
    httpserver.expect_request("/notes/").respond_with_data(page(), content_type="text/html")
    # A redirect to the home page is no feed (and is not followed); a 404 page is not one either.
    httpserver.expect_request("/feed").respond_with_data("", status=302, headers={"Location": "/"})
    httpserver.expect_request("/notes/index.xml").respond_with_data(rss([item(1)], title="Notes"))
    r = run("add", "notes", "rss", httpserver.url_for("/notes/"))
    assert r.exit_code == 0, r.output
    assert f"subscribed to its feed {httpserver.url_for('/notes/index.xml')}" in r.stderr
    assert "/feed" in paths_asked(httpserver) and paths_asked(httpserver).count("/") == 0


def test_the_link_header_names_a_feed(run, httpserver):
    httpserver.expect_request("/").respond_with_data(
        page(),
        content_type="text/html",
        headers={
            "Link": f'</about>; rel="author", </posts.atom>; rel="alternate"; type="{ATOM}"; title="Posts"'
        },
    )
    httpserver.expect_request("/posts.atom").respond_with_data(atom([item(1)]), content_type=ATOM)
    r = run("discover", httpserver.url_for("/"), "--json")
    assert r.exit_code == 0, r.output
    [found] = json.loads(r.stdout)
    assert found["url"] == httpserver.url_for("/posts.atom") and found["found_by"] == "header"
    assert "/about" not in paths_asked(httpserver)


def test_a_page_with_no_feed_is_one_line_and_exit_2(run, home, httpserver):
    httpserver.expect_request("/").respond_with_data(page(), content_type="text/html")
    r = run("add", "none", "rss", httpserver.url_for("/"))
    assert r.exit_code == 2, r.output
    assert "no feed found" in r.stderr and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert not (home / "sources.toml").exists()
    assert "/rss.xml" in paths_asked(httpserver) and "/feed.json" in paths_asked(httpserver)
    r = run("discover", httpserver.url_for("/"))
    assert r.exit_code == 2 and "no feed found" in r.stderr


def test_links_that_lead_nowhere_say_so(run, httpserver):
    httpserver.expect_request("/").respond_with_data(
        page(f'<link rel="alternate" type="{RSS}" href="/gone.xml">'), content_type="text/html"
    )
    r = run("discover", httpserver.url_for("/"))
    assert r.exit_code == 2, r.output
    assert "names 1 feed link but none answered with a feed" in r.stderr and "/gone.xml" in r.stderr


def test_a_url_that_is_a_feed_takes_one_request(run, home, httpserver):
    httpserver.expect_request("/").respond_with_data(rss([item(1)]), content_type=RSS)
    r = run("add", "root", "rss", httpserver.url_for("/"))
    assert r.exit_code == 0, r.output
    assert paths_asked(httpserver) == ["/"] and "what =" not in (home / "sources.toml").read_text()
    httpserver.clear_log()
    r = run("discover", httpserver.url_for("/"), "--json")
    assert r.exit_code == 0 and json.loads(r.stdout)[0]["found_by"] == "url"
    assert paths_asked(httpserver) == ["/"]


def test_a_feed_url_is_added_unchecked_as_before(run, httpserver):
    r = run("add", "blog", "rss", httpserver.url_for("/feed"))
    assert r.exit_code == 0, r.output
    assert paths_asked(httpserver) == []


def test_a_page_that_cannot_be_fetched_is_one_line(run, home, httpserver):
    httpserver.expect_request("/busy/").respond_with_data("later", status=503)
    r = run("add", "x", "rss", httpserver.url_for("/busy/"))
    assert r.exit_code == 1 and "answered HTTP 503" in r.stderr and r.stderr.count("\n") == 1, r.output
    assert run("discover", httpserver.url_for("/busy/")).exit_code == 1  # the server's trouble: try later
    assert run("discover", "no-such-file.html").exit_code == 2


@pytest.mark.parametrize("status", [404, 410])
def test_a_page_that_is_not_there_is_an_input_error_as_a_page_without_a_feed_is(
    run, home, httpserver, status
):
    httpserver.expect_request("/nothing/").respond_with_data("nope", status=status)
    for args in (["discover"], ["add", "x", "rss"]):
        r = run(*args, httpserver.url_for("/nothing/"))
        assert r.exit_code == 2, r.output  # as test_a_page_with_no_feed_is_one_line_and_exit_2
        assert r.stderr.startswith("error: no feed found at ") and r.stderr.count("\n") == 1
        assert f"answered HTTP {status}" in r.stderr
    assert paths_asked(httpserver) == ["/nothing/", "/nothing/"]  # no guessing around a missing page
    assert not (home / "sources.toml").exists()


def test_a_public_page_cannot_send_discovery_into_the_local_network(httpserver):
    from subsample.fetch import http
    from subsample.fetch.discover import NoFeedError, discover

    httpserver.expect_request("/feed.xml").respond_with_data(rss([item(1)]), content_type=RSS)
    public = "https://public.invalid/"
    html = page(f'<link rel="alternate" type="{RSS}" href="{httpserver.url_for("/feed.xml")}">')
    answer = http.Response(200, public, {"content-type": "text/html"}, html.encode())
    session = http.Session()
    try:
        with pytest.raises(NoFeedError, match="local network"):
            discover(session, public, page=answer, pause=0, limits=http.Limits(deadline=5))
    finally:
        session.close()
    assert paths_asked(httpserver) == []


# -- the pure parts ------------------------------------------------------------------


def test_links_in_html_reads_rel_words_types_base_and_skips_the_rest():
    html = page(
        '<base href="https://cdn.example/site/">',
        f'<link rel="ALTERNATE" type="{RSS}; charset=utf-8" href="rss.xml" title="  The\n feed ">',
        f'<link rel="alternate" type="{ATOM}" href="javascript:alert(1)">',
        f'<link rel="alternate" type="{ATOM}" href="">',
        '<link rel="alternate" type="text/html" hreflang="fr" href="/fr/">',
        '<link rel="alternate" type="application/rdf+xml" href="/index.rdf#top">',
        f'<link rel="stylesheet alternate" type="{RSS}" href="/s.xml">',
    ).encode()
    found = pages.links_in_html(html, "https://example.org/page")
    assert [(c.url, c.title) for c in found] == [
        ("https://cdn.example/site/rss.xml", "The feed"),
        ("https://cdn.example/index.rdf", None),
    ]
    twice = page(
        f'<link rel="alternate" type="{RSS}" title="RSS" href="/feed">',
        f'<link rel="alternate" type="{ATOM}" title="Atom" href="https://example.org/feed">',
    ).encode()
    assert [(c.url, c.title) for c in pages.links_in_html(twice, "https://example.org/")] == [
        ("https://example.org/feed", "RSS")
    ]
    assert pages.links_in_html(b"", "https://example.org/") == []
    assert pages.links_in_html(b"\x00\xff<<<", "https://example.org/") == []


def test_links_in_html_honours_the_charset():
    html = page(f'<link rel="alternate" type="{RSS}" title="Caf\u00e9 \u00bb Feed" href="/f">').encode(
        "utf-8"
    )
    [c] = pages.links_in_html(html, "https://example.org/", "text/html")
    assert c.title == "Caf\u00e9 \u00bb Feed"
    [c] = pages.links_in_html(
        html.decode().encode("latin-1"), "https://example.org/", "text/html; charset=latin-1"
    )
    assert c.title == "Caf\u00e9 \u00bb Feed"


def test_links_in_header():
    header = (
        '<https://example.org/a.atom>; rel="alternate"; type="application/atom+xml"; title="A, with a comma", '
        '</b.rss>; rel=alternate; type=application/rss+xml, </c>; rel="next"'
    )
    assert [(c.url, c.title) for c in pages.links_in_header(header, "https://example.org/x/")] == [
        ("https://example.org/a.atom", "A, with a comma"),
        ("https://example.org/b.rss", None),
    ]
    assert pages.links_in_header(None, "https://example.org/") == []


def test_well_known_paths_at_the_folder_then_the_root():
    urls = [c.url for c in pages.well_known("https://example.org/blog/post.html?x=1")]
    assert urls[0] == "https://example.org/blog/feed" and "https://example.org/blog/feed.json" in urls
    assert "https://example.org/feed/" in urls and "https://example.org/index.xml" in urls
    assert len(pages.well_known("https://example.org/")) == len(pages.WELL_KNOWN)


@pytest.mark.parametrize(
    "url, is_page",
    [
        ("https://example.org", True),
        ("https://example.org/", True),
        ("https://example.org/blog/", True),
        ("https://example.org/post.HTML", True),
        ("https://example.org/index.php", True),
        ("https://example.org/feed", False),
        ("https://example.org/rss.xml", False),
        ("https://example.org/f", False),
    ],
)
def test_looks_like_page(url, is_page):
    assert pages.looks_like_page(url) is is_page


def found(
    url: str, title: str | None = None, posts: tuple[str, ...] = ("a", "b"), full: bool = True
) -> Found:
    return Found(url, title, "rss20", "link", frozenset(posts), full)


def test_rank_puts_comment_feeds_last_and_full_content_before_summaries():
    main, comments = found("https://e.org/feed"), found("https://e.org/comments/feed", posts=("c",))
    assert pages.rank([comments, main]) == [main, comments]
    titled = found("https://e.org/f2", title="Kommentare", posts=("d",))
    assert pages.rank([titled, main])[0] is main
    summary, full = found("https://e.org/rss", full=False), found("https://e.org/atom")
    assert pages.rank([summary, full]) == [full, summary]
    # feeds of different posts keep the page's order, whatever their content
    other = found("https://e.org/tag/x", posts=("x", "y"))
    assert pages.rank([summary, other]) == [summary, other]

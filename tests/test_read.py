"""Reading: the posts list, the article view, search, --json, and terminal safety."""

from __future__ import annotations

import json
import re

import pytest
from pytest_httpserver import HTTPServer

from tests.conftest import Run, item, jsonfeed, rss

SPACE_POST = """<p>Intro about datacenters.</p>
<h2>The cooling problem</h2><p>Snappy answers.</p>
<h2>Why cooling is possible in space</h2>
<p>Heat transfer works in three ways:</p>
<ol><li>Hot atoms bump into other atoms</li><li>Hot atoms physically move</li><li>Hot objects emit photons</li></ol>
<p>Black objects get hotter in the sun<sup>1</sup>. See <a href="https://example.org/paper">this paper</a>.</p>
<h2>Why cooling is still going to be hard</h2>
<ul><li>radiators<ul><li>big ones</li></ul></li><li>launches</li></ul>
<blockquote><p>Quoted wisdom.</p></blockquote>
<pre><code>def cool():
    return "radiate"</code></pre>
<table><tr><th>Object</th><th>Area</th></tr><tr><td>ISS</td><td>1000</td></tr></table>
<p><img src="https://example.org/radiator.png" alt="a radiator panel"></p>
<div class="footnotes"><hr><ol><li>In theory, black clothing keeps you colder at night.</li>
<li>Nobody talks about power.</li><li>100MW is a fair estimate.</li></ol></div>"""


@pytest.fixture
def blog(run: Run, httpserver: HTTPServer) -> Run:
    items = [item(i) for i in range(30, 0, -1)]
    items.insert(0, item(31, title="AI datacenters in space do not have a cooling problem", html=SPACE_POST))
    httpserver.expect_request("/f").respond_with_data(rss(items, title="Sean's blog"))
    run("add", "seang", "rss", httpserver.url_for("/f"))
    assert run("fetch").exit_code == 0
    return run


def test_list_shows_the_title_count_and_posts_newest_first(blog: Run) -> None:
    r = blog("list", "seang")
    assert r.exit_code == 0, r.output
    assert "Sean's blog" in r.stdout and "Posts (31)" in r.stdout
    out = r.stdout
    assert out.index("AI datacenters in space") < out.index("Post number 30") < out.index("Post number 29")
    assert "31 " in out.splitlines()[3]  # the post number comes first


def test_list_limit_all_since_and_json(blog: Run) -> None:
    assert len(json.loads(blog("list", "seang", "--json", "--limit", "5").stdout)) == 5
    assert len(json.loads(blog("list", "seang", "--json", "--all").stdout)) == 31
    r = blog("list", "seang", "-n", "3")
    assert "28 older" in r.stdout
    since = json.loads(blog("list", "seang", "--json", "--since", "2026-01-29").stdout)
    assert {p["title"] for p in since} == {
        "Post number 28",
        "Post number 29",
        "Post number 30",
        "AI datacenters in space do not have a cooling problem",
    }
    posts = json.loads(blog("list", "seang", "--json", "-n", "1").stdout)
    assert set(posts[0]) >= {"n", "source", "title", "link", "published", "revisions", "in_feed"}
    assert "content" not in posts[0]
    posts = json.loads(blog("list", "seang", "--json", "-n", "1", "--content").stdout)
    assert "<h2>The cooling problem</h2>" in posts[0]["content"]
    assert blog("list", "seang", "--since", "yesterdayish").exit_code == 2


def test_unknown_source_and_empty_archive(run: Run) -> None:
    r = run("list", "nope")
    assert r.exit_code == 2 and "no source named 'nope'" in r.stderr
    run("add", "empty", "rss", "https://example.org/f")
    r = run("list", "empty")
    assert r.exit_code == 0 and "Posts (0)" in r.stdout and "No posts archived yet" in r.stdout


def _space_n(run: Run) -> int:
    posts = json.loads(run("list", "seang", "--json", "-n", "1").stdout)
    return int(posts[0]["n"])


def test_read_renders_the_whole_article(blog: Run) -> None:
    r = blog("read", str(_space_n(blog)), "--width", "100")
    assert r.exit_code == 0, r.output
    out = r.stdout
    assert "\x1b" not in out  # piped: no colour, no escapes
    for heading in (
        "The cooling problem",
        "Why cooling is possible in space",
        "Why cooling is still going to be hard",
    ):
        assert heading in out
    for i, text in enumerate(
        ["Hot atoms bump into other atoms", "Hot atoms physically move", "Hot objects emit photons"], 1
    ):
        assert f"\n  {i}. {text}" in out  # numbered as the seed writes it
    assert "radiators" in out and "big ones" in out and "launches" in out  # bulleted, nested
    assert "Quoted wisdom." in out and 'return "radiate"' in out
    assert "ISS" in out and "1000" in out
    assert "[image 1: a radiator panel]" in out and "https://example.org/radiator.png" in out
    assert "this paper [1]" in out and "[1] https://example.org/paper" in out
    # The footnotes heading sits under their rule, as the seed shows them.
    assert re.search(r"─{20,}\n\nFootnotes\n", out), out
    for i, text in enumerate(["black clothing", "Nobody talks about power", "100MW is a fair estimate"], 1):
        assert re.search(rf"\n  {i}\. [^\n]*{text}", out), text
    assert "Source: Sean's blog (seang)" in out
    assert "Published: 2026-02-01" in out


BROKEN_POST = """<p>First paragraph<p>Second, never closed
<ul><li>one<li>two</ul></ul></li>
<script>alert("not shown")</script><style>p { color: red }</style>
<noscript><img src="https://example.org/lazy.png" alt="lazy picture"></noscript>
<table><td>cell without a row</td></table>
<table><tr><th>Left<th>Right<tr><td>l1<td>r1<tr><td>l2<td>r2</table>
<pre>if a &lt; b:
    print("&amp;")</pre>
<blockquote>quoted, never closed
<p>&#27;[2Jescaped <b>bold <i>both</b> after</p>"""


def test_read_renders_broken_html_without_losing_text_or_obeying_it(run: Run, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/f").respond_with_data(rss([item(1, html=BROKEN_POST)]))
    run("add", "broken", "rss", httpserver.url_for("/f"))
    assert run("fetch").exit_code == 0
    r = run("read", "1", "--width", "80")
    assert r.exit_code == 0, r.output
    out = r.stdout
    for text in ("First paragraph", "Second, never closed", "one", "two", "cell without a row"):
        assert text in out
    assert "if a < b:" in out and 'print("&")' in out  # code keeps its lines, entities decoded
    assert "quoted, never closed" in out and "[2Jescaped bold both after" in out
    assert "not shown" not in out and "color: red" not in out  # script and style are not text
    assert "[image 1: lazy picture]" in out and "https://example.org/lazy.png" in out  # a fallback is
    assert "\x1b" not in out
    assert re.search(r"l1 +r1\n", out) and re.search(r"l2 +r2\n", out)  # unclosed cells: one row each


def test_read_raw_json_and_unknown(blog: Run) -> None:
    n = _space_n(blog)
    assert blog("read", str(n), "--raw").stdout.startswith("<p>Intro about datacenters.</p>")
    record = json.loads(blog("read", str(n), "--json").stdout)
    assert record["n"] == n and record["source"] == "seang" and record["revision"] == 1
    r = blog("read", "4242")
    assert r.exit_code == 2 and "no post number 4242" in r.stderr
    r = blog("read", str(n), "--revision", "3")
    assert r.exit_code == 2 and "no revision 3" in r.stderr


def test_search_finds_titles_and_body_text_not_tags(blog: Run) -> None:
    r = blog("search", "HEAT TRANSFER")
    assert r.exit_code == 0, r.output
    assert "AI datacenters in space" in r.stdout and "seang" in r.stdout
    hits = json.loads(blog("search", "post number 1", "--json").stdout)
    assert {h["title"] for h in hits} >= {"Post number 1", "Post number 10"}
    assert json.loads(blog("search", "<h2>", "--json").stdout) == []  # tags are not text
    assert json.loads(blog("search", "cooling", "--source", "seang", "--json").stdout)[0]["snippet"]
    assert blog("search", "x", "--source", "ghost").exit_code == 2
    assert blog("search", "  ").exit_code == 2
    assert "No posts match" in blog("search", "zebra-unicorn").stdout


HOSTILE = [
    "\x1b[2J\x1b[31mred alert",  # CSI: clear screen, colour
    "\x1b]52;c;ZWNobyBwd25lZA==\x07clip",  # OSC 52 clipboard write
    "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\",  # OSC 8 hyperlink
    "\x9b31mC1 csi",  # C1 CSI
    "abc\u202edlrow\u202c",  # bidi override
    "[link=file:///etc/passwd]innocent[/link] [bold red]loud[/]",  # rich markup
]


@pytest.mark.parametrize("force_colour", [False, True])
def test_hostile_text_is_shown_inert_everywhere(run: Run, httpserver: HTTPServer, force_colour: bool) -> None:
    items = [
        item(
            i,
            title=f"T{i} {payload}",
            html=f"<p>Body {payload}</p><p>needle</p><img src='https://e.example/{i}.png' alt='{payload}'>",
            link=f"https://example.org/{i}?{payload}",
        )
        for i, payload in enumerate(HOSTILE, start=1)
    ]
    feed = jsonfeed(items, title="\x1b]52;c;AAAA\x07Evil [b]feed[/b]")
    feed_obj = json.loads(feed)
    for it in feed_obj["items"]:
        it["authors"] = [{"name": "\x1b[8mhidden\u202e"}]
    httpserver.expect_request("/evil").respond_with_json(feed_obj)
    run("add", "evil", "rss", httpserver.url_for("/evil"))
    env = {"FORCE_COLOR": "1", "TERM": "xterm-256color"} if force_colour else {"NO_COLOR": "1"}
    outputs = [run("fetch", env=env)]
    outputs.append(run("list", "evil", env=env))
    outputs.append(run("list", env=env))
    outputs.append(run("search", "needle", env=env))
    outputs.append(run("history", "evil", env=env))
    outputs.append(run("gallery", "evil", env=env))
    outputs.append(run("config", "evil", env=env))
    for n in range(1, len(HOSTILE) + 1):
        outputs.append(run("read", str(n), env=env))
    for r in outputs:
        assert r.exit_code == 0, r.output
        text = r.stdout + r.stderr
        for bad in ("\x1b]52", "\x1b]8;;https://evil", "\x1b[2J", "\x1b[8m", "\x9b", "\u202e", "\x07"):
            assert bad not in text, (bad, text)
        if not force_colour:
            assert "\x1b" not in text
    listing = outputs[1].stdout
    assert "[link=file:///etc/passwd]innocent[/link]" in listing  # shown, not obeyed
    assert "[bold red]loud[/]" in listing
    article = outputs[-1].stdout
    assert "[link=file:///etc/passwd]innocent[/link]" in article


def test_error_messages_quoting_the_server_are_inert(run: Run, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/f").respond_with_data(
        "x", status=200, content_type="\x1b]52;c;AAAA\x07text/\x1b[2Jhtml"
    )
    run("add", "evil", "rss", httpserver.url_for("/f"))
    env = {"FORCE_COLOR": "1", "TERM": "xterm-256color"}
    for r in (run("fetch", env=env), run("history", "evil", env=env), run("list", env=env)):
        text = r.stdout + r.stderr
        assert "\x1b]52" not in text and "\x1b[2J" not in text and "\x07" not in text

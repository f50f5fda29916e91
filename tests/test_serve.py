"""`subsample serve` over real HTTP on 127.0.0.1, and `export --site`: what each page answers,
what a hostile post becomes, and what the server refuses."""

from __future__ import annotations

import hashlib
import json
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import feedparser
import pytest

from tests.conftest import item
from tests.serving import Served, add_feed, seed_like, served


@pytest.fixture
def site(run: Callable[..., Any], tmp_path: Path, home: Path) -> Iterator[Served]:
    add_feed(run, tmp_path, "seang", seed_like(31))
    with served(home) as s:
        yield s


def _post_numbers(s: Served) -> dict[str, int]:
    posts = json.loads(s.get("/sources/seang.json").body)["posts"]
    return {p["title"]: p["n"] for p in posts}


PAGES = [
    ("/", "text/html"),
    ("/sources/seang", "text/html"),
    ("/sources/seang/history", "text/html"),
    ("/sources/seang/gallery", "text/html"),
    ("/sources/seang/config", "text/html"),
    ("/sources/seang/rss", "application/rss+xml"),
    ("/sources/seang/json", "application/feed+json"),
    ("/posts/1", "text/html"),
    ("/search?q=cooling", "text/html"),
    ("/static/style.css", "text/css"),
    ("/index.json", "application/json"),
    ("/sources/seang.json", "application/json"),
    ("/sources/seang/history.json", "application/json"),
    ("/sources/seang/gallery.json", "application/json"),
    ("/sources/seang/config.json", "application/json"),
    ("/posts/1.json", "application/json"),
    ("/search.json?q=cooling", "application/json"),
]


def test_every_page_answers_with_its_type_and_the_safety_headers(site: Served) -> None:
    for path, ctype in PAGES:
        r = site.get(path)
        assert r.status == 200, (path, r.text[:300])
        assert r.headers["content-type"].split(";")[0] == ctype, path
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "no-referrer"
        csp = r.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "script-src 'none'" in csp, path
        assert "img-src 'self' https: http:" in csp
        if ctype.endswith("json"):
            json.loads(r.body)


def test_the_source_page_is_the_seeds(site: Served) -> None:
    page = site.get("/sources/seang").text
    header = re.search(r"<table class=\"header-row\">.*?</table>", page, re.S)
    assert header is not None
    cells = re.findall(r"<t[hd]>(.*?)</t[hd]>", header.group(0), re.S)
    assert cells[:6] == ["ID", "Type", "Limit", "Status", "Last Update", "Next Update"]
    assert cells[6:9] == ["seang", "rss", "all"] and "Enabled" in cells[9]
    tabs = re.findall(r'<nav class="tabs".*?</nav>', page, re.S)[0]
    assert re.findall(r">(\w+)</a>", tabs) == ["Posts", "History", "Gallery", "Config", "RSS", "JSON"]
    assert "Posts (31)" in page
    assert page.count('<article class="post"') == 31
    # newest first, each in full under "Published: <relative>", exact date on hover
    titles = re.findall(r'<h2 class="post-title"><a href="/posts/\d+">(.*?)</a>', page)
    assert titles[0] == "AI datacenters in space do not have a cooling problem"
    assert titles[-1] == "Post number 1"
    assert "<ol><li>Conduction</li>" in page and "<h3>Why it is hard</h3>" in page
    assert re.search(
        r'Published: <time datetime="2026-01-02T10:00:00\+00:00" title="2026-01-02 10:00 UTC">', page
    )
    assert page.index("Post number 29") < page.index("Post number 28")


def test_sources_table_links_each_id(site: Served) -> None:
    page = site.get("/").text
    assert '<a href="/sources/seang">seang</a>' in page
    assert ">31<" in page and "The seang blog" in page
    assert json.loads(site.get("/index.json").body)[0]["posts"] == 31


def test_rss_and_json_tabs_are_feeds_with_every_post(site: Served) -> None:
    rss = site.get("/sources/seang/rss")
    parsed = feedparser.parse(rss.body)
    assert not parsed.bozo, parsed.bozo_exception
    assert len(parsed.entries) == 31
    assert parsed.entries[0].title == "AI datacenters in space do not have a cooling problem"
    doc = json.loads(site.get("/sources/seang/json").body)
    assert doc["version"] == "https://jsonfeed.org/version/1.1"
    assert len(doc["items"]) == 31
    assert {i["url"] for i in doc["items"]} == {f"https://example.org/p/{i}" for i in range(1, 32)}


def test_a_hostile_post_comes_out_inert(site: Served) -> None:
    n = next(n for title, n in _post_numbers(site).items() if "Hostile" in title)
    for path in ("/sources/seang", f"/posts/{n}", "/search?q=honest"):
        page = site.get(path).text
        assert "<script" not in page.lower(), path
        assert not re.search(r"\son\w+\s*=", page, re.I), path  # no event handler attribute
        assert "javascript:" not in page.lower(), path
        assert "style=" not in page and "<style" not in page.lower(), path
        assert "<iframe" not in page and "<svg" not in page and 'name="pw"' not in page
        assert page.count("<form") <= 1 and 'action="https://evil' not in page  # only our search box
        assert "data:image" not in page
        assert "\x1b" not in page and "\x07" not in page, path
        assert 'class="overlay"' not in page
    page = site.get(f"/posts/{n}").text
    assert "Hostile" in page and "<b onmouseover" not in page  # the title, as text
    assert "The honest paragraph." in page and "click me" in page and "OVERLAY" in page
    img = re.search(r'<img src="https://example.org/x.png"[^>]*>', page)  # the image stays, inert
    assert img is not None and 'referrerpolicy="no-referrer"' in img.group(0)


def test_a_post_page_has_its_revisions_and_original(
    run: Callable[..., Any], tmp_path: Path, home: Path
) -> None:
    add_feed(run, tmp_path, "blog", [item(1, html="<p>First text.</p>")])
    add_feed_again = tmp_path / "blog.xml"
    add_feed_again.write_text(add_feed_again.read_text().replace("First text.", "Second text."))
    assert run("fetch", "blog").exit_code == 0
    with served(home) as s:
        page = s.get("/posts/1").text
        assert "Second text." in page and "First text." not in page
        assert 'href="/posts/1/revision/1"' in page and 'href="/posts/1/revision/2"' in page
        assert '<a href="https://example.org/p/1" rel="noopener noreferrer nofollow">the original</a>' in page
        assert "First text." in s.get("/posts/1/revision/1").text
        assert s.get("/posts/1/revision/3").status == 404
        assert "edited ×1" in s.get("/sources/blog").text  # noqa: RUF001


def test_big_archives_are_paged(run: Callable[..., Any], tmp_path: Path, home: Path) -> None:
    add_feed(run, tmp_path, "big", [item(i) for i in range(1, 121)])
    with served(home) as s:
        first = s.get("/sources/big").text
        assert "Posts (120)" in first and first.count('<article class="post"') == 50
        assert "Page 1 of 3" in first and 'href="/sources/big/page/2"' in first
        last = s.get("/sources/big/page/3").text
        assert last.count('<article class="post"') == 20 and "Post number 1<" in last
        assert s.get("/sources/big/page/4").status == 404
        assert json.loads(s.get("/sources/big/page/2.json").body)["posts"][0]["title"] == "Post number 70"
        # The feed tabs are for subscribing: the newest 100 posts, as a feed carries them.
        feed = json.loads(s.get("/sources/big/json").body)["items"]
        assert (
            len(feed) == 100
            and feed[0]["title"] == "Post number 120"
            and feed[-1]["title"] == "Post number 21"
        )
        assert len(feedparser.parse(s.get("/sources/big/rss").body).entries) == 100


def test_unknown_pages_are_404_pages(site: Served) -> None:
    for path in ("/nope", "/sources/nope", "/sources/nope/rss", "/posts/999", "/sources/seang/page/0"):
        r = site.get(path)
        assert r.status == 404, path
        assert r.headers["content-type"].startswith("text/html")
        assert "Traceback" not in r.text


def test_a_wrong_host_is_refused(site: Served) -> None:
    port = site.server.port
    for host in ("evil.example", f"evil.example:{port}", f"127.0.0.1:{port + 1}", "127.0.0.1"):
        r = site.get("/sources/seang", headers={"Host": host})
        assert r.status == 421, host
        assert b"Posts (" not in r.body
    assert site.get("/", headers={"Host": f"localhost:{port}"}).status == 200
    assert site.get("/", headers={"Host": f"127.0.0.1:{port}"}).status == 200


def test_only_get_and_head(site: Served, home: Path) -> None:
    before = (home / "sources.toml").read_bytes()
    for method in ("POST", "PUT", "DELETE", "PATCH", "OPTIONS"):
        r = site.get("/sources/seang", method=method)
        assert r.status == 405, method
        assert r.headers["allow"] == "GET, HEAD"
    assert (home / "sources.toml").read_bytes() == before
    head = site.get("/sources/seang", method="HEAD")
    assert head.status == 200 and head.body == b"" and head.headers["content-type"].startswith("text/html")
    # (a page's length changes as its relative times do: compare on a file that stays put)
    head = site.get("/static/style.css", method="HEAD")
    assert head.body == b"" and int(head.headers["content-length"]) == len(site.get("/static/style.css").body)


def test_media_comes_only_from_the_media_store(site: Served, home: Path) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 32
    name = hashlib.sha256(png).hexdigest() + ".png"
    (home / "media").mkdir()
    (home / "media" / name).write_bytes(png)
    (home / "media" / "urls.json").write_text(json.dumps({"https://example.org/x.png": name}))
    r = site.get(f"/media/{name}")
    assert r.status == 200 and r.body == png and r.headers["content-type"] == "image/png"
    assert "sandbox" in r.headers["content-security-policy"]
    gallery = site.get("/sources/seang/gallery").text
    assert f'src="/media/{name}"' in gallery and "local copy" in gallery
    assert f'src="/media/{name}"' in site.get("/sources/seang").text  # the post shows the local copy
    for path in ("/media/../sources.toml", "/media/%2e%2e/sources.toml", "/media/..%2fsources.toml",
                 "/media/urls.json", "/static/../sources.toml", "/media/" + "0" * 64 + ".png",
                 "//etc/passwd", "/sources/seang/../../sources.toml"):  # fmt: skip
        r = site.get(path)
        assert r.status == 404, path
        assert b"[sources" not in r.body and b"root:" not in r.body


def test_list_and_read_do_not_load_the_web_view(run: Callable[..., Any], tmp_path: Path, home: Path) -> None:
    add_feed(run, tmp_path, "blog", [item(1)])
    for args in (["list"], ["list", "blog"], ["read", "1"]):
        r = subprocess.run([sys.executable, "-X", "importtime", "-m", "subsample", *args],
                           capture_output=True, text=True, env={"SUBSAMPLE_HOME": str(home), "PATH": ""})  # fmt: skip
        assert r.returncode == 0, r.stderr[-500:]
        loaded = {line.rsplit("|", 1)[-1].strip() for line in r.stderr.splitlines()}
        assert not {"jinja2", "nh3", "http.server", "subsample.show.web"} & loaded, args


def _serve(home: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "subsample", "serve", "-q", *args], text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={"SUBSAMPLE_HOME": str(home), "PATH": ""})  # fmt: skip


def test_serve_prints_its_url_and_stops_cleanly_on_ctrl_c(
    run: Callable[..., Any], tmp_path: Path, home: Path
) -> None:
    add_feed(run, tmp_path, "blog", [item(1)])
    p = _serve(home, "--port", "0")
    try:
        assert p.stdout is not None
        line = p.stdout.readline()
        m = re.match(r"Serving the archive at (http://127\.0\.0\.1:(\d+)/) \(Ctrl-C stops\)", line)
        assert m, line
        with socket.create_connection(("127.0.0.1", int(m.group(2))), timeout=10) as c:
            c.sendall(f"GET /sources/blog HTTP/1.0\r\nHost: 127.0.0.1:{m.group(2)}\r\n\r\n".encode())
            assert b"Posts (1)" in b"".join(iter(lambda: c.recv(65536), b""))
        p.send_signal(signal.SIGINT)
        _, err = p.communicate(timeout=10)
    finally:
        p.kill()
    assert p.returncode in (0, 130), err
    assert "Traceback" not in err


def test_a_port_in_use_or_a_bad_host_is_one_line_and_exit_2(home: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        p = _serve(home, "--port", str(port))
        _, err = p.communicate(timeout=20)
        assert p.returncode == 2 and f"port {port} is already in use" in err
        assert len(err.strip().splitlines()) == 1, err
    for host in ("no-such-host.invalid", "203.0.113.7", "not an address"):
        p = _serve(home, "--port", "0", "--host", host)
        _, err = p.communicate(timeout=30)
        assert p.returncode == 2, (host, err)
        assert "cannot listen on" in err and "Traceback" not in err


def test_another_host_is_warned_about(home: Path) -> None:
    p = _serve(home, "--port", "0", "--host", "0.0.0.0")
    try:
        assert p.stdout is not None
        assert p.stdout.readline().startswith("Serving the archive at http://127.0.0.1:")
        p.send_signal(signal.SIGINT)
        _, err = p.communicate(timeout=10)
    finally:
        p.kill()
    assert "anyone who can reach this machine can read the archive" in err


def test_export_site_writes_the_pages_with_relative_links(
    run: Callable[..., Any], tmp_path: Path, home: Path
) -> None:
    add_feed(run, tmp_path, "seang", seed_like(31))
    out = tmp_path / "site"
    r = run("export", "--site", str(out))
    assert r.exit_code == 0, r.output
    assert "Wrote" in r.stderr
    for f in ("index.html", "sources/seang/index.html", "sources/seang/history/index.html",
              "sources/seang/gallery/index.html", "sources/seang/config/index.html",
              "sources/seang/rss.xml", "sources/seang/feed.json", "posts/1/index.html", "static/style.css"):  # fmt: skip
        assert (out / f).is_file(), f
    page = (out / "sources/seang/index.html").read_text()
    assert "Posts (31)" in page and page.count('<article class="post"') == 31
    assert 'href="../../static/style.css"' in page and 'href="../../posts/31/index.html"' in page
    assert 'href="history/index.html"' in page and 'href="rss.xml"' in page
    assert "script-src 'none'" in page  # the CSP travels with the page, as a meta tag
    for html in out.rglob("*.html"):
        text = html.read_text()
        assert not re.search(r'(?:href|src)="/', text), html  # nothing absolute: works from any folder
        for target in re.findall(r'href="([^"#:]+)"', text):
            assert (html.parent / target).exists(), (html, target)
        assert "<script" not in text.lower()
    assert len(feedparser.parse((out / "sources/seang/rss.xml").read_bytes()).entries) == 31

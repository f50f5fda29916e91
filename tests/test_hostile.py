"""Hostile servers and feeds: each source fails cleanly within its deadline and the others still archive."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from subsample.errors import FetchError
from tests.conftest import archive_lines, item, rss


class RawServer:
    """A loopback TCP server that misbehaves on purpose: drips, hangs, resets."""

    def __init__(self, behaviour: str) -> None:
        self.behaviour = behaviour
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}/feed"

    def _serve(self) -> None:
        self.sock.settimeout(0.2)
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        try:
            conn.recv(65536)
            if self.behaviour == "reset":
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                conn.close()
                return
            if self.behaviour == "hang":
                self.stop.wait(30)
                return
            payload = (
                b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n\r\n<rss version='2.0'><channel>"
            )
            if self.behaviour == "drip-page":  # a web page, for the reading of posts' pages
                payload = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<html><body><p>"
                conn.sendall(payload)
                payload = b"word " * 10000
            if self.behaviour == "drip-body":
                conn.sendall(payload)
                payload = b"<item><title>x</title></item>" * 1000
            deadline = time.monotonic() + 30  # bounded, whatever happens
            for byte in payload:
                if self.stop.is_set() or time.monotonic() > deadline:
                    return
                conn.sendall(bytes([byte]))
                time.sleep(0.5)
        except OSError:
            pass
        finally:
            conn.close()

    def close(self) -> None:
        self.stop.set()
        self.sock.close()


@pytest.fixture
def raw_server() -> Iterator[type[RawServer]]:
    servers: list[RawServer] = []

    def make(behaviour: str) -> RawServer:
        s = RawServer(behaviour)
        servers.append(s)
        return s

    yield make  # type: ignore[misc]
    for s in servers:
        s.close()


@pytest.mark.parametrize("behaviour", ["drip-headers", "drip-body", "hang", "reset"])
def test_bad_servers_fail_within_the_deadline_and_others_still_archive(
    run, home, httpserver, raw_server, behaviour
):
    bad = raw_server(behaviour)
    httpserver.expect_request("/ok").respond_with_data(rss([item(1)]))
    run("add", "bad", "rss", bad.url)
    run("add", "good", "rss", httpserver.url_for("/ok"))
    start = time.monotonic()
    r = run("fetch", "--timeout", "3")
    took = time.monotonic() - start
    assert r.exit_code == 1, r.output
    assert "good: 1 new" in r.stdout
    assert "bad: failed:" in r.stderr
    assert took < 8, took
    assert len(archive_lines(home, "good")) == 1


def test_connection_refused_is_one_clear_failure(run):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    run("add", "closed", "rss", f"http://127.0.0.1:{port}/feed")
    r = run("fetch")
    assert r.exit_code == 1 and "connection refused" in r.stderr
    assert "Traceback" not in r.stdout + r.stderr


def test_endless_body_stops_at_the_size_cap(run, httpserver):
    def endless() -> Iterator[bytes]:
        chunk = b"<!-- " + b"x" * 65536 + b" -->"
        for _ in range(10_000):  # bounded: ~650 MB if nobody stops reading
            yield chunk

    from werkzeug import Response

    httpserver.expect_request("/big").respond_with_handler(
        lambda req: Response(endless(), content_type="application/rss+xml")
    )
    run("add", "big", "rss", httpserver.url_for("/big"))
    r = run("fetch", "--max-size", "2")
    assert r.exit_code == 1 and "over the 2097152 byte cap" in r.stderr


def test_billion_laughs_and_external_entities_do_no_harm(run, home, httpserver, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    laughs = (
        '<!DOCTYPE rss [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        + "".join(f'<!ENTITY {chr(99 + i)} "{("&" + chr(98 + i) + ";") * 10}">' for i in range(8))
        + "]>"
    )
    bomb = f'<?xml version="1.0"?>{laughs}<rss version="2.0"><channel><title>&j;</title><item><title>t &j;</title><guid>1</guid></item></channel></rss>'
    xxe = (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file://{secret}">]>'
        '<rss version="2.0"><channel><title>x</title><item><title>leak &x;</title><guid>1</guid>'
        "<description>&x;</description></item></channel></rss>"
    )
    httpserver.expect_request("/bomb").respond_with_data(bomb, content_type="application/rss+xml")
    httpserver.expect_request("/xxe").respond_with_data(xxe, content_type="application/rss+xml")
    run("add", "bomb", "rss", httpserver.url_for("/bomb"))
    run("add", "xxe", "rss", httpserver.url_for("/xxe"))
    start = time.monotonic()
    r = run("fetch")
    assert time.monotonic() - start < 20
    assert "Traceback" not in r.stdout + r.stderr
    everything = r.stdout + r.stderr
    for sid in ("bomb", "xxe"):
        path = home / "archive" / f"{sid}.jsonl"
        if path.exists():
            data = path.read_text()
            assert "TOP-SECRET" not in data
            assert "hahahahahahahahahahahahaha" * 1000 not in data
            for n in (p["n"] for p in archive_lines(home, sid)):
                everything += run("read", str(n)).stdout
    assert "TOP-SECRET" not in everything


@pytest.mark.parametrize(
    "body, ok",
    [
        (b"\xef\xbb\xbf" + rss([item(1)]).encode(), True),  # BOM
        (rss([item(1, title="caf\u00e9")]).encode("utf-16"), True),
        (rss([item(1)]).encode()[:-40], True),  # truncated XML: read what is there
        (rss([item(1, title="caf\u00e9")]).replace("UTF-8", "ISO-8859-1").encode("latin-1"), True),
        (b"\x00\x01\x02garbage\xff\xfe", False),
        (b'{"version": "https://jsonfeed.org/version/1.1", "items": {"not": "a list"}}', True),
        (b'{"version": 7, "items": []}', False),
        (b"[" * 100000, False),  # JSON nested past any recursion limit
    ],
)
def test_odd_bodies_never_crash(run, httpserver, body, ok):
    httpserver.expect_request("/f").respond_with_data(body, content_type="application/octet-stream")
    run("add", "odd", "rss", httpserver.url_for("/f"))
    r = run("fetch")
    assert r.exit_code == (0 if ok else 1), r.output
    assert "Traceback" not in r.stdout + r.stderr
    if ok:
        assert run("list", "odd").exit_code == 0


def test_entries_without_guid_link_title_or_date_and_duplicates(run, home, httpserver):
    entries = [
        item(1, guid=None, link=None, title="Only a title", date=None),
        item(2, guid=None, link=None, title=None, date=None, html="<p>only a body</p>"),
        item(3, guid="dup", title="first with dup guid"),
        item(4, guid="dup", title="second with dup guid"),
        item(5, date="1969-07-20T20:17:00Z", title="moon landing"),
        item(6, date="2999-01-01T00:00:00Z", title="far future"),
    ]
    feed = rss(entries).replace(
        "</channel>",
        "<item><title>bad date</title><guid>bd</guid><pubDate>not a date</pubDate></item></channel>",
    )
    httpserver.expect_request("/f").respond_with_data(feed)
    run("add", "odd", "rss", httpserver.url_for("/f"), "--limit", "0")
    r = run("fetch")
    assert r.exit_code == 0, r.output
    posts = {p["title"]: p for p in archive_lines(home, "odd")}
    assert "Only a title" in posts and None in posts
    # One guid on two posts with their own links and dates: two posts, not one lost.
    assert "first with dup guid" in posts and "second with dup guid" in posts
    assert "2 entries share a guid: kept apart by date" in r.stdout
    assert posts["moon landing"]["published"] == "1969-07-20T20:17:00Z"
    assert posts["bad date"]["published"] is None
    r = run("list", "odd")
    assert r.exit_code == 0 and "(untitled)" in r.stdout
    assert run("fetch", "--force").exit_code == 0
    assert len(archive_lines(home, "odd")) == len(posts)  # stable keys: nothing archived twice
    json.loads(run("list", "odd", "--json").stdout)


def test_a_feed_cannot_redirect_into_the_local_network(run, home, httpserver):
    """Seen from a public feed URL, a redirect to a private address is refused before it is followed."""
    from subsample.fetch import http as net

    refuse = net.stay_outside_unless("https://93.184.215.14/feed")
    assert refuse("93.184.215.14") is None  # its own host: never even resolved
    assert "local network" in (refuse("127.0.0.1") or "")
    assert "local network" in (refuse("10.1.2.3") or "")
    # A feed that lives on loopback (every test here) may redirect within it.
    httpserver.expect_request("/old").respond_with_data(
        "", status=302, headers={"Location": httpserver.url_for("/new")}
    )
    httpserver.expect_request("/new").respond_with_data(rss([item(1)]))
    run("add", "local", "rss", httpserver.url_for("/old"))
    assert run("fetch").exit_code == 0


def test_redirects_lead_only_to_web_urls_and_an_error_page_does_not_spoil_the_connection(
    run, home, httpserver, tmp_path
):
    secret = tmp_path / "secret.xml"
    secret.write_text(rss([item(1, title="SECRET")]))
    httpserver.expect_request("/to-file").respond_with_data(
        "", status=302, headers={"Location": f"file://{secret}"}
    )
    # A big error page left unread on a keep-alive connection must not be taken for the
    # answer to the next request on it.
    httpserver.expect_request("/error").respond_with_data("x" * 500_000, status=500)
    httpserver.expect_request("/ok").respond_with_data(
        rss([item(1)]), headers=[("ETag", '"a"'), ("X-Twice", "1"), ("X-Twice", "2")]
    )
    run("add", "tofile", "rss", httpserver.url_for("/to-file"))
    run("add", "error", "rss", httpserver.url_for("/error"))
    run("add", "ok", "rss", httpserver.url_for("/ok"))
    r = run("fetch")
    assert r.exit_code == 1
    assert "tofile: failed: redirected to a URL that is not http(s)" in r.stderr
    assert "error: failed: HTTP 500" in r.stderr and "ok: 1 new" in r.stdout
    assert not (home / "archive" / "tofile.jsonl").exists()

    from subsample.fetch import http as net

    session = net.Session()
    assert net.get(session, httpserver.url_for("/error")).status == 500
    resp = net.get(session, httpserver.url_for("/ok"))  # likely on the same connection
    assert resp.status == 200 and b"Post number 1" in resp.body
    assert resp.headers["x-twice"] == "1, 2" and resp.headers["etag"] == '"a"'
    # A host name in another script is sent as IDNA: it fails as an unknown host (.invalid
    # never resolves), not as a URL we could not even read.
    with pytest.raises(FetchError, match="host not found"):
        net.get(session, "http://bücher.invalid/feed")
    session.close()


def test_urls_that_are_not_urls_are_kept_not_fatal(run, home, httpserver):
    """'http://]]' breaks urllib; the post is archived with the link as given, and
    downloading its image is one reported problem, not a crash."""
    feed = rss([item(1, link="http://]]", html='<p><img src="http://[::1" alt="x"></p>')])
    httpserver.expect_request("/f").respond_with_data(feed)
    run("add", "bad", "rss", httpserver.url_for("/f"))
    r = run("fetch")
    assert r.exit_code == 0, r.output
    [post] = archive_lines(home, "bad")
    assert post["link"] == "http://]]" and post["images"][0]["url"] == "http://[::1"
    assert run("read", str(post["n"]), "--no-pager").exit_code == 0
    r = run("gallery", "bad", "--download")
    assert r.exit_code == 1 and "not a valid URL" in r.stderr and "Traceback" not in r.output


def test_json_feed_with_lone_surrogates_is_archived_with_replacement_characters(run, home, httpserver):
    # JSON may escape half of a UTF-16 pair; such text cannot be written as UTF-8.
    body = (
        '{"version": "https://jsonfeed.org/version/1.1", "title": "S\\udc00", "items": [{"id": "1",'
        ' "title": "half \\ud800 pair", "content_html": "<p>\\udfff</p>", "tags": ["\\ud83d\\ude00", "\\ud83d"]}]}'
    )
    httpserver.expect_request("/j").respond_with_data(body, content_type="application/feed+json")
    run("add", "sur", "rss", httpserver.url_for("/j"))
    r = run("fetch")
    assert r.exit_code == 0, r.output
    [post] = archive_lines(home, "sur")
    assert post["title"] == "half \ufffd pair" and post["tags"] == ["\U0001f600", "\ufffd"]
    assert run("read", str(post["n"]), "--no-pager").exit_code == 0

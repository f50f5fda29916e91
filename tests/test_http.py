"""The HTTP layer alone (fetch/http.py), against real loopback servers: every guarantee it gives."""

from __future__ import annotations

import contextlib
import gzip
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urljoin

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response as WResponse

from subsample.errors import FetchError
from subsample.fetch import http as net
from subsample.parse import fastxml
from subsample.parse import feeds as parse
from tests.conftest import atom, item, rss
from tests.test_hostile import RawServer

FAST = net.Limits(connect_timeout=2, read_timeout=2, deadline=2)


class Scripted:
    """A loopback TCP server that runs SCRIPT(conn, request_bytes) for each connection, and
    records what it saw: connections accepted, and the bytes of each request."""

    def __init__(self, script: Callable[[socket.socket, bytes], None]) -> None:
        self.script = script
        self.accepted = 0
        self.received: list[bytes] = []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.stop = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def port(self) -> int:
        return int(self.sock.getsockname()[1])

    def url(self, path: str = "/feed", host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def _serve(self) -> None:
        self.sock.settimeout(0.2)
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.accepted += 1
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        try:
            conn.settimeout(5)
            data = conn.recv(65536)
            if data:
                self.received.append(data)
            self.script(conn, data)
        except OSError:
            pass
        finally:
            conn.close()

    def close(self) -> None:
        self.stop.set()
        self.sock.close()


@pytest.fixture
def scripted() -> Iterator[Callable[[Callable[[socket.socket, bytes], None]], Scripted]]:
    made: list[Scripted] = []

    def make(script: Callable[[socket.socket, bytes], None]) -> Scripted:
        s = Scripted(script)
        made.append(s)
        return s

    yield make
    for s in made:
        s.close()


@pytest.fixture
def session() -> Iterator[net.Session]:
    s = net.Session()
    yield s
    s.close()


@pytest.fixture(autouse=True)
def no_proxy_from_outside(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


def _answer(raw: bytes) -> Callable[[socket.socket, bytes], None]:
    def script(conn: socket.socket, _request: bytes) -> None:
        conn.sendall(raw)

    return script


def _stall(conn: socket.socket, _request: bytes) -> None:
    time.sleep(10)


# -- the deadline --------------------------------------------------------------------


@pytest.mark.parametrize("behaviour", ["drip-headers", "drip-body", "hang"])
def test_a_dripping_or_silent_server_holds_a_request_no_longer_than_its_deadline(
    session, behaviour, tmp_path
):
    server = RawServer(behaviour)
    try:
        limits = net.Limits(connect_timeout=2, read_timeout=5, deadline=2)  # drips beat the read timeout
        start = time.monotonic()
        with pytest.raises(FetchError, match=r"^gave up after 2s \(deadline\)$"):
            net.get(session, server.url, limits=limits)
        assert time.monotonic() - start < 3
    finally:
        server.close()


def test_the_deadline_spans_redirects(session, httpserver):
    """Each hop answers within the read timeout; together they pass the deadline."""

    def slow_redirect(request):
        time.sleep(0.6)
        n = int(request.path.strip("/"))
        return WResponse("", status=302, headers={"Location": f"/{n + 1}"})

    for n in range(5):
        httpserver.expect_request(f"/{n}").respond_with_handler(slow_redirect)
    start = time.monotonic()
    with pytest.raises(FetchError, match="deadline"):
        net.get(session, httpserver.url_for("/0"), limits=net.Limits(read_timeout=1, deadline=1.5))
    assert time.monotonic() - start < 2.5


def test_the_whole_fetch_process_ends_within_its_timeout(tmp_path):
    """`subsample fetch --timeout 3` in a process of its own, against a server dripping one
    byte every half second forever (well, for 30 s): the process ends in about 3 s."""
    server = RawServer("drip-headers")
    try:
        env = {**os.environ, "SUBSAMPLE_HOME": str(tmp_path / "h")}
        cmd = [sys.executable, "-m", "subsample"]
        subprocess.run([*cmd, "add", "drip", "rss", server.url], env=env, check=True, capture_output=True)
        start = time.monotonic()
        r = subprocess.run([*cmd, "fetch", "--timeout", "3"], env=env, capture_output=True, text=True)
        took = time.monotonic() - start
    finally:
        server.close()
    assert r.returncode == 1 and "drip: failed: gave up after 3s (deadline)" in r.stderr, r
    assert "Traceback" not in r.stderr
    assert took < 3 + 2, took


def test_the_default_deadline_is_30_seconds():
    assert net.Limits().deadline == 30


# -- the size cap --------------------------------------------------------------------


def test_a_gzip_bomb_stops_at_the_cap_after_decompression(session, httpserver):
    bomb = gzip.compress(b" " * (64 * 1024 * 1024), compresslevel=9)  # 64 KiB on the wire
    httpserver.expect_request("/bomb").respond_with_data(bomb, headers={"Content-Encoding": "gzip"})
    with pytest.raises(FetchError, match=r"^body is over the 1048576 byte cap \(after decompression\)$"):
        net.get(session, httpserver.url_for("/bomb"), limits=net.Limits(max_bytes=1024 * 1024))
    # Under the cap, the same kind of body comes back decompressed.
    httpserver.expect_request("/small").respond_with_data(
        gzip.compress(b"x" * 1000), headers={"Content-Encoding": "gzip"}
    )
    assert net.get(session, httpserver.url_for("/small")).body == b"x" * 1000


def test_a_declared_length_over_the_cap_fails_before_the_body_arrives(session, scripted):
    def headers_then_nothing(conn: socket.socket, _: object) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000000\r\n\r\n")
        time.sleep(10)

    server = scripted(headers_then_nothing)
    start = time.monotonic()
    with pytest.raises(FetchError, match="body of 100000000 bytes is over the 1000 byte cap"):
        net.get(session, server.url(), limits=net.Limits(max_bytes=1000))
    assert time.monotonic() - start < 1


def test_an_error_pages_endless_body_is_not_read(session, httpserver):
    def endless() -> Iterator[bytes]:
        while True:
            yield b"x" * 65536

    httpserver.expect_request("/e").respond_with_handler(lambda _: WResponse(endless(), status=500))
    start = time.monotonic()
    assert net.get(session, httpserver.url_for("/e")).status == 500
    assert time.monotonic() - start < 1


# -- redirects -----------------------------------------------------------------------


def _redirect(httpserver, path: str, status: int, to: str) -> None:
    httpserver.expect_request(path).respond_with_data("", status=status, headers={"Location": to})


def test_moved_to_is_set_only_when_every_hop_was_permanent(session, httpserver):
    _redirect(httpserver, "/a", 301, "/b")
    _redirect(httpserver, "/b", 308, "/feed")
    _redirect(httpserver, "/c", 301, "/d")
    _redirect(httpserver, "/d", 302, "/feed")
    httpserver.expect_request("/feed").respond_with_data("ok")
    r = net.get(session, httpserver.url_for("/a"))
    assert (r.status, r.body, r.url) == (200, b"ok", httpserver.url_for("/feed"))
    assert r.moved_to == httpserver.url_for("/feed")
    assert r.redirects == [httpserver.url_for("/a"), httpserver.url_for("/b")]
    r = net.get(session, httpserver.url_for("/c"))
    assert r.body == b"ok" and r.moved_to is None


def test_redirects_are_counted_and_lead_only_to_web_urls(session, httpserver):
    for n in range(7):
        _redirect(httpserver, f"/{n}", 302, f"/{n + 1}")
    httpserver.expect_request("/7").respond_with_data("ok")
    with pytest.raises(FetchError, match=r"^more than 5 redirects$"):
        net.get(session, httpserver.url_for("/0"))
    assert net.get(session, httpserver.url_for("/2")).body == b"ok"  # 5 are fine
    _redirect(httpserver, "/ftp", 301, "ftp://example.org/feed")
    with pytest.raises(FetchError, match=r"^redirected to a URL that is not http\(s\)$"):
        net.get(session, httpserver.url_for("/ftp"))


# -- what is sent --------------------------------------------------------------------


def test_conditional_get_with_line_breaks_stripped_and_the_usual_headers(session, httpserver):
    httpserver.expect_request("/f").respond_with_data("", status=304, headers={"ETag": '"v1"'})
    r = net.get(
        session, httpserver.url_for("/f"), etag='"v1"\r\nX-Injected: 1', last_modified="Sun, 01 Nov 2026"
    )
    assert r.status == 304 and r.headers["etag"] == '"v1"' and r.body == b""
    [(request, _)] = httpserver.log
    assert request.headers["If-None-Match"] == '"v1"  X-Injected: 1'
    assert "X-Injected" not in request.headers
    assert request.headers["If-Modified-Since"] == "Sun, 01 Nov 2026"
    assert request.headers["User-Agent"] == net.USER_AGENT
    assert request.headers["Accept"].startswith("application/atom+xml, application/rss+xml")
    assert {"gzip", "deflate"} <= {e.strip() for e in request.headers["Accept-Encoding"].split(",")}


def test_retry_after_in_seconds_or_as_a_date():
    assert net.retry_after("120", 0) == 120
    assert net.retry_after("Thu, 01 Jan 1970 00:10:00 GMT", 0) == 600
    assert net.retry_after("99999999", 0) == 7 * 86400
    assert net.retry_after("soon", 0) is None and net.retry_after(None, 0) is None


# -- failures, one clear line each -----------------------------------------------------


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = int(s.getsockname()[1])
    s.close()
    return port


@pytest.mark.parametrize(
    "case, message",
    [
        ("refused", "connection refused"),
        ("unknown host", "host not found"),
        ("bad url", "not a valid URL"),
        ("bad ipv6", "not a valid URL"),
        ("stalls", "the server stopped answering (read timeout)"),
        ("broken gzip", "the body could not be decompressed"),
        ("short body", "the connection broke off mid-body"),
        ("not tls", "secure connection failed (TLS)"),
        ("not http", "the server's answer is not valid HTTP"),
    ],
)
def test_each_failure_is_one_plain_line(session, scripted, case, message):
    headers = b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n"
    makers: dict[str, Callable[[], str]] = {
        "refused": lambda: f"http://127.0.0.1:{_closed_port()}/feed",
        "unknown host": lambda: "http://feed.invalid/feed",
        "bad url": lambda: "http://]]",
        "bad ipv6": lambda: "http://[::1",
        "stalls": lambda: scripted(_stall).url(),
        "broken gzip": lambda: scripted(
            _answer(
                headers
                + b"Content-Encoding: gzip\r\nContent-Length: 20\r\n\r\n"
                + b"\x1f\x8bnot gzip at all!!!"
            )
        ).url(),
        "short body": lambda: scripted(_answer(headers + b"Content-Length: 1000\r\n\r\n<rss>")).url(),
        "not tls": lambda: (
            scripted(_answer(b"HTTP/1.1 400 Bad Request\r\n\r\n")).url().replace("http:", "https:")
        ),
        "not http": lambda: scripted(_answer(b"SSH-2.0-OpenSSH_9.6\r\n" * 3)).url(),
    }
    url = makers[case]()
    limits = net.Limits(connect_timeout=2, read_timeout=1, deadline=5)
    with pytest.raises(FetchError) as caught:
        net.get(session, url, limits=limits)
    assert str(caught.value).startswith(message), str(caught.value)
    assert "\n" not in str(caught.value)
    for raw in ("urllib3", "requests", "Errno", "object at", "HTTPConnection", "Max retries"):
        assert raw not in str(caught.value)
    if case not in ("bad url", "bad ipv6"):
        assert caught.value.__cause__ is not None  # the cause is kept for debugging


# -- the session ---------------------------------------------------------------------


class _Counting(ThreadingHTTPServer):
    """A keep-alive HTTP/1.1 server that counts the connections it accepted."""

    daemon_threads = True

    def __init__(self, body: bytes) -> None:
        self.connections = 0
        self.body = body
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                server.connections += 1
                super().setup()

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Length", str(len(server.body)))
                self.end_headers()
                self.wfile.write(server.body)

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def url(self, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.server_address[1]}/feed"

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


def test_one_session_serves_many_threads_each_on_kept_alive_connections():
    server = _Counting(rss([item(1)]).encode())
    session = net.Session()
    bodies: list[bytes] = []

    def work() -> None:
        for _ in range(20):
            bodies.append(net.get(session, server.url()).body)

    try:
        threads = [threading.Thread(target=work) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert bodies == [server.body] * 160
        assert server.connections == 8  # one per thread, reused for its 20 requests
    finally:
        session.close()
        server.stop()


def test_closing_the_session_never_raises_even_with_a_transfer_running(scripted):
    server = RawServer("drip-body")
    session = net.Session()
    outcome: list[object] = []

    def transfer() -> None:
        try:
            net.get(session, server.url, limits=net.Limits(deadline=2))
            outcome.append("done")
        except FetchError as e:
            outcome.append(e)

    t = threading.Thread(target=transfer)
    t.start()
    time.sleep(0.5)  # mid-body
    session.close()
    session.close()
    t.join(5)
    server.close()
    assert not t.is_alive() and isinstance(outcome[0], FetchError)
    # A closed session still works: the next request makes a connection of its own.
    ok = scripted(_answer(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"))
    assert net.get(session, ok.url()).body == b"ok"


# -- the local-network guard, on the address connected to -----------------------------


def test_a_public_sources_request_is_refused_at_connect_without_a_byte_sent(session, scripted):
    """feed.invalid stands for a public feed; its image (or redirect) names a host that
    resolves into loopback. The name says nothing; the address connected to does."""
    server = scripted(_answer(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecret"))
    refuse = net.stay_outside_unless("http://feed.invalid/feed.xml")
    with pytest.raises(
        FetchError,
        match=r"^localhost \(127\.0\.0\.1\) is in the local network and feed\.invalid is not; not fetched$",
    ):
        net.get(session, server.url(host="localhost"), refuse_host=refuse)
    time.sleep(0.3)
    assert server.accepted == 1  # decided on the connection made...
    assert server.received == []  # ...before any request was sent on it


def test_a_kept_alive_connection_is_checked_again_for_each_request(session):
    server = _Counting(b"secret")
    try:
        assert net.get(session, server.url(host="localhost")).body == b"secret"  # no guard: opens one
        with pytest.raises(FetchError, match="in the local network"):
            net.get(
                session,
                server.url(host="localhost"),
                refuse_host=net.stay_outside_unless("http://feed.invalid/"),
            )
        assert server.connections == 1
    finally:
        server.stop()


def test_a_source_in_the_local_network_may_fetch_there(session, httpserver):
    _redirect(httpserver, "/old", 302, httpserver.url_for("/new").replace("127.0.0.1", "localhost"))
    httpserver.expect_request("/new").respond_with_data("ok")
    refuse = net.stay_outside_unless(httpserver.url_for("/old"))
    assert net.get(session, httpserver.url_for("/old"), refuse_host=refuse).body == b"ok"
    # An address written in the URL is refused before anything is resolved or connected.
    public = net.stay_outside_unless("https://93.184.215.14/feed")
    assert public("93.184.215.14") is None
    assert "local network" in (public("169.254.169.254") or "")
    assert "local network" in (public("::ffff:127.0.0.1") or "")
    assert public("example.org") is None  # a name: decided at connect


# -- proxies from the environment -------------------------------------------------------


class _ForwardProxy(ThreadingHTTPServer):
    """A plain HTTP forward proxy on loopback: takes `GET http://host:port/path`, and fetches
    it from UPSTREAM (every host is served by it, so a public name needs no DNS)."""

    daemon_threads = True

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.seen: list[str] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                import http.client
                from urllib.parse import urlsplit

                proxy.seen.append(self.path)
                parts = urlsplit(self.path)
                upstream_conn = http.client.HTTPConnection(*upstream, timeout=5)
                upstream_conn.request("GET", parts.path or "/", headers={"Host": parts.netloc})
                answer = upstream_conn.getresponse()
                body = answer.read()
                self.send_response(answer.status)
                for name, value in answer.getheaders():
                    if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                upstream_conn.close()

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


@pytest.fixture
def proxy(httpserver) -> Iterator[_ForwardProxy]:
    p = _ForwardProxy(("127.0.0.1", httpserver.port))
    yield p
    p.stop()


def test_http_proxy_from_the_environment_is_used_and_no_proxy_honoured(
    session, httpserver, proxy, monkeypatch
):
    httpserver.expect_request("/feed").respond_with_data("through")
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    assert net.get(session, httpserver.url_for("/feed")).body == b"through"
    assert proxy.seen == [httpserver.url_for("/feed")]
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    assert net.get(session, httpserver.url_for("/feed")).body == b"through"
    assert len(proxy.seen) == 1 and len(httpserver.log) == 2  # the second went direct


def test_through_a_proxy_a_public_feed_still_cannot_redirect_into_loopback(
    session, httpserver, proxy, scripted, monkeypatch
):
    """The feed is public (reached through the user's proxy, itself on loopback: allowed);
    its redirect to a name resolving into loopback, not proxied (NO_PROXY), is refused on
    the address connected to, before a byte is sent."""
    inside = scripted(_answer(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecret"))
    _redirect(httpserver, "/feed.xml", 302, inside.url("/admin", host="localhost"))
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", "localhost")
    origin = "http://feed.invalid/feed.xml"
    with pytest.raises(FetchError, match=r"127\.0\.0\.1\) is in the local network and feed\.invalid is not"):
        net.get(session, origin, refuse_host=net.stay_outside_unless(origin))
    assert proxy.seen == [origin]
    time.sleep(0.3)
    assert inside.accepted == 1 and inside.received == []


def test_a_connect_that_never_completes_is_a_connection_timeout(session):
    """A listener whose backlog is full drops new connection attempts (Linux)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    waiting = []
    for _ in range(5):
        s = socket.socket()
        s.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            s.connect(listener.getsockname())
        waiting.append(s)
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/feed"
    start = time.monotonic()
    try:
        with pytest.raises(FetchError, match=r"^connection timed out$"):
            net.get(session, url, limits=net.Limits(connect_timeout=1, deadline=5))
        assert time.monotonic() - start < 2
    finally:
        for s in [*waiting, listener]:
            s.close()


def test_no_credentials_from_netrc_are_sent(session, httpserver, tmp_path, monkeypatch):
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login me password secret\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    # A proxy variable (for https only) keeps requests' reading of the environment on.
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{_closed_port()}")
    httpserver.expect_request("/f").respond_with_data("ok")
    assert net.get(session, httpserver.url_for("/f")).body == b"ok"
    [(request, _)] = httpserver.log
    assert "Authorization" not in request.headers


def test_a_public_feeds_image_named_into_loopback_is_not_downloaded(home, scripted):
    from subsample.fetch.media import download_images
    from subsample.paths import resolve_paths

    server = scripted(_answer(b"HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: 3\r\n\r\nPNG"))
    images = [{"url": server.url("/router.png", host="localhost")}]
    count, problems = download_images(resolve_paths(), images, "https://feed.invalid/feed.xml")
    assert count == 0 and "localhost (127.0.0.1) is in the local network" in problems[0]
    time.sleep(0.3)
    assert server.received == []


@pytest.mark.parametrize("build", [atom, rss])  # the fast reader's, and feedparser's
@pytest.mark.parametrize(
    ("location", "base"),
    [
        ("/blog/2024/feed.xml", "/blog/2024/feed.xml"),  # where the file really is
        ("archive/feed.xml", "/feeds/archive/feed.xml"),  # relative: to the address asked
        ("javascript:alert(1)", "/feeds/latest"),  # not a web address either
        (None, "/feeds/latest"),
    ],
)
def test_relative_links_start_from_the_content_location(
    session: net.Session,
    httpserver: HTTPServer,
    build: Callable[[list[dict[str, Any]]], str],
    location: str | None,
    base: str,
) -> None:
    # (An RSS document with a DOCTYPE is feedparser's to read: the fast reader declines.)
    posts = [item(1, link="p/1.html"), item(2, link="/top/2.html")]
    body = build(posts)
    if build is rss:
        body = body.replace("<rss", "<!DOCTYPE rss>\n<rss", 1)
    headers = {"Content-Location": location} if location else {}
    httpserver.expect_request("/feeds/latest").respond_with_data(body, headers=headers)
    r = net.get(session, httpserver.url_for("/feeds/latest"), limits=FAST)
    assert r.base_url == httpserver.url_for(base)
    assert (fastxml.read(r.body, None) is None) == (build is rss)
    feed = parse.parse_feed(r.body, r.base_url)
    links = [e["link"] for e in feed.entries]
    assert links == [urljoin(httpserver.url_for(base), "p/1.html"), httpserver.url_for("/top/2.html")]


def test_a_content_location_that_is_no_url_leaves_the_address_asked() -> None:
    for location in ("http://[", "  ", "file:///etc/passwd"):
        r = net.Response(200, "https://a.example/feed", {"content-location": location})
        assert r.base_url == "https://a.example/feed"
    assert net.Response(200, "/home/me/feed.xml", {"content-location": "https://a.example/"}).base_url == (
        "/home/me/feed.xml"  # a file read from disk has no web address to start from
    )

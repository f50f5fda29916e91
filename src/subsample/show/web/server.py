"""`subsample serve`: the pages over HTTP, read-only, from the standard library's server.

ThreadingHTTPServer + Jinja2 cost 108 ms of import and one dependency (Jinja2, with
MarkupSafe); bottle + Jinja2 took 232 ms, starlette + uvicorn 395 ms and nine packages, for
nothing a read-only local server needs. Each request is answered on its own thread; the
core opens the index per call, so threads share nothing but the feed cache in pages.py.

Defences: GET and HEAD only (anything else is 405); a Host header that is not the address
we listen on is refused (a page on some web site cannot reach us through DNS rebinding);
every answer carries a Content-Security-Policy without script, nosniff and no-referrer.
"""

from __future__ import annotations

import ipaddress
import socket
import sys
from collections.abc import Callable
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from subsample.errors import SubsampleError, UsageError
from subsample.paths import Paths
from subsample.show.web import pages

# No script at all; images from anywhere over http(s) (feeds link them), styles only ours.
CSP = (
    "default-src 'self'; script-src 'none'; img-src 'self' https: http:; style-src 'self'; "
    "object-src 'none'; frame-src 'none'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)
MEDIA_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"  # an SVG opened alone
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # image hosts never learn the archive's URLs
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


class Server(ThreadingHTTPServer):
    daemon_threads = True  # Ctrl-C does not wait for a slow reader
    block_on_close = False

    def __init__(
        self, address: tuple[str, int], paths: Paths, now: Callable[[], datetime], quiet: bool = False
    ) -> None:
        self.paths = paths
        self.now = now
        self.quiet = quiet
        host = address[0]
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        super().__init__(address, Handler)
        self.port = int(self.server_address[1])
        self.allowed_hosts = _allowed_hosts(host, self.port)

    @property
    def url(self) -> str:
        host = str(self.server_address[0])
        if host in ("0.0.0.0", "::"):
            host = "127.0.0.1"
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{self.port}/"

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, ConnectionError | TimeoutError):
            return  # a browser that went away
        print(f"serve: error answering {client_address[0]}: {exc!r}", file=sys.stderr)


def _allowed_hosts(host: str, port: int) -> set[str] | None:
    """The Host values we answer to; None: any IP literal (bound to every address)."""
    if host in ("0.0.0.0", "::", ""):
        return None
    names = {host.lower(), f"[{host.lower()}]"}
    try:
        if ipaddress.ip_address(host).is_loopback:
            names |= {"localhost", "127.0.0.1", "[::1]"}
    except ValueError:
        pass  # a host name given to --host: that name only
    allowed = {f"{n}:{port}" for n in names}
    if port == 80:
        allowed |= names
    return allowed


def _host_ok(value: str | None, allowed: set[str] | None, port: int) -> bool:
    if not value:
        return False
    value = value.strip().lower()
    if allowed is not None:
        return value in allowed
    # Bound to every address: an IP literal with our port (a rebinding attack needs a name).
    host, _, p = value.rpartition(":")
    if p != str(port):
        return False
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return host == "localhost"
    return True


class Handler(BaseHTTPRequestHandler):
    server: Server
    protocol_version = "HTTP/1.1"

    def version_string(self) -> str:
        return "subsample"

    def do_GET(self) -> None:
        self._answer(head=False)

    def do_HEAD(self) -> None:
        self._answer(head=True)

    def _refuse_method(self) -> None:
        self.close_connection = True  # any body it sent is never read
        self._send(pages.Page(405, "text/plain; charset=utf-8", b"read-only: GET and HEAD only\n",
                              {"Allow": "GET, HEAD"}), head=False)  # fmt: skip

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_TRACE = do_CONNECT = _refuse_method

    def _answer(self, head: bool) -> None:
        if not _host_ok(self.headers.get("Host"), self.server.allowed_hosts, self.server.port):
            self._send(pages.Page(421, "text/plain; charset=utf-8", b"wrong Host header\n"), head)
            return
        parts = urlsplit(self.path)
        route = unquote(parts.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        ctx = pages.Context(self.server.paths, self.server.now(), pages.Links())
        try:
            page = self._route(ctx, route, query)
        except pages.NotFound as e:
            page = pages.error_page(ctx, 404, str(e))
        except SubsampleError as e:
            page = pages.error_page(ctx, 400 if isinstance(e, UsageError) else 500, str(e))
        except Exception as e:  # a bug: one line in the log, a plain 500 to the browser
            print(f"serve: error on {route}: {e!r}", file=sys.stderr)
            page = pages.Page(500, "text/plain; charset=utf-8", b"internal error; see the server's log\n")
        self._send(page, head)

    def _route(self, ctx: pages.Context, route: str, query: dict[str, str]) -> pages.Page:
        if route == "/static/style.css":
            return pages.Page(
                200, "text/css; charset=utf-8", pages.stylesheet(), {"Cache-Control": "max-age=300"}
            )
        if route.startswith("/media/"):
            path, ctype = pages.media_file(ctx.paths, route[len("/media/") :])
            return pages.Page(200, ctype, path.read_bytes(), {"Content-Security-Policy": MEDIA_CSP,
                                                             "Cache-Control": "max-age=86400"})  # fmt: skip
        return pages.build(ctx, route, query)

    def _send(self, page: pages.Page, head: bool) -> None:
        self.send_response(page.status)
        headers = {"Content-Security-Policy": CSP, **HEADERS, "Cache-Control": "no-cache", **page.headers}
        headers["Content-Type"] = page.content_type
        headers["Content-Length"] = str(len(page.body))
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        if not head:
            self.wfile.write(page.body)

    def log_message(self, format: str, *args: Any) -> None:
        if not self.server.quiet:
            sys.stderr.write(f"{self.address_string()} {format % args}\n")


def make_server(
    paths: Paths, host: str, port: int, now: Callable[[], datetime], quiet: bool = False
) -> Server:
    """A server bound to HOST:PORT (0: any free port), not yet serving.

    Raises:
        UsageError: the port is taken, or HOST is not an address of this machine.
    """
    try:
        return Server((host, port), paths, now, quiet)
    except socket.gaierror:
        raise UsageError(f"cannot listen on {host!r}: not an address of this machine") from None
    except OSError as e:
        import errno

        if e.errno == errno.EADDRINUSE:
            raise UsageError(f"port {port} is already in use; choose another with --port") from None
        if e.errno in (errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT):
            raise UsageError(f"cannot listen on {host!r}: not an address of this machine") from None
        if e.errno == errno.EACCES:
            raise UsageError(f"no permission to listen on port {port}; use one above 1023") from None
        raise UsageError(f"cannot listen on {host}:{port}: {e.strerror}") from None

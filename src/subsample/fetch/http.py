"""HTTP (and local files) for feeds and images, with every limit a hostile server needs.

- a connect timeout, a read timeout (no byte for that long) and a whole-request deadline
  that holds across redirects, headers and body, so a server that drips its headers one
  byte a second cannot hold a fetch past it;
- a cap on the decompressed body, counted as it arrives, so a gzip bomb or an endless
  body stops at the cap instead of filling memory;
- at most a few redirects, http(s) only, each hop checked before it is followed;
- a guard against the local network, checked on the address actually connected to.

The transfers are requests' (the stack the user chose): one requests.Session per thread,
streamed bodies, keep-alive pools. requests has no whole-request timeout, so one watchdog
thread per process keeps a heap of deadlines and shuts down the sockets of a request whose
deadline passed: a read blocked in the kernel returns at once, whatever urllib3 or
http.client was doing (headers, TLS handshake or body). That is one thread for any number
of requests, and no per-request timer or signal. (Checking the clock between reads of the
body would miss a header drip, which http.client reads line by line out of our reach.)

Proxies come from the environment as requests users expect (HTTP_PROXY, HTTPS_PROXY,
ALL_PROXY, NO_PROXY), and so does REQUESTS_CA_BUNDLE (see _environment).
"""

from __future__ import annotations

import contextlib
import heapq
import http.client
import ipaddress
import itertools
import os
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
import requests.adapters
import urllib3
import urllib3.connection
from urllib3 import exceptions as u3

from subsample import __version__, urls
from subsample.errors import FetchError

USER_AGENT = f"subsample/{__version__} (feed archiver; +https://pypi.org/project/subsample/)"


@dataclass(frozen=True)
class Limits:
    connect_timeout: float = 10
    read_timeout: float = 20  # no byte for this long
    deadline: float = 30  # whole request, redirects and body included (Miniflux: 20 s)
    max_bytes: int = 32 * 1024 * 1024  # decompressed
    max_redirects: int = 5


@dataclass
class Response:
    status: int
    url: str  # after redirects
    headers: dict[str, str]
    body: bytes = b""
    moved_to: str | None = None  # set when every redirect was permanent (301/308)
    redirects: list[str] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        """Where relative links in the body start from: the Content-Location the server
        gives (made absolute against url), else url. RFC 2616 (14.14) made it the base
        and feedparser still takes it so (RFC 7231 no longer does); it names where the
        file really is, which is what its relative links were written against."""
        location = (self.headers.get("content-location") or "").strip()
        if not location or not urls.is_web(self.url):
            return self.url
        try:
            base = urljoin(self.url, location)
        except ValueError:  # "http://[": no address to start from
            return self.url
        return base if urls.is_web(base) else self.url


_ACCEPT = (
    "application/atom+xml, application/rss+xml, application/feed+json, application/json;q=0.9,"
    " application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)
# Large enough that a typical feed is one or two reads; small enough that the cap is
# checked often.
_CHUNK = 64 * 1024


class Session:
    """Keep-alive connections for a whole run, safe to share among download threads.

    Each thread gets its own requests.Session (a Session is not for two threads at once),
    made on its first request; close() closes them all.
    """

    def __init__(self) -> None:
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._lock = threading.Lock()
        self._running: set[_Clock] = set()  # the requests under way, for abort()

    def requests_session(self) -> requests.Session:
        """This thread's requests.Session, set up once."""
        s: requests.Session | None = getattr(self._local, "session", None)
        if s is None:
            s = requests.Session()
            s.headers.update({"User-Agent": USER_AGENT, "Accept": _ACCEPT})
            _environment(s)
            # requests' default Accept-Encoding stays: gzip, deflate, and br or zstd where
            # a decoder is installed. No retries: a failure is reported, and fetched again
            # at the next run.
            adapter = _Adapter(pool_connections=32, max_retries=0)
            s.mount("http://", adapter)
            s.mount("https://", adapter)
            with self._lock:
                self._sessions.append(s)
            self._local.session = s
        return s

    def abort(self) -> None:
        """End every request under way now, as if its deadline had passed (its socket is shut
        down, so a thread blocked reading it returns at once). For a fetch that was
        interrupted: the interpreter waits for the download threads before it exits."""
        with self._lock:
            running = list(self._running)
        for clock in running:
            clock.expire()

    def _started(self, clock: _Clock) -> None:
        with self._lock:
            self._running.add(clock)

    def _ended(self, clock: _Clock) -> None:
        with self._lock:
            self._running.discard(clock)

    def close(self) -> None:
        """Close every pooled connection. A transfer still running in another thread (a
        fetch cut short by an error) keeps its connection, which closes when it is done."""
        with self._lock:
            sessions, self._sessions = self._sessions, []
        self._local = threading.local()
        for s in sessions:
            s.close()


def _environment(s: requests.Session) -> None:
    """What requests takes from the environment, read once instead of at every request.

    With trust_env, requests scans os.environ for proxy variables and looks for ~/.netrc
    at every request: 0.1 s of the 0.55 s of CPU of 500 GETs here (benchmarks/http_bench.py).
    So it is left on only where a proxy variable is set (its NO_PROXY rules are requests'
    own, per URL); otherwise off, with REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE applied here.
    ~/.netrc is never read: a feed gets no credentials it was not given.
    """
    import urllib.request

    s.auth = _no_credentials
    if any(k != "no" for k in urllib.request.getproxies_environment()):
        return
    s.trust_env = False
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if bundle:
        s.verify = bundle


def _no_credentials(r: requests.PreparedRequest) -> requests.PreparedRequest:
    return r  # (an auth of our own, so that requests does not look for ~/.netrc)


# -- fetching ------------------------------------------------------------------------


def get(
    session: Session,
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    limits: Limits | None = None,
    accept_types: tuple[str, ...] | None = None,
    refuse_host: Callable[[str], str | None] | None = None,
    extra_headers: dict[str, str] | None = None,
) -> Response:
    """GET URL within LIMITS, following redirects; a local path is read from disk instead.
    EXTRA_HEADERS are sent too (a typed source's site may want its own User-Agent).

    Any HTTP status comes back as a Response (the caller decides what 304, 410 or 429 mean);
    only a 200's body is read. REFUSE_HOST(host) may veto the URL's host and every
    redirect's, with a reason; one made by stay_outside_unless() also vetoes the address
    each connection actually reached.

    Raises:
        FetchError: network failure, timeout, deadline, too large, too many redirects.
    """
    limits = limits or Limits()
    if not urls.is_web(url):
        return read_local(url, limits.max_bytes)
    s = session.requests_session()
    headers = {k: _header_value(v) for k, v in (extra_headers or {}).items()}
    if etag:
        headers["If-None-Match"] = _header_value(etag)
    if last_modified:
        headers["If-Modified-Since"] = _header_value(last_modified)
    guard = refuse_host if isinstance(refuse_host, StayOutside) else None
    clock = _Clock(time.monotonic() + limits.deadline)
    _watchdog.watch(clock)
    session._started(clock)
    redirects: list[str] = []
    permanent = True
    try:
        while True:
            host = _hostname(url)
            if refuse_host is not None and (reason := refuse_host(host)):
                raise FetchError(reason)
            left = clock.end - time.monotonic()
            if left <= 0:
                raise FetchError(f"gave up after {limits.deadline:g}s (deadline)")
            _hop.current = _Hop(host, guard, clock)
            try:
                r = s.get(
                    url,
                    headers=headers,
                    stream=True,
                    allow_redirects=False,
                    timeout=(min(limits.connect_timeout, left), min(limits.read_timeout, left)),
                )
                with r:  # (closes the connection of a body left unread)
                    location = s.get_redirect_target(r)
                    if location is None:
                        body = _read_body(r, limits.max_bytes, accept_types) if r.status_code == 200 else b""
                        if clock.expired:  # a shut-down socket can look like a body's end
                            raise FetchError(f"gave up after {limits.deadline:g}s (deadline)")
                        return Response(
                            status=r.status_code,
                            url=url,
                            headers={k.lower(): v for k, v in r.headers.items()},
                            body=body,
                            redirects=redirects,
                            moved_to=url if redirects and permanent else None,
                        )
            except _NETWORK_ERRORS as e:
                raise FetchError(_describe(e, clock, limits)) from e
            finally:
                _hop.current = None
            if len(redirects) >= limits.max_redirects:
                raise FetchError(f"more than {limits.max_redirects} redirects")
            redirects.append(url)
            permanent = permanent and r.status_code in (301, 308)
            url = urljoin(url, location.strip())
            if not urls.is_web(url):
                raise FetchError("redirected to a URL that is not http(s)")
    finally:
        session._ended(clock)
        clock.finish()


def _read_body(r: requests.Response, max_bytes: int, accept_types: tuple[str, ...] | None) -> bytes:
    ctype = r.headers.get("content-type", "")
    if accept_types and not ctype.lower().startswith(accept_types):
        raise FetchError(f"unexpected content type {ctype[:80]!r}")
    declared = r.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes and "content-encoding" not in r.headers:
        raise FetchError(f"body of {int(declared)} bytes is over the {max_bytes} byte cap")
    chunks = []
    size = 0
    # Decompressed as it arrives (urllib3 bounds what one read may inflate), so the cap
    # counts what we would keep.
    for chunk in r.iter_content(_CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(f"body is over the {max_bytes} byte cap (after decompression)")
        chunks.append(chunk)
    return b"".join(chunks)


def _header_value(value: str) -> str:
    # A stored ETag came from a server: no line breaks may ride along into our request.
    return value.replace("\r", " ").replace("\n", " ")


def _hostname(url: str) -> str:
    try:
        return urlsplit(url).hostname or ""
    except ValueError:  # "http://]]" from a feed
        raise FetchError(f"not a valid URL: {url[:80]!r}") from None


# -- the deadline ----------------------------------------------------------------------


class _Clock:
    """One request's deadline, and the sockets to shut down when it passes."""

    def __init__(self, end: float) -> None:
        self.end = end
        self.expired = False
        self._done = False
        self._sockets: list[socket.socket] = []
        self._closing: list[socket.socket] = []  # closed by their connection meanwhile
        self._lock = threading.Lock()

    def using(self, handle: socket.socket) -> None:
        with self._lock:
            if self.expired:
                _shut(handle)
            self._sockets.append(handle)

    def expire(self) -> None:
        with self._lock:
            if self._done:
                return
            self.expired = True
            for handle in self._sockets:
                _shut(handle)

    def close_later(self, handle: socket.socket) -> bool:
        """Close HANDLE when the request is done, if it is one of its sockets."""
        with self._lock:
            if self._done or handle not in self._sockets:
                return False
            self._closing.append(handle)
            return True

    def finish(self) -> None:
        with self._lock:
            self._done = True
            self._sockets = []
            for handle in self._closing:
                handle.close()
            self._closing = []


def _shut(handle: socket.socket) -> None:
    with contextlib.suppress(OSError):  # (closed already)
        handle.shutdown(socket.SHUT_RDWR)  # a blocked recv on this socket returns now


class _Watchdog:
    """One daemon thread that expires the clocks whose deadline passed, earliest first.

    Finished clocks stay in the heap until their time (a push is cheaper than a search):
    at most one entry per request of the last deadline's worth of seconds.
    """

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, _Clock]] = []
        self._order = itertools.count()
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None

    def watch(self, clock: _Clock) -> None:
        with self._changed:
            heapq.heappush(self._heap, (clock.end, next(self._order), clock))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="http-deadlines", daemon=True)
                self._thread.start()
            if self._heap[0][2] is clock:  # the earliest now: the thread must wake sooner
                self._changed.notify()

    def _run(self) -> None:
        with self._changed:
            while True:
                now = time.monotonic()
                while self._heap and self._heap[0][0] <= now:
                    heapq.heappop(self._heap)[2].expire()
                self._changed.wait(self._heap[0][0] - now if self._heap else None)


_watchdog = _Watchdog()


def _new_watchdog_after_fork() -> None:
    global _watchdog
    _watchdog = _Watchdog()  # the parent's thread did not come along


os.register_at_fork(after_in_child=_new_watchdog_after_fork)


# -- the local-network guard, on the connected address -----------------------------------


class StayOutside:
    """A refuse_host that keeps requests for ORIGIN_URL's content out of the local network
    (loopback, private, link-local, any address that is not global), unless ORIGIN_URL is
    itself there: the user chose it.

    Called with a host name, it refuses an address written in a URL, before anything is
    resolved. get() then checks the address each connection actually reached, right after
    connecting and before a byte is sent, and again when a pooled connection is reused: no
    second DNS lookup beside the client's own, which a host could answer differently (DNS
    rebinding).

    Through a proxy the connected address is the proxy's, which the user configured and
    which is often in the local network: it is allowed, and only the check on the URL's
    host name applies. Where the proxy connects is out of our sight; an organisation that
    needs more sets that policy in its proxy.

    Whether the origin is in the local network is learnt from the first connection to it;
    where none was made here (images of a feed fetched earlier), its name is resolved, once
    and only when something inside is met.
    """

    def __init__(self, origin_url: str) -> None:
        try:
            self.origin = urlsplit(origin_url).hostname or ""
        except ValueError:
            self.origin = ""
        self._origin_inside: bool | None = None if urls.is_web(origin_url) else True

    def __call__(self, host: str) -> str | None:
        address = _address(host)
        return self.refuse_address(host, address) if address else None

    def refuse_address(self, host: str, address: str) -> str | None:
        """Why HOST, reached at ADDRESS, may not be fetched; None when it may."""
        if host == self.origin:
            if self._origin_inside is None:
                self._origin_inside = _inside(address)
            return None
        if not _inside(address):
            return None
        if self._origin_inside is None:
            self._origin_inside = is_internal(self.origin)
        if self._origin_inside:
            return None
        where = address if address == host else f"{host} ({address})"
        return f"{where} is in the local network and {self.origin} is not; not fetched"


def stay_outside_unless(origin_url: str) -> StayOutside:
    """The guard for what ORIGIN_URL's content asks for (see StayOutside)."""
    return StayOutside(origin_url)


def _address(host: str) -> str | None:
    """HOST as an IP address, if it is one."""
    try:
        return str(ipaddress.ip_address(host.split("%")[0]))
    except ValueError:
        return None


def _inside(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is loopback too
    return not ip.is_global


def is_internal(host: str) -> bool:
    """Whether HOST names a loopback, private, link-local or other non-public address."""
    try:
        infos = socket.getaddrinfo(host, None)
    except (OSError, UnicodeError):
        return False  # unresolvable: the request itself will say so
    return any(_inside(str(info[4][0])) for info in infos)


@dataclass
class _Hop:
    """What the connections made for this thread's request must know."""

    host: str
    guard: StayOutside | None
    clock: _Clock


_hop = threading.local()  # .current: the _Hop of this thread's request, or None


def _connected(conn: urllib3.connection.HTTPConnection, sock: socket.socket) -> None:
    """A new connection of this thread's request: check the address reached, and let the
    watchdog shut it down at the deadline. Raises FetchError to refuse it."""
    hop: _Hop | None = getattr(_hop, "current", None)
    if hop is None:
        return
    conn.peer = str(sock.getpeername()[0])  # type: ignore[attr-defined]
    # Through a proxy, the address reached is the proxy's (see StayOutside).
    if hop.guard is not None and conn.proxy is None:
        reason = hop.guard.refuse_address(hop.host, conn.peer)  # type: ignore[attr-defined]
        if reason:
            raise FetchError(reason)
    # A second descriptor of the same socket: the one urllib3 holds is detached when TLS
    # wraps it, this one stays valid for shutdown() until the connection closes.
    conn.handle = sock.dup()  # type: ignore[attr-defined]
    hop.clock.using(conn.handle)  # type: ignore[attr-defined]


def _reusing(conn: urllib3.connection.HTTPConnection) -> None:
    """A pooled connection about to carry this thread's request (a new one is checked in
    _connected): the same checks, for the address it reached when it was made."""
    hop: _Hop | None = getattr(_hop, "current", None)
    peer: str | None = getattr(conn, "peer", None)
    if hop is None or conn.sock is None or peer is None:
        return
    if hop.guard is not None and conn.proxy is None and (reason := hop.guard.refuse_address(hop.host, peer)):
        raise FetchError(reason)
    handle: socket.socket | None = getattr(conn, "handle", None)
    if handle is not None:
        hop.clock.using(handle)


def _closed(conn: urllib3.connection.HTTPConnection) -> None:
    handle: socket.socket | None = getattr(conn, "handle", None)
    if handle is None:
        return
    conn.handle = None  # type: ignore[attr-defined]
    hop: _Hop | None = getattr(_hop, "current", None)
    # http.client closes the connection of a body read to EOF while the body is still
    # being read (from the response's own file object): the deadline must still reach it.
    if hop is None or not hop.clock.close_later(handle):
        handle.close()


class _Guarded:
    """What both connection classes add to urllib3's: the guard right after connecting and
    on each reuse, and the deadline's hold on the socket until the request is done."""

    def _new_conn(self) -> socket.socket:
        sock: socket.socket = super()._new_conn()  # type: ignore[misc]
        try:
            _connected(self, sock)  # type: ignore[arg-type]
        except BaseException:
            sock.close()
            raise
        return sock

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> None:
        _reusing(self)  # type: ignore[arg-type]
        super().request(method, url, *args, **kwargs)  # type: ignore[misc]

    def close(self) -> None:
        try:
            super().close()  # type: ignore[misc]
        finally:
            _closed(self)  # type: ignore[arg-type]


class _HTTPConnection(_Guarded, urllib3.connection.HTTPConnection):
    pass


class _HTTPSConnection(_Guarded, urllib3.connection.HTTPSConnection):
    pass


class _HTTPPool(urllib3.HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


_POOLS = {"http": _HTTPPool, "https": _HTTPSPool}


class _Adapter(requests.adapters.HTTPAdapter):
    """requests' adapter, with connections that check where they connected."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _POOLS

    def proxy_manager_for(self, proxy: str, **kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **kwargs)
        if not proxy.lower().startswith("socks"):  # SOCKS has connection classes of its own
            manager.pool_classes_by_scheme = _POOLS
        return manager


# -- what went wrong, in one line ------------------------------------------------------

_NETWORK_ERRORS = (requests.RequestException, u3.HTTPError, OSError, ValueError)


def _causes(e: BaseException) -> list[BaseException]:
    """E and what it wraps: requests puts urllib3's error in args[0], urllib3 its cause in
    .reason, Python in __cause__/__context__."""
    seen: list[BaseException] = []
    todo = [e]
    while todo and len(seen) < 20:
        x = todo.pop(0)
        if x in seen:
            continue
        seen.append(x)
        for inner in (getattr(x, "reason", None), x.__cause__, x.__context__, *x.args[:1]):
            if isinstance(inner, BaseException):
                todo.append(inner)
    return seen


def _describe(e: BaseException, clock: _Clock, limits: Limits) -> str:
    """One line for a failed request, never requests' or urllib3's own text."""
    if clock.expired or time.monotonic() >= clock.end:
        return f"gave up after {limits.deadline:g}s (deadline)"
    causes = _causes(e)

    def has(*kinds: type[BaseException]) -> bool:
        return any(isinstance(c, kinds) for c in causes)

    if has(requests.exceptions.InvalidURL, requests.exceptions.InvalidSchema, u3.LocationValueError):
        return "not a valid URL"
    if has(u3.NameResolutionError, socket.gaierror):
        return "host not found"
    if has(u3.ProxyError, requests.exceptions.ProxyError):
        return "the proxy failed"
    if has(ConnectionRefusedError):
        return "connection refused"
    # (urllib3's NewConnectionError is a ConnectTimeoutError too, for old callers' sake.)
    if has(requests.exceptions.ConnectTimeout) or any(
        isinstance(c, u3.ConnectTimeoutError) and not isinstance(c, u3.NewConnectionError) for c in causes
    ):
        return "connection timed out"
    if has(u3.ReadTimeoutError, requests.exceptions.ReadTimeout, TimeoutError):
        return "the server stopped answering (read timeout)"
    if has(u3.SSLError, requests.exceptions.SSLError, ssl.SSLError, ssl.CertificateError):
        return "secure connection failed (TLS)"
    if has(u3.DecodeError, requests.exceptions.ContentDecodingError):
        return "the body could not be decompressed"
    if has(requests.exceptions.ChunkedEncodingError, u3.IncompleteRead):
        return "the connection broke off mid-body"
    if has(ConnectionResetError):
        return "connection reset by the server"
    if has(u3.NewConnectionError):
        return "connection failed"
    if has(http.client.HTTPException):
        return "the server's answer is not valid HTTP"
    return "connection failed"


# -- files, and a header ---------------------------------------------------------------


def read_local(path: str, max_bytes: int) -> Response:
    """A feed file on disk, with the same size cap as the network.

    Raises:
        FetchError: missing, unreadable or too large.
    """
    p = Path(path)
    try:
        with open(p, "rb") as f:
            body = f.read(max_bytes + 1)
    except OSError as e:
        raise FetchError(f"cannot read {path}: {e.strerror}") from None
    if len(body) > max_bytes:
        raise FetchError(f"{path} is over the {max_bytes} byte cap")
    return Response(status=200, url=str(p), headers={}, body=body)


def retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), capped at a week."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), 7 * 86400)
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError):
        return None
    return min(max(when - now, 0.0), 7 * 86400)

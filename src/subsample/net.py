"""HTTP (and local files) for feeds and images, with every limit a hostile server needs.

- connect and read timeouts on every socket operation, plus a whole-request deadline
  that is enforced by shutting the socket down from a timer, so a server that drips its
  headers one byte a second cannot hold a fetch past it;
- a cap on the decompressed body, read as a stream, so a gzip bomb or an endless body
  stops at the cap instead of filling memory;
- at most a few redirects, http(s) only.
"""

from __future__ import annotations

import contextlib
import heapq
import http.client
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import urllib3
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from subsample import __version__
from subsample.errors import FetchError

USER_AGENT = f"subsample/{__version__} (feed archiver; +https://pypi.org/project/subsample/)"


@dataclass(frozen=True)
class Limits:
    connect_timeout: float = 10
    read_timeout: float = 20
    deadline: float = 60  # whole request, redirects and body included
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


# -- the deadline watchdog ------------------------------------------------------------

_watch = threading.local()


class _Deadline:
    """Shuts down every connection a request used once its time is up."""

    def __init__(self, seconds: float) -> None:
        self.expired = False
        self.over = False  # the request finished: the watchdog may forget it
        self._seconds = seconds
        self._conns: list[Any] = []
        self._lock = threading.Lock()

    def __enter__(self) -> _Deadline:
        _watch.deadline = self
        _watchdog.add(time.monotonic() + self._seconds, self)
        return self

    def __exit__(self, *exc: object) -> None:
        self.over = True
        _watch.deadline = None

    def track(self, conn: Any) -> None:
        with self._lock:
            self._conns.append(conn)
            if self.expired:
                self._shut(conn)

    def fire(self) -> None:
        with self._lock:
            self.expired = True
            for conn in self._conns:
                self._shut(conn)

    @staticmethod
    def _shut(conn: Any) -> None:
        sock = getattr(conn, "sock", None)
        if sock is not None:
            # shutdown() wakes a recv() blocked in another thread; close() would not.
            with contextlib.suppress(OSError):
                socket.socket.shutdown(sock, socket.SHUT_RDWR)


class _Watchdog:
    """One thread that fires every request's deadline (a timer thread per request cost
    more than the request itself on a fetch of hundreds of 304s)."""

    def __init__(self) -> None:
        self._due: list[tuple[float, int, _Deadline]] = []
        self._changed = threading.Condition()
        self._count = 0
        self._thread: threading.Thread | None = None

    def add(self, when: float, deadline: _Deadline) -> None:
        with self._changed:
            self._count += 1
            heapq.heappush(self._due, (when, self._count, deadline))
            if self._thread is None or not self._thread.is_alive():  # none yet, or forked
                self._thread = threading.Thread(target=self._run, name="deadlines", daemon=True)
                self._thread.start()
            elif self._due[0][2] is deadline:
                # Only a new first deadline changes when the thread must wake. (Requests
                # share one length, so that is rare: a wake per request cost a GIL handoff.)
                self._changed.notify()

    def _run(self) -> None:
        with self._changed:
            while True:
                while self._due and self._due[0][2].over:
                    heapq.heappop(self._due)
                if not self._due:
                    self._changed.wait()
                    continue
                left = self._due[0][0] - time.monotonic()
                if left > 0:
                    self._changed.wait(left)
                    continue
                heapq.heappop(self._due)[2].fire()


_watchdog = _Watchdog()


class _WatchedPool(HTTPConnectionPool):
    def _get_conn(self, timeout: float | None = None) -> Any:
        conn = super()._get_conn(timeout)
        deadline = getattr(_watch, "deadline", None)
        if deadline is not None:
            deadline.track(conn)
        return conn


class _WatchedHTTPSPool(HTTPSConnectionPool, _WatchedPool):
    pass


_HEADERS = {
    "User-Agent": USER_AGENT,
    "Accept": (
        "application/atom+xml, application/rss+xml, application/feed+json, application/json;q=0.9,"
        " application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
    ),
    # What urllib3 can decode here (gzip and deflate; br and zstd where their modules are).
    "Accept-Encoding": urllib3.util.make_headers(accept_encoding=True)["accept-encoding"],
}
_REDIRECTS = (301, 302, 303, 307, 308)


class Session:
    """Keep-alive connections for a whole run (a few per host), verified against certifi's CAs.

    urllib3 straight, not requests: the same connection pools, without a session layer
    (cookies, hooks, settings merged per request) that cost more CPU per request than the
    rest of the request on a fetch of hundreds of feeds. No proxy settings or ~/.netrc
    credentials are read from the environment.
    """

    def __init__(self) -> None:
        import certifi

        # Pools for up to 16 hosts at once, 4 connections each; get() sends _HEADERS itself.
        self.pools = urllib3.PoolManager(
            num_pools=16, maxsize=4, retries=False, cert_reqs="CERT_REQUIRED", ca_certs=certifi.where()
        )
        self.pools.pool_classes_by_scheme = {"http": _WatchedPool, "https": _WatchedHTTPSPool}

    def close(self) -> None:
        self.pools.clear()


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
) -> Response:
    """GET URL within LIMITS, following redirects; a local path is read from disk instead.

    Any HTTP status comes back as a Response (the caller decides what 304, 410 or 429 mean).
    REFUSE_HOST(host) may veto the URL's host and every redirect's, with a reason.

    Raises:
        FetchError: network failure, timeout, deadline, too large, too many redirects.
    """
    limits = limits or Limits()
    if not url.startswith(("http://", "https://")):
        return read_local(url, limits.max_bytes)
    headers = dict(_HEADERS)
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    timeout = urllib3.Timeout(connect=limits.connect_timeout, read=limits.read_timeout)
    start = time.monotonic()
    redirects: list[str] = []
    permanent = True
    with _Deadline(limits.deadline) as deadline:
        try:
            while True:
                if refuse_host is not None:
                    _check_host(url, refuse_host)
                resp = session.pools.urlopen(
                    "GET", url, headers=headers, redirect=False, retries=False,
                    preload_content=False, decode_content=True, timeout=timeout,
                )  # fmt: skip
                reusable = False  # the connection goes back to the pool only once read to its end
                try:
                    location = resp.headers.get("location") if resp.status in _REDIRECTS else None
                    if location is not None:
                        if len(redirects) >= limits.max_redirects:
                            raise FetchError(f"more than {limits.max_redirects} redirects")
                        redirects.append(url)
                        permanent = permanent and resp.status in (301, 308)
                        url = urljoin(url, location.strip())
                        if not url.startswith(("http://", "https://")):
                            raise FetchError("redirected to a URL that is not http(s)")
                        continue
                    result = Response(
                        status=resp.status,
                        url=url,
                        headers={k.lower(): resp.headers[k] for k in resp.headers},  # repeats joined
                        redirects=redirects,
                        moved_to=url if redirects and permanent else None,
                    )
                    if resp.status == 200:
                        ctype = result.headers.get("content-type", "")
                        if accept_types and not ctype.lower().startswith(accept_types):
                            raise FetchError(f"unexpected content type {ctype[:80]!r}")
                        result.body = _read_body(resp, limits, start, deadline)
                        reusable = True
                    elif resp.status in (204, 304):
                        reusable = True  # no body by definition
                    return result
                finally:
                    if not reusable:
                        resp.close()  # a body we did not read would confuse the next request
                    resp.release_conn()
        except FetchError:
            raise
        except (urllib3.exceptions.HTTPError, http.client.HTTPException, OSError, ValueError) as e:
            if deadline.expired:
                raise FetchError(f"gave up after {limits.deadline:g}s (deadline)") from None
            raise FetchError(_describe(e)) from None


def _check_host(url: str, refuse_host: Callable[[str], str | None]) -> None:
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:  # "http://]]" from a feed
        raise FetchError(f"not a valid URL: {url[:80]!r}") from None
    reason = refuse_host(host)
    if reason:
        raise FetchError(reason)


def stay_outside_unless(origin_url: str) -> Callable[[str], str | None]:
    """A refuse_host that keeps requests for ORIGIN_URL's content out of the local network,
    unless ORIGIN_URL is itself there (the user chose it). Hosts are resolved only when asked."""
    origin = urlsplit(origin_url).hostname or ""
    origin_inside: list[bool] = []

    def refuse(host: str) -> str | None:
        if host == origin:
            return None
        if not origin_inside:
            origin_inside.append(not origin_url.startswith("http") or is_internal(origin))
        if not origin_inside[0] and is_internal(host):
            return f"{host} is in the local network and {origin} is not; not fetched"
        return None

    return refuse


def is_internal(host: str) -> bool:
    """Whether HOST names a loopback, private, link-local or other non-public address."""
    import ipaddress

    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False  # unresolvable: the request itself will say so
    return any(not ipaddress.ip_address(str(info[4][0]).split("%")[0]).is_global for info in infos)


def _read_body(resp: Any, limits: Limits, start: float, deadline: _Deadline) -> bytes:
    declared = resp.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limits.max_bytes and "content-encoding" not in resp.headers:
        raise FetchError(f"body of {int(declared)} bytes is over the {limits.max_bytes} byte cap")
    chunks: list[bytes] = []
    size = 0
    while True:
        # read1 returns what has arrived (decompressed, bounded) instead of waiting to fill
        # the whole chunk, so the loop sees the deadline even on a slow drip.
        chunk = resp.read1(65536, decode_content=True)
        if not chunk:
            break
        size += len(chunk)
        if size > limits.max_bytes:
            raise FetchError(f"body is over the {limits.max_bytes} byte cap (after decompression)")
        chunks.append(chunk)
        if deadline.expired or time.monotonic() - start > limits.deadline:
            raise FetchError(f"gave up after {limits.deadline:g}s (deadline)")
    if deadline.expired:
        raise FetchError(f"gave up after {limits.deadline:g}s (deadline)")
    return b"".join(chunks)


def _describe(e: Exception) -> str:
    from urllib3 import exceptions as x

    text = str(e).lower()
    if isinstance(e, x.NameResolutionError) or "name or service not known" in text:
        return "host not found"
    if isinstance(e, x.NewConnectionError):  # (before ConnectTimeoutError: it is one)
        return "connection refused" if "refused" in text else "connection failed"
    if isinstance(e, x.ConnectTimeoutError):
        return "connection timed out"
    if isinstance(e, x.ReadTimeoutError):
        return "the server stopped answering (read timeout)"
    if isinstance(e, x.SSLError):
        return "secure connection failed (TLS)"
    if isinstance(e, x.DecodeError):
        return "the body could not be decompressed"
    if isinstance(e, x.LocationParseError | x.LocationValueError | ValueError):
        return "not a valid URL"
    if isinstance(e, x.ProtocolError | OSError):
        if "refused" in text:
            return "connection refused"
        if "reset" in text:
            return "connection reset by the server"
        if "incomplete" in text or "broken" in text:
            return "the connection broke off mid-body"
        return "connection failed"
    if isinstance(e, http.client.HTTPException):
        return "the server's answer is not valid HTTP"
    return f"request failed ({type(e).__name__})"


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

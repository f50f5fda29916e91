"""HTTP (and local files) for feeds and images, with every limit a hostile server needs.

- a connect timeout, a read timeout (no byte for that long) and a whole-request deadline
  that holds across redirects, so a server that drips its headers one byte a second
  cannot hold a fetch past it;
- a cap on the decompressed body, counted as it arrives, so a gzip bomb or an endless
  body stops at the cap instead of filling memory;
- at most a few redirects, http(s) only, each checked before it is followed.

The transfers are libcurl's, through pycurl: the HTTP work of a fetch of hundreds of feeds
runs in C with the GIL released (urllib3 spent 1.5 ms of Python per request here, more
than the parse of a small feed, and its import alone 0.1 s of every fetch's start-up).
"""

from __future__ import annotations

import errno
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

import pycurl

from subsample import __version__, urls
from subsample.errors import FetchError

USER_AGENT = f"subsample/{__version__} (feed archiver; +https://pypi.org/project/subsample/)"


@dataclass(frozen=True)
class Limits:
    connect_timeout: float = 10
    read_timeout: float = 20  # no byte for this long
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


_ACCEPT = (
    "Accept: application/atom+xml, application/rss+xml, application/feed+json, application/json;q=0.9,"
    " application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)
_REDIRECTS = (301, 302, 303, 307, 308)


class Session:
    """Keep-alive connections for a whole run, verified against certifi's CAs.

    One curl handle per thread (a handle is not for two threads at once), all sharing one
    connection cache, DNS cache and TLS sessions. No proxy settings or ~/.netrc
    credentials are read from the environment.
    """

    def __init__(self) -> None:
        import certifi

        self._ca = certifi.where()
        self._share = pycurl.CurlShare()  # pycurl locks it for the threads
        for data in (pycurl.LOCK_DATA_CONNECT, pycurl.LOCK_DATA_DNS, pycurl.LOCK_DATA_SSL_SESSION):
            self._share.setopt(pycurl.SH_SHARE, data)
        self._local = threading.local()
        self._handles: list[pycurl.Curl] = []
        self._lock = threading.Lock()

    def handle(self) -> pycurl.Curl:
        """This thread's curl handle, set up once."""
        c: pycurl.Curl | None = getattr(self._local, "curl", None)
        if c is None:
            c = pycurl.Curl()
            c.setopt(pycurl.SHARE, self._share)
            c.setopt(pycurl.NOSIGNAL, 1)  # timeouts without signals: we run in threads
            c.setopt(pycurl.PROTOCOLS, pycurl.PROTO_HTTP | pycurl.PROTO_HTTPS)
            c.setopt(pycurl.FOLLOWLOCATION, 0)  # get() follows redirects, checking each
            c.setopt(pycurl.PROXY, "")  # not even from http_proxy and friends
            c.setopt(pycurl.CAINFO, self._ca)
            c.setopt(pycurl.USERAGENT, USER_AGENT)
            c.setopt(pycurl.ACCEPT_ENCODING, "")  # every encoding curl can decode, and decoded
            c.setopt(pycurl.BUFFERSIZE, 256 * 1024)  # fewer, larger calls into Python
            with self._lock:
                self._handles.append(c)
            self._local.curl = c
        return c

    def close(self) -> None:
        """Close every handle not in a transfer. One still running in another thread (a
        fetch cut short by an error) cannot be closed from here; it ends with the process."""
        with self._lock:
            handles, self._handles = self._handles, []
        busy = False
        for c in handles:
            try:
                c.close()
            except pycurl.error:
                busy = True
        self._local = threading.local()
        if not busy:
            self._share.close()


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
    if not urls.is_web(url):
        return read_local(url, limits.max_bytes)
    headers = [_ACCEPT]
    if etag:
        headers.append(f"If-None-Match: {_header_value(etag)}")
    if last_modified:
        headers.append(f"If-Modified-Since: {_header_value(last_modified)}")
    c = session.handle()
    c.setopt(pycurl.HTTPHEADER, headers)
    c.setopt(pycurl.CONNECTTIMEOUT_MS, max(1, int(limits.connect_timeout * 1000)))
    # "Less than 1 byte a second for read_timeout seconds": nothing arrived for that long.
    c.setopt(pycurl.LOW_SPEED_LIMIT, 1)
    c.setopt(pycurl.LOW_SPEED_TIME, max(1, round(limits.read_timeout)))
    end = time.monotonic() + limits.deadline
    redirects: list[str] = []
    permanent = True
    while True:
        if refuse_host is not None:
            reason = refuse_host(_hostname(url))
            if reason:
                raise FetchError(reason)
        transfer = _Transfer(c, limits.max_bytes, accept_types)
        transfer.perform(_for_curl(url), end - time.monotonic(), limits)
        location = transfer.headers.get("location") if transfer.status in _REDIRECTS else None
        if location is None:
            return Response(
                status=transfer.status,
                url=url,
                headers=transfer.headers,
                body=transfer.body(),
                redirects=redirects,
                moved_to=url if redirects and permanent else None,
            )
        if len(redirects) >= limits.max_redirects:
            raise FetchError(f"more than {limits.max_redirects} redirects")
        redirects.append(url)
        permanent = permanent and transfer.status in (301, 308)
        url = urljoin(url, location.strip())
        if not urls.is_web(url):
            raise FetchError("redirected to a URL that is not http(s)")


class _Transfer:
    """One request on a curl handle: the last response's status and headers, and the body
    of a 200 (any other body is not read: its connection is closed instead)."""

    def __init__(self, curl: pycurl.Curl, max_bytes: int, accept_types: tuple[str, ...] | None) -> None:
        self.curl = curl
        self.max_bytes = max_bytes
        self.accept_types = accept_types
        self.status = 0
        self.headers: dict[str, str] = {}
        self.chunks: list[bytes] = []
        self.size = 0
        self.started = False  # the first piece of the body has been looked at
        self.error: str | None = None  # why we stopped the transfer, if it was not done

    def perform(self, url: str, seconds_left: float, limits: Limits) -> None:
        if seconds_left <= 0:
            raise FetchError(f"gave up after {limits.deadline:g}s (deadline)")
        c = self.curl
        c.setopt(pycurl.URL, url)
        c.setopt(pycurl.TIMEOUT_MS, max(1, int(seconds_left * 1000)))
        c.setopt(pycurl.HEADERFUNCTION, self._header)
        c.setopt(pycurl.WRITEFUNCTION, self._write)
        try:
            c.perform()
        except pycurl.error as e:
            code, message = int(e.args[0]), str(e.args[1]) if len(e.args) > 1 else ""
            if self.error is not None:
                raise FetchError(self.error) from None
            if code == pycurl.E_WRITE_ERROR and self.status != 200 and self.status:
                return  # the body of an error page or a redirect, left unread on purpose
            oserror = c.getinfo(pycurl.OS_ERRNO)
            raise FetchError(_describe(code, message, oserror, limits, seconds_left)) from None
        finally:
            # The handle outlives the request: it must not keep this body alive.
            c.setopt(pycurl.HEADERFUNCTION, _ignore)
            c.setopt(pycurl.WRITEFUNCTION, _ignore)
        if self.status == 200 and not self.started:
            self._check_start()  # an empty body still has a content type
            if self.error is not None:
                raise FetchError(self.error)

    def body(self) -> bytes:
        body = b"".join(self.chunks)
        self.chunks = []
        return body

    def _header(self, line: bytes) -> None:
        text = line.decode("latin-1")
        if text.startswith("HTTP/"):  # a new response (after a 100 Continue, say)
            parts = text.split(None, 2)
            self.status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
            self.headers = {}
            return
        name, sep, value = text.partition(":")
        if sep:
            name, value = name.strip().lower(), value.strip()
            # Repeated headers joined, as HTTP allows and as urllib3 did.
            self.headers[name] = f"{self.headers[name]}, {value}" if name in self.headers else value

    def _write(self, chunk: bytes) -> int | None:
        if not self.started:
            self.started = True
            if self.status != 200:
                return 0  # stop: an error page's body is not ours to read
            self._check_start()
            if self.error is not None:
                return 0
        self.size += len(chunk)
        if self.size > self.max_bytes:
            self.error = f"body is over the {self.max_bytes} byte cap (after decompression)"
            return 0
        self.chunks.append(chunk)
        return None

    def _check_start(self) -> None:
        ctype = self.headers.get("content-type", "")
        if self.accept_types and not ctype.lower().startswith(self.accept_types):
            self.error = f"unexpected content type {ctype[:80]!r}"
            return
        declared = self.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes and "content-encoding" not in self.headers:
            self.error = f"body of {int(declared)} bytes is over the {self.max_bytes} byte cap"


def _ignore(_data: bytes) -> None:
    return None


def _header_value(value: str) -> str:
    # A stored ETag came from a server: no line breaks may ride along into our request.
    return value.replace("\r", " ").replace("\n", " ")


def _hostname(url: str) -> str:
    try:
        return urlsplit(url).hostname or ""
    except ValueError:  # "http://]]" from a feed
        raise FetchError(f"not a valid URL: {url[:80]!r}") from None


# What may stand in a URL as it is; anything else (spaces, other scripts) is percent-encoded.
_URL_SAFE = "!#$%&'()*+,/:;=?@[]~-._"


def _for_curl(url: str) -> str:
    """URL as curl takes it: ASCII only, the host in IDNA, the rest percent-encoded.

    Raises:
        FetchError: not a URL at all.
    """
    if url.isascii() and " " not in url:
        _hostname(url)  # (raises for what urlsplit cannot read)
        return url
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        if not host.isascii():
            import idna

            host = idna.encode(host, uts46=True).decode("ascii")
        netloc = host if ":" not in host else f"[{host}]"
        if parts.port is not None:
            netloc = f"{netloc}:{parts.port}"
        if "@" in parts.netloc:
            netloc = f"{quote(parts.netloc.rpartition('@')[0], safe=_URL_SAFE)}@{netloc}"
    except (ValueError, UnicodeError):  # (idna.IDNAError is a UnicodeError)
        raise FetchError(f"not a valid URL: {url[:80]!r}") from None
    path, query, fragment = (quote(p, safe=_URL_SAFE) for p in (parts.path, parts.query, parts.fragment))
    return urlunsplit((parts.scheme, netloc, path, query, fragment))


def stay_outside_unless(origin_url: str) -> Callable[[str], str | None]:
    """A refuse_host that keeps requests for ORIGIN_URL's content out of the local network,
    unless ORIGIN_URL is itself there (the user chose it). Hosts are resolved only when asked."""
    origin = urlsplit(origin_url).hostname or ""
    origin_inside: list[bool] = []

    def refuse(host: str) -> str | None:
        if host == origin:
            return None
        if not origin_inside:
            origin_inside.append(not urls.is_web(origin_url) or is_internal(origin))
        if not origin_inside[0] and is_internal(host):
            return f"{host} is in the local network and {origin} is not; not fetched"
        return None

    return refuse


def is_internal(host: str) -> bool:
    """Whether HOST names a loopback, private, link-local or other non-public address."""
    import ipaddress

    try:
        infos = socket.getaddrinfo(host, None)
    except (OSError, UnicodeError):
        return False  # unresolvable: the request itself will say so
    return any(not ipaddress.ip_address(str(info[4][0]).split("%")[0]).is_global for info in infos)


_TLS_ERRORS = {
    pycurl.E_SSL_CONNECT_ERROR, pycurl.E_PEER_FAILED_VERIFICATION, pycurl.E_SSL_CERTPROBLEM,
    pycurl.E_SSL_CIPHER, pycurl.E_SSL_CACERT_BADFILE, pycurl.E_SSL_ENGINE_NOTFOUND,
    pycurl.E_SSL_ENGINE_SETFAILED, pycurl.E_SSL_SHUTDOWN_FAILED, pycurl.E_SSL_CRL_BADFILE,
    pycurl.E_SSL_ISSUER_ERROR, pycurl.E_SSL_PINNEDPUBKEYNOTMATCH, pycurl.E_SSL_INVALIDCERTSTATUS,
    pycurl.E_USE_SSL_FAILED,
}  # fmt: skip


def _describe(code: int, message: str, oserror: int, limits: Limits, seconds_left: float) -> str:
    """One line for a failed transfer, from curl's error code (and the system's error, or
    curl's message, where the code alone does not say)."""
    text = message.lower()
    if code == pycurl.E_OPERATION_TIMEDOUT:
        if "too slow" in text:
            return "the server stopped answering (read timeout)"
        if seconds_left > limits.connect_timeout and ("connect" in text or "resolv" in text):
            return "connection timed out"
        return f"gave up after {limits.deadline:g}s (deadline)"
    if code == pycurl.E_COULDNT_RESOLVE_HOST:
        return "host not found"
    if code == pycurl.E_COULDNT_CONNECT:
        return "connection refused" if oserror == errno.ECONNREFUSED else "connection failed"
    if code in _TLS_ERRORS:
        return "secure connection failed (TLS)"
    if code == pycurl.E_BAD_CONTENT_ENCODING:
        return "the body could not be decompressed"
    if code in (pycurl.E_URL_MALFORMAT, pycurl.E_UNSUPPORTED_PROTOCOL):
        return "not a valid URL"
    if code == pycurl.E_PARTIAL_FILE:
        return "the connection broke off mid-body"
    if code in (pycurl.E_RECV_ERROR, pycurl.E_SEND_ERROR, pycurl.E_GOT_NOTHING):
        return "connection reset by the server" if oserror == errno.ECONNRESET else "connection failed"
    if code in (8, 16, 92):  # CURLE_WEIRD_SERVER_REPLY, CURLE_HTTP2, CURLE_HTTP2_STREAM
        return "the server's answer is not valid HTTP"
    return f"request failed (curl error {code})"


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

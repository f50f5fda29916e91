"""The one door a backfill goes through to a site: guarded, capped, polite, robots.txt.

Every request a backfill makes (the feed's older pages and every way past them) comes
through Door.get: fetch/http.get with the backfill's limits and the local-network guard of
the source's own URL, one request at a time per host with a pause between two, and a cap
on the bytes of the whole run. The ways' requests also ask the site's robots.txt first
(urllib.robotparser, read once per host through this same door), and count against a cap
of requests per way (WayDoor).

robots.txt as the standard library reads it: a 401 or 403 disallows everything, any other
4xx allows everything. A robots.txt that cannot be had (a 5xx, a network failure, over its
size cap) allows everything too: the issue asks for it, and a 5xx answer to every unknown
path is what many small servers give. RFC 9309 would have a crawler assume "disallow" for
a 5xx; the difference is documented in the README.
"""

from __future__ import annotations

import time
import urllib.robotparser
from collections.abc import Callable
from urllib.parse import urlsplit

from subsample import urls
from subsample.errors import FetchError
from subsample.fetch import http

ROBOTS_LIMITS = http.Limits(connect_timeout=10, read_timeout=20, deadline=30, max_bytes=512 * 1024)
# The robotparser matches a robots.txt group by the first word of the User-Agent.
ROBOTS_AGENT = "subsample"


class RobotsDisallowed(FetchError):
    """The site's robots.txt asks us not to read URL: the request was never made."""

    def __init__(self, url: str) -> None:
        super().__init__(f"robots.txt of {_host(url)} disallows {url[:200]}")
        self.url = url


class OverCap(Exception):
    """A cap of the run was reached before a request: the way stops and goes on next time.

    Not a FetchError on purpose: a way that skips a page it cannot read must not skip past
    the cap, leaving unread pages behind its cursor."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


class Door:
    """Requests to the web, one at a time per host with PAUSE seconds between two, within
    LIMITS, refused by REFUSE_HOST, at most MAX_BYTES in all."""

    def __init__(
        self,
        session: http.Session,
        *,
        pause: float,
        limits: http.Limits | None,
        refuse_host: Callable[[str], str | None],
        max_bytes: int,
        sleep: Callable[[float], None] = time.sleep,
        elsewhere: tuple[str, ...] = (),
    ) -> None:
        self.session = session
        # URLs under one of ELSEWHERE (origins the user named) are judged by that origin's
        # guard, not REFUSE_HOST's.
        self._elsewhere = [
            (origin.rstrip("/") + "/", http.stay_outside_unless(origin)) for origin in elsewhere
        ]
        self.pause = pause
        self.limits = limits
        self.refuse_host = refuse_host
        self.max_bytes = max_bytes
        self.bytes_read = 0
        self.requests = 0
        self._sleep = sleep
        self._last: dict[str, float] = {}  # host -> when its last request ended
        self._robots: dict[str, tuple[urllib.robotparser.RobotFileParser, http.Response | None]] = {}

    def get(self, url: str, *, robots: bool = True, limits: http.Limits | None = None) -> http.Response:
        """GET URL politely; ROBOTS: only if the site's robots.txt allows it.

        Raises:
            RobotsDisallowed: robots.txt asks us not to read URL (nothing was requested).
            OverCap: the run's bytes are spent.
            FetchError: as http.get.
        """
        if robots:
            if not urls.is_web(url):  # (a way reads the web only, never a file a page names)
                raise FetchError(f"not a web URL: {url[:80]!r}")
            parser, cached = self._robots_of(url)
            if cached is not None and url == _robots_url(url):
                return cached  # (a way reading robots.txt for its Sitemap lines: read once)
            if not parser.can_fetch(ROBOTS_AGENT, url):
                raise RobotsDisallowed(url)
        return self._get(url, limits or self.limits, capped=robots)

    def allows(self, url: str) -> bool:
        """Whether the site's robots.txt allows URL (reading robots.txt if not yet read)."""
        try:
            return self._robots_of(url)[0].can_fetch(ROBOTS_AGENT, url)
        except OverCap:
            return True  # (only --dry-run asks, to say what would be refused)

    def _get(self, url: str, limits: http.Limits | None, *, capped: bool = True) -> http.Response:
        # (The feed's own pages are capped by --max-pages and each page's size: the run's
        # cap on bytes is for the ways, which may read a whole site.)
        if capped and self.bytes_read >= self.max_bytes:
            raise OverCap(f"stopped after reading {_size(self.bytes_read)}, this run's cap")
        host = _host(url)
        last = self._last.get(host)
        if last is not None:
            self._sleep(max(0.0, last + self.pause - time.monotonic()))
        try:
            self.requests += 1
            refuse = next(
                (guard for origin, guard in self._elsewhere if url.startswith(origin)), self.refuse_host
            )
            resp = http.get(self.session, url, limits=limits, refuse_host=refuse)
        finally:
            self._last[host] = time.monotonic()
        self.bytes_read += len(resp.body)
        return resp

    def _robots_of(self, url: str) -> tuple[urllib.robotparser.RobotFileParser, http.Response | None]:
        where = _robots_url(url)
        if where not in self._robots:
            parser = urllib.robotparser.RobotFileParser(where)
            resp: http.Response | None = None
            try:
                resp = self._get(where, ROBOTS_LIMITS)
            except FetchError:
                parser.parse([])  # unreachable: as if there were none (allows all)
            else:
                if resp.status == 200:
                    parser.parse(resp.body.decode("utf-8", "replace").splitlines())
                elif resp.status in (401, 403):
                    parser.parse(["User-agent: *", "Disallow: /"])  # as the standard library reads them
                else:
                    parser.parse([])
            self._robots[where] = (parser, resp)
        return self._robots[where]


class WayDoor:
    """DOOR for one way: robots.txt asked, at most CAP requests (None: no cap)."""

    def __init__(self, door: Door, cap: int | None) -> None:
        self.door = door
        self.cap = cap
        self.requests = 0
        self.read: list[str] = []  # the URLs asked for, in order

    def get(self, url: str) -> http.Response:
        if self.cap is not None and self.requests >= self.cap:
            raise OverCap(f"stopped after {self.requests} requests")
        self.requests += 1
        self.read.append(url)
        return self.door.get(url)


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MiB" if n >= 1024 * 1024 else f"{n} bytes"


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def _robots_url(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        raise FetchError(f"not a valid URL: {url[:80]!r}") from None
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}/robots.txt"

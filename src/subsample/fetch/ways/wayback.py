"""A web archive's captures of the feed: the posts it showed before anyone here read it.

Only with `backfill ID --wayback` (the backfill asks for this way only then): it tells a
third party which feed you read. The archive is the Internet Archive's Wayback Machine, or
the one SUBSAMPLE_WAYBACK_URL names (a local pywb; the tests' loopback server).

Its CDX index lists the captures of a URL (wayback-cdx-server's API: `output=json` gives a
header row and then one row per capture; `filter=statuscode:200` drops redirects and errors;
`collapse=digest` drops a capture whose bytes equal the one before). The index matches a URL
by its SURT key, which leaves out the scheme, a leading "www." and a default port, so one
query finds the captures of http:// and https://, with or without www. Each capture is read
in its `id_` form (the bytes as captured, no toolbar, no rewritten links) and parsed as the
feed was then, against the feed's own URL so that relative links resolve as the publisher
meant; its entries are one Batch, with the capture's time in extra["captured"].

Captures go oldest first, and their texts are the feed's own: unlike the other ways, this one
revises (Way.revises), so a post that a later capture shows edited gets a revision, and its
latest revision is the newest text the archive holds. A post the archive had before the walk
(the live feed's, newer than any capture) is left out: a capture could only put an older
text on top of it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

from subsample import urls
from subsample.errors import FetchError
from subsample.fetch.ways import Batch, Cursor, Entry, Site

NAME = "wayback"
ARCHIVE = "https://web.archive.org"
ENV = "SUBSAMPLE_WAYBACK_URL"
# At most this many captures are considered. The Internet Archive holds tens of thousands
# of captures of a popular feed (it reads some hourly); a post stays in a feed's window for
# weeks, so captures spread evenly over the years still show nearly every post, where the
# first 10,000 would leave out the recent years altogether.
MAX_CAPTURES = 10_000

_TIMESTAMP = re.compile(r"\d{14}")


def archive_url() -> str:
    """The web archive this way reads: SUBSAMPLE_WAYBACK_URL, else the Wayback Machine."""
    base = (os.environ.get(ENV) or "").strip() or ARCHIVE
    return base.rstrip("/")


@dataclass(frozen=True)
class Capture:
    """One capture of the feed in the archive's index."""

    timestamp: str  # yyyyMMddhhmmss, UTC
    original: str  # the feed's URL as it was captured (http or https, www or not)

    @property
    def captured(self) -> str:
        t = self.timestamp
        return f"{t[:4]}-{t[4:6]}-{t[6:8]}T{t[8:10]}:{t[10:12]}:{t[12:14]}Z"


def find(site: Site) -> WaybackWay | None:
    """A web archive's captures of the feed, for any feed on the web (reads nothing yet:
    the index is read when the way runs, which the backfill does only when asked)."""
    if not urls.is_web(site.feed_url):
        return None
    return WaybackWay(site, archive_url())


@dataclass
class WaybackWay:
    site: Site
    archive: str  # the archive's base URL, no trailing slash
    name: str = NAME
    revises: bool = True  # (the backfill archives its edits as revisions)
    _taken: set[str] = field(default_factory=set)  # digests of the links this walk archived

    def batches(self, cursor: Cursor | None) -> Iterator[Batch]:
        """One Batch per capture, oldest first, after the capture CURSOR names.

        The cursor is {"after": TIMESTAMP, "taken": [...]}: the last capture done, and
        short digests of the links this walk has archived (so that a resumed walk goes on
        giving them their later texts, where it leaves alone what the archive had before)."""
        site = self.site
        after = _text(cursor.get("after")) if isinstance(cursor, dict) else None
        after = after if after and _TIMESTAMP.fullmatch(after) else None
        taken = cursor.get("taken") if isinstance(cursor, dict) else None
        self._taken = {t for t in taken if isinstance(t, str)} if isinstance(taken, list) else set()
        before_walk = set(site.archived)
        since = _timestamp_of(site.until)
        lower = max(after or "", since or "") or None

        # (A capture from before UNTIL shows only posts published before it.)
        captures, read, problem = self._index(lower, after)
        cut = site.max_pages is not None and len(captures) > max(site.max_pages, 0)
        if cut:
            captures = captures[: max(site.max_pages or 0, 0)]
        here = cursor if isinstance(cursor, dict) else {}  # (None would say: read whole)
        if problem is not None:
            yield Batch([], here, read=read, note=problem)
            return
        if site.dry_run:
            yield Batch([], here, read=read + [self.capture_url(c) for c in captures])
            return
        if not captures:
            if cut:  # (a cap of no requests: nothing done, the cursor stays)
                yield Batch([], here, read=read)
            else:
                yield Batch(
                    [], None, read=read, note="the web archive holds no captures of the feed not yet read"
                )
            return
        for i, capture in enumerate(captures):
            url = self.capture_url(capture)
            entries, note, stop = self._read(capture, url, before_walk)
            last = i == len(captures) - 1
            if stop:  # the archive is failing or asks us to slow down: resume at this capture
                yield Batch([], here, read=[url], note=note)
                return
            here = {"after": capture.timestamp, "taken": sorted(self._taken)}
            done = last and not cut
            yield Batch(
                entries,
                None if done else here,
                read=[url],
                extra={"captured": capture.captured},
                note=note,
            )

    def capture_url(self, capture: Capture) -> str:
        # id_: the bytes as captured, without the archive's toolbar or rewritten links.
        return f"{self.archive}/web/{capture.timestamp}id_/{capture.original}"

    def index_urls(self, since: str | None = None) -> list[str]:
        """The CDX queries for the feed: its address now, and the one it moved from."""
        feeds = [self.site.feed_url]
        if self.site.source.url != self.site.feed_url and urls.is_web(self.site.source.url):
            feeds.append(self.site.source.url)  # a moved feed's older captures are at its old address
        query = "&output=json&fl=timestamp,original,statuscode,digest&filter=statuscode:200&collapse=digest"
        if since:
            query += f"&from={since}"
        return [f"{self.archive}/cdx/search/cdx?url={quote(f, safe='')}{query}" for f in feeds]

    def _index(self, since: str | None, after: str | None) -> tuple[list[Capture], list[str], str | None]:
        """The captures the index lists from SINCE on and after AFTER, oldest first (thinned
        to MAX_CAPTURES); the URLs read; what went wrong."""
        found: dict[tuple[str, str], Capture] = {}
        read = []
        for url in self.index_urls(since):
            read.append(url)
            try:
                resp = self.site.get(url)
            except FetchError as e:
                return [], read, f"the web archive's index could not be read: {e}"
            if resp.status != 200:
                return [], read, f"the web archive's index answered HTTP {resp.status}"
            try:
                rows = json.loads(resp.body)
            except (ValueError, RecursionError):
                return [], read, "the web archive's index is not JSON"
            for c in captures_of(rows, self.site.feed_url, self.site.source.url):
                # (the server's from= is inclusive, and a server may not heed it)
                if (since is None or c.timestamp >= since) and (after is None or c.timestamp > after):
                    found.setdefault((c.timestamp, c.original), c)
        return thinned(sorted(found.values(), key=lambda c: c.timestamp), MAX_CAPTURES), read, None

    def _read(
        self, capture: Capture, url: str, before_walk: set[str]
    ) -> tuple[list[Entry], str | None, bool]:
        """The entries of one capture worth archiving, a note, and whether to stop."""
        from subsample.parse.feeds import parse_feed

        when = capture.captured
        try:
            resp = self.site.get(url)
        except FetchError as error:
            return [], f"the capture of {when} could not be read: {error}", True
        if resp.status == 429 or resp.status >= 500:
            return [], f"the web archive answered HTTP {resp.status} for the capture of {when}", True
        if resp.status != 200:
            return [], f"the capture of {when} was skipped: HTTP {resp.status}", False
        ctype = resp.headers.get("content-type")
        if _is_html(resp.body, ctype):
            return [], f"the capture of {when} is a web page, not the feed: skipped", False
        body = restore_links(resp.body, self.archive, capture.timestamp)
        try:
            feed = parse_feed(body, capture.original, ctype)
        except (FetchError, RecursionError) as error:
            return [], f"the capture of {when} was skipped: {error}", False
        entries = []
        for parsed in feed.entries:
            entry = restore_identity(parsed, self.archive)
            link = entry.get("link")
            mine = _digest(link) if link else None
            if link and link in before_walk and mine not in self._taken:
                continue  # archived before this walk, from a newer copy than any capture
            if not _wanted(entry, self.site.until):
                continue
            if mine:
                self._taken.add(mine)
            entries.append(entry)
        return entries, None, False


def captures_of(rows: Any, *feeds: str) -> list[Capture]:
    """The captures in a CDX index's JSON answer (a header row, then one row per capture),
    each of one of FEEDS (any scheme, with or without www); rows of another shape are left out."""
    if not isinstance(rows, list) or not rows:
        return []
    header = rows[0]
    columns = ["timestamp", "original", "statuscode", "digest"]
    if isinstance(header, list) and all(isinstance(h, str) for h in header) and "timestamp" in header:
        columns = header
        rows = rows[1:]
    try:
        at_time, at_url = columns.index("timestamp"), columns.index("original")
    except ValueError:
        return []
    at_status = columns.index("statuscode") if "statuscode" in columns else None
    hosts = {urls.bare_host(f) for f in feeds}
    out = []
    for row in rows:
        if not isinstance(row, list) or len(row) <= max(at_time, at_url):
            continue  # ([] parts a resume key from the rows)
        timestamp, original = row[at_time], row[at_url]
        if not (isinstance(timestamp, str) and _TIMESTAMP.fullmatch(timestamp)):
            continue
        if not (isinstance(original, str) and urls.is_web(original) and len(original) < 2000):
            continue
        if at_status is not None and len(row) > at_status and row[at_status] not in ("200", 200):
            continue
        if urls.bare_host(original) not in hosts or any(ord(c) <= 0x20 for c in original):
            continue  # another site's capture, or no URL we would ask for
        out.append(Capture(timestamp, original))
    return out


def thinned(captures: list[Capture], most: int) -> list[Capture]:
    """At most MOST of CAPTURES, spread evenly over them, the first and the last kept."""
    if len(captures) <= most:
        return captures
    if most <= 1:
        return captures[-most:] if most else []
    step = (len(captures) - 1) / (most - 1)
    return [captures[round(i * step)] for i in range(most)]


# The archive's own address before an original URL: https://web.archive.org/web/2015...id_/
# (a replay rewrites every link so, with the capture's own timestamp; a capture of a feed
# that was read through the archive carries them too). \\? for a JSON Feed's escaped slashes.
_PREFIX = r"(?:https?:\\?/\\?/(?:{hosts}))?\\?/web\\?/{timestamp}(?:[a-z]{{2}}_)?\\?/(https?:)\\?/?\\?/?"


def _archive_hosts(archive: str) -> str:
    hosts = {"web.archive.org"}
    try:
        netloc = urlsplit(archive).netloc
    except ValueError:
        netloc = ""
    if netloc:
        hosts.add(netloc.lower())
    return "|".join(re.escape(h) for h in sorted(hosts))


def restore_links(body: bytes, archive: str, timestamp: str | None = None) -> bytes:
    """BODY with links into the web archive (ARCHIVE/web/TIMESTAMP/ORIGINAL) turned back
    into the ORIGINAL they stand for; before parsing, so that keys and hashes are the ones
    the publisher's feed gives. Given the capture's TIMESTAMP, only the links a replay of
    that capture rewrote: a publisher's own link to an archived page of another time (a
    dead site's, say) stays as the publisher wrote it."""
    stamp = re.escape(timestamp) if timestamp else r"\d{1,14}"
    pattern = re.compile(
        _PREFIX.format(hosts=_archive_hosts(archive), timestamp=stamp).encode(), re.IGNORECASE
    )
    if b"/web" not in body:
        return body

    def original(m: re.Match[bytes]) -> bytes:
        whole = m.group(0)
        if (
            not whole.lower().startswith(b"http")
            and m.start()
            and body[m.start() - 1 : m.start()] not in b"\"';>("
        ):
            return whole  # a "/web/2015/http://..." in running text: left as the publisher wrote it
        slash = b"\\/" if b"\\/" in whole else b"/"
        return m.group(1) + slash + slash

    return pattern.sub(original, body)


def restore_identity(entry: Entry, archive: str) -> Entry:
    """ENTRY with a link or guid that still points into the archive (a rewrite from another
    capture's replay) turned back into the original, its key and hash made again: a post's
    own address is never the archive's."""
    from subsample.parse.entry import content_hash, post_key

    pattern = re.compile(
        _PREFIX.replace("\\\\?", "").format(hosts=_archive_hosts(archive), timestamp=r"\d{1,14}"),
        re.IGNORECASE,
    )
    changed = {}
    for field_name in ("id", "link"):
        value = entry.get(field_name)
        if (
            isinstance(value, str)
            and (m := pattern.match(value.strip()))
            and not value.strip().startswith("/")
        ):
            changed[field_name] = m.group(1) + "//" + value.strip()[m.end() :]
    if not changed:
        return entry
    out = {**entry, **changed}
    out["key"] = post_key(out.get("id"), out.get("link"), out.get("title"), out.get("published"))
    out["hash"] = content_hash(out)
    out.pop("_hash_before", None)  # (made with the archive's address: it would match nothing)
    return out


def _is_html(body: bytes, content_type: str | None) -> bool:
    """Whether a capture is a web page (the archive's error page, a login wall), not a feed."""
    head = body.lstrip(b"\xef\xbb\xbf \t\r\n")[:4096].lower()
    if head.startswith((b"<!doctype html", b"<html")):
        return True
    said_html = (content_type or "").split(";")[0].strip().lower() in ("text/html", "application/xhtml+xml")
    return (
        said_html
        and not head.startswith((b"{", b"["))
        and not any(t in head for t in (b"<rss", b"<feed", b"<rdf"))
    )


def _wanted(e: Entry, until: str | None) -> bool:
    date = e.get("published") or e.get("updated")
    return until is None or date is None or date >= until


def _timestamp_of(iso: str | None) -> str | None:
    """An ISO 8601 UTC time as a CDX timestamp (2026-01-02T03:04:05Z: 20260102030405)."""
    digits = re.sub(r"\D", "", iso or "")[:14]
    return digits.ljust(14, "0") if len(digits) >= 8 else None


def _digest(link: str) -> str:
    return hashlib.sha256(link.encode()).hexdigest()[:16]


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None

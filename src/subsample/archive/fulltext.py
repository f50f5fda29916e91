"""Full text fetched from posts' pages, kept beside the feed's own text, never in its place.

fulltext/<ID>.jsonl is append-only, one line per attempt to read a post's page:

    {"n": 31, "key": "…", "revision": 1, "url": "…", "final_url": "…", "fetched": "…Z",
     "status": 200, "extractor": "trafilatura 2.3.1", "html": "<p>…"}

or, for an attempt that failed, "error" (and "permanent": true for a page that will never
do, such as a PDF) instead of "extractor" and "html". The archive's own lines, their
hashes and revisions are untouched by any of it. The last successful line of a post is its
full text; the failures since then decide when its page is tried again (`page_due`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from subsample.archive.files import append_lines
from subsample.archive.index import Index
from subsample.archive.jsonl import encode, iter_lines, read_record
from subsample.errors import StorageError
from subsample.paths import Paths
from subsample.times import parse_iso

RETRY_FIRST = timedelta(hours=1)  # then 2 h, 4 h, … up to RETRY_LONGEST
RETRY_LONGEST = timedelta(days=7)
GIVE_UP_AFTER = 8  # failures in a row: the page is left alone (the feed's text stays)


@dataclass
class PageHistory:
    """What the attempts so far say about one post's page."""

    text: dict[str, Any] | None = None  # the last successful attempt
    failures: int = 0  # in a row, since the last success
    last_try: datetime | None = None
    last_error: str | None = None
    permanent: bool = False  # the last failure will not mend itself (not HTML)


def path(paths: Paths, source_id: str) -> Path:
    return paths.fulltext(source_id)


def record_attempts(paths: Paths, source_id: str, attempts: Iterable[dict[str, Any]]) -> None:
    """Append ATTEMPTS (one dict each, as above) to the source's full-text file.

    Raises:
        StorageError: the file cannot be written.
    """
    lines = [encode(a) for a in attempts]
    if lines:
        append_lines(path(paths, source_id), lines)


def histories(paths: Paths, source_id: str) -> dict[int, PageHistory]:
    """Each post's page history, by post number, from the source's full-text file."""
    found: dict[int, PageHistory] = {}
    for _, _, attempt in iter_lines(path(paths, source_id)):
        n = attempt.get("n")
        if not isinstance(n, int):
            continue
        h = found.setdefault(n, PageHistory())
        h.last_try = parse_iso(attempt.get("fetched")) or h.last_try
        if isinstance(attempt.get("html"), str) and not attempt.get("error"):
            h.text, h.failures, h.last_error, h.permanent = attempt, 0, None, False
        else:
            h.failures += 1
            h.last_error = str(attempt.get("error") or "failed")
            h.permanent = bool(attempt.get("permanent"))
    return found


def page_due(history: PageHistory | None, now: datetime) -> bool:
    """Whether a post's page should be read now: never tried, or failed and its back-off
    (1 h, doubling, at most a week) has passed. A post with full text, a page that will
    never do, or one that failed GIVE_UP_AFTER times in a row is left alone."""
    if history is None:
        return True
    if history.text is not None or history.permanent or history.failures >= GIVE_UP_AFTER:
        return False
    if history.failures == 0 or history.last_try is None:
        return True
    wait: timedelta = min(RETRY_FIRST * 2 ** (history.failures - 1), RETRY_LONGEST)
    return now >= history.last_try + wait


# Only a source's newest posts are looked at for pages to read: what a fetch costs stays
# bounded by this, not by the size of the archive (older posts keep the feed's text).
NEWEST_POSTS = 100


def newest_records(paths: Paths, index: Index, sid: str, count: int = NEWEST_POSTS) -> list[dict[str, Any]]:
    """The archive records of a source's COUNT newest posts (latest revisions), newest first."""
    records = []
    for p in index.posts(sid, limit=count):
        found = index.locate(p["n"])
        if found:
            try:
                records.append(read_record(paths.archive(found[0]), found[1], found[2]))
            except StorageError:  # a line the index no longer matches: its next sync mends it
                continue
    return records


def latest_html(paths: Paths, sid: str) -> dict[int, str]:
    """Each post's latest full text (HTML), by post number, as the index knows them."""
    with Index(paths) as index:
        index.sync_fulltext(sid)
        where = index.full_texts(sid)
    found: dict[int, str] = {}
    for n, (off, length) in where.items():
        try:
            html = read_record(path(paths, sid), off, length).get("html")
        except StorageError:
            continue
        if isinstance(html, str):
            found[n] = html
    return found

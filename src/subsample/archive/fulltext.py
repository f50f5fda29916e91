"""Full text fetched from posts' pages, kept beside the feed's own text, never in its place.

fulltext/<ID>.jsonl is append-only, one line per attempt to read a post's page:

    {"n": 31, "key": "…", "revision": 1, "url": "…", "final_url": "…", "fetched": "…Z",
     "status": 200, "extractor": "trafilatura 2.3.1", "html": "<p>…"}

or, for an attempt that failed, "error" (and "permanent": true for a page that will never
do, such as a PDF) instead of "extractor" and "html". The archive's own lines, their
hashes and revisions are untouched by any of it. The last successful line of a post is its
full text; the failures since then decide when its page is tried again (`page_due`).

Every post of a source is looked at, oldest teasers too, newest first; whether a post is a
teaser is judged once a revision and kept in cache/teasers-<ID>.json (`page_posts`), so
that a fetch does not read a big archive's records again to find the few worth a page.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from subsample.archive.files import append_lines, replace_own
from subsample.archive.index import Index
from subsample.archive.jsonl import encode, iter_lines, read_record
from subsample.errors import StorageError
from subsample.models import Post
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
            h.permanent = bool(attempt.get("permanent")) and not _ONCE_PERMANENT.match(h.last_error)
    return found


# Failures that earlier versions marked permanent and that are not: a 404 (often a page not
# yet published when its feed was), a page judged by the article extracted from it rather
# than by the whole page, a bad selector (mended since, perhaps). Each is tried again.
_ONCE_PERMANENT = re.compile(
    r"HTTP 404 from the server$|the page does not hold the post's text \(a link to another site\?\)$"
    r"|bad CSS selector"
)


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


def page_posts(
    paths: Paths, index: Index, sid: str, judge: Callable[[Post], bool] | None = None, rule: str = ""
) -> list[Post]:
    """The posts of source SID whose page may be worth reading, newest first: every post, as
    index.posts gives them, or with a JUDGE only those it calls teasers (its verdict on the
    record of a post's latest revision), each with "n", "revision", "link" and "teaser".

    The verdicts are kept in cache/teasers-SID.json with RULE (the judge's version), so a
    record is read and judged once a revision, not at every fetch; while the archive file
    is unchanged, the cache alone answers. On a source of 20,000 whole posts (in process,
    benchmarks/fulltext_scan.py for whole fetches): 8 ms for a fetch that brings nothing
    new, 90 ms for one that brings a post (index.posts' rows, most of it), 2-3 s for the
    first after the cache is lost (every record judged); reading the 100 newest records,
    as fetches did before they looked further, took 15 ms.
    """
    if judge is None:
        index.sync(sid)
        return index.posts(sid)
    cache = paths.cache_dir / f"teasers-{sid}.json"
    archive = _signature(paths.archive(sid))  # (before the index is read: never newer than it)
    known, teasers, verdicts = _load_verdicts(cache, rule)
    if archive is not None and known == archive:
        return teasers
    index.sync(sid)
    rows = index.posts(sid)
    fresh, whole = False, True
    with _RecordReader(paths.archive(sid)) as read:
        for row in rows:
            n, revision = row["n"], row["revision"]
            verdict = verdicts.get(n)
            if verdict is None or verdict[0] != revision:
                found = index.locate(n)
                record = read(found[1], found[2]) if found and found[0] == sid else None
                if record is None:  # (judged at a later fetch, once the index has caught up)
                    whole = False
                    continue
                verdict = verdicts[n] = (revision, judge(record))
                fresh = True
            row["teaser"] = verdict[1]
    if fresh or known != archive:
        kept = [
            [r["n"], *verdicts[r["n"]], r["link"] if verdicts[r["n"]][1] else None]
            for r in rows
            if r["n"] in verdicts
        ]
        data = {"rule": rule, "archive": archive if whole else None, "posts": kept}
        with contextlib.suppress(StorageError):  # (a cache: judged again next time)
            replace_own(cache, json.dumps(data, separators=(",", ":")).encode())
    return [r for r in rows if r.get("teaser")]


def _signature(path: Path) -> list[int] | None:
    """What changes when an archive file does (appended to, or replaced): inode, size, mtime."""
    try:
        st = path.stat()
    except OSError:
        return None
    return [st.st_ino, st.st_size, st.st_mtime_ns]


def _load_verdicts(cache: Path, rule: str) -> tuple[Any, list[Post], dict[int, tuple[int, bool]]]:
    """What cache/teasers-ID.json says: the archive's signature when it was written, the
    teasers (newest first) and every verdict by post number; nothing if it is missing,
    unreadable or of another rule (a cache: rebuilt by judging the posts again)."""
    try:
        data = json.loads(cache.read_bytes())
        if data.get("rule") != rule:
            return None, [], {}
        verdicts, teasers = {}, []
        for n, revision, teaser, link in data["posts"]:
            verdicts[n] = (revision, bool(teaser))
            if teaser:
                teasers.append({"n": n, "revision": revision, "link": link, "teaser": True})
        return data.get("archive"), teasers, verdicts
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None, [], {}


class _RecordReader:
    """Archive records at given offsets, from one open file (None for one that cannot be read)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.file: Any = None

    def __enter__(self) -> Callable[[int, int], Post | None]:
        return self.read

    def __exit__(self, *_: object) -> None:
        if self.file is not None:
            self.file.close()

    def read(self, offset: int, length: int) -> Post | None:
        try:
            if self.file is None:
                self.file = open(self.path, "rb")  # noqa: SIM115 - closed by __exit__
            self.file.seek(offset)
            record = json.loads(self.file.read(length))
        except (OSError, ValueError):
            return None
        return record if isinstance(record, dict) else None


def records_of(paths: Paths, index: Index, posts: Iterable[Post]) -> list[Post]:
    """The archive records of POSTS' latest revisions (a post whose line cannot be read now
    is left out: the index's next sync mends it)."""
    records = []
    for p in posts:
        found = index.locate(p["n"])
        if found:
            try:
                records.append(read_record(paths.archive(found[0]), found[1], found[2]))
            except StorageError:
                continue
    return records


SHOWN = ("html", "url", "final_url", "fetched", "status", "extractor")  # what outputs carry of a full text


def shown(line: dict[str, Any]) -> dict[str, Any]:
    """The fields of a full-text line that `read --json`, `list --json --content` and
    `export --format jsonl` carry: the article's HTML, and where and when it came from."""
    return {k: line.get(k) for k in SHOWN}


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

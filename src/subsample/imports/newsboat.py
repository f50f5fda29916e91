"""newsboat's cache.db (tables rss_feed and rss_item) and its urls file.

The columns are read by name (PRAGMA table_info), as newer versions add some; the database
is opened read-only, so a running newsboat is never disturbed.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from subsample.errors import UsageError
from subsample.imports import Imported, ImportedFeed, ImportedPost, columns, epoch_to_iso, read_only, text


def default_paths() -> tuple[Path, Path]:
    """Where newsboat keeps cache.db and urls: ~/.newsboat/ if it exists, else the XDG folders."""
    home = Path.home()
    if (home / ".newsboat").is_dir():
        return home / ".newsboat" / "cache.db", home / ".newsboat" / "urls"
    data = Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share")
    config = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config")
    return data / "newsboat" / "cache.db", config / "newsboat" / "urls"


def read_urls(path: Path) -> list[str]:
    """The feed URLs of a urls file: one per line, before any tags; comments and
    newsboat's "query:", "exec:" and "filter:" feeds left out."""
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as e:
        raise UsageError(f"cannot read {path}: {e.strerror}") from e
    found = []
    for line in lines:
        words = line.strip().split()
        if words and words[0].lower().startswith(("http://", "https://")):
            found.append(words[0])
    return found


def read(cache_db: Path, urls_file: Path | None = None) -> Imported:
    """Every feed and post of a newsboat cache (and the feeds of its urls file).

    Raises:
        UsageError: CACHE_DB is missing or not a newsboat cache.
    """
    if not cache_db.is_file():
        raise UsageError(f"no newsboat cache at {cache_db}; name it: subsample import newsboat PATH")
    imported = Imported(source=f"newsboat {cache_db}")
    try:
        with read_only(cache_db) as db:
            feeds = _feeds(db)
            posts = _posts(db, imported.problems)
    except sqlite3.DatabaseError as e:
        raise UsageError(f"{cache_db} is not a newsboat cache ({e})") from e
    for url in read_urls(urls_file) if urls_file is not None and urls_file.exists() else []:
        feeds.setdefault(url, ImportedFeed(url, None))
    for feed_url, post in posts:
        feeds.setdefault(feed_url, ImportedFeed(feed_url, None)).posts.append(post)
    imported.feeds = list(feeds.values())
    return imported


def _feeds(db: sqlite3.Connection) -> dict[str, ImportedFeed]:
    present = columns(db, "rss_feed")
    if not {"rssurl", "title"} <= present:
        raise sqlite3.DatabaseError("it has no rss_feed table")
    return {
        url: ImportedFeed(url, text(title))
        for url, title in db.execute("SELECT rssurl, title FROM rss_feed")
        if isinstance(url, str)
    }


_WANTED = (
    "guid",
    "title",
    "author",
    "url",
    "feedurl",
    "pubDate",
    "content",
    "enclosure_url",
    "enclosure_type",
)


def _posts(db: sqlite3.Connection, problems: list[str]) -> list[tuple[str, ImportedPost]]:
    have = columns(db, "rss_item")
    if not {"guid", "feedurl"} <= have:
        raise sqlite3.DatabaseError("it has no rss_item table")
    present = [c for c in _WANTED if c in have]
    found = []
    for row in db.execute(f"SELECT {', '.join(present)} FROM rss_item ORDER BY id"):
        item = dict(zip(present, row, strict=True))
        feed_url = item.get("feedurl")
        if not isinstance(feed_url, str) or not feed_url:
            problems.append(f"newsboat item {item.get('guid')!r} has no feed; skipped")
            continue
        enclosures = []
        if text(item.get("enclosure_url")):
            enclosures.append(
                {"url": item["enclosure_url"], "type": text(item.get("enclosure_type")), "length": None}
            )
        found.append(
            (
                feed_url,
                ImportedPost(
                    id=text(item.get("guid")),
                    title=text(item.get("title")),
                    link=text(item.get("url")),
                    author=text(item.get("author")),
                    published=epoch_to_iso(item.get("pubDate")),
                    content=text(item.get("content")),
                    enclosures=enclosures,
                ),
            )
        )
    return found

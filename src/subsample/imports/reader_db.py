"""A lemon24/reader database: tables feeds and entries (content and enclosures as JSON)."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from subsample.errors import UsageError
from subsample.imports import Imported, ImportedFeed, ImportedPost, columns, read_only, text
from subsample.times import iso_utc


def read(path: Path) -> Imported:
    """Every feed and entry of a reader database, opened read-only.

    Raises:
        UsageError: PATH is missing or not a reader database.
    """
    if not path.is_file():
        raise UsageError(f"no reader database at {path}")
    imported = Imported(source=f"reader {path}")
    try:
        with read_only(path) as db:
            present = columns(db, "entries")
            if not {"id", "feed", "title", "link"} <= present:
                raise UsageError(f"{path} is not a reader database (no entries table)")
            feeds = {
                url: ImportedFeed(url, text(user_title) or text(title))
                for url, title, user_title in db.execute("SELECT url, title, user_title FROM feeds")
            }
            wanted = [c for c in ("id", "feed", "title", "link", "author", "published", "updated",
                                  "summary", "content", "enclosures") if c in present]  # fmt: skip
            for row in db.execute(f"SELECT {', '.join(wanted)} FROM entries ORDER BY feed, feed_order DESC"):
                entry = dict(zip(wanted, row, strict=True))
                feed = feeds.setdefault(entry["feed"], ImportedFeed(entry["feed"], None))
                try:
                    feed.posts.append(_post(entry))
                except (ValueError, TypeError, KeyError) as e:
                    imported.problems.append(f"reader entry {entry.get('id')!r}: {e}; skipped")
    except sqlite3.DatabaseError as e:
        raise UsageError(f"{path} is not a reader database ({e})") from e
    imported.feeds = list(feeds.values())
    return imported


def _post(entry: dict[str, Any]) -> ImportedPost:
    content = None
    for part in _json_list(entry.get("content")):
        if (
            isinstance(part, dict)
            and text(part.get("value"))
            and (content is None or "html" in str(part.get("type")))
        ):
            content = part["value"]
    enclosures = [
        {"url": e["href"], "type": text(e.get("type")), "length": e.get("length")}
        for e in _json_list(entry.get("enclosures"))
        if isinstance(e, dict) and text(e.get("href"))
    ]
    return ImportedPost(
        id=text(entry.get("id")),
        title=text(entry.get("title")),
        link=text(entry.get("link")),
        author=_author(entry.get("author")),
        published=_timestamp(entry.get("published")),
        updated=_timestamp(entry.get("updated")),
        summary=text(entry.get("summary")),
        content=content,
        enclosures=enclosures,
    )


def _json_list(value: Any) -> list[Any]:
    if not isinstance(value, str) or not value:
        return []
    parsed = json.loads(value)
    return parsed if isinstance(parsed, list) else []


def _author(value: Any) -> str | None:
    """reader keeps the author as text, or (3.x) as a JSON list of {"name", "email", "href"}."""
    if not isinstance(value, str) or not value.startswith("["):
        return text(value)
    try:
        names = [a.get("name") for a in json.loads(value) if isinstance(a, dict)]
    except ValueError:
        return text(value)
    return ", ".join(n for n in names if isinstance(n, str) and n) or None


def _timestamp(value: Any) -> str | None:
    """reader's 'YYYY-MM-DD HH:MM:SS[.ffffff]' (UTC) as the archive's timestamp."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return iso_utc(datetime.fromisoformat(value).replace(tzinfo=UTC))
    except (ValueError, OverflowError):
        return None

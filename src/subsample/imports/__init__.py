"""Moving in from other readers: their subscriptions and the posts they already hold.

Each module reads one reader's files into ImportedFeed values (no archive concern, no
network); `core` turns those into sources and archived posts with the same identity a fetch
gives them, so a later fetch of the same feed recognises them. A file of the wrong kind is
a UsageError (nothing is imported); a row that cannot be read is a problem, reported and
skipped, and the rest comes in.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from subsample.times import iso_utc


@dataclass
class ImportedPost:
    """One post as another reader kept it, in the archive's vocabulary."""

    id: str | None
    title: str | None
    link: str | None
    author: str | None = None
    published: str | None = None  # ISO 8601 UTC, as the archive spells it
    updated: str | None = None
    summary: str | None = None
    content: str | None = None
    tags: list[str] = field(default_factory=list)
    enclosures: list[dict[str, Any]] = field(default_factory=list)  # url, type, length


@dataclass
class ImportedFeed:
    url: str
    title: str | None
    posts: list[ImportedPost] = field(default_factory=list)


@dataclass
class Imported:
    """What one reader's files hold: its feeds, and the rows that could not be read."""

    source: str  # "newsboat /home/me/.newsboat/cache.db", kept as each post's imported_from
    feeds: list[ImportedFeed] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def epoch_to_iso(value: Any) -> str | None:
    """Seconds since 1970 as the archive's timestamp; None for nothing, 0 or a number no date holds."""
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return None
    if not seconds:
        return None
    try:
        return iso_utc(datetime.fromtimestamp(seconds, UTC))
    except (OverflowError, OSError, ValueError):
        return None


def text(value: Any) -> str | None:
    """VALUE when it is a string with something in it, else None."""
    return value if isinstance(value, str) and value.strip() else None


@contextlib.contextmanager
def read_only(path: Path) -> Iterator[sqlite3.Connection]:
    """Another reader's SQLite database, opened read-only (a running reader is never
    disturbed) and closed after. Raises sqlite3.DatabaseError for a file that is not one."""
    db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        yield db
    finally:
        db.close()


def columns(db: sqlite3.Connection, table: str) -> set[str]:
    """TABLE's column names (readers add columns over versions: read by name)."""
    return {row[1] for row in db.execute(f"PRAGMA table_info({table})")}

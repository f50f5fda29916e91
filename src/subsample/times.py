"""Timestamps as stored (ISO 8601 UTC text) and as shown (relative to now)."""

from __future__ import annotations

from datetime import UTC, datetime


def iso_utc(dt: datetime) -> str:
    """2026-04-30T17:00:00Z: sorts as text, four-digit years even before 1000."""
    return dt.astimezone(UTC).replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def parse_iso(text: object) -> datetime | None:
    """A stored timestamp back as an aware datetime; None for anything unreadable."""
    if not isinstance(text, str):
        return None
    try:
        dt = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def now_utc() -> datetime:
    return datetime.now(UTC)

"""Timestamps as stored (ISO 8601 UTC text) and as shown (relative to now, as the seed
page writes them: "19 hours ago", "yesterday", "3 weeks ago", "2 hours from now")."""

from __future__ import annotations

import math
from datetime import UTC, datetime

UNKNOWN = "unknown"  # what a date we cannot read or place is shown as


def iso_utc(dt: datetime) -> str:
    """2026-04-30T17:00:00Z: sorts as text, four-digit years even before 1000."""
    return dt.astimezone(UTC).replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def parse_iso(text: object) -> datetime | None:
    """A stored timestamp back as an aware UTC datetime; None for anything unreadable,
    including a time whose offset puts it outside the years datetime holds (0001-01-01
    at +05:00 is in year 0 in UTC)."""
    if not isinstance(text, str):
        return None
    try:
        dt = datetime.fromisoformat(text.strip())
        return dt.astimezone(UTC) if dt.tzinfo else dt.replace(tzinfo=UTC)
    except (ValueError, OverflowError):
        return None


def now_utc() -> datetime:
    return datetime.now(UTC)


# How far apart two times are, in words: (below this, unit in seconds, unit name), first
# match wins. Counts are whole units, rounded down: 13 days is "1 week", 21 days "3 weeks".
_MINUTE, _HOUR, _DAY = 60, 3600, 86400
_STEPS: list[tuple[float, int, str]] = [
    (_MINUTE, 1, ""),  # "just now"
    (_HOUR, _MINUTE, "minute"),
    (_DAY, _HOUR, "hour"),
    (2 * _DAY, _DAY, ""),  # "yesterday" / "tomorrow"
    (7 * _DAY, _DAY, "day"),
    (30 * _DAY, 7 * _DAY, "week"),
    (365 * _DAY, 30 * _DAY, "month"),
    (float("inf"), 365 * _DAY, "year"),
]


def relative_delta(seconds: float) -> str:
    """SECONDS since a time (negative: until it) in words: '3 days ago', '2 hours from now'."""
    if not math.isfinite(seconds):
        return UNKNOWN
    ago = seconds >= 0
    span = abs(seconds)
    unit, name = next((unit, name) for below, unit, name in _STEPS if span < below)
    if unit == 1:
        return "just now"
    if unit == _DAY and not name:
        return "yesterday" if ago else "tomorrow"
    count = int(span // unit)
    if name == "month":
        count = min(count, 11)  # 360-364 days: 12 months of 30 days, but not yet a year
    return f"{count:,} {name}{'s' * (count != 1)} {'ago' if ago else 'from now'}"


def relative(when: object, now: datetime) -> str:
    """WHEN relative to NOW; '' for no date, 'unknown' for one that cannot be read or placed."""
    if when is None or when == "":
        return ""
    dt = when if isinstance(when, datetime) else parse_iso(when)
    if dt is None:
        return UNKNOWN
    try:
        return relative_delta((now - dt).total_seconds())
    except (OverflowError, ValueError):
        return UNKNOWN


def absolute(when: object) -> str:
    """'2026-05-01 10:00 UTC' (four-digit years, whatever the platform's strftime does);
    '' for no date, 'unknown' for one that cannot be read."""
    if when is None or when == "":
        return ""
    dt = when if isinstance(when, datetime) else parse_iso(when)
    if dt is None:
        return UNKNOWN
    try:
        dt = dt.astimezone(UTC)
    except (OverflowError, ValueError):
        return UNKNOWN
    return f"{dt.year:04d}-{dt.month:02d}-{dt.day:02d} {dt.hour:02d}:{dt.minute:02d} UTC"

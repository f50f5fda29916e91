"""When a source is fetched: pure decisions, no disk or network.

The pipeline asks is_due before a fetch and next_update after one, and stores what the
answer says (the time, and the human reason `history` shows).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

MAX_BACKOFF = 7 * 86400  # seconds: a failing source is still tried once a week


@dataclass(frozen=True)
class NextUpdate:
    """When a source is next due, and why then."""

    at: datetime
    reason: str  # "interval", "back-off after 3 failures", "Retry-After"


def is_due(next_update: datetime | None, now: datetime) -> bool:
    """Whether a source whose next update is NEXT_UPDATE (None: never fetched) is due at NOW."""
    return next_update is None or next_update <= now


def next_update(interval: int, failures: int, now: datetime, retry_after: float | None = None) -> NextUpdate:
    """The next update after a fetch at NOW that left FAILURES failures in a row (0: it worked).

    After a success, INTERVAL seconds. After a failure the wait doubles with each failure in a
    row, up to a week (or the interval, if that is longer); a server's Retry-After (seconds)
    wins when it asks for longer.
    """
    if failures <= 0:
        return NextUpdate(now + timedelta(seconds=interval), "interval")
    wait = min(interval * 2 ** min(failures - 1, 20), max(MAX_BACKOFF, interval))
    reason = f"back-off after {failures} failure{'s' * (failures > 1)}"
    if retry_after and retry_after > wait:
        wait, reason = retry_after, "Retry-After"
    return NextUpdate(now + timedelta(seconds=wait), reason)

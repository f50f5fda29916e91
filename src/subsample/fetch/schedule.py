"""When a source is fetched: pure decisions, no disk or network.

The pipeline asks is_due before a fetch and next_update after one, and stores what the
answer says (the time, and the human reason `history` shows).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

MAX_BACKOFF = 7 * 86400  # seconds: a failing source is still tried once a week
DEAD_AFTER = timedelta(days=30)  # failing every fetch this long: the source is Dead (issue 15)
DEAD_MIN_WAIT = 86400  # seconds: a Dead source is tried at most once a day


@dataclass(frozen=True)
class NextUpdate:
    """When a source is next due, and why then."""

    at: datetime
    reason: str  # "interval", "back-off after 3 failures", "Retry-After"


def is_due(next_update: datetime | None, now: datetime) -> bool:
    """Whether a source whose next update is NEXT_UPDATE (None: never fetched) is due at NOW."""
    return next_update is None or next_update <= now


def status(enabled: bool, failures: int, failing_since: datetime | None, now: datetime) -> str:
    """What the Status column says of a source: Disabled, Enabled, Failing, or Dead once
    every fetch has failed for DEAD_AFTER (a Dead source is still fetched, less often)."""
    if not enabled:
        return "Disabled"
    if failures <= 0:
        return "Enabled"
    return "Dead" if is_dead(failing_since, now) else "Failing"


def is_dead(failing_since: datetime | None, now: datetime) -> bool:
    """Whether a source failing since FAILING_SINCE (None: not failing) is Dead at NOW."""
    return failing_since is not None and now - failing_since >= DEAD_AFTER


def is_quiet(last_new_post: datetime | None, failing_since: datetime | None, cutoff: datetime) -> bool:
    """Whether a source is stale: no new post since CUTOFF (its last one known), or failing
    since before CUTOFF."""
    return (last_new_post is not None and last_new_post <= cutoff) or (
        failing_since is not None and failing_since <= cutoff
    )


def next_update(
    interval: int,
    failures: int,
    now: datetime,
    retry_after: float | None = None,
    failing_since: datetime | None = None,
) -> NextUpdate:
    """The next update after a fetch at NOW that left FAILURES failures in a row (0: it worked).

    After a success, INTERVAL seconds. After a failure the wait doubles with each failure in a
    row, up to a week (or the interval, if that is longer); a Dead source (failing since
    FAILING_SINCE for 30 days) waits at least a day; a server's Retry-After (seconds) wins
    when it asks for longer.
    """
    if failures <= 0:
        return NextUpdate(now + timedelta(seconds=interval), "interval")
    wait = min(interval * 2 ** min(failures - 1, 20), max(MAX_BACKOFF, interval))
    reason = f"back-off after {failures} failure{'s' * (failures > 1)}"
    if is_dead(failing_since, now):
        # A `fetch --force` or a short interval must not make a dead feed's host a daily chore
        # many times over: at least a day between tries, as the issue asks.
        wait = max(wait, DEAD_MIN_WAIT)
        reason = f"dead: {reason}"
    if retry_after and retry_after > wait:
        wait, reason = retry_after, "Retry-After"
    return NextUpdate(now + timedelta(seconds=wait), reason)

"""When a source is due again, and why: fetch/schedule.py alone, no disk or network."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from subsample.fetch.schedule import MAX_BACKOFF, is_due, next_update

NOW = datetime(2026, 5, 1, 12, tzinfo=UTC)
HOUR = 3600


def test_a_source_never_fetched_is_due_and_one_fetched_is_due_when_its_time_comes():
    assert is_due(None, NOW)
    assert is_due(NOW, NOW)
    assert is_due(NOW - timedelta(seconds=1), NOW)
    assert not is_due(NOW + timedelta(seconds=1), NOW)


def test_after_a_success_the_interval():
    n = next_update(6 * HOUR, 0, NOW)
    assert (n.at, n.reason) == (NOW + timedelta(hours=6), "interval")


def test_failures_back_off_exponentially_and_say_so():
    waits = [next_update(HOUR, f, NOW) for f in (1, 2, 3, 4)]
    assert [w.at - NOW for w in waits] == [timedelta(hours=h) for h in (1, 2, 4, 8)]
    assert [w.reason for w in waits] == [
        "back-off after 1 failure",
        "back-off after 2 failures",
        "back-off after 3 failures",
        "back-off after 4 failures",
    ]


def test_the_back_off_stops_at_a_week_unless_the_interval_is_longer():
    assert next_update(HOUR, 30, NOW).at == NOW + timedelta(seconds=MAX_BACKOFF)
    assert next_update(HOUR, 10_000, NOW).at == NOW + timedelta(days=7)  # no overflow
    month = 30 * 86400
    assert next_update(month, 5, NOW).at == NOW + timedelta(seconds=month)


def test_retry_after_wins_only_when_it_asks_for_longer():
    later = next_update(HOUR, 1, NOW, retry_after=86400)
    assert (later.at, later.reason) == (NOW + timedelta(days=1), "Retry-After")
    sooner = next_update(HOUR, 3, NOW, retry_after=60)
    assert (sooner.at, sooner.reason) == (NOW + timedelta(hours=4), "back-off after 3 failures")
    assert next_update(HOUR, 0, NOW, retry_after=86400).reason == "interval"  # a success

"""Fetch state files: read as today's and older versions wrote them, written back whole."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from subsample.archive.state import SourceState, load_state, save_state
from subsample.paths import Paths


def test_a_state_file_of_the_old_shape_reads_with_its_last_update_as_the_last_attempt(home):
    paths = Paths(home / "sources.toml", home)
    old = {
        "etag": '"v1"',
        "last_modified": "Mon, 02 Nov 2026 09:00:00 GMT",
        "last_update": "2026-05-01T12:00:00Z",
        "next_update": "2026-05-01T18:00:00Z",
        "failures": 2,
        "failing_since": "2026-04-30T12:00:00Z",
        "last_error": "HTTP 500 from the server",
        "last_success": "2026-04-29T12:00:00Z",
        "schedule": "back-off after 2 failures",
        "title": "A blog",
        "link": "https://example.org/",
        "format": "rss20",
        "in_feed": ["a", "b"],
        "moved_from": "https://old.example/feed",
        "moved_to": "https://example.org/feed",
    }
    paths.state_dir.mkdir(parents=True)
    (paths.state_dir / "blog.json").write_text(json.dumps(old))
    s = load_state(paths, "blog")
    assert s.last_attempt == datetime(2026, 5, 1, 12, tzinfo=UTC)
    assert s.last_success == datetime(2026, 4, 29, 12, tzinfo=UTC)
    assert (s.etag, s.failures, s.schedule, s.in_feed, s.moved_to) == (
        '"v1"',
        2,
        "back-off after 2 failures",
        ["a", "b"],
        "https://example.org/feed",
    )
    save_state(paths, "blog", s)
    assert load_state(paths, "blog") == s


def test_a_missing_or_damaged_state_is_an_empty_one(home):
    paths = Paths(home / "sources.toml", home)
    assert load_state(paths, "nosuch") == SourceState()
    paths.state_dir.mkdir(parents=True)
    (paths.state_dir / "bad.json").write_text('{"failures": "many", "next_update": 5, "in_feed": "x"')
    assert load_state(paths, "bad") == SourceState()
    (paths.state_dir / "odd.json").write_text('{"failures": "many", "next_update": 5, "in_feed": "x"}')
    assert load_state(paths, "odd") == SourceState()


def test_a_state_file_from_before_last_success_counts_a_clean_last_update_as_one(home):
    paths = Paths(home / "sources.toml", home)
    paths.state_dir.mkdir(parents=True)
    (paths.state_dir / "ok.json").write_text('{"last_update": "2026-05-01T12:00:00Z", "failures": 0}')
    (paths.state_dir / "bad.json").write_text('{"last_update": "2026-05-01T12:00:00Z", "failures": 1}')
    assert load_state(paths, "ok").last_success == datetime(2026, 5, 1, 12, tzinfo=UTC)
    assert load_state(paths, "bad").last_success is None


def test_the_posts_a_backfill_found_read_back_whatever_the_file_holds(home):
    from subsample.archive.state import add_found_on_older_pages, found_on_older_pages

    paths = Paths(home / "sources.toml", home)
    assert 1 not in found_on_older_pages(paths, "s")  # never backfilled
    add_found_on_older_pages(paths, "s", 2, [14, 11, 12, 13, 20])
    add_found_on_older_pages(paths, "s", 3, [15, 16])
    path = home / "state" / "backfill" / "s.found.jsonl"
    assert path.read_text().splitlines()[0] == '{"page":2,"numbers":[[11,14],[20,20]]}'
    with path.open("a") as f:  # a hand-edited line, a wrong value, and a line a crash tore
        f.write('{"numbers": [[30, "x"], [true, 2], 5]}\nnot json\n{"page": 4, "numbers": [[40, 4')
    found = found_on_older_pages(paths, "s")
    assert [n for n in range(1, 50) if n in found] == [11, 12, 13, 14, 15, 16, 20]
    assert "11" not in found and None not in found

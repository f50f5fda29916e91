"""Fetch state (state/ID.json), fetch history (history/ID.jsonl) and the post-number counter."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from subsample.archive.files import append_lines, replace_own
from subsample.archive.jsonl import encode, iter_lines
from subsample.paths import Paths


def load_state(paths: Paths, source_id: str) -> dict[str, Any]:
    """The fetch state of a source (ETag, next update, failures...); {} if none yet."""
    try:
        data = json.loads((paths.state_dir / f"{source_id}.json").read_bytes())
    except (OSError, ValueError):
        return {}  # state is a convenience; losing it costs one unconditional fetch
    return data if isinstance(data, dict) else {}


def save_state(paths: Paths, source_id: str, state: dict[str, Any]) -> None:
    # One line, not indented: json's C encoder only does that, and a fetch saves hundreds.
    replace_own(paths.state_dir / f"{source_id}.json", json.dumps(state).encode())


def append_history(paths: Paths, source_id: str, record: dict[str, Any]) -> None:
    append_lines(paths.history_dir / f"{source_id}.jsonl", [encode(record)], durable=False)


def read_history(paths: Paths, source_id: str) -> list[dict[str, Any]]:
    return [r for _, _, r in iter_lines(paths.history_dir / f"{source_id}.jsonl")]


def _counter_path(paths: Paths) -> Path:
    # Source ids cannot start with '_', so this never collides with a source's state.
    return paths.state_dir / "_numbers.json"


def numbers_used(paths: Paths) -> int:
    """The highest post number ever handed out, even to a post whose archive was deleted."""
    try:
        return int(json.loads(_counter_path(paths).read_bytes())["last"])
    except (OSError, ValueError, KeyError, TypeError):
        return 0


def save_numbers_used(paths: Paths, last: int) -> None:
    # Not fsynced: after a power cut the index (from the fsynced archives) still knows
    # every number handed out; the counter only remembers numbers of deleted archives.
    replace_own(_counter_path(paths), json.dumps({"last": last}).encode())

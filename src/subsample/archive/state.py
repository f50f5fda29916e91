"""Fetch state (state/ID.json), fetch history (history/ID.jsonl), the post-number counter,
backfill progress (state/backfill/ID.json) and the posts a backfill found on older pages
(state/backfill/ID.found.jsonl)."""

from __future__ import annotations

import bisect
import json
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from pathlib import Path
from typing import Any

from subsample.archive.files import append_lines, replace_own
from subsample.archive.jsonl import encode, iter_lines
from subsample.paths import Paths
from subsample.times import iso_utc, parse_iso

_TIMES = ("last_attempt", "last_success", "next_update", "failing_since", "last_new_post")


@dataclass
class SourceState:
    """What the fetches of one source so far have learnt: validators, schedule, failures."""

    etag: str | None = None
    last_modified: str | None = None
    last_attempt: datetime | None = None  # the last fetch, whatever came of it
    last_success: datetime | None = None  # None: never once fetched without an error
    next_update: datetime | None = None
    failures: int = 0  # in a row
    failing_since: datetime | None = None
    last_error: str | None = None
    schedule: str | None = None  # why next_update is when it is ("interval", "Retry-After"...)
    title: str | None = None  # the feed's own
    link: str | None = None
    format: str | None = None
    in_feed: list[str] | None = None  # the keys of the posts the feed held last time
    moved_from: str | None = None  # a permanent redirect: followed while the URL is moved_from
    moved_to: str | None = None
    # The last fetch that archived a new post (None: none since this was recorded, issue 15).
    last_new_post: datetime | None = None
    announced_url: str | None = None  # a new address the feed itself gives (self link, itunes)
    # "2": its XML is read from the first "<" (parse_feed's trim_lead; issue 22). None: a
    # source archived before, read as it was then so that its posts stay as archived.
    parse_rules: str | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SourceState:
        """A state from its file's object; unknown keys and values of the wrong type are dropped."""
        state = cls()
        for f in fields(cls):
            value = data.get(f.name)
            if f.name in _TIMES:
                value = parse_iso(value) if isinstance(value, str) else None
            elif f.name == "failures":
                value = value if isinstance(value, int) and not isinstance(value, bool) else 0
            elif f.name == "in_feed":
                value = [k for k in value if isinstance(k, str)] if isinstance(value, list) else None
            elif not isinstance(value, str):
                value = None
            setattr(state, f.name, value)
        # Files from before last_attempt said "last_update" for the last fetch, failed or not.
        if state.last_attempt is None and isinstance(data.get("last_update"), str):
            state.last_attempt = parse_iso(data["last_update"])
            # Older still, without last_success: an attempt that left no failure succeeded.
            if "last_success" not in data and not state.failures:
                state.last_success = state.last_attempt
        return state

    def as_json(self) -> dict[str, Any]:
        """The state as its file holds it (times as ISO 8601 UTC strings)."""
        # (Not dataclasses.asdict: it deep-copies every field, in_feed's list of keys
        # included; that was 0.3 s of a warm fetch of 500 sources, whose states it saves.)
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        for name in _TIMES:
            data[name] = iso_utc(data[name]) if data[name] is not None else None
        return data


def load_state(paths: Paths, source_id: str) -> SourceState:
    """The fetch state of a source; an empty one if none yet (or unreadable). A later check
    that found the feed unchanged (state/_checks.json) brings its times."""
    try:
        data = json.loads((paths.state_dir / f"{source_id}.json").read_bytes())
    except (OSError, ValueError):
        return SourceState()  # state is a convenience; losing it costs one unconditional fetch
    state = SourceState.from_json(data) if isinstance(data, dict) else SourceState()
    check = load_checks(paths).get(source_id)
    if isinstance(check, list) and len(check) == 3:
        at = parse_iso(check[0]) if isinstance(check[0], str) else None
        if at is not None and (state.last_attempt is None or at > state.last_attempt):
            state.last_attempt = state.last_success = at
            state.next_update = parse_iso(check[1]) if isinstance(check[1], str) else None
            state.schedule = check[2] if isinstance(check[2], str) else state.schedule
    return state


# -- checks: the fetches that changed nothing but the times ------------------------------
#
# A warm fetch finds most feeds unchanged (304): their states would differ only in when they
# were fetched and when they are due. Those times go into one file a batch, not into 500
# state files (the writes of 500 states were a fifth of a warm fetch of 500 sources).
# Source ids cannot start with "_", so the name never collides with a source's state.

_checks: dict[Path, tuple[tuple[int, int], dict[str, Any]]] = {}


def _checks_path(paths: Paths) -> Path:
    return paths.state_dir / "_checks.json"


def load_checks(paths: Paths) -> dict[str, Any]:
    """{source id: [last_attempt, next_update, schedule]} of the checks recorded; read once
    while the file is unchanged."""
    path = _checks_path(paths)
    try:
        st = path.stat()
    except OSError:
        return {}
    key = (st.st_mtime_ns, st.st_size)
    cached = _checks.get(path)
    if cached is not None and cached[0] == key:
        return cached[1]
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        data = {}
    data = data if isinstance(data, dict) else {}
    _checks[path] = (key, data)
    return data


def only_checked(before: SourceState, after: SourceState) -> bool:
    """Whether AFTER differs from BEFORE (a state saved before) only in a successful fetch's
    times: a check, kept by record_checks rather than by rewriting the state."""
    if before.last_attempt is None or after.failures or after.last_success != after.last_attempt:
        return False
    a, b = before.as_json(), after.as_json()
    for key in ("last_attempt", "last_success", "next_update", "schedule"):
        a.pop(key)
        b.pop(key)
    return a == b


def record_checks(paths: Paths, checked: dict[str, SourceState]) -> None:
    """Keep the times of CHECKED's sources (under the write lock, as states are saved).

    Raises:
        StorageError: the folder is not writable or the disk is full.
    """
    if not checked:
        return
    data = dict(load_checks(paths))
    for sid, st in checked.items():
        data[sid] = [
            iso_utc(st.last_attempt) if st.last_attempt else None,
            iso_utc(st.next_update) if st.next_update else None,
            st.schedule,
        ]
    replace_own(_checks_path(paths), json.dumps(data).encode())


def save_state(paths: Paths, source_id: str, state: SourceState) -> None:
    """Replace a source's state file.

    Raises:
        StorageError: the folder is not writable or the disk is full.
    """
    # One line, not indented: json's C encoder only does that, and a fetch saves hundreds.
    replace_own(paths.state_dir / f"{source_id}.json", json.dumps(state.as_json()).encode())


def append_history(paths: Paths, source_id: str, record: dict[str, Any]) -> None:
    """Add one fetch's record to the source's history (not fsynced: it is a log).

    Raises:
        StorageError: the write failed.
    """
    append_lines(paths.history_dir / f"{source_id}.jsonl", [encode(record)], durable=False)


def read_history(paths: Paths, source_id: str) -> list[dict[str, Any]]:
    """A source's fetch records, oldest first.

    Raises:
        StorageError: the history file cannot be read.
    """
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
    """Remember LAST as the highest post number handed out.

    Raises:
        StorageError: the folder is not writable or the disk is full.
    """
    # Not fsynced: after a power cut the index (from the fsynced archives) still knows
    # every number handed out; the counter only remembers numbers of deleted archives.
    replace_own(_counter_path(paths), json.dumps({"last": last}).encode())


# -- backfill progress (state/backfill/ID.json) ---------------------------------------


@dataclass
class Progress:
    """How far the last walk of a source got, and what complete feeds said was deleted."""

    next_url: str | None = None  # the page to read next; None: nothing to resume
    mechanism: str | None = None
    number: int = 0  # next_url's number in the walk
    finished: str | None = None  # when a walk last reached its end (ISO 8601)
    deleted: list[str] = field(default_factory=list)  # keys a complete feed no longer holds
    # The site's ways past the feed (fetch/ways): where each goes on (its own JSON cursor),
    # and when each last reached its end (a finished way is not walked again without
    # --restart). Files written before the ways have neither, and read as no way begun.
    ways: dict[str, dict[str, Any]] = field(default_factory=dict)
    ways_finished: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: Any) -> Progress:
        """A Progress from its file's object; anything of the wrong type is dropped."""
        if not isinstance(data, dict):
            return cls()
        p = cls()
        for name in ("next_url", "mechanism", "finished"):
            if isinstance(data.get(name), str):
                setattr(p, name, data[name])
        if isinstance(data.get("number"), int) and not isinstance(data["number"], bool):
            p.number = data["number"]
        if isinstance(data.get("deleted"), list):
            p.deleted = [k for k in data["deleted"] if isinstance(k, str)]
        if isinstance(data.get("ways"), dict):
            p.ways = {k: v for k, v in data["ways"].items() if isinstance(k, str) and isinstance(v, dict)}
        if isinstance(data.get("ways_finished"), dict):
            p.ways_finished = {
                k: v for k, v in data["ways_finished"].items() if isinstance(k, str) and isinstance(v, str)
            }
        return p


def _progress_path(paths: Paths, sid: str) -> Path:
    # A folder of its own: "x.backfill.json" beside the states could be source x.backfill's.
    return paths.state_dir / "backfill" / f"{sid}.json"


def load_progress(paths: Paths, sid: str) -> Progress:
    """The backfill progress of source SID; an empty one if none yet (or unreadable)."""
    try:
        return Progress.from_json(json.loads(_progress_path(paths, sid).read_bytes()))
    except (OSError, ValueError):
        return Progress()


def save_progress(paths: Paths, sid: str, progress: Progress) -> None:
    """Replace source SID's backfill progress.

    Raises:
        StorageError: the folder is not writable or the disk is full.
    """
    replace_own(_progress_path(paths, sid), json.dumps(asdict(progress)).encode())


def _found_path(paths: Paths, sid: str) -> Path:
    # Source ids hold no dot: "ID.found.jsonl" is no other source's progress.
    return paths.state_dir / "backfill" / f"{sid}.found.jsonl"


def add_found_on_older_pages(paths: Paths, sid: str, page: int, numbers: list[int]) -> None:
    """Remember the posts NUMBERS as archived by a backfill from page PAGE, an older page
    than the feed's own: they were never in the feed, so `list` does not say they left it.

    Raises:
        StorageError: the write failed.
    """
    if numbers:
        # A line a page, each post numbers in runs (a page's new posts are numbered in a
        # row): a walk of 100,000 posts reads back in a few ms, not the 60 ms of its keys.
        append_lines(_found_path(paths, sid), [encode({"page": page, "numbers": _runs(numbers)})])


def add_found_outside_feed(paths: Paths, sid: str, way: str, numbers: list[int]) -> None:
    """Remember the posts NUMBERS as archived by a backfill's WAY past the feed (the site's
    REST API, its sitemaps...): never in the feed, so `list` does not say they left it.

    Raises:
        StorageError: the write failed.
    """
    if numbers:
        append_lines(_found_path(paths, sid), [encode({"way": way, "numbers": _runs(numbers)})])


def _runs(numbers: list[int]) -> list[list[int]]:
    """NUMBERS as [first, last] runs of consecutive numbers, in order."""
    runs: list[list[int]] = []
    for n in sorted(set(numbers)):
        if runs and n == runs[-1][1] + 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    return runs


class PostNumbers:
    """A set of post numbers held as sorted, disjoint runs: `n in numbers`."""

    def __init__(self, runs: list[tuple[int, int]]) -> None:
        merged: list[list[int]] = []
        for first, last in sorted(runs):
            if merged and first <= merged[-1][1] + 1:
                merged[-1][1] = max(merged[-1][1], last)
            else:
                merged.append([first, last])
        self._firsts = [r[0] for r in merged]
        self._lasts = [r[1] for r in merged]

    def __contains__(self, n: object) -> bool:
        if not isinstance(n, int):
            return False
        i = bisect.bisect_right(self._firsts, n) - 1
        return i >= 0 and n <= self._lasts[i]


def found_on_older_pages(paths: Paths, sid: str) -> PostNumbers:
    """The posts add_found_on_older_pages and add_found_outside_feed kept for source SID
    (none if it never backfilled).

    Raises:
        StorageError: the file exists but cannot be read.
    """
    runs: list[tuple[int, int]] = []
    for _, _, record in iter_lines(_found_path(paths, sid)):
        numbers = record.get("numbers")
        for run in numbers if isinstance(numbers, list) else []:
            if (
                isinstance(run, list)
                and len(run) == 2
                and all(isinstance(x, int) and not isinstance(x, bool) for x in run)
            ):
                runs.append((run[0], run[1]))
    return PostNumbers(runs)

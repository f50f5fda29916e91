"""Torn last lines, repaired: set aside, and their post's number kept for it.

A crash in the middle of an append (a power cut, a full disk outside our write) can leave
an archive's last line without its newline. Read as it is, that line is skipped, so its
post would vanish from `list`, `read` and `search` without a word, and come back under a
new number at the next fetch. So every command that reads the archives first looks at
their last bytes (one read of one byte a file: ~10 µs each), and a torn tail is moved, under
the write lock, to torn/ (nothing is thrown away), the archive cut back to its last whole
line, and the post number the torn line began with reserved for its key: the next fetch
that sees the post archives it under that number again.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from subsample.archive.files import append_lines, file_lock, replace_own
from subsample.errors import StorageError
from subsample.paths import Paths
from subsample.times import iso_utc, now_utc

# The fields every archive line begins with (pipeline._record): n, source, revision, ...
_NUMBER = re.compile(rb'^\{"n":(\d+),')
_REVISION = re.compile(rb',"revision":(\d+),')
_KEY = re.compile(rb',"key":("(?:[^"\\]|\\.)*")')


@dataclass(frozen=True)
class TornTail:
    """A torn last line that was set aside."""

    path: Path  # the archive (or full-text file) it ended
    size: int  # its bytes
    aside: Path  # where they are kept
    post: int | None  # the number of the post it began, if it said (and was its first revision)


def torn_files(paths: Paths, sources: Iterable[str] | None = None) -> list[Path]:
    """The archives and full-text files (of SOURCES only, if given) whose last byte is not a newline."""
    if sources is not None:
        return [p for sid in sources for p in (paths.archive(sid), paths.fulltext(sid)) if _torn(p)]
    found = []
    for folder in (paths.archive_dir, paths.fulltext_dir):
        with contextlib.suppress(OSError), os.scandir(folder) as entries:
            for e in entries:
                if e.name.endswith(".jsonl") and _torn(Path(e.path)):
                    found.append(Path(e.path))
    return found


def _torn(path: Path) -> bool:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        size = os.fstat(fd).st_size
        return size > 0 and os.pread(fd, 1, size - 1) != b"\n"
    except OSError:
        return False
    finally:
        os.close(fd)


def repair_torn_tails(
    paths: Paths, *, locked: bool = False, sources: Iterable[str] | None = None
) -> list[TornTail]:
    """Set aside every torn last line (of SOURCES' files only, if given; taking the write
    lock unless the caller holds it: LOCKED); what was set aside.

    Raises:
        StorageError: a file could not be read, set aside or cut back.
    """
    torn = torn_files(paths, sources)
    if not torn:
        return []
    with contextlib.nullcontext() if locked else file_lock(paths.write_lock):
        # Looked at again under the lock: a line another process was appending is whole now.
        repaired = [_set_aside(paths, path) for path in torn]
    return [r for r in repaired if r is not None]


def _set_aside(paths: Paths, path: Path) -> TornTail | None:
    try:
        with open(path, "rb+") as f:
            size = f.seek(0, os.SEEK_END)
            end = _last_line_end(f, size)
            if end == size:
                return None
            f.seek(end)
            tail = f.read(size - end)
            aside = (
                paths.torn_dir / f"{path.parent.name}-{path.stem}-{iso_utc(now_utc()).replace(':', '')}.part"
            )
            append_lines(aside, [tail + b"\n"])  # durable before the archive is cut
            f.truncate(end)
            f.flush()
            os.fsync(f.fileno())
    except OSError as e:
        raise StorageError(f"cannot repair the torn last line of {path}: {e.strerror or e}") from e
    post = _reserve(paths, path, tail) if path.parent == paths.archive_dir else None
    return TornTail(path, len(tail), aside, post)


def _last_line_end(f: BinaryIO, size: int) -> int:
    """The offset just past the last newline of the file F (0 if it has none)."""
    pos = size
    while pos > 0:
        step = min(65536, pos)
        pos -= step
        f.seek(pos)
        chunk = f.read(step)
        i = chunk.rfind(b"\n")
        if i >= 0:
            return pos + i + 1
    return 0


def _reserve(paths: Paths, path: Path, tail: bytes) -> int | None:
    """Reserve the number of the post TAIL began (its first revision) for its key."""
    from subsample.archive.state import numbers_used, save_numbers_used

    number, revision, key = _NUMBER.search(tail), _REVISION.search(tail), _KEY.search(tail)
    if not (number and key) or (revision and int(revision.group(1)) != 1):
        return None  # a later revision's post is still archived; the next fetch revises it again
    try:
        post_key = json.loads(key.group(1))
    except ValueError:
        return None
    n = int(number.group(1))
    sid = path.stem
    reserved = reserved_numbers(paths, sid)
    reserved[post_key] = n
    save_reserved(paths, sid, reserved)
    if numbers_used(paths) < n:  # (a crash can come before the counter is saved)
        save_numbers_used(paths, n)
    return n


def _reserved_path(paths: Paths, sid: str) -> Path:
    return paths.state_dir / "reserved" / f"{sid}.json"


def reserved_numbers(paths: Paths, sid: str) -> dict[str, int]:
    """Post numbers kept for the posts of source SID whose line was torn, by key."""
    try:
        data = json.loads(_reserved_path(paths, sid).read_bytes())
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in data.items() if isinstance(v, int)} if isinstance(data, dict) else {}


def save_reserved(paths: Paths, sid: str, reserved: dict[str, int]) -> None:
    """Raises: StorageError."""
    path = _reserved_path(paths, sid)
    if reserved:
        replace_own(path, json.dumps(reserved, ensure_ascii=False).encode())
        return
    try:
        path.unlink()
    except FileNotFoundError:
        pass
    except OSError as e:
        raise StorageError(f"cannot remove {path}: {e.strerror}") from e


def sources_with_reserved(paths: Paths) -> set[str]:
    """The sources that have numbers reserved (one directory listing, for a whole fetch)."""
    try:
        return {name[:-5] for name in os.listdir(paths.state_dir / "reserved") if name.endswith(".json")}
    except OSError:
        return set()

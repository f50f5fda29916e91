"""Crash-safe file primitives: atomic rewrites, whole-line appends, inter-process locks."""

from __future__ import annotations

import contextlib
import itertools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from subsample.errors import StorageError


def atomic_write(path: Path, data: bytes) -> None:
    """Replace PATH with DATA so that a crash leaves either the old or the new file whole,
    and wait for the disk. (State that can be rebuilt goes through replace_own instead.)

    Raises:
        StorageError: the folder is not writable or the disk is full.
    """
    with atomic_writer(path) as f:
        f.write(data)


def replace_own(path: Path, data: bytes) -> None:
    """Replace PATH, a small file only this program writes (a source's fetch state), with
    DATA so that a crash leaves the old or the new file whole. Not durable (losing it costs
    one unconditional fetch; an fsync costs more than the rest of a source's write), and in
    four system calls: a fetch rewrites hundreds of these, and mkstemp's random names and
    the chmod to keep a user's permissions (which atomic_write does for files people edit)
    doubled the cost.

    Raises:
        StorageError: the folder is not writable or the disk is full.
    """
    tmp = f"{path.parent}/.{path.name}.{os.getpid()}.{next(_serial)}.tmp"
    try:
        _ensure_folder(path.parent)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except OSError as e:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise StorageError(f"cannot write {path}: {e.strerror or e}") from e


_serial = itertools.count()
_made: set[Path] = set()


def _ensure_folder(folder: Path) -> None:
    # Once per folder and process: a fetch writes a thousand files into three folders.
    if folder not in _made:
        folder.mkdir(parents=True, exist_ok=True)
        _made.add(folder)


@contextlib.contextmanager
def atomic_writer(path: Path) -> Iterator[BinaryIO]:
    """A file to write PATH's new content into; it replaces PATH only if the block succeeds."""
    try:
        _ensure_folder(path.parent)
        import tempfile  # (here, not at the top: `list` and `read` never write a file)

        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as e:
        raise StorageError(f"cannot write {path}: {e.strerror or e}") from e
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, _mode_for(path))  # mkstemp makes 0600; keep what the file had
        os.replace(tmp, path)
    except OSError as e:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise StorageError(f"cannot write {path}: {e.strerror or e}") from e
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _mode_for(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def append_lines(path: Path, lines: list[bytes], *, durable: bool = True) -> int:
    """Append whole LINES (each ending in a newline) to PATH; return the offset of the first.

    A torn last line left by a crash is closed with a newline first, so it stays one bad
    line (skipped on read) instead of gluing itself to the next record. Nothing is ever cut.

    Raises:
        StorageError: the write failed; the file is truncated back to where it was.
    """
    try:
        _ensure_folder(path.parent)
        with open(path, "ab+") as f:
            end = f.seek(0, os.SEEK_END)
            if end:
                f.seek(end - 1)
                if f.read(1) != b"\n":
                    f.write(b"\n")
                    end += 1
            try:
                f.write(b"".join(lines))
                f.flush()
                if durable:
                    os.fsync(f.fileno())
            except OSError:
                # A partial append (disk full) is taken back so the file stays as it was.
                with contextlib.suppress(OSError):
                    f.truncate(end)
                raise
            return end
    except OSError as e:
        raise StorageError(f"cannot append to {path}: {e.strerror or e}") from e


def sync_appended(appended: list[tuple[Path, int]]) -> None:
    """Wait until the lines appended to each file (from the offset given) are on disk.

    The files are synced in parallel. If one cannot be, every file that failed is cut back
    to where its append began, so no half-synced tail survives, and StorageError is raised.
    """
    if not appended:
        return
    from concurrent.futures import ThreadPoolExecutor

    def sync(path: Path) -> OSError | None:
        try:
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as e:
            return e
        return None

    with ThreadPoolExecutor(min(8, len(appended))) as pool:
        errors = list(pool.map(sync, [path for path, _ in appended]))
    failed = [(path, start, e) for (path, start), e in zip(appended, errors, strict=True) if e is not None]
    for path, start, _ in failed:
        with contextlib.suppress(OSError):
            os.truncate(path, start)
    if failed:
        path, _, e = failed[0]
        raise StorageError(f"cannot append to {path}: {e.strerror or e}")


@contextlib.contextmanager
def file_lock(path: Path, timeout: float = 120) -> Iterator[None]:
    """Hold an exclusive inter-process lock on PATH (released if the process dies)."""
    import filelock

    path.parent.mkdir(parents=True, exist_ok=True)
    lock = filelock.FileLock(str(path), timeout=timeout)
    try:
        with lock:
            yield
    except filelock.Timeout as e:
        raise StorageError(
            f"another subsample process has held {path} for {timeout:.0f}s; try again later"
        ) from e

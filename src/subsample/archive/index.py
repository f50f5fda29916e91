"""The index: a rebuildable SQLite cache of every archive (post numbers, titles, offsets,
full-text words).

archive/<ID>.jsonl holds one post revision per line and is only ever appended to. The
index under cache/ is derived from those lines: it is caught up incrementally from the byte
offset it last read, rebuilt when a file shrank or was replaced, and can be deleted at any
time.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO

from subsample.archive.jsonl import iter_lines
from subsample.archive.merge import Known
from subsample.errors import StorageError
from subsample.models import Post
from subsample.paths import Paths

_SCHEMA_VERSION = 5
_SCHEMA = """
CREATE TABLE IF NOT EXISTS files(source TEXT PRIMARY KEY, ino INT, size INT, mtime INT, posts INT);
CREATE TABLE IF NOT EXISTS revisions(
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    source TEXT, n INT, revision INT, off INT, len INT, UNIQUE(source, off));
CREATE INDEX IF NOT EXISTS revisions_n ON revisions(n, revision);
CREATE TABLE IF NOT EXISTS posts(
    n INT PRIMARY KEY, source TEXT, key TEXT, revision INT, revisions INT,
    title TEXT, link TEXT, published TEXT, first_seen TEXT, sort TEXT, hash TEXT, off INT, len INT);
CREATE INDEX IF NOT EXISTS posts_source ON posts(source, sort);
CREATE INDEX IF NOT EXISTS posts_key ON posts(source, key);
CREATE INDEX IF NOT EXISTS posts_link ON posts(source, link);
CREATE VIRTUAL TABLE IF NOT EXISTS words USING fts5(
    title, body, content='', tokenize='unicode61 remove_diacritics 2');
CREATE TABLE IF NOT EXISTS words_done(id INT);
"""
# Full text read from posts' pages (archive/fulltext.py), caught up from fulltext/<ID>.jsonl
# by byte offset as the archives are: its successful lines, and their words. Created on
# every open (IF NOT EXISTS), so an index of this version without them is not rebuilt.
_FULLTEXT_SCHEMA = """
CREATE TABLE IF NOT EXISTS fulltext_files(source TEXT PRIMARY KEY, ino INT, size INT);
CREATE TABLE IF NOT EXISTS fulltext_lines(
    id INTEGER PRIMARY KEY AUTOINCREMENT, source TEXT, n INT, off INT, len INT,
    extractor TEXT, fetched TEXT, final_url TEXT, UNIQUE(source, off));
CREATE INDEX IF NOT EXISTS fulltext_lines_n ON fulltext_lines(n, id);
CREATE VIRTUAL TABLE IF NOT EXISTS fulltext_words USING fts5(
    body, content='', tokenize='unicode61 remove_diacritics 2');
CREATE TABLE IF NOT EXISTS fulltext_words_done(id INT);
"""
# `words` is a contentless full-text index keyed by revisions.id (AUTOINCREMENT, so an id
# is never reused after a rebuild). It is caught up only when someone searches, from the
# highest revision id it holds; rows of dropped revisions simply never join again.


class Index:
    """A rebuildable SQLite index of every archive: post numbers, titles, offsets.

    Used as a context manager, which closes it: `with Index(paths) as index: ...`
    """

    def __init__(self, paths: Paths) -> None:
        """Open (or create, or rebuild if corrupt) the index under PATHS.cache_dir.

        Raises:
            StorageError: the cache folder cannot be created.
        """
        self.paths = paths
        self.db_path = paths.cache_dir / "index.sqlite"
        try:
            self.db = self._open()
        except sqlite3.DatabaseError:
            # A corrupt cache is thrown away; the JSON lines rebuild it.
            self._discard()
            self.db = self._open()

    def _open(self) -> sqlite3.Connection:
        try:
            self.paths.cache_dir.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise StorageError(f"cannot create {self.paths.cache_dir}: {e.strerror}") from e
        db = sqlite3.connect(self.db_path, timeout=60, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version == 4:  # the same index less the post counts: counted once, not rebuilt
            db.execute("BEGIN IMMEDIATE")
            if db.execute("PRAGMA user_version").fetchone()[0] == 4:  # (not done meanwhile)
                db.execute("ALTER TABLE files ADD COLUMN posts INT")
                db.execute(
                    "UPDATE files SET posts = (SELECT count(*) FROM posts WHERE source = files.source)"
                )
                db.execute(f"PRAGMA user_version={_SCHEMA_VERSION}")
            db.execute("COMMIT")
            version = _SCHEMA_VERSION
        if version != _SCHEMA_VERSION:
            db.executescript(
                "DROP TABLE IF EXISTS files; DROP TABLE IF EXISTS revisions;"
                "DROP TABLE IF EXISTS posts; DROP TABLE IF EXISTS words;"
                "DROP TABLE IF EXISTS words_done;" + _SCHEMA
            )
            db.execute(f"PRAGMA user_version={_SCHEMA_VERSION}")
        db.executescript(_FULLTEXT_SCHEMA)
        return db

    def _discard(self) -> None:
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(OSError):
                os.unlink(str(self.db_path) + suffix)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Index:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # Catching up -----------------------------------------------------------------

    def _archive_files(self) -> dict[str, tuple[int, int, int] | None]:
        """Each archive's (inode, size, mtime), by source id; None where stat failed."""
        found: dict[str, tuple[int, int, int] | None] = {}
        try:
            with os.scandir(self.paths.archive_dir) as entries:
                for e in entries:
                    if e.name.endswith(".jsonl") and len(e.name) > 6:
                        try:
                            st = e.stat()
                            found[e.name[:-6]] = (st.st_ino, st.st_size, st.st_mtime_ns)
                        except OSError:
                            found[e.name[:-6]] = None
        except OSError:
            pass
        return found

    def changes(self) -> tuple[list[str], list[str]]:
        """The sources whose archive is not as the index last saw it (another process wrote
        to it, or a crash tore its last line: the only ones that can be torn since), and
        those whose archive is gone. One query and one directory scan."""
        files = self._archive_files()
        known = {r[0]: r[1:] for r in self.db.execute("SELECT source, ino, size, mtime FROM files")}
        changed = sorted(sid for sid, st in files.items() if st is None or known.get(sid) != st)
        return changed, sorted(set(known) - set(files))

    def sync(
        self, source_id: str | None = None, *, changes: tuple[list[str], list[str]] | None = None
    ) -> None:
        """Bring the index up to date with the archive files (all, or one source's); CHANGES:
        what changes() gave, if the caller has just asked (a fetch does, for every batch)."""
        if source_id:
            self._sync_one(source_id)
            return
        changed, gone = changes if changes is not None else self.changes()
        for sid in gone:
            self._forget(sid)
        for sid in changed:
            self._sync_one(sid)

    def _forget(self, sid: str) -> None:
        with self._transaction():
            self._drop(sid)

    def _drop(self, sid: str) -> None:
        self.db.execute("DELETE FROM files WHERE source=?", (sid,))
        self.db.execute("DELETE FROM revisions WHERE source=?", (sid,))
        self.db.execute("DELETE FROM posts WHERE source=?", (sid,))

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        if self.db.in_transaction:  # inside batch(): one commit at its end
            yield
            return
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def batch(self) -> contextlib.AbstractContextManager[None]:
        """One transaction for many changes (a fetch indexes hundreds of sources at once).

        If it fails, the index is only behind the archive files, which the next sync reads.
        """
        return self._transaction()

    def _sync_one(self, sid: str) -> None:
        path = self.paths.archive(sid)
        try:
            st = path.stat()
        except FileNotFoundError:
            if self.db.execute("SELECT 1 FROM files WHERE source=?", (sid,)).fetchone():
                self._forget(sid)
            return
        except OSError as e:
            raise StorageError(f"cannot read {path}: {e.strerror}") from e
        row = self.db.execute("SELECT ino, size, mtime, posts FROM files WHERE source=?", (sid,)).fetchone()
        if row and row[:3] == (st.st_ino, st.st_size, st.st_mtime_ns):
            return
        with self._transaction():
            # Read again inside the write transaction: another process may have caught up.
            row = self.db.execute(
                "SELECT ino, size, mtime, posts FROM files WHERE source=?", (sid,)
            ).fetchone()
            if row and row[:3] == (st.st_ino, st.st_size, st.st_mtime_ns):
                return
            start = 0
            # Appended to since we last looked; or, where the index stopped before a torn
            # last line (mtime -1), that line set aside since (archive/repair.py).
            if (
                row
                and row[0] == st.st_ino
                and (st.st_size > row[1] or (st.st_size == row[1] and row[2] == -1))
            ):
                start = row[1]
            else:
                self._drop(sid)
            end, added = start, 0
            for off, length, rec in iter_lines(path, start):
                added += self._add(sid, off, length, rec)
                end = off + length
            # Stop at the last whole line: a torn tail is read again once it is closed.
            size = end if end < st.st_size else st.st_size
            self.db.execute(
                "INSERT OR REPLACE INTO files VALUES (?,?,?,?,?)",
                (sid, st.st_ino, size, st.st_mtime_ns if size == st.st_size else -1,
                 self._posts_after(sid, row[3] if row and start else None, added)),
            )  # fmt: skip

    def add_appended(self, sid: str, start: int, lines: list[bytes], records: list[dict[str, Any]]) -> None:
        """Index lines this process just appended at START, without reading them back."""
        path = self.paths.archive(sid)
        st = path.stat()
        end = start + sum(len(line) for line in lines)
        row = self.db.execute("SELECT ino, size, posts FROM files WHERE source=?", (sid,)).fetchone()
        if st.st_size != end or (start and (row is None or row[:2] != (st.st_ino, start))):
            self._sync_one(sid)  # something else is in the file too: read it properly
            return
        with self._transaction():
            off, added = start, 0
            firsts = []  # first revisions of new posts: nothing to compare with, insert in bulk
            for line, rec in zip(lines, records, strict=True):
                if rec.get("revision") == 1 and isinstance(rec.get("n"), int):
                    firsts.append((off, len(line), rec))
                else:
                    added += self._add(sid, off, len(line), rec)
                off += len(line)
            self.db.executemany(
                "INSERT OR REPLACE INTO revisions(source, n, revision, off, len) VALUES (?,?,?,?,?)",
                [(sid, r["n"], 1, o, ln) for o, ln, r in firsts],
            )
            self.db.executemany(
                _INSERT_POST, [_post_row(sid, o, ln, r, revision=1, revisions=1) for o, ln, r in firsts]
            )
            posts = self._posts_after(sid, row[2] if row and start else None, added + len(firsts))
            self.db.execute(
                "INSERT OR REPLACE INTO files VALUES (?,?,?,?,?)",
                (sid, st.st_ino, end, st.st_mtime_ns, posts),
            )

    def _posts_after(self, sid: str, before: int | None, added: int) -> int:
        """How many posts SID has once ADDED new ones joined the BEFORE it had (counted
        again when that is not known: a new or rebuilt archive, where it costs little)."""
        if before is not None:
            return before + added
        return int(self.db.execute("SELECT count(*) FROM posts WHERE source=?", (sid,)).fetchone()[0])

    def _add(self, sid: str, off: int, length: int, rec: dict[str, Any]) -> bool:
        """Index one revision line; True if it is the first of a post the index did not have."""
        n, revision = rec.get("n"), rec.get("revision", 1)
        if not isinstance(n, int) or not isinstance(revision, int):
            return False
        self.db.execute(
            "INSERT OR REPLACE INTO revisions(source, n, revision, off, len) VALUES (?,?,?,?,?)",
            (sid, n, revision, off, length),
        )
        prev = self.db.execute("SELECT revision, revisions FROM posts WHERE n=?", (n,)).fetchone()
        if prev and prev[0] > revision:
            self.db.execute("UPDATE posts SET revisions=revisions+1 WHERE n=?", (n,))
            return False
        revisions = (prev[1] + 1) if prev else 1
        self.db.execute(_INSERT_POST, _post_row(sid, off, length, rec, revision, revisions))
        return prev is None

    # Questions ---------------------------------------------------------------------

    def has_number(self, n: int) -> bool:
        """Whether some archived post has number N."""
        return self.db.execute("SELECT 1 FROM revisions WHERE n=? LIMIT 1", (n,)).fetchone() is not None

    def max_n(self) -> int:
        return int(self.db.execute("SELECT coalesce(max(n), 0) FROM revisions").fetchone()[0])

    def known_posts(self, sid: str, keys: list[str]) -> dict[str, Known]:
        """What the index knows of those of KEYS a source has, by key.

        Looked up by key, so a fetch costs what the feed holds, not what the archive holds.
        """
        found = {}
        for chunk in _chunks(keys):
            rows = self.db.execute(
                "SELECT key, n, revision, hash, first_seen FROM posts WHERE source=? AND key IN "
                f"({','.join('?' * len(chunk))})",
                (sid, *chunk),
            )
            found.update({key: Known(n, rev, h, fs) for key, n, rev, h, fs in rows})
        return found

    def posts_by_link(
        self, sid: str, links: list[str]
    ) -> tuple[dict[tuple[str, str | None], str], dict[str, Known]]:
        """A source's posts with one of LINKS (to spot a changed guid): (link, title) -> key,
        and what the index knows of those keys."""
        by_link, known = {}, {}
        for chunk in _chunks(links):
            rows = self.db.execute(
                "SELECT link, title, key, n, revision, hash, first_seen FROM posts"
                f" WHERE source=? AND link IN ({','.join('?' * len(chunk))})",
                (sid, *chunk),
            )
            for link, title, key, n, rev, h, fs in rows:
                by_link[(link, title)] = key
                known[key] = Known(n, rev, h, fs)
        return by_link, known

    def count(self, sid: str) -> int:
        """A source's posts, as the index keeps count of them (count(*) took 12 ms at 100k)."""
        row = self.db.execute("SELECT posts FROM files WHERE source=?", (sid,)).fetchone()
        return int(row[0]) if row else 0

    def counts(self) -> dict[str, int]:
        return dict(self.db.execute("SELECT source, posts FROM files").fetchall())

    def posts(
        self, sid: str, limit: int | None = None, since: str | None = None, offset: int = 0
    ) -> list[Post]:
        """Index rows of a source's posts, newest first (published, else first seen), skipping OFFSET."""
        sql = "SELECT n, key, revision, revisions, title, link, published, first_seen FROM posts"
        sql += " WHERE source=?"
        args: list[Any] = [sid]
        if since:
            sql += " AND sort >= ?"
            args.append(since)
        sql += " ORDER BY sort DESC, n DESC"
        if limit or offset:
            sql += " LIMIT ? OFFSET ?"
            args += [limit or -1, offset]
        cols = ("n", "key", "revision", "revisions", "title", "link", "published", "first_seen")
        return [dict(zip(cols, row, strict=True)) for row in self.db.execute(sql, args)]

    def locate(self, n: int, revision: int | None = None) -> tuple[str, int, int, int] | None:
        """(source, offset, length, revision) of post N (its latest revision unless given)."""
        sql = "SELECT source, off, len, revision FROM revisions WHERE n=?"
        args: list[Any] = [n]
        if revision is not None:
            sql += " AND revision=?"
            args.append(revision)
        row = self.db.execute(sql + " ORDER BY revision DESC LIMIT 1", args).fetchone()
        return (row[0], row[1], row[2], row[3]) if row else None

    # Full-text search -------------------------------------------------------------

    def sync_words(self, text_of: Any) -> None:
        """Add every revision not yet in the full-text index; TEXT_OF(record) -> (title, body)."""
        with self._words_to_add("revisions", "words_done") as rows:
            for rid, record in _records_at(self.paths.archive, rows):
                title, body = text_of(record)
                self.db.execute("INSERT INTO words(rowid, title, body) VALUES (?,?,?)", (rid, title, body))

    @contextlib.contextmanager
    def _words_to_add(self, lines: str, done: str) -> Iterator[list[tuple[int, str, int, int]]]:
        """The (id, source, offset, length) rows of LINES not yet in a search table, in one
        transaction that records, at its end, the last id the DONE table has seen."""
        last = self.db.execute(f"SELECT coalesce(max(id), 0) FROM {done}").fetchone()[0]
        rows = self.db.execute(
            f"SELECT id, source, off, len FROM {lines} WHERE id > ? ORDER BY source, off", (last,)
        ).fetchall()
        if not rows:  # (no write transaction for a search that has nothing to catch up)
            yield rows
            return
        with self._transaction():
            yield rows
            if rows:
                self.db.execute(f"DELETE FROM {done}")
                self.db.execute(f"INSERT INTO {done} VALUES (?)", (max(r[0] for r in rows),))

    def search_words(self, expression: str, sid: str | None, limit: int | None) -> list[tuple[str, int, int]]:
        """(source, offset, length) of the latest revisions matching an FTS5 EXPRESSION, newest first."""
        sql = (
            "SELECT p.source, p.off, p.len FROM words JOIN revisions r ON r.id = words.rowid"
            " JOIN posts p ON p.n = r.n AND p.revision = r.revision AND p.source = r.source"
            " WHERE words MATCH ?"
        )
        args: list[Any] = [expression]
        if sid:
            sql += " AND p.source = ?"
            args.append(sid)
        sql += " ORDER BY p.sort DESC, p.n DESC"
        if limit:
            sql += " LIMIT ?"
            args.append(limit)
        return [(s, o, n) for s, o, n in self.db.execute(sql, args)]

    # Full text ----------------------------------------------------------------------

    def sync_fulltext(self, source_id: str | None = None) -> None:
        """Catch up with fulltext/<ID>.jsonl (all sources', or one's): its successful lines."""
        folder = self.paths.fulltext_dir
        if source_id:
            names = [source_id]
        else:
            try:
                names = [e.name[:-6] for e in os.scandir(folder) if e.name.endswith(".jsonl")]
            except OSError:
                names = []
            known = [r[0] for r in self.db.execute("SELECT source FROM fulltext_files")]
            names = sorted({*names, *known})
        for sid in names:
            self._sync_fulltext_one(sid, folder / f"{sid}.jsonl")

    def _sync_fulltext_one(self, sid: str, path: Any) -> None:
        try:
            st = os.stat(path)
        except OSError:
            st = None
        row = self.db.execute("SELECT ino, size FROM fulltext_files WHERE source=?", (sid,)).fetchone()
        if st is not None and row and tuple(row) == (st.st_ino, st.st_size):
            return
        with self._transaction():
            start = 0
            if st is not None and row and row[0] == st.st_ino and st.st_size > row[1]:
                start = row[1]  # appended to since we last looked
            else:  # new, replaced, shrunk or gone: read again from the start
                self.db.execute("DELETE FROM fulltext_lines WHERE source=?", (sid,))
                self.db.execute("DELETE FROM fulltext_files WHERE source=?", (sid,))
            if st is None:
                return
            end = start
            for off, length, rec in iter_lines(path, start):
                end = off + length
                n, html = rec.get("n"), rec.get("html")
                if isinstance(n, int) and isinstance(html, str) and not rec.get("error"):
                    self.db.execute(
                        "INSERT OR REPLACE INTO fulltext_lines(source, n, off, len, extractor, fetched,"
                        " final_url) VALUES (?,?,?,?,?,?,?)",
                        (sid, n, off, length, _text(rec.get("extractor")), _text(rec.get("fetched")),
                         _text(rec.get("final_url")) or _text(rec.get("url"))),
                    )  # fmt: skip
            # A torn last line is read again once it is whole.
            self.db.execute("INSERT OR REPLACE INTO fulltext_files VALUES (?,?,?)", (sid, st.st_ino, end))

    def full_text(self, n: int) -> tuple[str, int, int] | None:
        """(source, offset, length) in fulltext/<source>.jsonl of post N's latest full text."""
        row = self.db.execute(
            "SELECT source, off, len FROM fulltext_lines WHERE n=? ORDER BY id DESC LIMIT 1", (n,)
        ).fetchone()
        return (row[0], row[1], row[2]) if row else None

    def full_texts(self, sid: str) -> dict[int, tuple[int, int]]:
        """Each post of source SID with full text: n -> (offset, length) of its latest."""
        rows = self.db.execute("SELECT n, off, len FROM fulltext_lines WHERE source=? ORDER BY id", (sid,))
        return {n: (off, length) for n, off, length in rows}

    def sync_fulltext_words(self, text_of: Any) -> None:
        """Add the words of every full text not yet in the search index; TEXT_OF(html) -> str."""
        with self._words_to_add("fulltext_lines", "fulltext_words_done") as rows:
            for rid, record in _records_at(self.paths.fulltext, rows):
                html = record.get("html")
                if isinstance(html, str):
                    self.db.execute(
                        "INSERT INTO fulltext_words(rowid, body) VALUES (?,?)", (rid, text_of(html))
                    )

    def search_with_fulltext(
        self, expression: str, sid: str | None, limit: int | None
    ) -> list[tuple[str, int, int]]:
        """As search_words, counting a post's full text (fulltext_words) as its text too."""
        sql = (
            "SELECT p.source, p.off, p.len FROM posts p WHERE p.n IN ("
            " SELECT r.n FROM words JOIN revisions r ON r.id = words.rowid"
            " JOIN posts q ON q.n = r.n AND q.revision = r.revision AND q.source = r.source"
            " WHERE words MATCH ?"
            " UNION SELECT f.n FROM fulltext_words JOIN fulltext_lines f ON f.id = fulltext_words.rowid"
            " WHERE fulltext_words MATCH ?)"
        )
        args: list[Any] = [expression, expression]
        if sid:
            sql += " AND p.source = ?"
            args.append(sid)
        sql += " ORDER BY p.sort DESC, p.n DESC"
        if limit:
            sql += " LIMIT ?"
            args.append(limit)
        return [(s, o, n) for s, o, n in self.db.execute(sql, args)]

    def revisions_of(self, n: int) -> list[int]:
        rows = self.db.execute("SELECT revision FROM revisions WHERE n=? ORDER BY revision", (n,))
        return [r[0] for r in rows]

    def latest_offsets(self, sid: str, newest: int | None = None) -> list[tuple[int, int]]:
        """(offset, length) of the latest revision of each post of a source (or of its
        NEWEST posts by number), oldest first."""
        if newest:
            rows = self.db.execute(
                "SELECT off, len FROM posts WHERE source=? ORDER BY n DESC LIMIT ?", (sid, newest)
            ).fetchall()
            return [(o, ln) for o, ln in reversed(rows)]
        rows = self.db.execute("SELECT off, len FROM posts WHERE source=? ORDER BY n", (sid,)).fetchall()
        return [(o, ln) for o, ln in rows]


_INSERT_POST = "INSERT OR REPLACE INTO posts VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)"


def _post_row(
    sid: str, off: int, length: int, rec: dict[str, Any], revision: int, revisions: int
) -> tuple[Any, ...]:
    """A `posts` row for record REC (the latest known revision of its post)."""
    published, first_seen = _text(rec.get("published")), _text(rec.get("first_seen"))
    return (
        rec["n"], sid, _text(rec.get("key")), revision, revisions,
        _text(rec.get("title")), _text(rec.get("link")), published, first_seen,
        published or first_seen or "", _text(rec.get("hash")), off, length,
    )  # fmt: skip


def _records_at(
    path_of: Callable[[str], Path], rows: list[tuple[int, str, int, int]]
) -> Iterator[tuple[int, dict[str, Any]]]:
    """(row id, record) for each (id, source, offset, length) in ROWS (sorted by source and
    offset), reading each source's file through one open handle; a file that cannot be
    opened, or a line that is not a JSON object, is passed over (the index is only behind)."""
    handles: dict[str, BinaryIO | None] = {}
    try:
        for rid, sid, off, length in rows:
            if sid not in handles:
                try:
                    handles[sid] = open(path_of(sid), "rb")  # noqa: SIM115 - closed below
                except OSError:
                    handles[sid] = None
            f = handles[sid]
            if f is None:
                continue
            f.seek(off)
            try:
                record = json.loads(f.read(length))
            except ValueError:
                continue
            if isinstance(record, dict):
                yield rid, record
    finally:
        for f in handles.values():
            if f is not None:
                f.close()


def _chunks(items: list[str], size: int = 500) -> list[list[str]]:
    """Pieces small enough for SQLite's limit on bound parameters."""
    return [items[i : i + size] for i in range(0, len(items), size)]


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None

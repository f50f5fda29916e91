"""The index as a library: a context manager over the archive files, answering what merge needs."""

from __future__ import annotations

import sqlite3

import pytest

from subsample.archive.index import Index
from subsample.archive.jsonl import encode
from subsample.archive.merge import Known
from subsample.paths import Paths


def _post(n: int, key: str, revision: int = 1, **kw: object) -> dict[str, object]:
    return {
        "n": n,
        "source": "blog",
        "revision": revision,
        "first_seen": "2026-01-01T00:00:00Z",
        "key": key,
        "title": f"title {key}",
        "link": f"https://example.org/{key}",
        "hash": f"h{n}.{revision}",
        **kw,
    }


def test_the_index_answers_by_key_and_by_link_and_closes_when_left(home):
    paths = Paths(home / "sources.toml", home)
    paths.archive_dir.mkdir(parents=True)
    lines = [_post(1, "a"), _post(2, "b"), _post(1, "a", revision=2)]
    paths.archive("blog").write_bytes(b"".join(encode(r) for r in lines))
    with Index(paths) as index:
        index.sync()
        assert index.known_posts("blog", ["a", "b", "c"]) == {
            "a": Known(1, 2, "h1.2", "2026-01-01T00:00:00Z"),
            "b": Known(2, 1, "h2.1", "2026-01-01T00:00:00Z"),
        }
        by_link, known = index.posts_by_link("blog", ["https://example.org/b", "https://example.org/z"])
        assert by_link == {("https://example.org/b", "title b"): "b"}
        assert known == {"b": Known(2, 1, "h2.1", "2026-01-01T00:00:00Z")}
        assert index.known_posts("other", ["a"]) == {}
    with pytest.raises(sqlite3.ProgrammingError):  # closed on leaving the block
        index.max_n()

"""Search titles and body text (not HTML tags) across archives, newest first.

Matching is by words, any case and accents ignored, all words required, the last one
also as a prefix ("heat trans" finds "heat transfer"). A full-text index (SQLite FTS5,
part of the rebuildable cache) answers it; it is caught up on each search.
"""

from __future__ import annotations

import re
from typing import Any

from subsample.archive.index import Index
from subsample.archive.jsonl import read_record
from subsample.models import Post
from subsample.parse.entry import html_to_plain
from subsample.paths import Paths

SNIPPET = 60  # characters of context either side of the match
_WORD = re.compile(r"\w+")


def words_of(query: str) -> list[str]:
    return _WORD.findall(query.lower())


def fts_expression(words: list[str]) -> str:
    """All WORDS, the last one also as a prefix; every word quoted, so no FTS5 syntax leaks in."""
    quoted = [f'"{w}"' for w in words]
    quoted[-1] += "*"
    return " AND ".join(quoted)


def record_text(record: dict[str, Any]) -> tuple[str, str]:
    title = record.get("title")
    return (title if isinstance(title, str) else "", _body_text(record))


def search_archives(
    paths: Paths, query: str, source_id: str | None, limit: int | None
) -> list[tuple[Post, str]]:
    words = words_of(query)
    if not words:
        return []
    with Index(paths) as index:
        index.sync(source_id)
        index.sync_words(record_text)
        found = index.search_words(fts_expression(words), source_id, limit)
    hits = []
    for sid, off, length in found:
        try:
            record = read_record(paths.archive(sid), off, length)
        except Exception:
            continue
        hits.append((record, snippet(record, words)))
    return hits


def snippet(record: dict[str, Any], words: list[str]) -> str:
    body = _body_text(record)
    low = body.lower()
    at = min((i for i in (low.find(w) for w in words) if i >= 0), default=-1)
    if at < 0:
        return body[: 2 * SNIPPET]
    start = max(0, at - SNIPPET)
    end = min(len(body), at + SNIPPET * 2)
    return ("…" if start else "") + body[start:end] + ("…" if end < len(body) else "")


def _body_text(record: dict[str, Any]) -> str:
    body = record.get("content") or record.get("summary") or ""
    return " ".join(html_to_plain(body if isinstance(body, str) else "").split())

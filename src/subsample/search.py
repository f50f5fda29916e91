"""Case-insensitive search over titles and body text (not HTML tags) of every archive."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from subsample import store
from subsample.config import Paths
from subsample.models import Post
from subsample.parse import html_to_plain

SNIPPET = 60  # characters of context either side of the match


def search_archives(
    paths: Paths, query: str, source_id: str | None, limit: int | None
) -> list[tuple[Post, str]]:
    needle = " ".join(query.split()).lower()
    index = store.Index(paths)
    try:
        index.sync(source_id)
        sources = [source_id] if source_id else index.archived_sources()
        hits = []
        for sid in sources:
            for record in _latest_records(paths, index, sid):
                snippet = _match(record, needle)
                if snippet is not None:
                    hits.append((record, snippet))
    finally:
        index.close()
    hits.sort(key=lambda h: (h[0].get("published") or h[0].get("first_seen") or "", h[0]["n"]), reverse=True)
    return hits[:limit] if limit else hits


def _latest_records(paths: Paths, index: store.Index, sid: str) -> Iterator[dict[str, Any]]:
    try:
        with open(paths.archive(sid), "rb") as f:
            for off, length in index.latest_offsets(sid):
                f.seek(off)
                try:
                    record = json.loads(f.read(length))
                except ValueError:
                    continue
                if isinstance(record, dict):
                    yield record
    except OSError:
        return


def _match(record: dict[str, Any], needle: str) -> str | None:
    title = record.get("title")
    title = title if isinstance(title, str) else ""
    if needle in " ".join(title.split()).lower():
        body = _body_text(record)
        return body[: 2 * SNIPPET]
    body = _body_text(record)
    at = body.lower().find(needle)
    if at < 0:
        return None
    start = max(0, at - SNIPPET)
    end = min(len(body), at + len(needle) + SNIPPET)
    return ("…" if start else "") + body[start:end] + ("…" if end < len(body) else "")


def _body_text(record: dict[str, Any]) -> str:
    body = record.get("content") or record.get("summary") or ""
    return " ".join(html_to_plain(body if isinstance(body, str) else "").split())

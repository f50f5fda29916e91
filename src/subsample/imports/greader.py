"""Google Reader stream JSON, as Google Takeout, Inoreader and FreshRSS export it:
{"items": [{"id", "title", "published", "canonical"/"alternate": [{"href"}],
"summary"/"content": {"content"}, "author", "categories", "enclosure",
"origin": {"streamId": "feed/URL", "title"}}]}."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from subsample.errors import UsageError
from subsample.imports import Imported, ImportedFeed, ImportedPost, epoch_to_iso, text

MAX_BYTES = 2 * 1024**3  # a Takeout export of many years is large, but not endless


def read(path: Path) -> Imported:
    """Every item of a Google Reader JSON export, grouped by the feed it came from.

    Raises:
        UsageError: PATH cannot be read, is not JSON, or holds no items list.
    """
    try:
        if path.stat().st_size > MAX_BYTES:
            raise UsageError(f"{path} is over {MAX_BYTES // 1024**3} GiB; split it first")
        doc = json.loads(path.read_bytes())
    except OSError as e:
        raise UsageError(f"cannot read {path}: {e.strerror}") from e
    except (ValueError, RecursionError) as e:
        raise UsageError(f"{path} is not JSON ({str(e)[:100]})") from e
    items = doc.get("items") if isinstance(doc, dict) else None
    if not isinstance(items, list):
        raise UsageError(f"{path} is not a Google Reader export (no items list)")
    imported = Imported(source=f"greader {path}")
    feeds: dict[str, ImportedFeed] = {}
    for number, item in enumerate(items, start=1):
        feed_url = _feed_url(item)
        if feed_url is None:
            imported.problems.append(f"item {number}: no origin feed (origin.streamId feed/URL); skipped")
            continue
        origin = item.get("origin") if isinstance(item.get("origin"), dict) else {}
        feed = feeds.setdefault(feed_url, ImportedFeed(feed_url, text(origin.get("title"))))
        feed.posts.append(_post(item))
    imported.feeds = list(feeds.values())
    return imported


def _feed_url(item: Any) -> str | None:
    if not isinstance(item, dict) or not isinstance(item.get("origin"), dict):
        return None
    stream = item["origin"].get("streamId")
    if isinstance(stream, str) and stream.startswith("feed/") and len(stream) > 5:
        return stream[5:]
    return None


def _links(item: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = item.get(key)
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _body(item: dict[str, Any], key: str) -> str | None:
    value = item.get(key)
    return text(value.get("content")) if isinstance(value, dict) else None


def _post(item: dict[str, Any]) -> ImportedPost:
    link = next(
        (
            text(v.get("href"))
            for v in _links(item, "canonical") + _links(item, "alternate")
            if text(v.get("href"))
        ),
        None,
    )
    tags = [c for c in item.get("categories") or [] if isinstance(c, str) and not c.startswith("user/")]
    enclosures = [
        {"url": e["href"], "type": text(e.get("type")), "length": e.get("length")}
        for e in _links(item, "enclosure")
        if text(e.get("href"))
    ]
    return ImportedPost(
        # The export's "id" is the reader's own (tag:google.com,2005:reader/item/…), not the
        # feed's guid: the link is the identity a later fetch can recognise (as a renamed guid).
        id=None,
        title=text(item.get("title")),
        link=link,
        author=text(item.get("author")),
        published=epoch_to_iso(item.get("published")),
        updated=epoch_to_iso(item.get("updated")),
        summary=_body(item, "summary"),
        content=_body(item, "content"),
        tags=tags,
        enclosures=enclosures,
    )

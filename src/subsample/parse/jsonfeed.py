"""JSON Feed 1.0/1.1 (feedparser does not read it) into the shared entry shape."""

from __future__ import annotations

import json
import math
import re
from typing import Any

from subsample.errors import FetchError
from subsample.parse.entry import Entry, ParsedFeed, iso_from_text, make_entry, one_line, text, text_to_html
from subsample.parse.entry import integer as _integer


def parse_json_feed(body: bytes) -> ParsedFeed:
    """Parse a JSON Feed; wrong types in a field drop that field, never the feed.

    Raises:
        FetchError: BODY is not JSON or not a JSON Feed.
    """
    try:
        doc = json.loads(body)
    except (ValueError, RecursionError) as e:
        raise FetchError(f"the response is not a feed (bad JSON: {one_line(str(e))})") from None
    if not isinstance(doc, dict) or "jsonfeed.org/version" not in str(doc.get("version", "")):
        raise FetchError("the response is JSON but not a JSON Feed")
    if _SURROGATE_ESCAPE.search(body):
        doc = _without_lone_surrogates(doc)
    items = doc.get("items")
    warning = None if isinstance(items, list) else "JSON Feed without an items list"
    entries = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            warning = "JSON Feed item that is not an object was skipped"
            continue
        entries.append(_entry(item))
    return ParsedFeed(
        title=_title(doc.get("title")),
        link=text(doc.get("home_page_url")),
        format="json" + str(doc.get("version", "")).rsplit("/", 1)[-1],
        entries=entries,
        warning=warning,
        next_url=text(doc.get("next_url")),
    )


def _entry(item: dict[str, Any]) -> Entry:
    content = text(item.get("content_html"))
    if content is None and text(item.get("content_text")):
        content = text_to_html(item["content_text"])
    authors = _list(item.get("authors"))
    if isinstance(item.get("author"), dict):
        authors = [item["author"], *authors]
    names = [a["name"] for a in authors if isinstance(a, dict) and text(a.get("name"))]
    enclosures = [
        {"url": a["url"], "type": text(a.get("mime_type")), "length": _integer(a.get("size_in_bytes"))}
        for a in _list(item.get("attachments"))
        if isinstance(a, dict) and text(a.get("url"))
    ]
    images = [{"url": item[k], "alt": None} for k in ("image", "banner_image") if text(item.get(k))]
    item_id = item.get("id")
    published, updated = iso_from_text(item.get("date_published")), iso_from_text(item.get("date_modified"))
    return make_entry(
        id=str(item_id) if isinstance(item_id, str | int) and not isinstance(item_id, bool) else None,
        link=text(item.get("url")) or text(item.get("external_url")),
        title=_title(item.get("title")),
        read_before={"title": text(item.get("title"))},  # a number was dropped before issue 21
        author=", ".join(names) or None,
        published=published,
        updated=updated,
        summary=text(item.get("summary")),
        content=content,
        tags=[t for t in _list(item.get("tags")) if isinstance(t, str)],
        enclosures=enclosures,
        extra_images=images,
        date_text=_unheld(item.get("date_published"), published)
        or _unheld(item.get("date_modified"), updated),
    )


def _title(value: Any) -> str | None:
    """A title as text: the spec says a string, but a number ("title": 2024) is as plainly
    a title, and dropping it would lose it."""
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return str(value)
    return text(value)


def _unheld(written: Any, held: str | None) -> str | None:
    """WRITTEN, a date as the feed wrote it, when it gave no UTC time (HELD is None)."""
    return written.strip() if held is None and text(written) else None


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _without_lone_surrogates(doc: Any) -> Any:
    """DOC with every lone surrogate (JSON allows "\\ud800", UTF-8 does not) made U+FFFD."""

    def fix(value: Any) -> Any:
        if isinstance(value, str):
            return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
        return value

    root = [doc]
    stack: list[Any] = [root]
    while stack:  # no recursion: the document may be nested as deep as json.loads allows
        node = stack.pop()
        keys = range(len(node)) if isinstance(node, list) else list(node)
        for k in keys:
            value = node[k]
            if isinstance(node, dict) and isinstance(k, str) and fix(k) != k:
                del node[k]
                k = fix(k)
            node[k] = fix(value)
            if isinstance(value, dict | list):
                stack.append(value)
    return root[0]

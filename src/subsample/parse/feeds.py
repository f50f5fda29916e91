"""Feed bytes -> a plain ParsedFeed: lxml (fastxml) or feedparser for XML feeds, an adapter for JSON Feed.

Nothing here touches the network or the disk; entries come out in the shape of a post
record (less the archive's own fields: n, revision, first_seen, hash).
"""

from __future__ import annotations

import calendar
import hashlib
import html
import json
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from json.encoder import encode_basestring as _encode_string
from typing import Any

from subsample import urls
from subsample.errors import FetchError
from subsample.times import iso_utc, parse_iso

Entry = dict[str, Any]


@dataclass
class ParsedFeed:
    title: str | None = None
    link: str | None = None
    format: str = ""
    entries: list[Entry] = field(default_factory=list)
    warning: str | None = None
    # Each entry as JSON in the archive's spelling, made where the parsing ran (a worker
    # process, in a big fetch) so that the archiving thread only splices it into a line.
    encoded: list[bytes] = field(default_factory=list)


def parse_feed(body: bytes, url: str, content_type: str | None = None) -> ParsedFeed:
    """Parse BODY, fetched from URL, as any supported feed format.

    Raises:
        FetchError: BODY is empty or is not a feed at all (an HTML page, say).
    """
    if not body.strip():
        raise FetchError("the response was empty, not a feed")
    head = body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head in (b"{", b"[") or (content_type or "").split(";")[0].strip().endswith("json"):
        feed = parse_json_feed(body)
    else:
        feed = _parse_xml(body, url, content_type)
    return feed


def warm_up() -> None:
    """Import what parsing XML needs, ahead of the first feed (a download worker does this
    while its first requests are on the wire)."""
    import feedparser  # noqa: F401
    import lxml.etree  # noqa: F401

    from subsample.parse import fastxml  # noqa: F401


# -- XML feeds through feedparser -----------------------------------------------------


def _parse_xml(body: bytes, url: str, content_type: str | None) -> ParsedFeed:
    from subsample.parse import fastxml

    # The fast reader gives feedparser's answer for the feeds it knows, or None.
    fast = fastxml.read(body, content_type)
    if fast is not None:
        return _parsed(fast, url, warning=None)
    return parse_with_feedparser(body, url, content_type)


def parse_with_feedparser(body: bytes, url: str, content_type: str | None) -> ParsedFeed:
    """The reference reader: every XML feed the fast reader declines, and the tests' yardstick."""
    import feedparser

    headers = {"content-type": content_type} if content_type else {}
    # HTML is stored as the feed sent it (it is cleaned when shown), so feedparser's
    # sanitizer and URI rewriting are off. No base URL is given: feedparser would also
    # "resolve" a guid like "post-3" into a URL. Links are made absolute here instead.
    d = feedparser.parse(body, response_headers=headers, sanitize_html=False, resolve_relative_uris=False)
    if not d.get("version") and not d.entries:
        reason = d.get("bozo_exception")
        detail = f" ({_one_line(str(reason))})" if reason else ""
        raise FetchError(f"the response is not a feed{detail}")
    warning = None
    problem = d.get("bozo_exception")
    # A missing or non-XML Content-Type, or a charset that had to be overridden, is
    # everyday noise from real servers, not a problem with the feed.
    from feedparser.exceptions import ThingsNobodyCaresAboutButMe as benign

    if d.get("bozo") and not isinstance(problem, benign):
        warning = _one_line(str(problem or "malformed feed"))
    return _parsed(d, url, warning)


def _parsed(d: Any, url: str, warning: str | None) -> ParsedFeed:
    """A ParsedFeed from feedparser's result (or the fast reader's copy of its shape)."""
    feed = d.get("feed", {})
    made = [_entry_from_feedparser(e, url) for e in d["entries"]]
    return ParsedFeed(
        title=_text_of(feed, "title"),
        link=_str(feed.get("link")),
        format=str(d.get("version") or "unknown"),
        entries=[entry for entry, _ in made],
        warning=warning,
        encoded=[spelled for _, spelled in made],
    )


def _entry_from_feedparser(e: Any, base: str) -> tuple[Entry, bytes]:
    content = None
    for c in e.get("content") or []:
        if _str(c.get("value")) and (content is None or "html" in str(c.get("type", ""))):
            content = c["value"]
            if c.get("type") == "text/plain":
                content = _text_to_html(content)
    summary = _str(e.get("summary"))
    if summary and e.get("summary_detail", {}).get("type") == "text/plain":
        summary = _text_to_html(summary)
    if summary == content:
        summary = None  # feedparser copies content:encoded into summary when there is no description
    enclosures = []
    for enc in e.get("enclosures") or []:
        if _str(enc.get("href")):
            enclosures.append(
                {"url": enc["href"], "type": _str(enc.get("type")), "length": _int(enc.get("length"))}
            )
    images = [
        {"url": m["url"], "alt": None}
        for key in ("media_content", "media_thumbnail")
        for m in (e.get(key) or [])
        if _str(m.get("url")) and (key == "media_thumbnail" or "image" in str(m.get("medium", "image")) or str(m.get("type", "")).startswith("image/"))
    ]  # fmt: skip
    return make_entry(
        id=_str(e.get("id")),
        link=_absolute(_str(e.get("link")), base),
        title=_text_of(e, "title"),
        author=_str(e.get("author")),
        published=_iso(e.get("published_parsed")),
        updated=_iso(dict.get(e, "updated_parsed")),  # .get would fall back to published
        summary=summary,
        content=content,
        tags=[t["term"] for t in e.get("tags") or [] if _str(t.get("term"))],
        enclosures=enclosures,
        extra_images=images,
    )


def _text_of(obj: Any, key: str) -> str | None:
    """A title as plain text: Atom allows HTML titles, which we store as text."""
    value = _str(obj.get(key))
    if value is None:
        return None
    if "html" in str(obj.get(f"{key}_detail", {}).get("type", "")):
        value = html_to_plain(value)
    return value


# -- JSON Feed 1.0/1.1 (feedparser does not read it) ----------------------------------


def parse_json_feed(body: bytes) -> ParsedFeed:
    """Parse a JSON Feed; wrong types in a field drop that field, never the feed.

    Raises:
        FetchError: BODY is not JSON or not a JSON Feed.
    """
    try:
        doc = json.loads(body)
    except (ValueError, RecursionError) as e:
        raise FetchError(f"the response is not a feed (bad JSON: {_one_line(str(e))})") from None
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
        content = _str(item.get("content_html"))
        if content is None and _str(item.get("content_text")):
            content = _text_to_html(item["content_text"])
        authors = _list(item.get("authors"))
        if isinstance(item.get("author"), dict):
            authors = [item["author"], *authors]
        names = [a["name"] for a in authors if isinstance(a, dict) and _str(a.get("name"))]
        attachments = _list(item.get("attachments"))
        enclosures = [
            {"url": a["url"], "type": _str(a.get("mime_type")), "length": _int(a.get("size_in_bytes"))}
            for a in attachments
            if isinstance(a, dict) and _str(a.get("url"))
        ]
        images = [{"url": item[k], "alt": None} for k in ("image", "banner_image") if _str(item.get(k))]
        item_id = item.get("id")
        tags = _list(item.get("tags"))
        entries.append(
            make_entry(
                id=str(item_id) if isinstance(item_id, str | int) and not isinstance(item_id, bool) else None,
                link=_str(item.get("url")) or _str(item.get("external_url")),
                title=_str(item.get("title")),
                author=", ".join(names) or None,
                published=_iso_text(item.get("date_published")),
                updated=_iso_text(item.get("date_modified")),
                summary=_str(item.get("summary")),
                content=content,
                tags=[t for t in tags if isinstance(t, str)],
                enclosures=enclosures,
                extra_images=images,
            )
        )  # fmt: skip
    return ParsedFeed(
        title=_str(doc.get("title")),
        link=_str(doc.get("home_page_url")),
        format="json" + str(doc.get("version", "")).rsplit("/", 1)[-1],
        entries=[entry for entry, _ in entries],
        warning=warning,
        encoded=[spelled for _, spelled in entries],
    )


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


# -- the shared entry shape --------------------------------------------------------


def make_entry(
    *,
    id: str | None,
    link: str | None,
    title: str | None,
    author: str | None,
    published: str | None,
    updated: str | None,
    summary: str | None,
    content: str | None,
    tags: list[str],
    enclosures: list[dict[str, Any]],
    extra_images: list[dict[str, Any]],
) -> tuple[Entry, bytes]:
    """An entry in the archive's shape, with its content hash, and its JSON as encode
    would spell it (the fetch splices it into the archive line).

    The long texts are JSON-encoded once, for both the hash and the JSON.
    """
    images = extra_images + [
        {"url": e["url"], "alt": None} for e in enclosures if str(e.get("type") or "").startswith("image/")
    ]
    base = link or ""
    images += [{**i, "url": _absolute(i["url"], base)} for i in find_images(content or summary or "")]
    seen: set[str] = set()
    unique = [i for i in images if not (i["url"] in seen or seen.add(i["url"]))]  # type: ignore[func-returns-value]
    # A feed that dates entries only by update time (RDF's dc:date, Atom without
    # <published>) still says when the post came out, as best it knows.
    published = published or updated
    entry: Entry = {
        "key": post_key(id, link, title, published),
        "id": id,
        "title": title,
        "link": link,
        "author": author,
        "published": published,
        "updated": updated,
        "summary": summary,
        "content": content,
        "tags": tags,
        "enclosures": enclosures,
        "images": unique,
    }
    spelled = {k: _json_text(entry[k]) for k in ("title", "link", "content", "summary")}
    entry["hash"] = _digest(
        f"[{spelled['title']}, {spelled['link']}, {spelled['content']}, {spelled['summary']}]"
    )
    parts = [
        f'"{k}":{spelled[k] if k in spelled else _json_text(entry[k])}'
        for k in ("key", "id", "title", "link", "author", "published", "updated", "summary", "content")
    ]
    parts += [
        f'"{k}":{_COMPACT.encode(entry[k]) if entry[k] else "[]"}' for k in ("tags", "enclosures", "images")
    ]
    parts.append(f'"hash":"{entry["hash"]}"')
    return entry, ("{" + ",".join(parts) + "}").encode()


_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))  # encode's spelling


def _json_text(value: str | None) -> str:
    return "null" if value is None else str(_encode_string(value))


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def post_key(id: str | None, link: str | None, title: str | None, date: str | None) -> str:
    """The identity used for dedupe: the guid, else the link, else title and date."""
    if id and id.strip():
        return id.strip()
    if link and link.strip():
        return link.strip()
    digest = hashlib.sha256(f"{title or ''}\x00{date or ''}".encode()).hexdigest()[:32]
    return f"sha256:{digest}"


def content_hash(entry: Entry) -> str:
    """A digest of what a reader sees; a change here makes a new revision.

    (make_entry computes the same digest from strings it has encoded already.)
    """
    fields = [entry.get(k) for k in ("title", "link", "content", "summary")]
    return _digest(json.dumps(fields, ensure_ascii=False))


# -- small helpers -------------------------------------------------------------------


class _ImageFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.images: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            a = dict(attrs)
            if a.get("src"):
                self.images.append({"url": a["src"], "alt": a.get("alt") or None})


# Start tags as html.parser splits them (quoted attribute values may hold ">"), and their
# attributes. Markup where that split is not plain -- comments, scripts, CDATA, a "<" or
# an unmatched quote inside a tag -- goes to html.parser itself.
_START_TAG = re.compile(r"""<([a-zA-Z][^\t\n\r\f />\x00]*)((?:[^>"'<]|"[^"<]*"|'[^'<]*')*)>""")
_ATTR = re.compile(
    r"""((?<=['"\s/])[^\s/>][^\s/=>]*)(\s*=+\s*('[^']*'|"[^"]*"|(?!['"])[^>\s]*))?(?:\s|/(?!>))*"""
)
_TAG_OPEN = re.compile(r"<[a-zA-Z]")
_QUOTED_VALUE = re.compile(r"""=\s*(?:"[^"]*"|'[^']*')""")
_NOT_PLAIN = re.compile(r"<!|<\?|<(?:script|style|textarea|title|xmp|plaintext)\b", re.I)


def _images_by_html_parser(markup: str) -> list[dict[str, Any]]:
    finder = _ImageFinder()
    finder.feed(markup)
    finder.close()
    return finder.images


def find_images(markup: str) -> list[dict[str, Any]]:
    """The <img> sources and alt texts in an HTML fragment, in order."""
    if "<img" not in markup and "<img" not in markup.lower():
        return []
    tags = None if _NOT_PLAIN.search(markup) else _START_TAG.findall(markup)
    if tags is None or len(tags) != len(_TAG_OPEN.findall(markup)):
        return _images_by_html_parser(markup)
    images = []
    for name, rest in tags:
        if name.lower() != "img":
            continue
        if "'" in rest or '"' in rest:
            bare = _QUOTED_VALUE.sub("", rest)
            if "'" in bare or '"' in bare:
                return _images_by_html_parser(markup)
        attrs: dict[str, str | None] = {}
        for key, assigned, value in _ATTR.findall(" " + rest):
            if value[:1] in ("'", '"') and value[:1] == value[-1:]:
                value = value[1:-1]
            attrs[key.lower()] = html.unescape(value) if assigned else None  # the last one wins
        if attrs.get("src"):
            images.append({"url": attrs["src"], "alt": attrs.get("alt") or None})
    return images


# A tag ends at the next ">" and cannot hold a "<": with "<[^>]*>", a body of 200k "<" and
# no ">" took 24 s (every "<" scanned to the end), and `read`, `search`, `export` with it.
_TAG = re.compile(r"<[^<>]*>")


def html_to_plain(markup: str) -> str:
    """Text of an HTML fragment, tags dropped and entities decoded (for titles and search)."""
    return html.unescape(_TAG.sub(" ", markup)).strip()


def _text_to_html(text: str) -> str:
    return "".join(f"<p>{html.escape(p)}</p>" for p in re.split(r"\n\s*\n", text.strip()) if p)


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


# An absolute web URL that urljoin would hand back as it is (checked on random URLs).
_PLAIN_ABSOLUTE = re.compile(r"https?://[^/?#;\[\]\x00-\x20][^?#;\[\]\x00-\x20]*\Z")


def _absolute(url: str | None, base: str) -> str | None:
    """URL made absolute against BASE when it is relative and BASE is a web URL."""
    if not url or not urls.is_web(base):
        return url
    url = url.strip()
    if _PLAIN_ABSOLUTE.match(url):
        return url
    from urllib.parse import urljoin

    try:
        return urljoin(base, url)
    except ValueError:  # "http://]]": not a URL we can place; kept as the feed gave it
        return url


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _iso(parsed: time.struct_time | None) -> str | None:
    if not parsed:
        return None
    y, mo, d, h, mi, sec = parsed[:6]
    if 1 <= y <= 9999 and 1 <= mo <= 12 and 1 <= d <= 28 and 0 <= h < 24 and 0 <= mi < 60 and 0 <= sec < 60:
        # A time that needs no normalizing, spelled as iso_utc spells it (most dates).
        return f"{y:04d}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{sec:02d}Z"
    try:
        return iso_utc(datetime.fromtimestamp(calendar.timegm(parsed), UTC))
    except (OverflowError, ValueError, OSError):
        return None


def _iso_text(value: Any) -> str | None:
    dt = parse_iso(value)
    if dt is None:
        return None
    try:
        return iso_utc(dt)
    except (OverflowError, ValueError):
        return None


def _one_line(s: str) -> str:
    return " ".join(s.split())[:300]

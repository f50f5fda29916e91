"""The shape every reader hands on: a post's fields, its key and its content hash.

make_entry is where JSON Feed, the fast XML reader and feedparser meet, so a post's
identity and hash do not depend on which of them read it. Nothing here touches the network
or the disk.
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
from typing import Any
from urllib.parse import urljoin

from subsample import urls
from subsample.times import iso_utc, parse_iso

Entry = dict[str, Any]


@dataclass
class ParsedFeed:
    """A feed as its reader understood it: its title and link, and its entries."""

    title: str | None = None
    link: str | None = None
    format: str = ""
    entries: list[Entry] = field(default_factory=list)
    warning: str | None = None
    self_url: str | None = None  # the feed's own address: its atom:link rel="self"
    new_url: str | None = None  # the address a podcast feed says it moved to (itunes:new-feed-url)
    # What paging needs (parse/paging.py): the feed's own links by rel (RFC 5005's
    # prev-archive, next, previous; self...; not "alternate", which is `link`), the first
    # of each rel; JSON Feed's next_url; the generator; RFC 5005's fh:complete.
    links: dict[str, str] = field(default_factory=dict)
    next_url: str | None = None
    generator: str | None = None
    complete: bool = False


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
    date_text: str | None = None,
    read_before: dict[str, Any] | None = None,
) -> Entry:
    """An entry in the archive's shape (less the archive's own fields), with its content hash.

    DATE_TEXT is a date as the feed wrote it when it could not be held as a UTC time; it is
    kept beside the entry (and out of the hash) so that nothing the feed said is lost.

    READ_BEFORE holds the fields that an earlier version of subsample read otherwise (a
    title it spaced at an inline tag): the hash they gave travels as "_hash_before" (never
    archived), so that a post archived then is not taken for an edited one.
    """
    images = extra_images + [
        {"url": e["url"], "alt": None} for e in enclosures if str(e.get("type") or "").startswith("image/")
    ]
    base = link or ""
    images += [{**i, "url": absolute(i["url"], base)} for i in find_images(content or summary or "")]
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
    if date_text is not None:
        entry["date_text"] = date_text
    entry["hash"] = content_hash(entry)
    if read_before and any(entry.get(k) != v for k, v in read_before.items()):
        entry["_hash_before"] = content_hash({**entry, **read_before})
    return entry


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

    Its definition is part of every archive written so far: changing it would turn every
    post into a false revision at the next fetch.
    """
    fields = [entry.get(k) for k in ("title", "link", "content", "summary")]
    return hashlib.sha256(json.dumps(fields, ensure_ascii=False).encode()).hexdigest()[:32]


# -- images ----------------------------------------------------------------------------


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


def images_by_html_parser(markup: str) -> list[dict[str, Any]]:
    """The <img> sources and alt texts as html.parser finds them (find_images' yardstick)."""
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
        return images_by_html_parser(markup)
    images = []
    for name, rest in tags:
        if name.lower() != "img":
            continue
        if "'" in rest or '"' in rest:
            bare = _QUOTED_VALUE.sub("", rest)
            if "'" in bare or '"' in bare:
                return images_by_html_parser(markup)
        attrs: dict[str, str | None] = {}
        for key, assigned, value in _ATTR.findall(" " + rest):
            if value[:1] in ("'", '"') and value[:1] == value[-1:]:
                value = value[1:-1]
            attrs[key.lower()] = html.unescape(value) if assigned else None  # the last one wins
        if attrs.get("src"):
            images.append({"url": attrs["src"], "alt": attrs.get("alt") or None})
    return images


# -- text ------------------------------------------------------------------------------

_TAG = re.compile(r"<[^<>]*>")  # ([^>]* is quadratic on a run of "<")


def html_to_plain(markup: str) -> str:
    """Text of an HTML fragment, tags dropped and entities decoded (for titles and search)."""
    return html.unescape(_TAG.sub(" ", markup)).strip()


# Tags that end a line or a block, and so part the words either side. Any other tag (sup,
# em, a, span) may stand inside a word: "625ft<sup>2</sup>" is "625ft2", not "625ft 2".
_BREAKING_TAG = re.compile(
    r"</?(?:address|article|aside|blockquote|br|dd|div|dl|dt|figcaption|figure|footer|h[1-6]|header"
    r"|hr|li|main|nav|ol|p|pre|section|table|tbody|td|tfoot|th|thead|tr|ul)(?:[\s/][^<>]*)?>",
    re.IGNORECASE,
)


def html_title_to_plain(markup: str) -> str:
    """Text of an HTML title: inline tags dropped where they stand, <br> and block tags a
    space, entities decoded."""
    return html.unescape(_TAG.sub("", _BREAKING_TAG.sub(" ", markup))).strip()


def text_to_html(text: str) -> str:
    """Plain text as HTML paragraphs (a blank line between paragraphs)."""
    return "".join(f"<p>{html.escape(p)}</p>" for p in re.split(r"\n\s*\n", text.strip()) if p)


def text(value: Any) -> str | None:
    """VALUE when it is a string with something in it, else None."""
    return value if isinstance(value, str) and value.strip() else None


def integer(value: Any) -> int | None:
    """VALUE as an int, or None when it is not one."""
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        return None


def one_line(s: str) -> str:
    """S on one line, at most 300 characters (for warnings and errors)."""
    return " ".join(s.split())[:300]


# An absolute web URL that urljoin would hand back as it is (checked on random URLs).
_PLAIN_ABSOLUTE = re.compile(r"https?://[^/?#;\[\]\x00-\x20][^?#;\[\]\x00-\x20]*\Z")


def absolute(url: str | None, base: str) -> str | None:
    """URL made absolute against BASE when it is relative and BASE is a web URL."""
    if not url or not urls.is_web(base):
        return url
    url = url.strip()
    if _PLAIN_ABSOLUTE.match(url):
        return url
    try:
        return urljoin(base, url)
    except ValueError:  # "http://]]": not a URL we can place; kept as the feed gave it
        return url


# -- dates -----------------------------------------------------------------------------


def iso_from_struct(parsed: time.struct_time | None) -> str | None:
    """A UTC struct_time (feedparser's dates) as iso_utc spells it; None when it cannot be held."""
    if not parsed:
        return None
    try:
        y, mo, d, h, mi, sec = (int(v) for v in parsed[:6])
    except (TypeError, ValueError):
        return None
    if 1 <= y <= 9999 and 1 <= mo <= 12 and 1 <= d <= 28 and 0 <= h < 24 and 0 <= mi < 60 and 0 <= sec < 60:
        # A time that needs no normalizing, spelled as iso_utc spells it (most dates).
        return f"{y:04d}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{sec:02d}Z"
    try:
        return iso_utc(datetime.fromtimestamp(calendar.timegm(parsed), UTC))
    except (OverflowError, ValueError, OSError, TypeError):
        return None


def iso_from_text(value: Any) -> str | None:
    """An ISO 8601 date (JSON Feed's) as iso_utc spells it; None when it cannot be read or held."""
    try:
        dt = parse_iso(value)
        return None if dt is None else iso_utc(dt)
    except (OverflowError, ValueError, TypeError):
        return None

"""A source's whole archive as a feed (RSS 2.0, Atom 1.0, JSON Feed 1.1 or JSON lines),
and the subscription list as OPML, out and in.

feedgen writes RSS and Atom (escaping and the required elements are its job, not ours);
JSON Feed is plain JSON. listparser reads OPML, nested outlines included.
"""

from __future__ import annotations

import html
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO
from xml.sax.saxutils import quoteattr

from subsample import __version__, config, urls
from subsample.archive.index import Index
from subsample.archive.state import load_state
from subsample.errors import StorageError, UsageError
from subsample.models import Post, Source
from subsample.parse.entry import html_to_plain
from subsample.paths import Paths
from subsample.text import shorten
from subsample.times import iso_utc, parse_iso

FORMATS = ("rss", "atom", "json", "jsonl")


def _latest_offsets(paths: Paths, source_id: str, newest: int | None = None) -> list[tuple[int, int]]:
    config.find_source(paths, source_id)
    with Index(paths) as index:
        index.sync(source_id)
        return index.latest_offsets(source_id, newest)


def _latest_lines(paths: Paths, source_id: str, newest: int | None = None) -> Iterator[bytes]:
    """The stored line of each post's latest revision (of the NEWEST posts only, if given),
    oldest post first; one open file."""
    offsets = _latest_offsets(paths, source_id, newest)
    try:
        with open(paths.archive(source_id), "rb") as f:
            for off, length in offsets:
                f.seek(off)
                yield f.read(length)
    except FileNotFoundError:
        return  # a source that was never fetched has no archive yet
    except OSError as e:
        raise StorageError(f"cannot read {paths.archive(source_id)}: {e.strerror}") from None


def latest_posts(paths: Paths, source_id: str, newest: int | None = None) -> list[Post]:
    """The latest revision of every post of a source (or of its NEWEST posts), oldest first.

    Raises:
        SourceNotFoundError: no source and no archive of that name.
    """
    try:
        return [json.loads(line) for line in _latest_lines(paths, source_id, newest)]
    except ValueError:
        # The file changed under the index (edited by hand?): report it, never a traceback.
        raise StorageError(f"{paths.archive(source_id)} changed while being read; try again") from None


def write_jsonl(paths: Paths, source_id: str, out: BinaryIO) -> None:
    """The latest revision of each post, copied line for line (constant memory, no parsing),
    with "fulltext" added to the line of a post whose page was read: its article and where
    and when it came from, as `read --json` shows it."""
    from subsample.archive import fulltext

    with Index(paths) as index:
        index.sync_fulltext(source_id)
        texts = index.full_texts(source_id)
    if not texts:
        for line in _latest_lines(paths, source_id):
            out.write(line)
        return
    try:
        with open(fulltext.path(paths, source_id), "rb") as full:
            for line in _latest_lines(paths, source_id):
                where = texts.get(_post_number(line))  # type: ignore[arg-type]
                if where is None:
                    out.write(line)
                    continue
                full.seek(where[0])
                text = json.loads(full.read(where[1]))
                added = json.dumps(fulltext.shown(text), ensure_ascii=False, separators=(",", ":"))
                out.write(line.rstrip(b"\r\n")[:-1] + b',"fulltext":' + added.encode() + b"}\n")
    except (OSError, ValueError):
        path = fulltext.path(paths, source_id)
        raise StorageError(f"{path} changed while being read; try again") from None


_NUMBER = re.compile(rb'\{"n":(\d+)[,}]')  # how every line subsample writes begins (archive/jsonl.encode)


def _post_number(line: bytes) -> int | None:
    """The post number of an archive line, read without parsing the line where it can be."""
    found = _NUMBER.match(line)
    if found:
        return int(found.group(1))
    n = json.loads(line).get("n")
    return n if isinstance(n, int) else None


def check_format(fmt: str) -> str:
    """Raises: UsageError for a format we do not write."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    return fmt


def export_source(paths: Paths, source_id: str, fmt: str, newest: int | None = None) -> bytes:
    """The archive of SOURCE_ID (or its NEWEST posts) as a document in FMT.

    Raises:
        UsageError: an unknown format; SourceNotFoundError.
    """
    check_format(fmt)
    if fmt == "jsonl":
        buf = io.BytesIO()
        write_jsonl(paths, source_id, buf)
        return buf.getvalue()
    posts = _with_full_text(paths, source_id, latest_posts(paths, source_id, newest), fmt)
    state = load_state(paths, source_id)
    source = config.load_sources(paths).get(source_id)
    title = (source.title if source else None) or state.title or source_id
    link = state.link or (source.url if source else "") or f"urn:subsample:{source_id}"
    if fmt == "json":
        return _json_feed(posts, title, link)
    return _xml_feed([xml_safe(p) for p in posts], xml_safe(title), xml_safe(link), source_id, fmt)


def _with_full_text(paths: Paths, source_id: str, posts: list[Post], fmt: str) -> list[Post]:
    """POSTS with their full text (read from their pages) as content, the feed's own text
    kept as the summary (plain text in JSON Feed, which wants it so)."""
    from subsample.archive import fulltext

    full = fulltext.latest_html(paths, source_id)
    if not full:
        return posts
    out = []
    for p in posts:
        html_text = full.get(p.get("n"))  # type: ignore[arg-type]
        if html_text is None:
            out.append(p)
            continue
        own = p.get("summary") or p.get("content") or None
        if own and fmt == "json" and not p.get("summary"):
            own = " ".join(html_to_plain(own).split())
        out.append({**p, "content": html_text, "summary": own})
    return out


# What the exports of posts say of their HTML (`export --site` and `serve` clean it with nh3).
HTML_AS_PUBLISHED = "HTML as published, not sanitised: clean it before a browser shows it"


def _json_feed(posts: list[Post], title: str, link: str) -> bytes:
    items = []
    for p in reversed(posts):
        item: dict[str, Any] = {"id": p.get("key") or str(p["n"])}
        for ours, theirs in (("link", "url"), ("title", "title"), ("summary", "summary")):
            if p.get(ours):
                item[theirs] = p[ours]
        for ours, theirs in (("published", "date_published"), ("updated", "date_modified")):
            when = parse_iso(p.get(ours))  # RFC 3339 or nothing: a date we cannot hold is left out
            if when is not None:
                item[theirs] = iso_utc(when)
        item["content_html"] = p.get("content") or p.get("summary") or ""
        if p.get("author"):
            item["authors"] = [{"name": p["author"]}]
        if p.get("tags"):
            item["tags"] = p["tags"]
        if p.get("enclosures"):
            item["attachments"] = [
                {"url": e["url"], "mime_type": e.get("type") or "application/octet-stream"}
                for e in p["enclosures"]
            ]
        items.append(item)
    doc: dict[str, Any] = {"version": "https://jsonfeed.org/version/1.1", "title": title, "items": items}
    # The HTML is the publisher's, embeds and styles included: whoever shows it cleans it.
    doc["_subsample"] = {"html": HTML_AS_PUBLISHED}
    if urls.is_web(link):
        doc["home_page_url"] = link
    return json.dumps(doc, ensure_ascii=False, indent=1).encode()


def _xml_feed(posts: list[Post], title: str, link: str, source_id: str, fmt: str) -> bytes:
    from feedgen.feed import FeedGenerator

    fg = FeedGenerator()
    fg.id(link)
    fg.title(title or source_id)
    fg.link(href=link, rel="alternate")
    fg.description(f"The archive of {title}, kept by subsample; {HTML_AS_PUBLISHED}")
    fg.generator("subsample", __version__)
    newest = None
    for p in posts:  # feedgen puts each new entry first: oldest in, newest on top
        fe = fg.add_entry()
        # A key that was only control characters (which XML cannot carry) or spaces gets a
        # name of its own: read back, an empty id would make the entry some other post's.
        key = (p.get("key") or "").strip() or f"urn:subsample:{source_id}:{p['n']}"
        fe.id(key)
        fe.guid(key, permalink=False)
        # Atom requires a title and RSS a title or description: an untitled post gets a
        # blank one, which every parser (ours included) reads back as no title.
        fe.title(p.get("title") or " ")
        if p.get("link"):
            fe.link(href=p["link"])
        published, updated = parse_iso(p.get("published")), parse_iso(p.get("updated"))
        if published:
            fe.published(published)
        stamp = updated or published or parse_iso(p.get("first_seen")) or datetime.now(UTC)
        fe.updated(stamp)  # required by Atom
        newest = max(filter(None, [newest, stamp]))
        if p.get("author"):
            fe.author(name=p["author"])
        body = p.get("content") or p.get("summary")
        summary = p.get("summary")
        if fmt == "rss" and body and not summary:
            # feedgen moves content into <description> when there is none; a plain-text
            # excerpt keeps the body in content:encoded, where readers look for it.
            excerpt = shorten(" ".join(html_to_plain(body).split()), 300)
            summary = html.escape(excerpt or p.get("title") or "…")
        if not body and not p.get("link") and fmt == "atom":
            body = " "  # Atom wants a link or a content element; blank reads back as none
        if body:
            # CDATA cannot hold "]]>"; such a body goes in escaped instead.
            fe.content(body, type="CDATA" if fmt == "rss" and "]]>" not in body else "html")
        if summary:
            fe.description(summary) if fmt == "rss" else fe.summary(summary)
        for tag in p.get("tags") or []:
            fe.category(term=tag)
    fg.updated(newest or datetime.now(UTC))
    if fmt == "rss":
        return bytes(fg.rss_str(pretty=True))
    return bytes(fg.atom_str(pretty=True))


_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(value: Any) -> Any:
    """VALUE with every character XML 1.0 cannot carry removed (feeds send control bytes)."""
    if isinstance(value, str):
        return _NOT_XML.sub("", value)
    if isinstance(value, list):
        return [xml_safe(v) for v in value]
    if isinstance(value, dict):
        return {k: xml_safe(v) for k, v in value.items()}
    return value


# -- OPML ------------------------------------------------------------------------------


def export_opml(paths: Paths) -> bytes:
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<opml version="2.0">',
        "  <head><title>subsample subscriptions</title></head>",
        "  <body>",
    ]
    for s in config.load_sources(paths).values():
        name = xml_safe(s.title or load_state(paths, s.id).title or s.id)
        lines.append(
            f'    <outline type="rss" text={quoteattr(name)} title={quoteattr(name)}'
            f" xmlUrl={quoteattr(xml_safe(s.url))} subsampleId={quoteattr(s.id)}/>"
        )
    lines += ["  </body>", "</opml>", ""]
    return "\n".join(lines).encode()


@dataclass(frozen=True)
class Skipped:
    """A feed of an OPML file that was not added, and why."""

    feed: str  # its name or URL
    reason: str
    duplicate: bool = False  # already subscribed: nothing is wrong


@dataclass
class ImportReport:
    added: list[str] = field(default_factory=list)  # the new source ids
    skipped: list[Skipped] = field(default_factory=list)

    @property
    def failed(self) -> list[Skipped]:
        """The feeds skipped for a reason worth an exit code (not mere duplicates)."""
        return [s for s in self.skipped if not s.duplicate]


def import_opml(paths: Paths, path: Path, *, limit: int, interval: str) -> ImportReport:
    """Add every feed of an OPML file, all in one write.

    Raises:
        UsageError: the file cannot be read or is not OPML (nothing is added).
    """
    import listparser

    try:
        data = path.read_bytes()
    except OSError as e:
        raise UsageError(f"cannot read {path}: {e.strerror}") from None
    parsed = listparser.parse(data)
    if not parsed.get("feeds") and (parsed.get("bozo") or b"<opml" not in data[:4096].lower()):
        raise UsageError(f"{path} is not an OPML subscription list")
    existing = config.load_sources(paths)
    known_urls = {s.url for s in existing.values()}
    taken = set(existing)
    added: list[Source] = []
    report = ImportReport()
    seconds = config.check_interval(interval)
    for feed in parsed.get("feeds", []):
        url = str(feed.get("url") or "").strip()
        name = str(feed.get("title") or "").strip()
        try:
            url = config.check_url(url) if urls.is_web(url) else _bad_url(url)
        except UsageError as e:
            report.skipped.append(Skipped(repr(name or url), str(e)))
            continue
        if url in known_urls:
            report.skipped.append(Skipped(url, "already subscribed", duplicate=True))
            continue
        sid = config.new_source_id([name, url.split("//", 1)[-1]], taken)
        taken.add(sid)
        known_urls.add(url)
        added.append(Source(id=sid, type="rss", url=url, limit=limit, interval=seconds, title=name or None))
    if added:
        config.add_sources(paths, added)
    report.added = [s.id for s in added]
    return report


def _bad_url(url: str) -> str:
    raise UsageError("not an http(s) URL" if url else "no xmlUrl")


def iter_images(paths: Paths, source_id: str, newest: int | None = None) -> Iterator[dict[str, Any]]:
    """Every image of a source's posts (or of its NEWEST posts), newest post first: n, title, url, alt."""
    for p in reversed(latest_posts(paths, source_id, newest)):
        for img in p.get("images") or []:
            if isinstance(img, dict) and isinstance(img.get("url"), str):
                yield {"n": p["n"], "title": p.get("title"), "url": img["url"], "alt": img.get("alt")}

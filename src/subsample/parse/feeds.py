"""Feed bytes -> a ParsedFeed: JSON Feed by its own reader; XML by the fast reader
(fastxml) when it knows the feed, by feedparser otherwise.

Nothing here touches the network or the disk; entries come out in the shape of a post
record (less the archive's own fields: n, revision, first_seen, archived).
"""

from __future__ import annotations

from typing import Any

from subsample.errors import FetchError
from subsample.parse.entry import (
    Entry,
    ParsedFeed,
    absolute,
    html_title_to_plain,
    html_to_plain,
    integer,
    iso_from_struct,
    make_entry,
    one_line,
    text,
    text_to_html,
)
from subsample.parse.jsonfeed import parse_json_feed

__all__ = ["ParsedFeed", "from_feedparser_shape", "parse_feed", "parse_with_feedparser", "warm_up"]


def parse_feed(
    body: bytes, url: str, content_type: str | None = None, *, trim_lead: bool = True
) -> ParsedFeed:
    """Parse BODY, fetched from URL, as any supported feed format.

    TRIM_LEAD: XML is read from its first "<". Whitespace before an XML declaration makes
    a document not well-formed, and feedparser then reads it with its loose parser, which
    differs (an `&amp;` in a category doubled, `&quot;` in an attribute undone); 5 of 181
    real feeds, 3.2 MB of 24, came so (a WordPress plugin's stray newline). Trimmed, they
    are read strictly, and by the fast reader. False: as subsample read them before, for a
    source archived so (pipeline.trims_lead), so that its posts get no false revisions.

    Raises:
        FetchError: BODY is empty or is not a feed at all (an HTML page, say).
    """
    if not body.strip():
        raise FetchError("the response was empty, not a feed")
    head = body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head in (b"{", b"[") or (content_type or "").split(";")[0].strip().endswith("json"):
        return parse_json_feed(body)
    if trim_lead and body[:1] in b" \t\r\n" and head == b"<":
        body = body.lstrip(b" \t\r\n")
    from subsample.parse import fastxml

    # The fast reader gives feedparser's answer for the feeds it knows, or None.
    fast = fastxml.read(body, content_type)
    if fast is not None:
        return from_feedparser_shape(fast, url, warning=None)
    return parse_with_feedparser(body, url, content_type)


def warm_up() -> None:
    """Import what parsing XML needs, ahead of the first feed (a download worker does this
    while its first requests are on the wire)."""
    import feedparser  # noqa: F401
    import lxml.etree  # noqa: F401

    from subsample.parse import fastxml  # noqa: F401


def parse_with_feedparser(body: bytes, url: str, content_type: str | None) -> ParsedFeed:
    """The reference reader: every XML feed the fast reader declines, and the tests' yardstick.

    Raises:
        FetchError: BODY is not a feed at all, or feedparser fails on it.
    """
    import feedparser

    headers = {"content-type": content_type} if content_type else {}
    # HTML is stored as the feed sent it (it is cleaned when shown), so feedparser's
    # sanitizer and URI rewriting are off. No base URL is given: feedparser would also
    # "resolve" a guid like "post-3" into a URL. Links are made absolute here instead.
    try:
        d = feedparser.parse(body, response_headers=headers, sanitize_html=False, resolve_relative_uris=False)
    except RecursionError:
        raise
    except Exception as e:  # feedparser's own failure on odd input (a stray <gml:pos>: KeyError)
        raise FetchError(f"the feed could not be read ({one_line(repr(e))})") from None
    if not d.get("version") and not d.entries:
        reason = d.get("bozo_exception")
        detail = f" ({one_line(str(reason))})" if reason else ""
        raise FetchError(f"the response is not a feed{detail}")
    warning = None
    problem = d.get("bozo_exception")
    # A missing or non-XML Content-Type, or a charset that had to be overridden, is
    # everyday noise from real servers, not a problem with the feed.
    from feedparser.exceptions import ThingsNobodyCaresAboutButMe as benign

    if d.get("bozo") and not isinstance(problem, benign):
        warning = one_line(str(problem or "malformed feed"))
    return from_feedparser_shape(d, url, warning)


def from_feedparser_shape(d: Any, url: str, warning: str | None) -> ParsedFeed:
    """A ParsedFeed from feedparser's result (or the fast reader's copy of its shape)."""
    feed = d.get("feed", {})
    return ParsedFeed(
        title=_text_of(feed, "title"),
        link=text(feed.get("link")),
        format=str(d.get("version") or "unknown"),
        entries=[_entry(e, url) for e in d["entries"]],
        warning=warning,
        self_url=_self_link(feed, url),
        # itunes:new-feed-url is no element feedparser knows: it keeps it under its own name.
        new_url=absolute(text(feed.get("itunes_new-feed-url")), url),
        links=_links(feed),
        generator=text(feed.get("generator")),
        # feedparser files RFC 5005's <fh:complete/> under its document prefix, "fh" by
        # convention (every feed we have seen spells it so).
        complete="fh_complete" in feed,
    )


def _self_link(feed: Any, base: str) -> str | None:
    """The feed's first rel="self" link, made absolute against BASE."""
    for link in feed.get("links") or []:
        if link.get("rel") == "self" and text(link.get("href")):
            return absolute(link["href"].strip(), base)
    return None


def _links(feed: Any) -> dict[str, str]:
    """The feed's own links by rel, the first of each, "alternate" left to `link`."""
    links: dict[str, str] = {}
    for link in feed.get("links") or []:
        rel, href = str(link.get("rel") or "alternate").lower(), text(link.get("href"))
        if rel != "alternate" and href is not None:
            links.setdefault(rel, href.strip())
    return links


def _entry(e: Any, base: str) -> Entry:
    content = None
    for c in e.get("content") or []:
        if text(c.get("value")) and (content is None or "html" in str(c.get("type", ""))):
            content = c["value"]
            if c.get("type") == "text/plain":
                content = text_to_html(content)
    summary = text(e.get("summary"))
    if summary and e.get("summary_detail", {}).get("type") == "text/plain":
        summary = text_to_html(summary)
    if summary == content:
        summary = None  # feedparser copies content:encoded into summary when there is no description
    enclosures = []
    for enc in e.get("enclosures") or []:
        if text(enc.get("href")):
            enclosures.append(
                {"url": enc["href"], "type": text(enc.get("type")), "length": integer(enc.get("length"))}
            )
    images = [
        {"url": m["url"], "alt": None}
        for key in ("media_content", "media_thumbnail")
        for m in (e.get(key) or [])
        if text(m.get("url")) and (key == "media_thumbnail" or "image" in str(m.get("medium", "image")) or str(m.get("type", "")).startswith("image/"))
    ]  # fmt: skip
    published = iso_from_struct(e.get("published_parsed"))
    updated = iso_from_struct(dict.get(e, "updated_parsed"))  # .get would fall back to published
    return make_entry(
        id=text(e.get("id")),
        link=absolute(text(e.get("link")), base),
        title=_text_of(e, "title"),
        read_before={"title": _text_of(e, "title", spaced=True)},
        author=text(e.get("author")),
        published=published,
        updated=updated,
        summary=summary,
        content=content,
        tags=[t["term"] for t in e.get("tags") or [] if text(t.get("term"))],
        enclosures=enclosures,
        extra_images=images,
        date_text=_unheld(dict.get(e, "published"), published) or _unheld(dict.get(e, "updated"), updated),
    )


def _unheld(written: Any, held: str | None) -> str | None:
    """WRITTEN, a date as the feed wrote it, when it gave no UTC time (HELD is None)."""
    return written.strip() if held is None and text(written) else None


def _text_of(obj: Any, key: str, spaced: bool = False) -> str | None:
    """A title as plain text: Atom allows HTML titles, which we store as text. SPACED: as
    subsample read them before issue 21, every tag a space ("625ft 2")."""
    value = text(obj.get(key))
    if value is None:
        return None
    if "html" in str(obj.get(f"{key}_detail", {}).get("type", "")):
        value = html_to_plain(value) if spaced else html_title_to_plain(value)
    return value

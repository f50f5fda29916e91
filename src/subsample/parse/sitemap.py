"""Sitemaps (sitemaps.org 0.9): what a site says its pages are, read safely. Pure, no network.

A sitemap is a <urlset> of <url><loc>…</loc><lastmod>…</lastmod></url>, or a <sitemapindex>
of <sitemap><loc>…</loc></sitemap> naming other sitemaps (WordPress's wp-sitemap.xml, Ghost's
sitemap.xml, Yoast's sitemap_index.xml). Either may come gzipped (`sitemap.xml.gz`).

The XML is hostile until shown otherwise: it is read by lxml with no entities, no DTD and no
network (the parser feeds are read with, parse/fastxml.py), a document with a DOCTYPE is
refused outright, and a gzipped one is inflated only up to MAX_BYTES (the standard's cap on
an uncompressed sitemap), so a gzip bomb stops there.
"""

from __future__ import annotations

import io
import re
import zlib
from dataclasses import dataclass, field
from typing import Any

from subsample import urls
from subsample.parse.entry import iso_from_text

MAX_BYTES = 50 * 1024 * 1024  # sitemaps.org: "no larger than 50MB (52,428,800 bytes)" uncompressed
MAX_URLS = 50_000  # sitemaps.org: "no more than 50,000 URLs" a sitemap
_SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
_GZIP = b"\x1f\x8b"


@dataclass(frozen=True)
class Listed:
    """One <url> or <sitemap> of a sitemap: where, and when it last changed, if it says."""

    loc: str
    lastmod: str | None = None  # ISO 8601 UTC, as the archive stores dates


@dataclass
class Sitemap:
    urls: list[Listed] = field(default_factory=list)  # a <urlset>'s pages
    sitemaps: list[Listed] = field(default_factory=list)  # a <sitemapindex>'s sitemaps


class TooLarge(Exception):
    """A gzipped sitemap inflates past MAX_BYTES."""


def inflate(body: bytes, max_bytes: int = MAX_BYTES) -> bytes:
    """BODY ungzipped when it is gzip (whatever the URL or Content-Type says), else as it is.

    Raises:
        TooLarge: it inflates past MAX_BYTES.
        zlib.error: it is not valid gzip.
    """
    if not body.startswith(_GZIP):
        return body
    d = zlib.decompressobj(wbits=31)
    out = d.decompress(body, max_bytes + 1)
    if len(out) > max_bytes or d.unconsumed_tail:
        raise TooLarge(f"a gzipped sitemap inflates past {max_bytes} bytes")
    return out


def parse_sitemap(body: bytes, max_urls: int = MAX_URLS) -> Sitemap | None:
    """The pages or sitemaps BODY lists (at most MAX_URLS of each, http(s) only), or None when
    it is no sitemap: not XML, a DOCTYPE or entity in it, gzip that will not inflate, no
    <urlset> or <sitemapindex> at its root."""
    from lxml import etree

    try:
        body = inflate(body)
    except (TooLarge, zlib.error):
        return None
    # Streamed, each <url> dropped once read: a whole tree of a 32 MB sitemap of empty
    # elements took 1 GB of memory (found in review); this keeps one <url> at a time.
    events = etree.iterparse(
        io.BytesIO(body),
        events=("end",),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    root: Any = None
    name = child = ""
    listed: list[Listed] = []
    loc: str | None = None
    lastmod: str | None = None
    # Elements read at most: a real sitemap's <url> holds a handful (loc, lastmod, changefreq,
    # priority, an image or two); a hostile one of 8 million empty elements would take 18 s.
    budget = max_urls * 16
    try:
        for seen, (_, el) in enumerate(events):
            if seen > budget:
                break
            if root is None:
                root = el.getroottree().getroot()
                docinfo = el.getroottree().docinfo
                if docinfo.doctype or docinfo.internalDTD is not None:
                    return None
                name = _local(root.tag)
                if name not in ("urlset", "sitemapindex"):
                    return None
                child = "url" if name == "urlset" else "sitemap"
            if el is root:
                break
            parent = el.getparent()
            if parent is root:  # a <url> or <sitemap> (or a stray element) ended
                if _local(el.tag) == child and loc and urls.is_web(loc):
                    listed.append(Listed(loc, lastmod))
                loc = lastmod = None
                root.remove(el)
                if len(listed) >= max_urls:
                    break
                continue
            if parent is not None and parent.getparent() is root and _local(parent.tag) == child:
                tag = _local(el.tag)
                if tag == "loc":
                    loc = (el.text or "").strip()
                elif tag == "lastmod":
                    lastmod = iso_from_text(_w3c((el.text or "").strip()))
            if parent is not None:
                parent.remove(el)  # (read, or nothing of ours: gone either way)
    except (etree.XMLSyntaxError, ValueError):
        return None
    if root is None:
        return None
    return Sitemap(urls=listed) if name == "urlset" else Sitemap(sitemaps=listed)


def _local(tag: object) -> str:
    # The 0.9 namespace, or none (sitemaps written by hand); anything else is not ours.
    if not isinstance(tag, str):
        return ""  # a comment or entity node
    if tag.startswith(_SM):
        return tag[len(_SM) :]
    return tag if not tag.startswith("{") else ""


def _w3c(value: str) -> str:
    """A W3C datetime (sitemaps' format) as fromisoformat reads it: "2024-05" is May 1st;
    "2024-05-01T10:00+01:00" (no seconds) is fine already."""
    if re.fullmatch(r"\d{4}", value):
        return f"{value}-01-01"
    if re.fullmatch(r"\d{4}-\d{2}", value):
        return f"{value}-01"
    return value


# -- which sitemaps of an index hold posts -------------------------------------------------

# Words in a sitemap's file name that say what it lists: Ghost's sitemap-posts.xml and
# sitemap-tags.xml, WordPress's wp-sitemap-posts-post-1.xml, wp-sitemap-posts-page-1.xml,
# wp-sitemap-taxonomies-category-1.xml and wp-sitemap-users-1.xml, Yoast's post-sitemap.xml,
# page-sitemap.xml, post_tag-sitemap.xml, category-sitemap.xml and author-sitemap.xml.
_NOT_POSTS = frozenset(("tag", "tags", "category", "categories", "author", "authors", "user", "users",
                        "taxonomy", "taxonomies", "format", "formats"))  # fmt: skip
_PAGES = frozenset(("page", "pages"))
_POSTS = frozenset(("post", "posts", "article", "articles", "blog", "news", "entries", "entry"))


def kind_of(sitemap_url: str) -> str:
    """What a sitemap named SITEMAP_URL lists, by its file name: "posts", "pages", "none"
    (tags, categories, authors: never posts) or "other" (a name that says nothing)."""
    name = sitemap_url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1].lower()
    words = set(re.split(r"[^a-z]+", name))
    if words & _NOT_POSTS:
        return "none"
    if words & _PAGES:
        return "pages"
    if words & _POSTS:
        return "posts"
    return "other"


def worth_reading(sitemaps: list[Listed]) -> list[Listed]:
    """The sitemaps of an index to follow: only those named for posts when some are, else
    every one but those named for tags, categories or authors."""
    posts = [s for s in sitemaps if kind_of(s.loc) == "posts"]
    if posts:
        return posts
    return [s for s in sitemaps if kind_of(s.loc) != "none"]

"""A web page -> the feeds it offers: candidate links, and which found feed is best.

Pure: nothing here touches the network. fetch/discover.py fetches the page and each
candidate, and only a candidate that parses as a feed counts.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

from subsample import urls

# The types of <link rel="alternate"> that announce a feed. Plain application/json is
# what JSON Feed 1.0 said; WordPress also uses it for its REST API, which the parse weeds out.
FEED_TYPES = {
    "application/rss+xml": "rss",
    "application/atom+xml": "atom",
    "application/rdf+xml": "rdf",
    "application/rss+rdf": "rdf",
    "application/feed+json": "json",
    "application/json": "json",
}

# Where sites put a feed without saying so (WordPress, Hugo, Jekyll, Ghost, Blogger, ...).
WELL_KNOWN = (
    "feed",
    "feed/",
    "rss",
    "rss.xml",
    "atom.xml",
    "feed.xml",
    "index.xml",
    "feed.json",
    "atom",
    "index.rss",
)

# A hostile page may list thousands of links: only this many are fetched.
MAX_CANDIDATES = 12

# Words that mark a comment feed ("Comments Feed", /comments/feed/) in a title or a URL.
_COMMENTS = re.compile(r"comment|kommentar|reacties|respuestas", re.IGNORECASE)


@dataclass(frozen=True)
class Candidate:
    url: str
    title: str | None = None
    via: str = "link"  # "link" (<link> tag), "header" (Link: header) or "guess" (a well-known path)


@dataclass(frozen=True)
class Found:
    """A candidate that parsed as a feed, with what ranking needs to know of it."""

    url: str
    title: str | None
    format: str  # as parse_feed names it: rss20, atom10, rss10, json1.1, ...
    via: str
    posts: frozenset[str]  # the entries' links (or ids), to see that two feeds are one site's same posts
    full: bool  # most entries carry full content, not only a summary

    @property
    def comments(self) -> bool:
        return bool(_COMMENTS.search(self.title or "") or _COMMENTS.search(urlsplit(self.url).path))


_PAGE_SUFFIXES = (".html", ".htm", ".shtml", ".php", ".asp", ".aspx", ".jsp")


def looks_like_page(url: str) -> bool:
    """Whether URL names a web page rather than a feed: a site (`https://example.org`), a
    folder (`.../blog/`) or an HTML file. `add` looks for feeds only at such URLs."""
    path = urlsplit(url).path
    return path in ("", "/") or path.endswith("/") or path.lower().endswith(_PAGE_SUFFIXES)


def links_in_html(html: bytes, page_url: str, content_type: str | None = None) -> list[Candidate]:
    """The feeds a page announces with <link rel="alternate" type=...>, in page order, each URL once."""
    doc = _document(html, content_type)
    if doc is None:
        return []
    base = _base_of(doc, page_url)
    found: list[Candidate] = []
    for link in doc.iter("link"):
        rel = str(link.get("rel") or "").lower().split()
        kind = str(link.get("type") or "").split(";")[0].strip().lower()
        # rel may hold several words ("alternate home"); "alternate stylesheet" is a style.
        if "alternate" not in rel or "stylesheet" in rel or kind not in FEED_TYPES:
            continue
        _append(found, base, str(link.get("href") or ""), _title(link.get("title")), "link")
    return found


def _base_of(doc: Any, page_url: str) -> str:
    """Where the page's relative links start from: its <base href>, else PAGE_URL."""
    for href in doc.xpath("//base/@href")[:1]:
        with contextlib.suppress(ValueError):  # <base href="http://["> stays the page's own
            return urljoin(page_url, str(href).strip())
    return page_url


def canonical_link(html: bytes, page_url: str) -> str | None:
    """The page's <link rel="canonical">, made absolute (a YouTube @handle's page names its channel so)."""
    doc = _document(html)
    if doc is None:
        return None
    for link in doc.iter("link"):
        if "canonical" in str(link.get("rel") or "").lower().split() and link.get("href"):
            with contextlib.suppress(ValueError):
                return urljoin(page_url, str(link.get("href")).strip())
    return None


def links_with_rel(html: bytes, page_url: str, rel: str, content_type: str | None = None) -> list[str]:
    """The hrefs of the page's <link>s whose rel holds REL, made absolute, in page order."""
    doc = _document(html, content_type)
    if doc is None:
        return []
    base = _base_of(doc, page_url)
    found = []
    for link in doc.iter("link"):
        if rel.lower() in str(link.get("rel") or "").lower().split() and link.get("href"):
            with contextlib.suppress(ValueError):
                found.append(urljoin(base, str(link.get("href")).strip()))
    return found


def header_links_with_rel(link_header: str | None, page_url: str, rel: str) -> list[str]:
    """The targets of an HTTP Link header (RFC 8288) whose rel holds REL, made absolute."""
    found = []
    for target, params in _LINK.findall(link_header or ""):
        attrs = {k.lower(): v.strip('"') for k, v in _PARAM.findall(params)}
        if rel.lower() in attrs.get("rel", "").lower().split():
            with contextlib.suppress(ValueError):
                found.append(urljoin(page_url, target.strip()))
    return found


def generator_of(html: bytes, content_type: str | None = None) -> str | None:
    """The page's <meta name="generator" content=...> ("WordPress 6.4.2"), if any."""
    doc = _document(html, content_type)
    if doc is None:
        return None
    for meta in doc.iter("meta"):
        if str(meta.get("name") or "").strip().lower() == "generator" and meta.get("content"):
            return str(meta.get("content")).strip()[:200]
    return None


def _document(html: bytes, content_type: str | None = None) -> Any:
    import lxml.etree
    import lxml.html

    if not html.strip():
        return None
    # The header's charset wins; else UTF-8 if it reads as such; else lxml's guess (<meta charset>).
    charset = re.search(r"charset=[\"']?([\w.:-]+)", content_type or "", re.IGNORECASE)
    text: str | bytes = html
    with contextlib.suppress(LookupError, UnicodeDecodeError):
        text = html.decode(charset.group(1) if charset else "utf-8")
    if isinstance(text, str):
        text = re.sub(r"^\s*<\?xml[^>]*>", "", text)  # lxml refuses a str that declares an encoding
    # no_network: a page cannot make the parser fetch anything; HTML has no entity expansion to fear.
    parser = lxml.html.HTMLParser(no_network=True, remove_comments=True, remove_pis=True)
    try:
        return lxml.html.document_fromstring(text, parser=parser)
    except (lxml.etree.ParserError, ValueError):
        return None


def links_in_header(link_header: str | None, page_url: str) -> list[Candidate]:
    """The feeds an HTTP Link header announces (RFC 8288): `<url>; rel="alternate"; type="..."`."""
    found: list[Candidate] = []
    for target, params in _LINK.findall(link_header or ""):
        attrs = {k.lower(): v.strip('"') for k, v in _PARAM.findall(params)}
        rel = attrs.get("rel", "").lower().split()
        if "alternate" in rel and attrs.get("type", "").lower() in FEED_TYPES:
            _append(found, page_url, target, _title(attrs.get("title")), "header")
    return found


_LINK = re.compile(r"<([^>]*)>((?:\s*;\s*[\w*-]+\s*=\s*(?:\"[^\"]*\"|[^;,\s]*))*)")
_PARAM = re.compile(r";\s*([\w*-]+)\s*=\s*(\"[^\"]*\"|[^;,\s]*)")


def well_known(page_url: str) -> list[Candidate]:
    """The usual feed paths at the page's folder, then at the site's root."""
    parts = urlsplit(page_url)
    folders = [parts.path[: parts.path.rfind("/") + 1] or "/", "/"]
    guesses = [
        urlunsplit((parts.scheme, parts.netloc, folder + path, "", ""))
        for folder in dict.fromkeys(folders)
        for path in WELL_KNOWN
    ]
    return [Candidate(url, None, "guess") for url in guesses]


def rank(feeds: Sequence[Found]) -> list[Found]:
    """FEEDS best first: the site's own feeds before comment feeds; of two feeds with the
    same posts, the one with full content first; otherwise the order they were found in
    (a page lists its main feed first)."""

    def summaries_only(f: Found) -> bool:
        return not f.full and any(
            g.full and not g.comments and _same_posts(f, g) for g in feeds if g is not f
        )

    return sorted(feeds, key=lambda f: (f.comments, summaries_only(f)))


def _same_posts(a: Found, b: Found) -> bool:
    if not a.posts or not b.posts:
        return False
    return len(a.posts & b.posts) * 2 >= min(len(a.posts), len(b.posts))


# What a person calls each format parse_feed names.
FORMAT_NAMES = {
    "rss090": "RSS 0.90",
    "rss091n": "RSS 0.91",
    "rss091u": "RSS 0.91",
    "rss092": "RSS 0.92",
    "rss093": "RSS 0.93",
    "rss094": "RSS 0.94",
    "rss20": "RSS 2.0",
    "rss": "RSS",
    "rss10": "RDF (RSS 1.0)",
    "atom03": "Atom 0.3",
    "atom10": "Atom 1.0",
    "atom": "Atom",
    "json1": "JSON Feed 1.0",
    "json1.1": "JSON Feed 1.1",
}


def format_name(fmt: str) -> str:
    return FORMAT_NAMES.get(fmt, fmt)


def _append(found: list[Candidate], base: str, href: str, title: str | None, via: str) -> None:
    """Add HREF (relative to BASE) unless it is not http(s) or is already there (a page that
    lists one URL as both RSS and Atom offers one feed)."""
    href = href.strip()
    if not href or len(found) >= MAX_CANDIDATES:
        return
    try:
        url = urls.normalize(urljoin(base, href).split("#")[0])
    except ValueError:
        return
    if any(c.url == url for c in found):
        return
    found.append(Candidate(url, title, via))


def _title(value: object) -> str | None:
    text = " ".join(str(value or "").split())
    return text[:200] or None

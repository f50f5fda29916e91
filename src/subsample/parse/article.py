"""Is a web page a post, and what does it say of itself? Pure: the page's HTML in, its
metadata out; no network.

A site's sitemap lists every page, posts among about pages, tag pages and the home page. A
page is taken for a post only when it says it is an article, in one of the three ways sites
say so:

- Open Graph: <meta property="og:type" content="article">;
- JSON-LD: an object of @type Article, BlogPosting, NewsArticle (or another schema.org
  Article type), at the top of a <script type="application/ld+json">, in a list there, or in
  its @graph (Yoast writes the graph form);
- <meta property="article:published_time">, which only an article carries.

Some generators call every single page an article (Hugo's own Open Graph template does, its
about page too), so a URL whose path names a page that is never a post (/about/, /tags/x/,
/page/2/) is refused before it is read (`never_a_post`).

Title, dates and author are read from the JSON-LD first (headline, datePublished,
dateModified, author.name), then Open Graph (og:title, article:published_time,
article:modified_time), then the page (<time datetime> in its <article>, <title>).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

from subsample import urls
from subsample.parse.entry import iso_from_text
from subsample.parse.extract import page_tree

# schema.org's Article and the types under it that blogs and news sites use.
ARTICLE_TYPES = frozenset((
    "article", "blogposting", "newsarticle", "techarticle", "scholarlyarticle", "report",
    "liveblogposting", "socialmediaposting", "analysisnewsarticle", "opinionnewsarticle",
    "reportagenewsarticle", "reviewnewsarticle", "backgroundnewsarticle", "advertisercontentarticle",
    "satiricalarticle",
))  # fmt: skip
MAX_JSON_LD = 1024 * 1024  # a script larger than this is no page's metadata
# Path segments that name a page that is never a post, wherever it sits.
_LISTING_SEGMENTS = frozenset(("tag", "tags", "category", "categories", "author", "authors", "topics"))
# Last segments that name a page that is never a post.
_NOT_POST_PAGES = frozenset((
    "about", "about-me", "about-us", "contact", "contact-me", "contact-us", "privacy", "privacy-policy",
    "imprint", "impressum", "terms", "archive", "archives", "search", "tags", "categories", "subscribe",
    "404",
))  # fmt: skip


@dataclass(frozen=True)
class PageMeta:
    """What a page says of itself."""

    article: (
        str | None
    )  # how it says it is an article ("og:type", "json-ld", "article:published_time"); None: it does not
    title: str | None = None
    published: str | None = None  # ISO 8601 UTC
    updated: str | None = None
    author: str | None = None
    canonical: str | None = None  # its <link rel="canonical">, absolute
    description: str | None = None


def never_a_post(url: str, folder: str = "/") -> bool:
    """Whether URL's path names a page that is never a post, just inside FOLDER (the site's
    own, "/" or "/blog/"): a tag, category or author page (/tag/x/), a numbered page of a
    listing (/page/2/), an about, contact or archive page (/about/). Deeper down such a name
    is a post's own (Jekyll's /2013/12/25/tags/ is a post titled "Tags")."""
    try:
        path = unquote(urlsplit(url).path)
    except ValueError:
        return False
    if not path.startswith(folder):
        return False
    segments = [s.lower() for s in path[len(folder) :].split("/") if s]
    if segments and segments[-1] in ("index.html", "index.htm", "index.php"):
        segments.pop()
    if not segments:
        return False
    first = segments[0].removesuffix(".html").removesuffix(".htm")
    if first in _LISTING_SEGMENTS or (first == "page" and len(segments) > 1 and segments[1].isdigit()):
        return True
    if re.fullmatch(r"page\d+", first):  # jekyll-paginate's /page2/
        return True
    return len(segments) == 1 and first in _NOT_POST_PAGES


def read_meta(page: str, url: str) -> PageMeta:
    """What PAGE (the HTML of URL, decoded) says of itself; never raises."""
    root = page_tree(page)
    if root is None:
        return PageMeta(article=None)
    meta = _metas(root)
    ld = _json_ld_article(root)

    article = None
    if ld is not None:
        article = "json-ld"
    elif (meta.get("og:type") or "").strip().lower() == "article":
        article = "og:type"
    elif meta.get("article:published_time"):
        article = "article:published_time"

    ld = ld or {}
    title = _text(ld.get("headline")) or _text(ld.get("name")) or meta.get("og:title") or _title(root)
    published = (
        iso_from_text(_text(ld.get("datePublished")))
        or iso_from_text(meta.get("article:published_time"))
        or _time_in_article(root)
    )
    updated = iso_from_text(_text(ld.get("dateModified"))) or iso_from_text(meta.get("article:modified_time"))
    author = _author(ld.get("author")) or meta.get("author") or _not_url(meta.get("article:author"))
    return PageMeta(
        article=article,
        title=_one_line(title),
        published=published,
        updated=updated,
        author=_one_line(author),
        canonical=_canonical(root, url),
        description=_one_line(meta.get("og:description") or meta.get("description")),
    )


def _metas(root: Any) -> dict[str, str]:
    """<meta property|name=K content=V>, the first of each K (lower-cased)."""
    found: dict[str, str] = {}
    for el in root.iter("meta"):
        key = (el.get("property") or el.get("name") or "").strip().lower()
        value = el.get("content")
        if key and value is not None and key not in found:
            found[key] = value.strip()
    return found


def _json_ld_article(root: Any) -> dict[str, Any] | None:
    """The first Article-typed object of the page's JSON-LD: at the top of a script, in a
    list there, or in an @graph. Not deeper: a home page's list of BlogPostings
    (itemListElement, blogPost) does not make the home page a post."""
    for el in root.iter("script"):
        if (el.get("type") or "").strip().lower() != "application/ld+json":
            continue
        text = el.text or ""
        if len(text) > MAX_JSON_LD:
            continue
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            continue
        for node in _top_nodes(data):
            if _is_article_type(node.get("@type")):
                return node
    return None


def _top_nodes(data: Any) -> list[dict[str, Any]]:
    tops = data if isinstance(data, list) else [data]
    nodes: list[dict[str, Any]] = []
    for top in tops:
        if not isinstance(top, dict):
            continue
        nodes.append(top)
        graph = top.get("@graph")
        if isinstance(graph, list):
            nodes.extend(n for n in graph if isinstance(n, dict))
        elif isinstance(graph, dict):
            nodes.append(graph)
    return nodes


def _is_article_type(value: Any) -> bool:
    types = value if isinstance(value, list) else [value]
    for t in types:
        if isinstance(t, str):
            # "BlogPosting", "schema:BlogPosting", "https://schema.org/BlogPosting"
            name = re.split(r"[/:#]", t.strip())[-1].lower()
            if name in ARTICLE_TYPES:
                return True
    return False


def _text(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("@value")
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        text = str(value).strip()
        return text or None
    return None


def _author(value: Any) -> str | None:
    people = value if isinstance(value, list) else [value]
    names = []
    for p in people:
        name = _text(p.get("name")) if isinstance(p, dict) else _text(p)
        if name and name not in names and not urls.is_web(name):
            names.append(name)
    return ", ".join(names) or None


def _not_url(value: str | None) -> str | None:
    return None if not value or urls.is_web(value) else value


def _title(root: Any) -> str | None:
    el = root.find(".//title")
    return el.text_content() if el is not None else None


def _time_in_article(root: Any) -> str | None:
    """The first <time datetime> of the page's <article> (or one marked datePublished)."""
    for path in (".//article//time[@datetime]", ".//time[@itemprop='datePublished'][@datetime]"):
        for el in root.iterfind(path):
            when = iso_from_text(el.get("datetime"))
            if when:
                return when
    return None


def _canonical(root: Any, url: str) -> str | None:
    for el in root.iter("link"):
        if "canonical" in (el.get("rel") or "").lower().split():
            href = (el.get("href") or "").strip()
            if not href:
                return None
            try:
                found = urljoin(url, href)
            except ValueError:
                return None
            return found if urls.is_web(found) else None
    return None


def _one_line(value: str | None) -> str | None:
    if value is None:
        return None
    text = " ".join(value.split())
    return text or None

"""Archived HTML made inert for a browser, with nh3 (Python bindings to Rust's ammonia).

What survives: text structure (headings, lists, tables, quotes, code, figures), links and
images whose URLs are http(s) (relative ones resolved against the post's own link first).
What never does: script, style, forms, iframes, objects, event handlers, `style` and
`class` attributes (so a post cannot restyle the page: fixed overlays, giant fonts),
`javascript:`/`data:` URLs. nh3 cleans a 5 KB post in about 0.05 ms.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urljoin, urlsplit

import nh3

from subsample.text import clean

_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "col", "colgroup", "dd",
    "del", "details", "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3",
    "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s",
    "samp", "small", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot",
    "th", "thead", "time", "tr", "u", "ul", "var", "wbr",
}  # fmt: skip
_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "abbr": {"title"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "ol": {"start", "reversed"},
    "li": {"value"},
    "time": {"datetime"},
    "q": {"cite"},
    "blockquote": {"cite"},
}
_URL_ATTRIBUTES = {"href", "src", "cite"}
_NUMERIC = {"width", "height", "colspan", "rowspan", "start", "value"}


def sanitize(html: str, base: str | None = None, local: Callable[[str], str | None] | None = None) -> str:
    """HTML that can be put in a page as it is. BASE resolves relative URLs (the post's link);
    LOCAL maps an image URL to a local copy's URL (downloaded images), or None."""

    def keep(tag: str, attr: str, value: str) -> str | None:
        if attr in _NUMERIC:
            return value if value.strip().isdigit() and len(value) < 7 else None
        if attr not in _URL_ATTRIBUTES:
            return value
        url = urljoin(base, value.strip()) if base else value.strip()
        if urlsplit(url).scheme.lower() not in ("http", "https"):
            return None
        if tag == "img" and local is not None:
            return local(url) or url
        return url

    return str(
        nh3.clean(
            clean(html),
            tags=_TAGS,
            clean_content_tags={"script", "style", "template", "noscript", "title", "textarea", "select"},
            attributes=_ATTRIBUTES,
            attribute_filter=keep,
            url_schemes={"http", "https"},
            link_rel="noopener noreferrer nofollow",
            set_tag_attribute_values={"img": {"loading": "lazy", "referrerpolicy": "no-referrer"}},
        )
    )

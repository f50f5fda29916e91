"""The article in a web page: the full text of a post whose feed gave only a teaser.

Pure: page bytes in, article HTML out; no network, no disk. trafilatura finds the article
(chosen on its own 990-page evaluation set, asked for HTML as we use it,
benchmarks/extract_bench.py: F1 .916 at 26 ms a page against readability-lxml's .872 at
28 ms); a CSS selector of the user's own overrides it, as Miniflux and FreshRSS allow.
trafilatura costs 150 ms of import, so nothing imports this module but a fetch that has a
page to read.

A teaser is decided by `looks_like_teaser`; a page is taken as the post's full text only if
it holds the teaser's opening words (`holds_teaser`): a link blog's link leads to someone
else's article, and an extractor that picked the comments instead of the post would fail
that check too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from subsample.errors import FetchError

# Fewer words than this in a post's feed text, and the page is worth a look (in a corpus of
# 180 real feeds, 113 have a median entry under 150 words: news, many blogs, link blogs).
TEASER_WORDS = 150
# How a teaser says "the rest is on the site": the end of its text, or a link's words.
_CONTINUED = re.compile(
    r"(?:…|\.\.\.|\[…\]|\[\.\.\.\]|\(more…\)|\bmore\s*[»\u203a→]|\bread\s+more\b.{0,20}|\bcontinue\s+reading\b.{0,40}"
    r"|\bread\s+the\s+(?:full|whole|rest|entire)\b.{0,40}|\bkeep\s+reading\b.{0,20})\s*\Z",
    re.IGNORECASE | re.DOTALL,
)
_TAG = re.compile(r"<[^<>]*>")  # ([^>]* is quadratic on a run of "<")
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Article:
    html: str
    extractor: str  # "trafilatura 2.3.1", or "selector main article"


def feed_text(html: str) -> str:
    """The words of a post's HTML, tags dropped (enough to count them and find them again)."""
    import html as htmllib

    return " ".join(htmllib.unescape(_TAG.sub(" ", html)).split())


def looks_like_teaser(content: str | None, summary: str | None) -> bool:
    """Whether a post's feed text is probably not the whole post: nothing at all, fewer than
    TEASER_WORDS words, or an ending that points to the site ("…", "Read more")."""
    text = feed_text(content or summary or "")
    if not text:
        return True
    if _CONTINUED.search(text[-80:]):
        return True
    # Counted only as far as the threshold: a 10 MB post is not a teaser, and says so fast.
    return not any(i >= TEASER_WORDS for i, _ in enumerate(_WORD.finditer(text), start=1))


def holds_teaser(article_html: str, content: str | None, summary: str | None, words: int = 8) -> bool:
    """Whether the article holds the feed text's first WORDS words, in order (case and
    punctuation aside). A post with no feed text at all is taken on trust."""
    teaser = _WORD.findall(feed_text(content or summary or "").lower())
    if not teaser:
        return True
    # A teaser that ends in "…" may cut its last word short: leave the last one out.
    wanted = " ".join(teaser[: min(words, max(len(teaser) - 1, 1))])
    return wanted in " ".join(_WORD.findall(feed_text(article_html).lower()))


def extract_article(page: bytes, url: str, selector: str | None = None) -> Article | None:
    """The article of PAGE (the HTML of URL), or None when the page has no article in it.

    Raises:
        FetchError: SELECTOR is not a valid CSS selector.
    """
    if selector:
        return _by_selector(page, selector)
    import trafilatura  # (it gives its loggers a NullHandler: nothing of it reaches stderr)

    found = trafilatura.extract(
        page,
        url=url,
        output_format="html",
        include_images=True,
        include_links=True,
        include_formatting=True,
        include_tables=True,
        include_comments=False,
    )
    if not found:
        return None
    return Article(_inner_body(found), f"trafilatura {trafilatura.__version__}")


def _by_selector(page: bytes, selector: str) -> Article | None:
    import lxml.html
    from cssselect import SelectorError
    from lxml.cssselect import CSSSelector

    try:
        match = CSSSelector(selector)
    except SelectorError as e:
        raise FetchError(f"bad CSS selector {selector!r}: {e}") from e
    root = _page_tree(page)
    if root is None:
        return None
    parts = [lxml.html.tostring(el, encoding="unicode") for el in match(root)]
    if not parts:
        return None
    return Article("\n".join(parts), f"selector {selector}")


def _page_tree(page: bytes) -> Any:
    import lxml.etree
    import lxml.html

    try:
        return lxml.html.document_fromstring(page, parser=lxml.html.HTMLParser(no_network=True))
    except (lxml.etree.ParserError, ValueError):
        return None


def _inner_body(markup: str) -> str:
    """trafilatura's <html><body>…</body></html> without the wrapper."""
    start = markup.find("<body>")
    end = markup.rfind("</body>")
    if start < 0 or end < 0:
        return markup.strip()
    return markup[start + len("<body>") : end].strip()

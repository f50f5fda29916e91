"""The article in a web page: the full text of a post whose feed gave only a teaser.

Pure: page bytes in, article HTML out; no network, no disk. trafilatura finds the article
(chosen on its own 990-page evaluation set, asked for HTML as we use it,
benchmarks/extract_bench.py: F1 .916 at 26 ms a page against readability-lxml's .872 at
28 ms); a CSS selector of the user's own overrides it, as Miniflux and FreshRSS allow.
trafilatura costs 150 ms of import, so nothing imports this module but a fetch that has a
page to read.

A teaser is decided by `looks_like_teaser`; a page is taken as the post's full text only if
its visible text holds the teaser's opening words, or on the feed's own site the post's
title (`holds_post`): a link blog's link leads to someone else's article. The whole page is
searched, not the article found in it: an extractor that leaves out a lead paragraph (4 of
the 181 pages of Scrapinghub's article-extraction benchmark) has still found the article,
and a summary written by hand is found nowhere but its title is.

A page is decoded as a browser decodes it (`decode_page`): a byte order mark, else the
charset of its Content-Type, else its <meta charset>, else UTF-8 or trafilatura's guess.
"""

from __future__ import annotations

import codecs
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
# TEASER_WORDS words or more (possessive: a word is never split in two to make up the count);
# in C, where a loop over finditer cost 2.4 s of the 7 s of judging 20,000 posts.
_ENOUGH_WORDS = re.compile(rf"\W*+(?:\w++\W*+){{{TEASER_WORDS}}}")
# The teaser's opening words looked for in the page; a title shorter than this many letters
# ("Links", "Update") is in too many pages of its site to say which one is the post's.
TEASER_OPENING = 8
TITLE_LETTERS = 10
# What a reader never sees in a page: the teaser's words in a script (JSON-LD, a
# "related posts" widget's data) do not make the page the post's.
_UNSEEN = frozenset(("script", "style", "template"))
# Elements that end a word (and a link: a tag list's links run side by side); any other
# runs on, as a drop cap does: <span>H</span>ong Kong, in 2 of the benchmark's pages.
_BLOCKS = frozenset((
    "a", "address", "article", "aside", "blockquote", "br", "dd", "details", "div", "dl", "dt",
    "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
    "header", "hr", "li", "main", "nav", "ol", "option", "p", "pre", "section", "summary",
    "table", "tbody", "td", "tfoot", "th", "thead", "title", "tr", "ul",
))  # fmt: skip
# <meta charset="x"> or <meta http-equiv="Content-Type" content="text/html; charset=x">, in
# the first 1024 bytes, where the HTML standard's prescan looks for it.
_META_CHARSET = re.compile(rb"<meta[^>]{0,512}?charset\s*=\s*[\"']?\s*([A-Za-z0-9._:-]+)", re.IGNORECASE)
_CHARSET = re.compile(r"charset\s*=\s*[\"']?\s*([A-Za-z0-9._:-]+)", re.IGNORECASE)
# Labels a browser reads as a wider encoding than Python's codec of that name (the WHATWG
# Encoding standard): "iso-8859-1" pages are windows-1252 (curly quotes at 0x93), and so on.
_WIDER = {
    "iso-8859-1": "cp1252", "iso8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252",
    "l1": "cp1252", "ascii": "cp1252", "us-ascii": "cp1252", "iso-8859-9": "cp1254",
    "latin5": "cp1254", "gb2312": "gbk", "gb_2312-80": "gbk", "euc-kr": "cp949",
    "tis-620": "cp874", "iso-8859-11": "cp874", "shift_jis": "cp932", "sjis": "cp932",
}  # fmt: skip


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
    return _ENOUGH_WORDS.match(text) is None


def decode_page(body: bytes, content_type: str | None) -> str:
    """The text of a page's BODY: its byte order mark's encoding, else the charset its
    CONTENT_TYPE header names, else its <meta charset>, else UTF-8 or, failing that,
    trafilatura's guess (what it did with every page before). Never raises."""
    for bom, name in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if body.startswith(bom):
            return body[len(bom) :].decode(name, "replace")
    declared = _CHARSET.search(content_type or "")
    meta = _META_CHARSET.search(body[:1024])
    for label in (declared.group(1) if declared else None, meta.group(1).decode("ascii") if meta else None):
        codec = _codec(label)
        if codec:
            return body.decode(codec, "replace")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        from trafilatura.utils import decode_file

        return decode_file(body)


def _codec(label: str | None) -> str | None:
    """Python's codec for an encoding LABEL a page declares, or None for one it does not know."""
    if not label:
        return None
    label = label.strip().lower()
    if label in ("utf-16", "utf-16le", "utf-16be"):
        return "utf-8"  # (a page that says so in ASCII bytes is not UTF-16: the standard's rule)
    try:
        name = codecs.lookup(_WIDER.get(label, label)).name
        b"x".decode(name, "replace")  # a text encoding only: "rot13", "zip" are codecs too (LookupError)
    except LookupError:
        return None
    return name


def page_words(page: str) -> str:
    """The words a reader sees in PAGE (its title too), lower-cased and one space apart."""
    import lxml.etree

    root = page_tree(page)
    if root is None:
        return ""
    parts: list[str] = []
    unseen = 0  # how deep inside a script or style the walk is
    for event, el in lxml.etree.iterwalk(root, events=("start", "end")):
        tag = el.tag
        if event == "start":
            unseen += tag in _UNSEEN
            if tag in _BLOCKS:
                parts.append(" ")
            if el.text and not unseen:
                parts.append(el.text)
        else:
            unseen -= tag in _UNSEEN
            if tag in _BLOCKS:
                parts.append(" ")
            if el.tail and not unseen:
                parts.append(el.tail)
    return " ".join(_WORD.findall("".join(parts).lower()))


def holds_post(
    words: str, title: str | None, content: str | None, summary: str | None, *, own_site: bool
) -> bool:
    """Whether a page whose visible text is WORDS (page_words) is the post's page: it holds
    the opening TEASER_OPENING words of the post's feed text, in order (case and punctuation
    aside), or, on the feed's own site, the post's whole TITLE. A post with no feed text at
    all is taken on trust.

    A title alone is not enough on another site: a link blog's post is often titled as the
    article it links to."""
    teaser = _WORD.findall(feed_text(content or summary or "").lower())
    if not teaser:
        return True
    page = f" {words} "  # (whole words only: "art" is not found in "start")
    # A teaser that ends in "…" may cut its last word short: leave the last one out.
    if f" {' '.join(teaser[: min(TEASER_OPENING, max(len(teaser) - 1, 1))])} " in page:
        return True
    named = " ".join(_WORD.findall(feed_text(title or "").lower()))
    return own_site and len(named) >= TITLE_LETTERS and f" {named} " in page


def extract_article(page: str, url: str, selector: str | None = None) -> Article | None:
    """The article of PAGE (the HTML of URL, decoded by decode_page), or None when the page
    has no article in it.

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


def _by_selector(page: str, selector: str) -> Article | None:
    import lxml.html
    from cssselect import SelectorError
    from lxml.cssselect import CSSSelector

    try:
        match = CSSSelector(selector)
    except SelectorError as e:
        raise FetchError(f"bad CSS selector {selector!r}: {e}") from e
    root = page_tree(page)
    if root is None:
        return None
    parts = [lxml.html.tostring(el, encoding="unicode") for el in match(root)]
    if not parts:
        return None
    return Article("\n".join(parts), f"selector {selector}")


def page_tree(page: str) -> Any:
    """PAGE as an lxml HTML tree (None when lxml cannot make one of it)."""
    import lxml.etree
    import lxml.html

    # As UTF-8 bytes with the encoding given: lxml refuses a str that holds an XML
    # declaration, and a <meta charset> must not decode the page a second time. Comments
    # go, their text joining the text around them (React writes "When <!-- -->President").
    parser = lxml.html.HTMLParser(encoding="utf-8", no_network=True, remove_comments=True, remove_pis=True)
    try:
        return lxml.html.document_fromstring(page.encode("utf-8", "surrogatepass"), parser=parser)
    except (lxml.etree.ParserError, ValueError, UnicodeEncodeError):
        return None


def _inner_body(markup: str) -> str:
    """trafilatura's <html><body>…</body></html> without the wrapper."""
    start = markup.find("<body>")
    end = markup.rfind("</body>")
    if start < 0 or end < 0:
        return markup.strip()
    return markup[start + len("<body>") : end].strip()

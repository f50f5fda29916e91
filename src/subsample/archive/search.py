"""Search titles and body text (not HTML tags) across archives, newest first.

Matching is by words, any case and accents ignored, all words required, the last one
also as a prefix ("heat trans" finds "heat transfer"); "a phrase" in quotes, and a word
with an apostrophe (straight or curly: "can't") matches as the words it is made of, side
by side. A full-text index (SQLite FTS5, part of the rebuildable cache) answers it; it is
caught up on each search.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from subsample.archive.index import Index
from subsample.archive.jsonl import read_record
from subsample.models import Post
from subsample.parse.entry import html_to_plain
from subsample.paths import Paths

SNIPPET = 60  # characters of context either side of the match
# What a user types: "a phrase" in quotes (an unclosed quote runs to the end), or a word.
_TERM = re.compile(r'"(?P<phrase>[^"]*)"?|(?P<word>[^\s"]+)')
_LETTER = re.compile(r"[^\W_]")  # a term with none of these has no word to look for
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u02bc": "'", "\u2018": "'"})


@dataclass(frozen=True)
class Term:
    text: str  # as typed, apostrophes made straight
    phrase: bool  # typed in quotes, or a word with an apostrophe or a hyphen in it


def terms_of(query: str) -> list[Term]:
    """The words and "phrases" of QUERY. FTS5 syntax typed by a user (OR, NEAR(, -, *, ^,
    quotes) is only ever text: each term is quoted in the expression."""
    terms = []
    for m in _TERM.finditer(query.translate(_APOSTROPHES)):
        text = m.group("phrase") if m.group("phrase") is not None else m.group("word")
        if _LETTER.search(text):
            terms.append(Term(text, m.group("word") is None or not text.isalnum()))
    return terms


def fts_expression(terms: list[Term]) -> str:
    """All TERMS, the last also as a prefix if it is a plain word ("heat trans" finds
    "heat transfer"). The tokenizer splits "can't" into "can" and "t"; quoted, it is the
    phrase "can t": those two words side by side, as every "can't" is (U+2019 too), where
    a prefix "t*" would match nearly every post."""
    quoted = ['"' + t.text.replace('"', '""') + '"' for t in terms]
    if not terms[-1].phrase:
        quoted[-1] += "*"
    return " AND ".join(quoted)


def record_text(record: dict[str, Any]) -> tuple[str, str]:
    title = record.get("title")
    return (title if isinstance(title, str) else "", _body_text(record))


def search_archives(
    paths: Paths, query: str, source_id: str | None, limit: int | None
) -> list[tuple[Post, str]]:
    terms = terms_of(query)
    if not terms:
        return []
    with Index(paths) as index:
        index.sync(source_id)
        index.sync_words(record_text)
        # A post's full text (read from its page) is searched as its text too.
        index.sync_fulltext(source_id)
        index.sync_fulltext_words(_plain)
        found = index.search_with_fulltext(fts_expression(terms), source_id, limit)
        hits = []
        for sid, off, length in found:
            try:
                record = read_record(paths.archive(sid), off, length)
            except Exception:
                continue
            shown = snippet(record, terms)
            if not _says(shown, terms) and isinstance(record.get("n"), int):
                full = index.full_text(record["n"])  # found in the full text: show it there
                if full is not None:
                    try:
                        page = read_record(paths.fulltext(full[0]), full[1], full[2])
                        shown = snippet({"content": page.get("html")}, terms)
                    except Exception:
                        pass
            hits.append((record, shown))
    return hits


def _plain(html: str) -> str:
    return " ".join(html_to_plain(html).split())


def _says(text: str, terms: list[Term]) -> bool:
    low = text.lower().translate(_APOSTROPHES)
    return any(" ".join(t.text.lower().split()) in low for t in terms)


def snippet(record: dict[str, Any], terms: list[Term]) -> str:
    """Some text around the first place the body says one of TERMS (else its beginning).
    Linear in the body's size: one lower-cased copy, one find per term."""
    body = _body_text(record)
    low = body.lower().translate(_APOSTROPHES)  # (same length: positions carry over)
    found = [i for i in (low.find(" ".join(t.text.lower().split())) for t in terms) if i >= 0]
    if not found:
        return body[: 2 * SNIPPET] + ("…" if len(body) > 2 * SNIPPET else "")
    at = min(found)
    start = max(0, at - SNIPPET)
    end = min(len(body), at + SNIPPET * 2)
    return ("…" if start else "") + body[start:end] + ("…" if end < len(body) else "")


def _body_text(record: dict[str, Any]) -> str:
    body = record.get("content") or record.get("summary") or ""
    return " ".join(html_to_plain(body if isinstance(body, str) else "").split())

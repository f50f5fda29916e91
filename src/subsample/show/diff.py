"""What changed between two revisions of a post, word by word.

Pure functions over the two texts (titles and bodies as plain text): difflib's
SequenceMatcher on words, then the changes cut into hunks with a few words of context
around each, as `git diff --word-diff` shows them. No terminal concern here: `render`
colours the pieces, or spells them `[-old-]{+new+}` when piped.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

# Words and the white space after them, so that joining the pieces gives the text back.
_TOKEN = re.compile(r"\S+\s*|\s+")
CONTEXT = 5  # words of unchanged text shown before and after a change


@dataclass(frozen=True)
class Piece:
    """A run of text that is the same in both revisions ("equal"), or only in the old one
    ("removed"), or only in the new one ("added")."""

    kind: str
    text: str


def word_diff(old: str, new: str) -> list[Piece]:
    """OLD against NEW as pieces in reading order; a replaced run is its removal then its addition."""
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    # Compared without the trailing white space: a word that moved to the end of a
    # paragraph is the same word.
    matcher = difflib.SequenceMatcher(None, [t.rstrip() for t in a], [t.rstrip() for t in b], autojunk=False)
    pieces: list[Piece] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            _add(pieces, "equal", "".join(b[j1:j2]))
            continue
        if op in ("delete", "replace"):
            _add(pieces, "removed", "".join(a[i1:i2]))
        if op in ("insert", "replace"):
            _add(pieces, "added", "".join(b[j1:j2]))
    return pieces


def _add(pieces: list[Piece], kind: str, text: str) -> None:
    if not text:
        return
    if pieces and pieces[-1].kind == kind:
        pieces[-1] = Piece(kind, pieces[-1].text + text)
    else:
        pieces.append(Piece(kind, text))


def hunks(pieces: list[Piece], context: int = CONTEXT) -> list[list[Piece]]:
    """The changes in PIECES, each with CONTEXT words of equal text before and after it;
    changes closer than twice that share a hunk. No change: no hunk."""
    found: list[list[Piece]] = []
    hunk: list[Piece] = []
    last = len(pieces) - 1
    for i, p in enumerate(pieces):
        if p.kind != "equal":
            hunk.append(p)
            continue
        words = _TOKEN.findall(p.text)
        if 0 < i < last and len(words) <= 2 * context:
            hunk.append(p)  # between two changes, short: one hunk
            continue
        if i > 0:  # the context after the change before
            hunk.append(Piece("equal", "".join(words[:context]).rstrip()))
            found.append(hunk)
            hunk = []
        if i < last:  # the context before the next change
            hunk.append(Piece("equal", "".join(words[-context:]).lstrip()))
    if any(p.kind != "equal" for p in hunk):
        found.append(hunk)
    return found


def plain(pieces: list[Piece]) -> str:
    """The pieces spelled for a pipe or a file: removed words as [-…-], added as {+…+} (as
    `git diff --word-diff=plain` spells them)."""
    out = []
    for p in pieces:
        if p.kind == "equal":
            out.append(p.text)
        else:
            core = p.text.rstrip()
            mark = ("[-", "-]") if p.kind == "removed" else ("{+", "+}")
            out.append(f"{mark[0]}{core}{mark[1]}{p.text[len(core) :]}")
    return "".join(out)

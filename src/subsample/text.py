"""Making untrusted text safe for a terminal.

Feed text can carry terminal escape sequences (ESC [ ... , OSC 52 clipboard writes, OSC 8
links), C1 controls that some terminals obey, and bidi overrides that make text read
differently from what it is. All of them are removed before anything is shown; rich markup
is handled by always passing feed text to rich as Text, never as a markup string.
"""

from __future__ import annotations

_REMOVE = [*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F, *range(0x80, 0xA0)]
_REMOVE += [0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
_CONTROL = dict.fromkeys(_REMOVE)


def clean(s: str) -> str:
    """S without control characters or bidi controls; newlines and tabs stay."""
    return s.translate(_CONTROL)


def one_line(s: object) -> str:
    """S cleaned and folded onto one line (titles, authors, URLs, error messages)."""
    if s is None:
        return ""
    return " ".join(clean(str(s)).split())


def shorten(s: str, width: int) -> str:
    return s if len(s) <= width else s[: max(width - 1, 0)] + "…"


def from_argv(s: str) -> str:
    """S as the user typed it: under LANG=C Python reads the bytes of a non-ASCII argument
    as lone surrogates, which SQLite and every encoder refuse; they are UTF-8 more often
    than not, and anything else becomes U+FFFD."""
    return s.encode("utf-8", "surrogateescape").decode("utf-8", "replace")

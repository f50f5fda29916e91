"""Durations as people write them in sources.toml and on the command line: 90m, 6h, 1d12h."""

from __future__ import annotations

import re

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_PART = re.compile(r"(\d+)([smhdw])")
_WHOLE = re.compile(r"(?:\d+[smhdw])+")
_LONGEST = 100  # characters: far past anything a calendar holds (10**90 years)


def parse_duration(text: str) -> int:
    """Seconds in TEXT such as '6h' or '1d12h'.

    Raises:
        ValueError: TEXT is not a positive duration.
    """
    s = text.strip().lower()
    if not _WHOLE.fullmatch(s):
        raise ValueError(f"bad duration {text!r}; use a number and a unit, e.g. 30m, 6h, 1d")
    if len(s) > _LONGEST:  # (Python reads no number of more than 4300 digits)
        raise ValueError(f"bad duration of {len(s)} characters: too long")
    seconds = sum(int(n) * _UNITS[u] for n, u in _PART.findall(s))
    if seconds <= 0:
        raise ValueError(f"bad duration {text!r}; it must be longer than zero")
    return seconds


def format_duration(seconds: int) -> str:
    """The shortest exact spelling of SECONDS, e.g. 21600 -> '6h'."""
    parts = []
    for unit in "wdhms":
        size = _UNITS[unit]
        if seconds >= size:
            count, seconds = divmod(seconds, size)
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0s"

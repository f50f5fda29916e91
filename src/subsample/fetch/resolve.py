"""Typed sources whose feed only a page can name (a YouTube @handle, a Mastodon account on
another domain): one request at `add` time, with a fetch's limits and network guard."""

from __future__ import annotations

from subsample import source_types
from subsample.errors import FetchError, UsageError
from subsample.fetch import http
from subsample.source_types import Lookup, Sites


def resolve(
    session: http.Session,
    source_type: str,
    what: str | None,
    *,
    limits: http.Limits | None = None,
    sites: Sites | None = None,
) -> tuple[str, str | None]:
    """The feed URL of a typed source's WHAT, and a note when it is a guess: the page that
    names it could not be reached, and the type has a usual place for it (a Mastodon
    account's own host).

    Raises:
        UsageError: WHAT is malformed, or the page does not know it (exit 2).
        FetchError: the page could not be fetched (and the type has no usual place).
    """
    try:
        mapped = source_types.map_what(source_type, what, sites)
    except source_types.BadWhatError as e:
        raise UsageError(str(e)) from None
    if not isinstance(mapped, Lookup):
        return mapped, None
    shown = f"{source_type} source {what!r}"
    try:
        r = http.get(session, mapped.url, limits=limits, refuse_host=http.stay_outside_unless(mapped.url))
    except FetchError as e:
        if mapped.fallback is not None:
            return mapped.fallback, _guessed(mapped, str(e))
        raise FetchError(f"cannot resolve {shown}: {mapped.what} ({mapped.url}): {e}") from None
    if r.status >= 500 and mapped.fallback is not None:  # down, not "no such account"
        return mapped.fallback, _guessed(mapped, f"HTTP {r.status}")
    if r.status != 200:
        raise UsageError(f"cannot resolve {shown}: {mapped.what} answered HTTP {r.status} ({mapped.url})")
    try:
        return mapped.read(r.body, r.url), None
    except ValueError as e:
        raise UsageError(f"cannot resolve {shown}: {e} ({mapped.url})") from None


def _guessed(mapped: Lookup, why: str) -> str:
    return (
        f"{mapped.what} could not be reached ({why}; {mapped.url}); assuming the usual feed {mapped.fallback}"
    )

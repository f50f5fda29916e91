"""Whether a feed announces a new address of its own (issue 15): pure, no disk or network.

A feed may say where it lives now: its atom:link rel="self", or a podcast's
itunes:new-feed-url. Only the user moves a source (`subsample set ID url ...`); a fetch
notes the announcement in history and state for them to see.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from subsample import urls


def announced_url(self_url: str | None, new_url: str | None, known: Sequence[str | None]) -> str | None:
    """The new address the feed announces, if it is none of KNOWN (the source's URL, the
    URL asked for, the one a redirect brought us to); None if it announces nothing new.

    itunes:new-feed-url (NEW_URL) is an explicit move: it counts unless it is one of KNOWN
    but for the case of scheme and host. A self link (SELF_URL) is often merely another
    spelling of the same address, so http/https, a trailing slash and the host's case are
    ignored for it. Anything but an http(s) URL is ignored.
    """
    ours = [u for u in known if u]
    if new_url and _web(new_url) and _normal(new_url) not in {_normal(u) for u in ours}:
        return new_url.strip()
    if self_url and _web(self_url) and _loose(self_url) not in {_loose(u) for u in ours}:
        return self_url.strip()
    return None


def _web(url: str) -> bool:
    try:
        urls.normalize(url)
    except ValueError:
        return False
    return True


def _normal(url: str) -> str:
    try:
        return urls.normalize(url)
    except ValueError:
        return url.strip()


def _loose(url: str) -> str:
    """URL with what a self link's spelling may change taken out: scheme, default port,
    host case, a trailing slash."""
    parts = urlsplit(_normal(url))
    host = parts.hostname or ""
    port = parts.port
    if port in (80, 443):
        port = None
    where = host if port is None else f"{host}:{port}"
    return f"{where}{parts.path.rstrip('/')}?{parts.query}"

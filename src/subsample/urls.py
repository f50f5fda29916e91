"""What a web URL is, said once: every module that asks "is this http(s)?" asks here.

A scheme is case-insensitive (RFC 3986, 3.1), and so is a host name: `HTTP://Example.ORG/feed`
is the same feed as `http://example.org/feed`, and must never be taken for a file name.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

WEB_SCHEMES = ("http", "https")


def is_web(url: str) -> bool:
    """Whether URL is an http(s) URL, whatever the case of its scheme."""
    scheme, sep, _ = url.strip()[:8].partition(":")
    return bool(sep) and scheme.lower() in WEB_SCHEMES and url.strip()[len(scheme) + 1 :].startswith("//")


def normalize(url: str) -> str:
    """An http(s) URL with its scheme and host in lower case; the rest as given.

    Raises:
        ValueError: URL is not a readable http(s) URL (no host, an unclosed IPv6 bracket,
            a port out of range, spaces or control characters).
    """
    url = url.strip()
    if any(ord(c) <= 0x20 or c == "\x7f" for c in url):
        raise ValueError("it holds spaces or control characters")
    parts = urlsplit(url)  # (raises ValueError for "http://[::1/feed")
    if parts.scheme.lower() not in WEB_SCHEMES:
        raise ValueError("it is not an http(s) URL")
    host = parts.hostname
    port = parts.port  # (raises ValueError for a port that is not a number or out of range)
    if not host:
        raise ValueError("it has no host name")
    if port == 0:
        raise ValueError("port 0 is not a port")
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc = f"{netloc}:{port}"
    if "@" in parts.netloc:
        netloc = f"{parts.netloc.rpartition('@')[0]}@{netloc}"
    return urlunsplit((parts.scheme.lower(), netloc, parts.path, parts.query, parts.fragment))


def bare_host(url: str) -> str:
    """URL's host name in lower case, without a leading "www." (or a trailing dot): what
    the ways past a feed compare sites by. "" when URL has none."""
    try:
        host = (urlsplit(url.strip()).hostname or "").lower().rstrip(".")
    except ValueError:
        return ""
    return host.removeprefix("www.")


def same_site(url: str, *others: str | None) -> bool:
    """Whether URL's host is on the same site as one of OTHERS': the same registrable domain
    (blog.example.co.uk and www.example.co.uk, by the Public Suffix List, which tld ships;
    alice.github.io and bob.github.io are two sites), else the same host name (an address,
    localhost, a name under no known suffix)."""
    mine = _site(url)
    return bool(mine) and any(mine == _site(o) for o in others if o)


def _site(url: str) -> str:
    from tld import get_fld

    try:
        host = (urlsplit(url.strip()).hostname or "").rstrip(".")
    except ValueError:
        return ""
    if not host:
        return ""
    # (get_fld reads the suffix list once a process, 0.1 s: only a fetch that reads pages asks.)
    return str(get_fld(host, fix_protocol=True, fail_silently=True) or host)

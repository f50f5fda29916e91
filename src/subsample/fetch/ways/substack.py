"""A Substack publication's own archive: every post it ever published, from its JSON API.

A Substack feed (/feed) holds the newest 20 posts; its archive page is drawn from
`/api/v1/archive?sort=new&offset=N&limit=12`, a JSON list of posts, newest first, ended by
an empty list. A listed post carries `canonical_url`, `title`, `subtitle`, `post_date` (ISO
8601), `slug`, `audience` ("everyone", "only_paid", "founding"), `cover_image`,
`publishedBylines` and `postTags`, but seldom its body: `/api/v1/posts/SLUG` gives the post
with `body_html` (for a paid post read without a subscription, only its public part).

Each post is made into the entry the publication's feed gives for it, so that a fetch that
meets it later knows it: Substack's RSS items carry the canonical URL as both link and guid
(isPermaLink "true" in 2021's feeds, "false" now; the same text either way), the title, the
subtitle as description, the body as content:encoded, the author as dc:creator and the
cover image as an image/jpeg enclosure of length 0.

A source of type substack, a *.substack.com feed, or a site whose home page says it is
Substack (a `<meta name="generator" content="Substack">`, or its scripts and styles from
substackcdn.com) has this way.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from subsample import urls
from subsample.errors import FetchError
from subsample.fetch.ways import Batch, Cursor, Entry, Site
from subsample.parse.entry import iso_from_text, make_entry, text

NAME = "substack"
PAGE = 12  # posts a page of the archive, as Substack's own archive page asks
MAX_PAGES = 2_000  # 24,000 posts: past any publication's archive; stops a server that never ends
PAID = ("only_paid", "founding")
_SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9._~%-]{0,300}")


def find(site: Site) -> SubstackWay | None:
    """The publication's archive, for a substack source, a *.substack.com feed, or a site
    whose home page is Substack's (one read)."""
    feed_origin = _origin(site.feed_url)
    if feed_origin and (site.source.type == "substack" or _host(site.feed_url).endswith(".substack.com")):
        return SubstackWay(site, feed_origin)
    home_origin = _origin(site.home_url)
    if not home_origin:
        return None
    if _host(site.home_url).endswith(".substack.com"):
        return SubstackWay(site, home_origin)
    try:
        resp = site.get(site.home_url)
    except FetchError:
        return None
    if resp.status != 200 or not is_substack_page(resp.body):
        return None
    return SubstackWay(site, _origin(resp.url) or home_origin)


@dataclass
class SubstackWay:
    site: Site
    origin: str  # https://name.substack.com, or the publication's own domain
    name: str = NAME

    def archive_url(self, offset: int) -> str:
        return f"{self.origin}/api/v1/archive?sort=new&offset={offset}&limit={PAGE}"

    def post_url(self, slug: str) -> str:
        return f"{self.origin}/api/v1/posts/{quote(slug, safe='')}"

    def batches(self, cursor: Cursor | None) -> Iterator[Batch]:
        """A Batch per page of the archive, newest first; the cursor is {"offset": N}, the
        first post of the next page."""
        site = self.site
        offset = cursor.get("offset") if isinstance(cursor, dict) else None
        offset = offset if isinstance(offset, int) and 0 <= offset < PAGE * MAX_PAGES else 0
        here = {"offset": offset}  # (never None before the end: None says the way is read whole)
        budget = site.max_pages
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            if budget is not None and budget <= 0:
                return
            url = self.archive_url(offset)
            listing, problem = self._json(url)
            budget = None if budget is None else budget - 1
            if problem is not None:
                yield Batch([], here, read=[url], note=problem)
                return
            if not isinstance(listing, list):
                yield Batch([], here, read=[url], note="the publication's archive is not a list of posts")
                return
            if not listing:
                yield Batch([], None, read=[url])  # the end of the archive
                return
            posts = [p for p in listing if isinstance(p, dict) and _canonical(p)]
            fresh = [p for p in posts if _canonical(p) not in seen]
            if not fresh:  # the same posts again: a server that does not page
                yield Batch([], None, read=[url], note="the publication's archive repeats itself: stopped")
                return
            seen.update(_canonical(p) for p in fresh)
            read, paid, cut = [url], 0, False
            entries: list[Entry] = []
            for p in fresh:
                link = _canonical(p)
                if link in site.archived or not _wanted(p, site.until):
                    continue
                body = text(p.get("body_html"))
                slug = p.get("slug")
                if body is None and isinstance(slug, str) and _SLUG.fullmatch(slug):
                    if site.dry_run:
                        read.append(self.post_url(slug))
                        continue
                    if budget is not None and budget <= 0:
                        cut = True
                        break
                    full, problem = self._json(self.post_url(slug))
                    budget = None if budget is None else budget - 1
                    read.append(self.post_url(slug))
                    if problem is not None and "HTTP 404" not in problem:
                        # Not archived without its body: the next run reads this page again.
                        yield Batch(entries, here, read=read, note=problem)
                        return
                    if isinstance(full, dict):
                        p = {**p, **{k: v for k, v in full.items() if k not in ("canonical_url",)}}
                if site.dry_run:
                    continue
                entries.append(entry_of(p))
                paid += p.get("audience") in PAID
            offset += len(listing)
            if not cut:
                here = {"offset": offset}
            note = None
            if paid:
                note = (
                    f"{paid} post{'s are' if paid != 1 else ' is'} for paying subscribers:"
                    " only the public part is archived"
                )
            yield Batch([] if site.dry_run else entries, here, read=read, note=note)
            if cut or (site.until is not None and _older_than(posts, site.until)):
                return
        yield Batch([], here, note=f"stopped after {MAX_PAGES} pages of the publication's archive")

    def _json(self, url: str) -> tuple[Any, str | None]:
        """URL's JSON, or what went wrong."""
        try:
            resp = self.site.get(url)
        except FetchError as e:
            return None, f"{url} could not be read: {e}"
        if resp.status != 200:
            return None, f"{url} answered HTTP {resp.status}"
        try:
            return json.loads(resp.body), None
        except (ValueError, RecursionError):
            return None, f"{url} is not JSON"


def entry_of(post: dict[str, Any]) -> Entry:
    """A post of Substack's API as the entry its feed gives: the canonical URL as guid and
    link, the subtitle as summary, the body as content, the cover as an image enclosure."""
    link = _canonical(post)
    cover = text(post.get("cover_image"))
    bylines = post.get("publishedBylines")
    names = (
        [b["name"] for b in bylines if isinstance(b, dict) and text(b.get("name"))]
        if isinstance(bylines, list)
        else []
    )
    tags = post.get("postTags")
    return make_entry(
        id=link,
        link=link,
        title=text(post.get("title")),
        author=", ".join(names) or None,
        published=iso_from_text(post.get("post_date")),
        updated=None,
        summary=text(post.get("subtitle")) or text(post.get("description")),
        content=text(post.get("body_html")),
        tags=[t["name"] for t in tags if isinstance(t, dict) and text(t.get("name"))]
        if isinstance(tags, list)
        else [],
        enclosures=[{"url": cover, "type": "image/jpeg", "length": 0}]
        if cover and urls.is_web(cover)
        else [],
        extra_images=[],
    )


class _Marks(HTMLParser):
    """Whether a page's head says Substack made it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.substack = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag == "meta" and a.get("name", "").lower() == "generator":
            self.substack = self.substack or a.get("content", "").strip().lower().startswith("substack")
        elif tag in ("script", "link"):
            # Its own scripts and styles, not an image of a post embedded elsewhere.
            asset = a.get("src") if tag == "script" else a.get("href")
            self.substack = self.substack or _host(asset or "") == "substackcdn.com"


def is_substack_page(body: bytes) -> bool:
    """Whether a home page is a Substack publication's."""
    marks = _Marks()
    try:
        marks.feed(body[: 512 * 1024].decode("utf-8", "replace"))
        marks.close()
    except (AssertionError, ValueError):  # (html.parser on odd markup)
        return marks.substack
    return marks.substack


def _canonical(post: dict[str, Any]) -> str:
    url = text(post.get("canonical_url"))
    return url.strip() if url and urls.is_web(url) and len(url) < 2000 else ""


def _wanted(post: dict[str, Any], until: str | None) -> bool:
    date = iso_from_text(post.get("post_date"))
    return until is None or date is None or date >= until


def _older_than(posts: list[dict[str, Any]], until: str) -> bool:
    dates = [iso_from_text(p.get("post_date")) for p in posts]
    return bool(dates) and all(d is not None and d < until for d in dates)


def _host(url: str) -> str:
    try:
        return (urlsplit(url.strip()).hostname or "").lower()
    except ValueError:
        return ""


def _origin(url: str) -> str | None:
    if not urls.is_web(url):
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    return urlunsplit((parts.scheme.lower(), parts.netloc, "", "", "")) if parts.hostname else None

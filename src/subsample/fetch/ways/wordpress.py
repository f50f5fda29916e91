"""A WordPress site's REST API: every post, whole, a hundred to a request.

Found by what the home page says: `<link rel="https://api.w.org/" href=...>` or a
`Link: <...>; rel="https://api.w.org/"` header (WordPress sends both), else a
`<meta name="generator" content="WordPress ...">`, when `/wp-json/` is tried. Pages of
`wp/v2/posts?page=N&per_page=100` are read newest first until one is empty, answers 400
(rest_post_invalid_page_number) or X-WP-TotalPages is reached. The posts are the site's own
rendering (content.rendered), so no extraction is needed, and each is keyed by its guid
(`https://host/?p=N`), which is what the site's feed gives as the item's guid: a later
fetch of the feed, or a second backfill, finds nothing new.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from subsample import urls
from subsample.errors import FetchError
from subsample.fetch.ways import Batch, Cursor, Entry, Site
from subsample.parse import discover
from subsample.parse.entry import html_title_to_plain, iso_from_text, make_entry, text

NAME = "wordpress-api"  # ("wordpress" is the feed's own ?paged=N pages, parse/paging.py)
API_REL = "https://api.w.org/"
PER_PAGE = 100  # the REST API's most
SMALL_PAGE = 10  # after a page of 100 was over the size cap
MAX_PAGES = 10_000  # a server that never says "the end" still ends
MAX_POSTS_A_PAGE = 1000  # a server that ignores per_page


def find(site: Site) -> Way | None:
    """The site's REST API, if its home page announces one (or says it is WordPress)."""
    resp = site.get(site.home_url)
    if resp.status != 200:
        return None
    base = resp.base_url
    roots = discover.header_links_with_rel(resp.headers.get("link"), base, API_REL)
    roots += discover.links_with_rel(resp.body, base, API_REL, resp.headers.get("content-type"))
    guessed = False
    if not roots:
        generator = discover.generator_of(resp.body, resp.headers.get("content-type")) or ""
        if not generator.lower().startswith("wordpress"):
            return None
        roots, guessed = [urljoin(base, "/wp-json/")], True
    for root in roots:
        if urls.is_web(root) and _same_site(root, site.home_url, site.feed_url):
            return Way(site, root, guessed)
    return None


@dataclass
class Way:
    site: Site
    root: str  # the API root: https://host/wp-json/ or https://host/?rest_route=/
    guessed: bool = False  # from the generator alone: the API may not be there
    name: str = NAME

    def batches(self, cursor: Cursor | None) -> Iterator[Batch]:
        page = max(1, _int(cursor, "page", 1))
        per_page = _int(cursor, "per_page", PER_PAGE)
        if per_page not in (PER_PAGE, SMALL_PAGE):
            per_page = PER_PAGE
        if self.site.dry_run:
            yield self._plan(page, per_page)
            return
        previous: list[str] | None = None
        while page <= MAX_PAGES:
            url = posts_url(self.root, page, per_page)
            try:
                resp = self.site.get(url)
            except FetchError as e:
                if per_page == PER_PAGE and "byte cap" in str(e):
                    # A hundred long posts over the size cap: the same posts ten at a time.
                    page, per_page = (page - 1) * (PER_PAGE // SMALL_PAGE) + 1, SMALL_PAGE
                    continue
                raise
            if resp.status != 200:
                note = self._past_end(resp.status, page)
                if note is None:
                    raise FetchError(f"HTTP {resp.status} from {url}")
                yield Batch([], None, read=[url], note=note or None)
                return
            posts = _posts(resp.body, url)[:MAX_POSTS_A_PAGE]
            entries = [e for e in map(entry_of, posts) if e is not None]
            keys = [e["key"] for e in entries]
            last = _int(resp.headers, "x-wp-totalpages", 0)
            if not posts or keys == previous:
                # (An empty page is the end; one that repeats the page before is a server
                # that ignores ?page: nothing more to be had.)
                yield Batch([], None, read=[url])
                return
            ended = (last and page >= last) or self._older_than_until(entries)
            yield Batch(entries, None if ended else {"page": page + 1, "per_page": per_page}, read=[url])
            if ended:
                return
            previous, page = keys, page + 1
        raise FetchError(f"more than {MAX_PAGES} pages of posts at {self.root}")

    def _past_end(self, status: int, page: int) -> str | None:
        """What an answer other than 200 means: "" the end, a note the end with a word to
        the user, None a failure (tried again next time)."""
        if page > 1 and status in (400, 404):  # rest_post_invalid_page_number
            return ""
        if page == 1 and status == 404 and self.guessed:
            return f"no REST API at {self.root}"
        if page == 1 and status in (401, 403, 404):  # closed by a plugin or a setting
            return f"the site's REST API is not open to readers (HTTP {status})"
        return None

    def _older_than_until(self, entries: list[Entry]) -> bool:
        # Newest first: once a whole page is older than --until, so is every page after it.
        until = self.site.until
        dates = [e.get("published") or e.get("updated") for e in entries]
        return until is not None and bool(dates) and all(d is not None and d < until for d in dates)

    def _plan(self, page: int, per_page: int) -> Batch:
        """--dry-run: the pages the walk would read, from one post's worth of the first
        (X-WP-Total says how many there are), no posts read."""
        try:
            resp = self.site.get(posts_url(self.root, 1, 1))
        except FetchError as e:  # (robots.txt, say: the listing marks the page refused)
            return Batch(
                [], None, read=[posts_url(self.root, page, per_page)], note=f"could not count the posts: {e}"
            )
        total = _int(resp.headers, "x-wp-total", -1) if resp.status == 200 else -1
        if total < 0:
            return Batch(
                [], None, read=[posts_url(self.root, page, per_page)], note="then on until a page is empty"
            )
        last = min(MAX_PAGES, -(-total // per_page))
        pages = [posts_url(self.root, n, per_page) for n in range(page, last + 1)]
        return Batch([], None, read=pages, note=f"{total} posts in {last} page{'' if last == 1 else 's'}")


def posts_url(root: str, page: int, per_page: int = PER_PAGE) -> str:
    """Page PAGE of the posts, newest first, at the API ROOT (either form WordPress gives)."""
    parts = urlsplit(root)
    query = parse_qsl(parts.query, keep_blank_values=True)
    wanted = [("page", str(page)), ("per_page", str(per_page)), ("_embed", "author")]
    if any(k == "rest_route" for k, _ in query):
        # Sites without pretty permalinks: https://host/?rest_route=/ is the root.
        route = next(v for k, v in query if k == "rest_route").rstrip("/") + "/wp/v2/posts"
        rest = [(k, v) for k, v in query if k != "rest_route"]
        return urlunsplit(parts._replace(query=urlencode([("rest_route", route), *rest, *wanted], safe="/")))
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    return urlunsplit(parts._replace(path=path + "wp/v2/posts", query=urlencode(wanted)))


def entry_of(post: Any) -> Entry | None:
    """One post of the REST API as make_entry's entry; None when it has no identity."""
    if not isinstance(post, dict):
        return None
    guid = _rendered(post.get("guid"))
    link = text(post.get("link"))
    if link is not None and not urls.is_web(link):
        link = None
    if guid is None and link is None:
        return None
    title = _rendered(post.get("title"))
    content = _rendered(post.get("content"))
    if isinstance(post.get("content"), dict) and post["content"].get("protected") is True:
        content = None  # a password-protected post: the API gives no text
    return make_entry(
        id=html.unescape(guid).strip() if guid else None,
        link=link.strip() if link else None,
        title=html_title_to_plain(title) if title else None,
        author=_author(post),
        published=_gmt(post.get("date_gmt")),
        updated=_gmt(post.get("modified_gmt")),
        summary=_rendered(post.get("excerpt")),
        content=content,
        tags=[],
        enclosures=[],
        extra_images=[],
    )


def _posts(body: bytes, url: str) -> list[Any]:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise FetchError(f"{url[:200]} is not JSON") from None
    if not isinstance(data, list):
        raise FetchError(f"{url[:200]} is not a list of posts")
    return data


def _rendered(field: Any) -> str | None:
    return text(field.get("rendered")) if isinstance(field, dict) else None


def _gmt(value: Any) -> str | None:
    # date_gmt is "2026-01-02T10:00:00", UTC without saying so.
    if not isinstance(value, str) or not value.strip() or len(value) > 40:
        return None
    value = value.strip()
    return iso_from_text(value if value.endswith("Z") or "+" in value[10:] else value + "Z")


def _author(post: dict[str, Any]) -> str | None:
    embedded = post.get("_embedded")
    authors = embedded.get("author") if isinstance(embedded, dict) else None
    first = authors[0] if isinstance(authors, list) and authors else None
    name = text(first.get("name")) if isinstance(first, dict) else None
    return " ".join(name.split())[:200] if name else None


def _int(mapping: Any, key: str, default: int) -> int:
    value = mapping.get(key) if isinstance(mapping, dict) else None
    if isinstance(value, str) and value.strip().isdigit() and len(value) < 10:
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return default


def _same_site(root: str, *others: str) -> bool:
    """Whether ROOT is on the host of one of OTHERS (a www. before it or not): a home page
    does not send the backfill to another site's posts."""

    mine = urls.bare_host(root)
    return mine != "" and mine in {urls.bare_host(o) for o in others}

"""The way through a site's sitemaps: every page it lists, read, and kept if it is a post.

Where the sitemaps are: the `Sitemap:` lines of robots.txt (urllib.robotparser reads them),
else the first of /sitemap.xml, /sitemap_index.xml and /wp-sitemap.xml on the home page's
origin that is one. An index is followed to its sitemaps (only those named for posts when
some are: Ghost's sitemap-posts.xml, WordPress's wp-sitemap-posts-post-1.xml; never those
named for tags, categories or authors), at most MAX_DEPTH deep, each read once, at most
MAX_SITEMAPS of them and MAX_URLS pages in all.

A listed page is read only when it is on the home page's host (www. or not), under the
site's path family (a blog at /blog/ reads only /blog/...), not the home page, not named
like a page that is never a post (/about/, /tags/x/), not archived already and not older
than `until` by its lastmod; newest first by lastmod. It becomes a post only if it says it
is an article (parse/article.py); its text is the full-text extractor's (parse/extract.py).

Each page read is one Batch. The cursor is `{"refused": [...]}`: the pages read and found not
to be posts, so that a run that goes on does not read them again. Nothing else needs
keeping: the posts found are archived, and a run that goes on reads the sitemaps again (a
few requests) and passes over what is archived. A list of the pages still to read would be
50,000 URLs at worst, rewritten after every page; the sitemaps are the list already.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import SplitResult, urlsplit
from urllib.robotparser import RobotFileParser

from subsample import urls
from subsample.errors import FetchError
from subsample.fetch.door import RobotsDisallowed
from subsample.fetch.ways import Batch, Cursor, Entry, Site
from subsample.parse import sitemap as sm
from subsample.parse.article import PageMeta, never_a_post, read_meta
from subsample.parse.entry import iso_from_text, make_entry

NAME = "sitemap"
WELL_KNOWN = ("/sitemap.xml", "/sitemap_index.xml", "/wp-sitemap.xml")
FIND_TRIES = 3  # sitemaps robots.txt names, tried until one is one
MAX_DEPTH = 3  # an index of indexes of sitemaps is as deep as real sites go
MAX_SITEMAPS = 200  # sitemap documents read in one walk
MAX_URLS = sm.MAX_URLS  # pages listed, in all
MAX_REFUSED = 500  # pages remembered as not posts in the cursor (each save rewrites them)
MAX_FAILURES = 5  # pages in a row that cannot be read: the site is down, go on another day
# Feed paths whose directory is not where the posts are: /feed/, /feeds/posts/default, /rss/.
_FEED_SEGMENTS = frozenset(("feed", "feeds", "rss", "rss2", "atom", "syndication"))


@dataclass
class Listing:
    """The pages the sitemaps list that may be posts, newest first, and what reading the
    sitemaps cost."""

    pages: list[sm.Listed] = field(default_factory=list)
    read: list[str] = field(default_factory=list)  # the sitemaps read
    note: str | None = None
    stopped: bool = False  # the request cap came first


def find(site: Site) -> SitemapWay | None:
    """The site's sitemaps, if it has any (robots.txt's, else the well-known addresses).

    A few reads at most (FIND_TRIES and robots.txt): the backfill gives finding a way ten
    requests. The other sitemaps robots.txt names are read with the rest, by `batches`."""
    way = SitemapWay(site)
    origin = _origin(site.home_url)
    if origin is None:
        return None
    named = [u for u in way.robots_sitemaps(origin) if urls.is_web(u)][:MAX_SITEMAPS]
    if any(way.affordable() and way.read_sitemap(u) is not None for u in named[:FIND_TRIES]):
        way.roots = named
        return way
    for path in WELL_KNOWN:
        url = origin + path
        if url not in named and way.affordable() and way.read_sitemap(url) is not None:
            way.roots = [url]
            return way
    return None


class SitemapWay:
    name = NAME

    def __init__(self, site: Site) -> None:
        self.site = site
        self.roots: list[str] = []
        self.requests = 0  # made through site.get by find, then by the walk (batches)
        self._read: dict[str, sm.Sitemap | None] = {}  # sitemaps read in this run
        self.family = Family.of(site.home_url, site.feed_url)
        self.archived = {page_key(u) for u in site.archived}  # as compared (page_key)

    # -- the network, through the one door -------------------------------------------

    def affordable(self) -> bool:
        return self.site.max_pages is None or self.requests < self.site.max_pages

    def _get(self, url: str) -> tuple[int, bytes, str]:
        """(status, body, content type) of URL through site.get; counts the request.

        Raises:
            FetchError: as site.get.
        """
        self.requests += 1
        resp = self.site.get(url)
        return resp.status, resp.body, resp.headers.get("content-type", "")

    def robots_sitemaps(self, origin: str) -> list[str]:
        """The Sitemap: lines of the site's robots.txt; none when it has none or cannot be read."""
        try:
            status, body, _ = self._get(origin + "/robots.txt")
        except FetchError:
            return []
        if status != 200:
            return []
        robots = RobotFileParser()
        robots.parse(body.decode("utf-8", "replace").splitlines())
        return list(dict.fromkeys(robots.site_maps() or []))

    def read_sitemap(self, url: str) -> sm.Sitemap | None:
        """The sitemap at URL (read once a run), or None when it is none (a 404 too)."""
        if url in self._read:
            return self._read[url]
        try:
            status, body, _ = self._get(url)
            found = sm.parse_sitemap(body) if status == 200 else None
        except FetchError:
            found = None
        self._read[url] = found
        return found

    # -- the walk --------------------------------------------------------------------

    def listing(self) -> Listing:
        """The pages the sitemaps list that may be posts, newest first by lastmod (those
        with none after, in the sitemaps' order)."""
        listing = Listing()
        family = self.family
        archived = self.archived
        until = iso_from_text(self.site.until) if self.site.until else None
        seen_maps: set[str] = set()
        pages: dict[str, sm.Listed] = {}
        queue = [(url, 0) for url in self.roots]
        while queue:
            url, depth = queue.pop(0)
            if url in seen_maps:
                continue  # (an index that names itself, or two that name each other)
            if len(seen_maps) >= MAX_SITEMAPS:
                listing.note = f"read the first {MAX_SITEMAPS} sitemaps only"
                break
            if url not in self._read and not self.affordable():
                listing.stopped = True
                break
            seen_maps.add(url)
            found = self.read_sitemap(url)
            listing.read.append(url)
            if found is None:
                continue
            if depth < MAX_DEPTH:
                queue.extend((s.loc, depth + 1) for s in sm.worth_reading(found.sitemaps))
            for page in found.urls:
                key = page_key(page.loc)
                if key in pages or key in archived or not family.holds(page.loc):
                    continue
                if until and page.lastmod and page.lastmod < until:
                    continue
                pages[key] = page
                if len(pages) >= MAX_URLS:
                    listing.note = f"the sitemaps list more than {MAX_URLS} pages; read the first {MAX_URLS}"
                    queue.clear()
                    break
        # Newest first; sorted is stable, so pages without a lastmod keep their order, last.
        listing.pages = sorted(pages.values(), key=lambda p: p.lastmod or "", reverse=True)
        return listing

    def batches(self, cursor: Cursor | None) -> Iterator[Batch]:
        # The cap is the walk's: what find read came out of the backfill's own allowance for
        # finding a way, and counted here it left a capped walk no page to read, run after run.
        self.requests = 0
        refused = [str(u) for u in (cursor or {}).get("refused", []) if isinstance(u, str)][:MAX_REFUSED]
        listing = self.listing()
        if listing.stopped:
            yield Batch([], cursor or {}, read=listing.read, note=self._capped())
            return
        skip = {page_key(u) for u in refused}
        folder = self.family.folder
        todo = [p for p in listing.pages if page_key(p.loc) not in skip and not never_a_post(p.loc, folder)]
        if self.site.dry_run:
            if self.site.max_pages is not None:
                todo = todo[: max(self.site.max_pages - self.requests, 0)]
            yield Batch([], None, read=[p.loc for p in todo], note=listing.note)
            return
        read_before = listing.read  # the sitemaps, reported with the first page
        note = listing.note
        failures = 0
        found: set[str] = set()
        for page in todo:
            if not self.affordable():
                yield Batch([], {"refused": refused}, read=read_before, note=self._capped())
                return
            batch, failed = self._judge(page, found)
            batch.read = batch.read + read_before  # (the page first: it is what the step was)
            read_before = []
            if batch.refused and len(refused) < MAX_REFUSED:
                refused.append(page.loc)
            failures = failures + 1 if failed else 0
            batch.cursor = {"refused": refused}
            if note and not batch.note:
                batch.note, note = note, None
            yield batch
            if failures >= MAX_FAILURES:
                yield Batch(
                    [], {"refused": refused}, note=f"{MAX_FAILURES} pages in a row could not be read; stopped"
                )
                return
        yield Batch([], None, read=read_before, note=note)

    def _judge(self, page: sm.Listed, found: set[str]) -> tuple[Batch, bool]:
        """Read PAGE: a Batch with its post, or refused, or with a note saying why not; and
        whether the site failed to answer (no answer, 429, 5xx: a 404 is an answer)."""
        url = page.loc
        try:
            status, body, ctype = self._get(url)
        except RobotsDisallowed as e:  # never asked: no failure of the site's
            return Batch([], None, read=[url], note=str(e)), False
        except FetchError as e:
            return Batch([], None, read=[url], note=f"{url}: {e}"), True
        if status != 200:
            return Batch([], None, read=[url], note=f"{url}: HTTP {status}"), status == 429 or status >= 500
        if ctype and "html" not in ctype.lower():
            return Batch([], None, read=[url], refused=[url]), False
        return self._post_of(page, body, ctype, found), False

    def _post_of(self, page: sm.Listed, body: bytes, ctype: str, found: set[str]) -> Batch:
        """The Batch of a page read: its post, or refused when it is not one."""
        url = page.loc
        from subsample.parse.extract import decode_page

        html = decode_page(body, ctype)
        meta = read_meta(html, url)
        if meta.article is None:
            return Batch([], None, read=[url], refused=[url])
        entry = make_post(page, meta, _article_html(html, url, self.site.source.selector), self.family)
        key = page_key(entry["link"])
        until = iso_from_text(self.site.until) if self.site.until else None
        if key in self.archived or key in found:
            return Batch([], None, read=[url])  # its canonical address is archived already
        if until and entry["published"] and entry["published"] < until:
            return Batch([], None, read=[url])
        found.add(key)
        return Batch([entry], None, read=[url])

    def _capped(self) -> str:
        return f"stopped at the cap of {self.site.max_pages} requests; backfill again to go on"


# schema.org microdata's mark of a post's own text (Jekyll's and Hexo's NexT, WordPress
# themes): where a page says which element is the article, the extractor need not guess.
# trafilatura guesses badly on a short post: NexT's three-line posts came back with the
# site's menu and no images.
ARTICLE_BODY = '[itemprop~="articleBody"]'


def _article_html(page: str, url: str, selector: str | None) -> str | None:
    """The article of PAGE: by the source's own selector when it has one, else by its
    microdata articleBody, else as the full-text extractor finds it."""
    from subsample.parse.extract import extract_article

    if not selector and "articlebody" in page.lower():
        marked = extract_article(page, url, ARTICLE_BODY)
        if marked and marked.html.strip():
            return marked.html
    try:
        article = extract_article(page, url, selector)
    except FetchError:  # the source's selector is not valid CSS; the fetch says so too
        article = extract_article(page, url)
    return article.html if article else None


def make_post(page: sm.Listed, meta: PageMeta, content: str | None, family: Family | None = None) -> Entry:
    """The post a sitemap's PAGE is, from what the page says of itself (META) and its
    article's HTML (CONTENT). Its link is the page's canonical address when that is on the
    same host, else the sitemap's; it has no id, so its key is its link, as a feed's post
    without a guid."""
    link = page.loc
    # (Not a canonical that is the home page: a theme's bug that would make every post one.)
    if (
        meta.canonical
        and same_host(meta.canonical, page.loc)
        and (family is None or family.holds(meta.canonical))
    ):
        link = meta.canonical
    return make_entry(
        id=None,
        link=link,
        title=meta.title,
        author=meta.author,
        published=meta.published or page.lastmod,
        updated=meta.updated,
        summary=meta.description,
        content=content,
        tags=[],
        enclosures=[],
        extra_images=[],
    )


# -- addresses -----------------------------------------------------------------------


def page_key(url: str) -> str:
    """URL as compared with what is archived: no scheme, no www., no fragment, no trailing
    slash, the host in lower case (http://www.x.org/a/#c is https://x.org/a)."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return url
    host = _bare(parts.hostname or "")
    netloc = f"{host}:{parts.port}" if _port(parts) else host
    query = f"?{parts.query}" if parts.query else ""
    return f"{netloc}{parts.path.rstrip('/')}{query}"


def same_host(a: str, b: str) -> bool:
    """Whether A and B are on one host, www. or not."""
    host = urls.bare_host(a)
    return bool(host) and host == urls.bare_host(b)


@dataclass(frozen=True)
class Family:
    """Where a site's posts may be: its host (www. or not) and the folder it lives in."""

    host: str
    port: int | None
    folder: str  # "/" or "/blog/"
    home: str  # page_key of the home page
    top: str  # page_key of the folder's own page

    @classmethod
    def of(cls, home_url: str, feed_url: str) -> Family:
        """The home page's host, and its folder; a home page at the root takes the feed's
        folder (a blog at /blog/ whose feed is /blog/feed/), less the feed's own segments."""
        parts = urlsplit(home_url)
        folder = _folder(parts.path, home=True)
        if folder == "/" and urls.is_web(feed_url) and same_host(feed_url, home_url):
            folder = _folder(urlsplit(feed_url).path, home=False)
        top = page_key(f"{parts.scheme}://{parts.netloc}{folder}")
        return cls(_bare(parts.hostname or ""), _port(parts), folder, page_key(home_url), top)

    def holds(self, url: str) -> bool:
        """Whether URL may be one of the site's posts: http(s), on its host, in its folder,
        not its home page (nor its folder's)."""
        if not urls.is_web(url):
            return False
        try:
            parts = urlsplit(url)
            port = _port(parts)
        except ValueError:
            return False
        if _bare(parts.hostname or "") != self.host or port != self.port:
            return False
        path = parts.path or "/"
        if not (path + "/").startswith(self.folder):
            return False
        key = page_key(url)
        return key not in (self.home, self.top)


def _folder(path: str, *, home: bool) -> str:
    segments = [s for s in path.split("/") if s]
    if not home or (segments and "." in segments[-1]):
        segments = segments[:-1] if segments and not path.endswith("/") else segments
    for i, s in enumerate(segments):
        if s.lower() in _FEED_SEGMENTS or re.fullmatch(r"index\.\w+", s):
            segments = segments[:i]
            break
    return "/" + "".join(f"{s}/" for s in segments)


def _bare(host: str) -> str:
    """A host name as urls.bare_host gives a URL's."""
    return host.lower().rstrip(".").removeprefix("www.")


def _port(parts: SplitResult) -> int | None:
    """PARTS' port, None when it is its scheme's own (or unreadable)."""
    try:
        port = parts.port
    except ValueError:
        return None
    return None if port == {"http": 80, "https": 443}.get(parts.scheme.lower()) else port


def _origin(url: str) -> str | None:
    if not urls.is_web(url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return f"{parts.scheme.lower()}://{parts.netloc}"

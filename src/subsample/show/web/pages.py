"""Every page of the web view, built from the core's data: one function per route, shared by
the server (absolute links, live) and the static site (relative links, written once).

A route is a path such as /sources/seang/history; `build` maps it to a Page. Nothing here
reads an archive: the data comes from subsample.core and subsample.show.export, as the
CLI's does, and every piece of feed HTML goes through sanitize() before a template sees it.
"""

from __future__ import annotations

import json
import posixpath
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from subsample import core, times
from subsample.errors import SourceNotFoundError, SubsampleError
from subsample.paths import Paths
from subsample.show.web.sanitize import sanitize
from subsample.text import one_line
from subsample.times import parse_iso

PAGE_SIZE = 50  # posts rendered in full on one page: the seed's 31 fit on one
MEDIA_NAME = re.compile(r"[0-9a-f]{64}\.(?:jpg|png|gif|webp|avif|svg|img)")
MEDIA_TYPES = {"jpg": "image/jpeg", "png": "image/png", "gif": "image/gif", "webp": "image/webp",
               "avif": "image/avif", "svg": "image/svg+xml"}  # fmt: skip

HTML = "text/html; charset=utf-8"
JSON = "application/json; charset=utf-8"
RSS = "application/rss+xml; charset=utf-8"
JSON_FEED = "application/feed+json; charset=utf-8"


@dataclass
class Page:
    status: int
    content_type: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


class NotFound(Exception):
    """No such page; shown as a 404."""


# -- how one page names another -----------------------------------------------------


class Links:
    """Server mode: a route is its own URL. Site mode: a route becomes a file, and links are
    relative to the page being written, so the folder reads the same offline or anywhere."""

    def __init__(self, site: bool = False, here: str = "/") -> None:
        self.site = site
        self.here = here

    def __call__(self, route: str) -> str:
        if not self.site:
            return route
        here = posixpath.dirname(site_file(self.here))
        return posixpath.relpath(site_file(route), here or ".")


def site_file(route: str) -> str:
    """The file of the static site that holds ROUTE."""
    path = route.strip("/")
    if path.startswith(("static/", "media/")):
        return path
    if path.endswith("/rss"):
        return path[:-4] + "/rss.xml"
    if path.endswith("/json"):
        return path[:-5] + "/feed.json"
    return f"{path}/index.html" if path else "index.html"


# -- times, as the seed and the terminal show them (times.py: one rule for both) --------


def _time(when: object, now: datetime, empty: str = "") -> Markup:
    """<time> with the relative time shown and the exact one on hover."""
    dt = when if isinstance(when, datetime) else parse_iso(when)
    if dt is None:
        return Markup.escape(empty)
    return Markup('<time datetime="{}" title="{}">{}</time>').format(
        dt.isoformat(), times.absolute(dt), times.relative(dt, now)
    )


# -- templates -----------------------------------------------------------------------

_env: jinja2.Environment | None = None
_env_lock = threading.Lock()


def _templates() -> jinja2.Environment:
    global _env
    with _env_lock:
        if _env is None:
            env = jinja2.Environment(
                loader=jinja2.PackageLoader("subsample.show.web", "templates"),
                autoescape=True,  # every {{ value }} is escaped; only sanitize()'s output is Markup
                trim_blocks=True,
                lstrip_blocks=True,
            )
            env.filters["one_line"] = one_line
            _env = env
        return _env


def stylesheet() -> bytes:
    return resources.files("subsample.show.web").joinpath("static/style.css").read_bytes()


@dataclass
class Context:
    paths: Paths
    now: datetime
    links: Links
    site: bool = False

    def render(self, template: str, **values: Any) -> Page:
        values.setdefault("source_tabs", None)
        html = (
            _templates()
            .get_template(template)
            .render(
                link=self.links,
                when=lambda w, empty="": _time(w, self.now, empty),
                site=self.site,
                **values,
            )
        )
        return Page(200, HTML, html.encode())


def _json(data: Any) -> Page:
    return Page(200, JSON, json.dumps(data, ensure_ascii=False, indent=1).encode())


# -- the pages -----------------------------------------------------------------------


def sources_page(ctx: Context, as_json: bool) -> Page:
    rows = core.list_sources(ctx.paths)
    if as_json:
        return _json([r.as_json() for r in rows])
    return ctx.render("sources.html", title="Sources", rows=rows, next_update=lambda r: _next(ctx, r))


def _header(ctx: Context, sid: str) -> dict[str, Any]:
    """The seed's header row of a source: ID, Type, Limit, Status, Last Update, Next Update."""
    rows = {r.source.id: r for r in core.list_sources(ctx.paths)}
    row = rows.get(sid)
    if row is None:
        raise NotFound(f"no source named {sid!r}")
    return {"row": row, "next": _next(ctx, row)}


def _next(ctx: Context, row: Any) -> Markup:
    if not row.source.enabled:
        return Markup("—")
    when = row.next_update
    if when is None or when <= ctx.now:
        return Markup("due now")
    return _time(when, ctx.now)


TABS = (("posts", "Posts", ""), ("history", "History", "/history"), ("gallery", "Gallery", "/gallery"),
        ("config", "Config", "/config"), ("rss", "RSS", "/rss"), ("json", "JSON", "/json"))  # fmt: skip


def posts_page(ctx: Context, sid: str, page: int, as_json: bool) -> Page:
    head = _header(ctx, sid)
    offset = (page - 1) * PAGE_SIZE
    listing = core.list_posts(ctx.paths, sid, limit=PAGE_SIZE, offset=offset, content=True)
    pages = max(1, -(-listing.total // PAGE_SIZE))
    if page > pages:
        raise NotFound(f"{sid} has {pages} page{'s' * (pages != 1)} of posts")
    if as_json:
        for p in listing.posts:
            p.pop("content", None), p.pop("summary", None)
        return _json({"source": sid, "total": listing.total, "page": page, "pages": pages,
                      "posts": listing.posts})  # fmt: skip
    for p in listing.posts:
        p["html"] = _body(ctx, p)
    return ctx.render(
        "posts.html",
        title=listing.title or sid,
        head=head,
        tabs=TABS,
        tab="posts",
        sid=sid,
        listing=listing,
        page=page,
        pages=pages,
        page_link=lambda k: ctx.links(f"/sources/{sid}" if k == 1 else f"/sources/{sid}/page/{k}"),
    )


def _body(ctx: Context, post: dict[str, Any]) -> Markup:
    raw = post.get("content") or post.get("summary") or ""
    base = post.get("link") if isinstance(post.get("link"), str) else None
    return Markup(sanitize(raw, base, _local_images(ctx)) if isinstance(raw, str) else "")


def _local_images(ctx: Context) -> Callable[[str], str | None]:
    """Image URL -> the local copy's URL, for images `gallery --download` kept."""
    from subsample.fetch.media import attach_stored

    def local(url: str) -> str | None:
        found = [{"url": url}]
        attach_stored(ctx.paths, found)
        path = found[0].get("path")
        return ctx.links(f"/media/{Path(path).name}") if isinstance(path, str) else None

    return local


def history_page(ctx: Context, sid: str, as_json: bool) -> Page:
    head = _header(ctx, sid)
    h = core.history(ctx.paths, sid, last=200)
    if as_json:
        return _json(h)
    return ctx.render("history.html", title=f"History of {sid}", head=head, tabs=TABS, tab="history",
                      sid=sid, h=h)  # fmt: skip


# The RSS and JSON tabs are for another reader to subscribe to: the newest posts, as a feed
# is. (The whole of a 100k-post archive was a 424 MB document; `subsample export` writes that.)
FEED_POSTS = 100
GALLERY_POSTS = 200  # the gallery tab shows the images of the newest posts


def gallery_page(ctx: Context, sid: str, as_json: bool) -> Page:
    from subsample.fetch.media import attach_stored
    from subsample.show import export

    head = _header(ctx, sid)
    # The newest posts' images: the whole of a 100k-post archive took 6 s to read for one page.
    images = list(export.iter_images(ctx.paths, sid, newest=GALLERY_POSTS))
    attach_stored(ctx.paths, images)
    if as_json:
        return _json(images)
    shown = []
    for img in images:
        url = one_line(img.get("url"))
        if not url.lower().startswith(("http://", "https://")):
            continue
        local = img.get("path")
        src = ctx.links(f"/media/{Path(local).name}") if isinstance(local, str) else url
        shown.append({**img, "url": url, "src": src})
    return ctx.render("gallery.html", title=f"Gallery of {sid}", head=head, tabs=TABS, tab="gallery",
                      sid=sid, images=shown)  # fmt: skip


def config_page(ctx: Context, sid: str, as_json: bool) -> Page:
    head = _header(ctx, sid)
    cfg = core.source_config(ctx.paths, sid)
    if as_json:
        return _json(cfg)
    return ctx.render("config.html", title=f"Config of {sid}", head=head, tabs=TABS, tab="config",
                      sid=sid, cfg=cfg)  # fmt: skip


_feeds: dict[tuple[str, str], tuple[tuple[int, int], bytes]] = {}
_feeds_lock = threading.Lock()


def feed_page(ctx: Context, sid: str, fmt: str) -> Page:
    """The RSS and JSON tabs: the archive's newest FEED_POSTS posts as RSS 2.0 or JSON Feed 1.1.

    Kept while the archive is unchanged: building the feed of a big archive takes seconds.
    """
    from subsample.show import export

    _header(ctx, sid)
    try:
        st = ctx.paths.archive(sid).stat()
        stamp = (st.st_mtime_ns, st.st_size)
    except OSError:
        stamp = (0, 0)
    with _feeds_lock:
        kept = _feeds.get((sid, fmt))
    if kept is not None and kept[0] == stamp:
        data = kept[1]
    else:
        data = export.export_source(ctx.paths, sid, fmt, newest=FEED_POSTS)
        with _feeds_lock:
            _feeds[(sid, fmt)] = (stamp, data)
    return Page(200, RSS if fmt == "rss" else JSON_FEED, data)


def post_page(ctx: Context, n: int, revision: int | None, as_json: bool) -> Page:
    try:
        post = core.get_post(ctx.paths, n, revision)
    except SubsampleError as e:
        raise NotFound(str(e)) from None
    if as_json:
        return _json(post)
    sid = str(post.get("source"))
    full = _full_text(post)
    link = post.get("link") if isinstance(post.get("link"), str) else None
    return ctx.render(
        "post.html",
        title=one_line(post.get("title")) or "(untitled)",
        post=post,
        sid=sid,
        source_title=core.source_title(ctx.paths, sid),
        body=_body(ctx, post),
        full=Markup(sanitize(full, link, _local_images(ctx))) if full else None,
        original=link if link and link.lower().startswith(("http://", "https://")) else None,
        revisions=range(1, int(post.get("revisions") or 1) + 1),
    )


def _full_text(post: dict[str, Any]) -> str | None:
    """The article fetched from the post's page, kept beside the feed's text (if any)."""
    full = post.get("fulltext")  # as core.get_post adds it, from fulltext/<ID>.jsonl
    if isinstance(full, dict):
        full = full.get("html")
    return full if isinstance(full, str) and full.strip() else None


def search_page(ctx: Context, query: str, as_json: bool) -> Page:
    hits = core.search(ctx.paths, query, limit=50) if query.strip() else []  # as `search` shows
    if as_json:
        return _json([{"n": h.post.get("n"), "source": h.post.get("source"), "title": h.post.get("title"),
                       "published": h.post.get("published"), "link": h.post.get("link"),
                       "snippet": h.snippet} for h in hits])  # fmt: skip
    return ctx.render("search.html", title=f"Search: {one_line(query)}" if query else "Search",
                      query=query, hits=hits)  # fmt: skip


def error_page(ctx: Context, status: int, message: str) -> Page:
    page = ctx.render("error.html", title="Not found" if status == 404 else "Error", status=status,
                      message=message)  # fmt: skip
    page.status = status
    return page


def media_file(paths: Paths, name: str) -> tuple[Path, str]:
    """A stored image by its content name; nothing outside the media store, whatever NAME is."""
    if not MEDIA_NAME.fullmatch(name):
        raise NotFound("no such image")
    store = paths.media_dir.resolve()
    path = (store / name).resolve()
    if path.parent != store or not path.is_file():
        raise NotFound("no such image")
    return path, MEDIA_TYPES.get(name.rsplit(".", 1)[1], "application/octet-stream")


# -- routing -------------------------------------------------------------------------

_SID = r"(?P<sid>[a-z0-9][a-z0-9_-]*)"
_ROUTES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"/"), "sources"),
    (re.compile(rf"/sources/{_SID}"), "posts"),
    (re.compile(rf"/sources/{_SID}/page/(?P<page>[1-9][0-9]{{0,8}})"), "posts"),
    (re.compile(rf"/sources/{_SID}/(?P<tab>history|gallery|config)"), "tab"),
    (re.compile(rf"/sources/{_SID}/(?P<fmt>rss|json)"), "feed"),
    (re.compile(r"/posts/(?P<n>[1-9][0-9]{0,17})"), "post"),
    (re.compile(r"/posts/(?P<n>[1-9][0-9]{0,17})/revision/(?P<rev>[1-9][0-9]{0,8})"), "post"),
    (re.compile(r"/search"), "search"),
]


def build(ctx: Context, route: str, query: dict[str, str] | None = None) -> Page:
    """The page at ROUTE (a path; `.json` on the end asks for its JSON twin).

    Raises:
        NotFound: no such page, source or post.
        SubsampleError: the archive cannot be read (shown as an error page by the caller).
    """
    query = query or {}
    as_json = route.endswith(".json") and route != "/.json"
    path = route[:-5] if as_json else route
    if as_json and path in ("/index", ""):
        path = "/"
    for pattern, kind in _ROUTES:
        m = pattern.fullmatch(path)
        if m is None:
            continue
        g = m.groupdict()
        try:
            if kind == "sources":
                return sources_page(ctx, as_json)
            if kind == "posts":
                return posts_page(ctx, g["sid"], int(g.get("page") or 1), as_json)
            if kind == "tab":
                fn = {"history": history_page, "gallery": gallery_page, "config": config_page}[g["tab"]]
                return fn(ctx, g["sid"], as_json)
            if kind == "feed" and not as_json:
                return feed_page(ctx, g["sid"], g["fmt"])
            if kind == "post":
                return post_page(ctx, int(g["n"]), int(g["rev"]) if g.get("rev") else None, as_json)
            if kind == "search" and not ctx.site:
                return search_page(ctx, query.get("q", ""), as_json)
        except SourceNotFoundError as e:
            raise NotFound(str(e)) from None
    raise NotFound(f"no page at {route}")

"""Backfill a blog whose feed holds 10 of its 60 posts, from each of the site's ways (issue 23).

Offline: three blogs are served over loopback (127.0.0.1, 127.0.0.2, ...), each of 60
posts whose feed holds the newest 10, and the real command line is run against each in a
temporary SUBSAMPLE_HOME, printing every command and what it said:

  static    a Hugo-like static site: robots.txt names a sitemap index, whose sitemap lists
            the 60 article pages (og:type article, JSON-LD BlogPosting), the home page, an
            about page, a tag page and a page of the posts (not posts: refused)
  substack  a Substack-like publication: /feed with 10, /api/v1/archive with 60 (without
            their bodies; /api/v1/posts/SLUG with them)
  wayback   a blog whose live feed holds 10, and a loopback web archive
            (SUBSAMPLE_WAYBACK_URL) with six captures of the feed, 10 entries each, 1-60

    python examples/backfill_demo.py [static] [substack] [wayback] [--full]

The loopback addresses are shown as readable names (https://blog.example and so on);
--full prints every line (the sitemap way says a line per page read). It exits 1 when a
blog does not end with 60 posts or a second fetch and backfill add anything.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

TOTAL = 60  # posts each blog has published
WINDOW = 10  # the newest of them its feed holds
FIRST = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)  # post 1; one post every 4 days

# A post's text: a few paragraphs, as the full-text extractor sees a real post.
PARAGRAPHS = (
    "The first thing to know about a feed is that it forgets. It shows the newest posts and "
    "lets the older ones fall off its end, one by one, as new ones come in.",
    "A reader that subscribed late never sees what fell off before it came. The site still has "
    "every page, and it usually says where they are: a sitemap, an API, an archive.",
    "So the archive can begin where the blog began, not on the day you subscribed, and each "
    "post keeps its own title, its own date and its own words.",
    "Each way of finding them has its own manners. A sitemap lists pages, and only some of the "
    "pages are posts; an API gives whole posts in pages of its own size; a web archive kept the "
    "feed as it was on the days it looked, and those days are all it knows.",
    "None of them is asked for more than it offers, and none of them faster than one request at "
    "a time. What was archived stays archived; what is found twice is archived once, and a second "
    "run that finds nothing new says so and adds nothing.",
)

Route = Callable[[str, dict[str, list[str]]], tuple[int, str, str]]  # (path, query) -> status, type, body


def date_of(n: int) -> datetime:
    return FIRST + timedelta(days=4 * (n - 1))


def title_of(n: int) -> str:
    return f"Notes on backfilling, part {n}"


def text_of(n: int) -> str:
    return f"<p>Part {n} of the series.</p>" + "".join(f"<p>{p}</p>" for p in PARAGRAPHS)


def rss_date(d: datetime) -> str:
    return format_datetime(d, usegmt=True)


# -- serving -------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    route: Route  # set on each server's own subclass

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        try:
            status, ctype, body = type(self).route(parts.path, parse_qs(parts.query))
        except Exception as e:  # a bug in the demo's own site: a 500, as a real server would
            status, ctype, body = 500, "text/plain", f"{type(e).__name__}: {e}"
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass


@dataclass
class Served:
    base: str  # http://127.0.0.N:PORT, no trailing slash
    name: str  # the readable name it is shown as (https://blog.example)


@contextmanager
def serve(host: str, make: Callable[[str], Route], name: str) -> Iterator[Served]:
    """A server on HOST (a loopback address) and a free port, answering with the Route MAKE
    builds for its base URL."""
    server = ThreadingHTTPServer((host, 0), _Handler)
    base = f"http://{host}:{server.server_address[1]}"
    server.RequestHandlerClass = type("Handler", (_Handler,), {"route": staticmethod(make(base))})
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Served(base, name)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def not_found() -> tuple[int, str, str]:
    return 404, "text/html; charset=utf-8", "<!doctype html><title>Not found</title><h1>404</h1>"


def rss(base: str, title: str, items: list[dict[str, str]], self_url: str) -> str:
    body = "".join(
        f"<item><title>{escape(i['title'])}</title><link>{i['link']}</link>"
        f"<pubDate>{i['date']}</pubDate><guid>{i['guid']}</guid>"
        f"<description>{escape(i['html'])}</description></item>"
        for i in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8" standalone="yes"?>'
        '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>'
        f"<title>{escape(title)}</title><link>{base}/</link><description>Recent content</description>"
        f'<atom:link href="{self_url}" rel="self" type="application/rss+xml"/>{body}</channel></rss>'
    )


# -- (a) a static site with a sitemap --------------------------------------------------


def static_site(base: str) -> Route:
    """A Hugo-like site: /index.xml (the newest 10), robots.txt naming /sitemap.xml, an
    index of one sitemap (/en/sitemap.xml, as Hugo's multilingual sites have) listing every
    post's page and the pages that are not posts."""

    def url(n: int) -> str:
        return f"{base}/posts/notes-on-backfilling-{n}/"

    def page(title: str, head: str, main: str) -> str:
        return (
            '<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f"<title>{escape(title)} | Static notes</title>"
            '<meta name="generator" content="Hugo 0.121.1">'
            f"{head}</head><body><header><nav>"
            f'<a href="{base}/">Home</a> <a href="{base}/posts/">Posts</a> <a href="{base}/about/">About</a>'
            f"</nav></header><main>{main}</main><footer><p>&copy; 2026 Ada Writer</p></footer></body></html>"
        )

    def post(n: int) -> str:
        d = date_of(n).isoformat()
        ld = {
            "@context": "https://schema.org",
            "@type": "BlogPosting",
            "headline": title_of(n),
            "datePublished": d,
            "dateModified": d,
            "author": {"@type": "Person", "name": "Ada Writer"},
            "mainEntityOfPage": url(n),
        }
        head = (
            f'<link rel="canonical" href="{url(n)}">'
            f'<meta property="og:title" content="{escape(title_of(n))}">'
            '<meta property="og:type" content="article">'
            f'<meta property="og:url" content="{url(n)}">'
            f'<meta property="article:published_time" content="{d}">'
            f'<script type="application/ld+json">{json.dumps(ld)}</script>'
        )
        main = (
            f"<article><h1>{escape(title_of(n))}</h1>"
            f'<p class="meta"><time datetime="{d}">{date_of(n):%B %-d, %Y}</time> · '
            f'<a href="{base}/tags/feeds/">feeds</a></p><div class="content">{text_of(n)}</div></article>'
        )
        return page(title_of(n), head, main)

    def listing(title: str, numbers: range) -> str:
        items = "".join(f'<li><a href="{url(n)}">{escape(title_of(n))}</a></li>' for n in numbers)
        head = '<meta property="og:type" content="website">'
        return page(title, head, f"<h1>{escape(title)}</h1><ul>{items}</ul>")

    about = page(
        "About",
        '<meta property="og:type" content="website">',
        "<h1>About</h1><p>Ada Writer writes about feeds, archives and the web that forgets.</p>"
        + "".join(f"<p>{p}</p>" for p in PARAGRAPHS),
    )
    newest = range(TOTAL, 0, -1)

    def sitemap() -> str:
        def entry(loc: str, lastmod: datetime) -> str:
            return f"<url><loc>{loc}</loc><lastmod>{lastmod.isoformat()}</lastmod></url>"

        last = date_of(TOTAL)
        urls = [entry(f"{base}/", last), entry(f"{base}/posts/", last), entry(f"{base}/tags/feeds/", last)]
        urls += [entry(url(n), date_of(n)) for n in newest]
        urls.append(entry(f"{base}/about/", FIRST))
        return (
            '<?xml version="1.0" encoding="utf-8" standalone="yes"?>'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">' + "".join(urls) + "</urlset>"
        )

    def route(path: str, query: dict[str, list[str]]) -> tuple[int, str, str]:
        html = "text/html; charset=utf-8"
        xml = "application/xml; charset=utf-8"
        if path == "/robots.txt":
            return 200, "text/plain", f"User-agent: *\nDisallow: /drafts/\n\nSitemap: {base}/sitemap.xml\n"
        if path == "/sitemap.xml":
            return (
                200,
                xml,
                (
                    '<?xml version="1.0" encoding="utf-8" standalone="yes"?>'
                    '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                    f"<sitemap><loc>{base}/en/sitemap.xml</loc><lastmod>{date_of(TOTAL).isoformat()}</lastmod></sitemap>"
                    "</sitemapindex>"
                ),
            )
        if path == "/en/sitemap.xml":
            return 200, xml, sitemap()
        if path == "/index.xml":
            items = [
                {
                    "title": title_of(n),
                    "link": url(n),
                    "guid": url(n),
                    "date": rss_date(date_of(n)),
                    "html": text_of(n),
                }
                for n in newest[:WINDOW]
            ]
            return 200, "application/rss+xml", rss(base, "Static notes", items, f"{base}/index.xml")
        if path == "/":
            return 200, html, listing("Static notes", newest[:WINDOW])
        if path == "/posts/":
            return 200, html, listing("Posts", newest)
        if path == "/tags/feeds/":
            return 200, html, listing("Feeds", newest)
        if path == "/about/":
            return 200, html, about
        m = re.fullmatch(r"/posts/notes-on-backfilling-(\d+)/", path)
        if m and 1 <= int(m.group(1)) <= TOTAL:
            return 200, html, post(int(m.group(1)))
        return not_found()

    return route


# -- (b) a Substack publication -------------------------------------------------------


def substack_site(base: str) -> Route:
    """A Substack-like publication: its home page says Substack made it; /feed holds the
    newest 10 posts, /api/v1/archive lists all 60 without their bodies, newest first, and
    /api/v1/posts/SLUG gives one with its body_html."""

    def api_post(n: int) -> dict[str, Any]:
        slug = f"notes-on-backfilling-part-{n}"
        return {
            "id": 9000 + n,
            "publication_id": 7,
            "type": "newsletter",
            "title": title_of(n),
            "subtitle": f"What part {n} is about",
            "slug": slug,
            "post_date": date_of(n).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "audience": "everyone",
            "canonical_url": f"{base}/p/{slug}",
            "cover_image": f"https://substack-post-media.s3.amazonaws.com/public/images/{n}.jpeg",
            "publishedBylines": [{"id": 1, "name": "Ada Writer", "handle": "ada"}],
            "postTags": [{"name": "feeds"}],
            "truncated_body_text": f"Part {n} of the series.",
            "wordcount": 190,
            "body_html": text_of(n),
        }

    every = [api_post(n) for n in range(TOTAL, 0, -1)]
    by_slug = {p["slug"]: p for p in every}
    home = (
        '<!DOCTYPE html><html><head><meta name="generator" content="Substack">'
        '<link rel="stylesheet" href="https://substackcdn.com/bundle/theme/main.css">'
        "<title>The Backfill Letter</title></head><body>Subscribe</body></html>"
    )

    def feed() -> str:
        # As a Substack RSS of 2026: the canonical URL as link and guid, CDATA, an image enclosure.
        items = "".join(
            f"<item><title><![CDATA[{p['title']}]]></title><description><![CDATA[{p['subtitle']}]]></description>"
            f'<link>{p["canonical_url"]}</link><guid isPermaLink="false">{p["canonical_url"]}</guid>'
            "<dc:creator><![CDATA[Ada Writer]]></dc:creator>"
            f"<pubDate>{rss_date(date_of(p['id'] - 9000))}</pubDate>"
            f'<enclosure url="{p["cover_image"]}" length="0" type="image/jpeg"/>'
            f"<content:encoded><![CDATA[{p['body_html']}]]></content:encoded></item>"
            for p in every[:WINDOW]
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?><rss xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:atom="http://www.w3.org/2005/Atom" '
            'version="2.0"><channel><title><![CDATA[The Backfill Letter]]></title>'
            f"<description><![CDATA[A letter]]></description><link>{base}</link><generator>Substack</generator>"
            f'<atom:link href="{base}/feed" rel="self" type="application/rss+xml"/>{items}</channel></rss>'
        )

    def route(path: str, query: dict[str, list[str]]) -> tuple[int, str, str]:
        js = "application/json; charset=utf-8"
        if path == "/":
            return 200, "text/html; charset=utf-8", home
        if path == "/feed":
            return 200, "application/xml; charset=utf-8", feed()
        if path == "/robots.txt":
            return 200, "text/plain", "User-agent: *\nDisallow: /action/\n"
        if path == "/api/v1/archive":
            offset = int(query.get("offset", ["0"])[0])
            limit = min(int(query.get("limit", ["12"])[0]), 50)
            listed = [
                {k: v for k, v in p.items() if k != "body_html"} for p in every[offset : offset + limit]
            ]
            return 200, js, json.dumps(listed)
        m = re.fullmatch(r"/api/v1/posts/([^/]+)", path)
        if m and m.group(1) in by_slug:
            return 200, js, json.dumps(by_slug[m.group(1)])
        return 404, js, "{}"

    return route


# -- (c) a blog and a web archive's captures of its feed ------------------------------


def plain_blog(base: str) -> Route:
    """A blog with nothing but its feed of the newest 10 (no API, no sitemap)."""

    def route(path: str, query: dict[str, list[str]]) -> tuple[int, str, str]:
        if path == "/feed.xml":
            return 200, "application/rss+xml", feed_window(base, TOTAL)
        if path == "/":
            return 200, "text/html; charset=utf-8", "<!doctype html><title>Plain notes</title><p>Hello.</p>"
        return not_found()

    return route


def feed_window(base: str, newest: int) -> str:
    """The plain blog's feed when post NEWEST was its newest: it and the 9 before it."""
    items = [
        {
            "title": title_of(n),
            "link": f"{base}/{date_of(n):%Y/%m}/part-{n}.html",
            "guid": f"{base}/{date_of(n):%Y/%m}/part-{n}.html",
            "date": rss_date(date_of(n)),
            "html": text_of(n),
        }
        for n in range(newest, max(0, newest - WINDOW), -1)
    ]
    return rss(base, "Plain notes", items, f"{base}/feed.xml")


def capture_times() -> dict[str, int]:
    """The web archive's captures of the plain blog's feed: a timestamp (yyyyMMddhhmmss)
    for each, the day after posts 10, 20, ... 60 were published -> that newest post."""
    return {
        (date_of(n) + timedelta(days=1, hours=-5, minutes=12, seconds=7)).strftime("%Y%m%d%H%M%S"): n
        for n in range(WINDOW, TOTAL + 1, WINDOW)
    }


def web_archive(blog: str) -> Callable[[str], Route]:
    """A web archive (the Wayback Machine's CDX index and id_ replays) holding six captures
    of the feed of the blog at BLOG."""
    feed = f"{blog}/feed.xml"
    captures = capture_times()

    def make(base: str) -> Route:
        def route(path: str, query: dict[str, list[str]]) -> tuple[int, str, str]:
            js = "application/json"
            if path == "/cdx/search/cdx":
                if query.get("url") != [feed]:
                    return 200, js, "[]"
                since = query.get("from", [""])[0]
                rows = [["timestamp", "original", "statuscode", "digest"]]
                rows += [[ts, feed, "200", f"DIGEST{n}"] for ts, n in sorted(captures.items()) if ts >= since]
                return 200, js, json.dumps(rows)
            m = re.fullmatch(r"/web/(\d{14})id_/(.+)", path)
            if m and m.group(1) in captures and m.group(2) == feed:
                return 200, "application/rss+xml", feed_window(blog, captures[m.group(1)])
            return not_found()

        return route

    return make


# -- the demo ------------------------------------------------------------------------

Run = Callable[[list[str], dict[str, str]], tuple[int, str]]  # (args, environment) -> exit code, output


def run_cli(args: list[str], env: dict[str, str]) -> tuple[int, str]:
    """The real command line, in a process of its own; stdout and stderr together."""
    done = subprocess.run(
        [sys.executable, "-m", "subsample", *args],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=300,
    )
    return done.returncode, done.stdout


@dataclass
class Outcome:
    """What a demo ended with."""

    transcript: list[str]
    posts: int  # posts archived after the backfill
    posts_again: int  # after a second fetch and backfill
    failed: list[str]  # commands that did not exit 0


BLOGS = ("static", "substack", "wayback")


@contextmanager
def sites(kind: str) -> Iterator[tuple[str, str, list[Served]]]:
    """The loopback servers of the blog KIND: (its feed's URL, its source ID, the servers)."""
    with ExitStack() as stack:
        if kind == "static":
            blog = stack.enter_context(serve("127.0.0.1", static_site, "https://static.example"))
            yield f"{blog.base}/index.xml", "notes", [blog]
        elif kind == "substack":
            blog = stack.enter_context(serve("127.0.0.2", substack_site, "https://letter.example"))
            yield f"{blog.base}/feed", "letter", [blog]
        elif kind == "wayback":
            blog = stack.enter_context(serve("127.0.0.3", plain_blog, "https://plain.example"))
            archive = stack.enter_context(
                serve("127.0.0.4", web_archive(blog.base), "https://archive.example")
            )
            yield f"{blog.base}/feed.xml", "plain", [blog, archive]
        else:
            raise ValueError(f"no such blog: {kind}")


def count_posts(home: Path, sid: str) -> int:
    """The posts archived for SID (a post's revisions are one post)."""
    path = home / "archive" / f"{sid}.jsonl"
    if not path.exists():
        return 0
    lines = [json.loads(line) for line in path.read_text().split("\n") if line.strip()]
    return len({line.get("key") for line in lines})


def demo(kind: str, home: Path, run: Run = run_cli, full: bool = False) -> Outcome:
    """Serve the blog KIND, run the command line against it in HOME, and say how it went."""
    with sites(kind) as (feed, sid, servers):
        env = {"SUBSAMPLE_HOME": str(home), "COLUMNS": "200", "NO_COLOR": "1"}
        transcript: list[str] = []
        wayback: list[str] = []
        if kind == "wayback":
            env["SUBSAMPLE_WAYBACK_URL"] = servers[1].base
            wayback = ["--wayback"]
            transcript.append(f"$ export SUBSAMPLE_WAYBACK_URL={servers[1].base}")

        def readable(text: str) -> str:
            for s in servers:  # (as itself, and as a query's value: the web archive's index)
                text = text.replace(s.base, s.name).replace(quote(s.base, safe=""), quote(s.name, safe=""))
            return text

        failed: list[str] = []

        def step(*args: str, short: bool = False) -> None:
            code, output = run([*args], env)
            # --pause 0 is hidden: the demo need not wait a second between requests.
            shown = " ".join(args).replace(" --pause 0", "")
            transcript.append(f"$ subsample {shown}")
            lines = (
                [line.rstrip() for line in readable(output).rstrip("\n").split("\n")]
                if output.strip()
                else []
            )
            transcript.extend(lines if full else trimmed(lines, keep=2 if short else 3))
            if code != 0:
                failed.append(f"subsample {' '.join(args)} (exit {code})")

        step("add", sid, "rss", feed)
        step("fetch")
        step("backfill", sid, "--dry-run", "--pause", "0", *wayback, short=True)
        step("backfill", sid, "--pause", "0", *wayback)
        posts = count_posts(home, sid)
        step("list", sid, "-n", "1")
        step("fetch", sid, "--force")
        step("backfill", sid, "--pause", "0", *wayback)
        return Outcome([readable(t) for t in transcript], posts, count_posts(home, sid), failed)


def trimmed(lines: list[str], keep: int = 3) -> list[str]:
    """LINES with each run of more than KEEP + 2 alike lines ("sitemap 12: ...", "sitemap:
    https://...") cut to its first KEEP, a line saying how many were left out, and its last."""
    out: list[str] = []
    i = 0
    while i < len(lines):
        kind = _kind(lines[i])
        j = i + 1
        while kind and j < len(lines) and _kind(lines[j]) == kind:
            j += 1
        run = lines[i:j]
        if len(run) > keep + 2:
            run = [*run[:keep], f"… ({len(run) - keep - 1} more lines like these)", run[-1]]
        out.extend(run)
        i = j
    return out


def _kind(line: str) -> str | None:
    m = re.match(r"([a-z][\w-]*)(?: \d+)?: ", line)
    return m.group(1) if m and not line.startswith(("feed:",)) else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("blogs", nargs="*", metavar="BLOG", help=f"{', '.join(BLOGS)} (default: all three)")
    parser.add_argument("--full", action="store_true", help="every line, none left out")
    args = parser.parse_args(argv)
    if unknown := [b for b in args.blogs if b not in BLOGS]:
        parser.error(f"no such blog: {', '.join(unknown)} (choose from {', '.join(BLOGS)})")
    wrong = 0
    for kind in args.blogs or BLOGS:
        with tempfile.TemporaryDirectory(prefix="subsample-demo-") as tmp:
            outcome = demo(kind, Path(tmp), full=args.full)
        print(f"## {kind}\n")
        print("\n".join(outcome.transcript))
        print()
        problems = list(outcome.failed)
        if outcome.posts != TOTAL:
            problems.append(f"the backfill ended with {outcome.posts} posts, not {TOTAL}")
        if outcome.posts_again != outcome.posts:
            problems.append(f"a second fetch and backfill added {outcome.posts_again - outcome.posts} posts")
        for p in problems:
            print(f"!! {kind}: {p}", file=sys.stderr)
        wrong += bool(problems)
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())

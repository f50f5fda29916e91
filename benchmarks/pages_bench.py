"""Pages benchmark: how fast a fetch reads its teasers' pages across many sites (issue 22).

Serves --sites loopback sites (127.0.1.1, 127.0.1.2, ...: each address is a host to the
per-host politeness), each with a feed of --posts teasers whose pages are articles of about
30 KB, answering after --latency. Times `subsample fetch` with pages (fulltext auto, the
default budget or --pages-for) against the same fetch with `--pages-for 0`, and prints the
pages read, the time they took and pages per second. Not a test: nothing is asserted.

    python benchmarks/pages_bench.py --sites 500 --posts 2
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

WORDS = [
    *[
        "radiators",
        "in",
        "space",
        "reject",
        "heat",
        "by",
        "radiation",
        "alone",
        "which",
        "is",
        "slower",
        "than",
        "convection",
        "so",
        "a",
    ],
    *[
        "station",
        "needs",
        "wide",
        "panels",
        "facing",
        "away",
        "from",
        "the",
        "sun",
        "and",
        "the",
        "engineers",
        "who",
        "design",
        "them",
    ],
]


def article(site: int, post: int) -> bytes:
    paragraphs = "".join(
        f"<p>{' '.join(WORDS[(site + post + k + j) % len(WORDS)] for j in range(60))}.</p>" for k in range(40)
    )
    return (
        f"<!doctype html><html><head><meta charset=utf-8><title>Post {post} of site {site}</title></head>"
        f"<body><header><nav><a href='/'>Home</a> <a href='/about'>About</a></nav></header>"
        f"<main><article><h1>Post {post} of site {site}</h1><p>Radiators in space reject heat by radiation "
        f"alone, which is slower than you think.</p>{paragraphs}</article></main>"
        f"<footer>All rights reserved</footer></body></html>"
    ).encode()


def feed(host: str, port: int, site: int, posts: int) -> bytes:
    items = "".join(
        f"<item><title>Post {i}</title><link>http://{host}:{port}/post/{i}</link><guid>s{site}-{i}</guid>"
        f"<pubDate>Mon, 0{1 + i % 9} Jun 2026 10:00:00 GMT</pubDate>"
        f"<description>&lt;p&gt;Radiators in space reject heat by radiation alone, which is slower…&lt;/p&gt;"
        f"</description></item>"
        for i in range(1, posts + 1)
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Site {site}</title>'
        f"<link>http://{host}:{port}/</link><description>d</description>{items}</channel></rss>"
    ).encode()


def serve(sites: int, posts: int, latency: float) -> tuple[list[str], int]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            host, port = self.server.server_address[:2]
            site = int(str(host).split(".")[2]) * 256 + int(str(host).split(".")[3])
            time.sleep(latency)
            if self.path == "/feed.xml":
                body, kind = feed(str(host), int(port), site, posts), "application/rss+xml"
            elif self.path.startswith("/post/"):
                body, kind = article(site, int(self.path.rsplit("/", 1)[1])), "text/html; charset=utf-8"
            else:
                self.send_response(404)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    first = ThreadingHTTPServer(("127.0.1.1", 0), Handler)
    port = first.server_address[1]
    servers = [first] + [
        ThreadingHTTPServer((f"127.0.{1 + i // 254}.{1 + i % 254}", port), Handler) for i in range(1, sites)
    ]
    for s in servers:
        s.daemon_threads = True
        threading.Thread(target=s.serve_forever, daemon=True).start()
    return [f"http://{s.server_address[0]}:{port}/feed.xml" for s in servers], port


def run(urls: list[str], home: Path, *args: str) -> tuple[float, str]:
    home.mkdir()
    (home / "sources.toml").write_text(
        "\n".join(f'[sources.s{i}]\ntype = "rss"\nurl = "{u}"\n' for i, u in enumerate(urls))
    )
    exe = shutil.which("subsample") or str(Path(sys.executable).parent / "subsample")
    env = {**os.environ, "SUBSAMPLE_HOME": str(home), "NO_COLOR": "1"}
    began = time.monotonic()
    out = subprocess.run([exe, "fetch", *args], env=env, capture_output=True, text=True, check=False)
    return time.monotonic() - began, out.stdout.strip().splitlines()[-1] if out.stdout.strip() else out.stderr


def full_texts(home: Path) -> int:
    count = 0
    for f in (home / "fulltext").glob("*.jsonl"):
        count += sum(1 for line in f.read_text().splitlines() if "html" in json.loads(line))
    return count


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sites", type=int, default=500)
    ap.add_argument("--posts", type=int, default=2)
    ap.add_argument("--latency", type=float, default=0.05)
    ap.add_argument("--pages-for", default="1m")
    a = ap.parse_args()
    urls, _ = serve(a.sites, a.posts, a.latency)
    with tempfile.TemporaryDirectory() as tmp:
        feeds_only, _ = run(urls, Path(tmp) / "feeds", "--pages-for", "0")
        whole, summary = run(urls, Path(tmp) / "pages", "--pages-for", a.pages_for)
        read = full_texts(Path(tmp) / "pages")
    pages_time = whole - feeds_only
    print(
        f"{a.sites} sites, {a.sites * a.posts} teasers, {a.latency * 1000:.0f} ms latency, {os.cpu_count()} cores"
    )
    print(f"feeds only {feeds_only:.1f} s; with pages {whole:.1f} s (--pages-for {a.pages_for})")
    print(f"pages read {read} in {pages_time:.1f} s: {read / pages_time:.1f} pages/s")
    print(f"fetch said: {summary}")


if __name__ == "__main__":
    main()

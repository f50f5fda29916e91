"""What looking for teasers costs a fetch of a big archive: a source of N whole posts (no
page to read) fed over loopback HTTP, timed as whole `fetch ID --force` processes, with
`fulltext = "auto"` (every post judged once, then cache/teasers-ID.json answers) against
`fulltext = "never"` (no post looked at) in the same run. Not a test: it prints figures.

    python benchmarks/fulltext_scan.py --posts 20000

"first" is the first fetch after the archive was written (the index is built, and in auto
mode every post is judged); "nothing new" fetches a feed the archive already holds; "one
new post" brings a post every time (the archive changed: the index's rows are read again).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from installed import subsample_exe

WHOLE = "".join(f"<p>{'radiator orbit theory model cooling engineer ' * 14}</p>" for _ in range(6))


class Feed(BaseHTTPRequestHandler):
    posts = 0
    extra = 0  # posts added to the feed since the archive was written

    def log_message(self, *_: object) -> None:
        pass

    def do_GET(self) -> None:
        top = self.posts + self.extra
        items = "".join(
            f"<item><title>Post {n}</title><link>http://example.org/p/{n}</link><guid>g{n}</guid>"
            f"<description>{json.dumps(WHOLE)[1:-1].replace('<', '&lt;')}</description></item>"
            for n in range(top, top - 20, -1)
        )
        body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def make_home(home: Path, posts: int, feed: str, fulltext: str) -> None:
    shutil.rmtree(home, ignore_errors=True)
    (home / "archive").mkdir(parents=True)
    (home / "sources.toml").write_text(
        f'[sources.big]\ntype = "rss"\nurl = "{feed}"\nlimit = 20\nfulltext = "{fulltext}"\n'
    )
    with open(home / "archive" / "big.jsonl", "w") as f:
        for n in range(1, posts + 1):
            day = f"20{10 + n * 15 // posts:02d}-{1 + n % 12:02d}-{1 + n % 28:02d}T12:00:00Z"
            rec = {
                "n": n, "source": "big", "revision": 1, "first_seen": day, "archived": day,
                "key": f"g{n}", "id": f"g{n}", "title": f"Post {n}", "link": f"http://example.org/p/{n}",
                "published": day, "updated": None, "summary": WHOLE, "content": None,
                "tags": [], "enclosures": [], "images": [],
            }  # fmt: skip
            f.write(json.dumps(rec, separators=(",", ":")) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--posts", type=int, default=20_000)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--home", type=Path, default=Path("/tmp/subsample-bench-scan"))
    a = ap.parse_args()
    exe = subsample_exe()
    Feed.posts = a.posts
    server = ThreadingHTTPServer(("127.0.0.1", 0), Feed)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    feed = f"http://127.0.0.1:{server.server_address[1]}/feed.xml"
    homes = {mode: a.home.parent / f"{a.home.name}-{mode}" for mode in ("auto", "never")}

    def fetch(mode: str) -> float:
        env = {**os.environ, "SUBSAMPLE_HOME": str(homes[mode]), "NO_COLOR": "1"}
        start = time.perf_counter()
        subprocess.run([exe, "fetch", "big", "--force"], env=env, stdout=subprocess.DEVNULL, check=True)
        return time.perf_counter() - start

    for mode, home in homes.items():
        make_home(home, a.posts, feed, mode)
    print(f"{a.posts} whole posts; wall seconds of `fetch big --force` (median of {a.runs})")
    print(f"{'':<16}{'auto':>8}{'never':>8}")
    first = {mode: fetch(mode) for mode in homes}
    print(f"{'first':<16}{first['auto']:>8.2f}{first['never']:>8.2f}")
    for name, grows in (("nothing new", False), ("one new post", True)):
        walls: dict[str, list[float]] = {mode: [] for mode in homes}
        for _ in range(a.runs):
            for mode in homes:  # taking turns: this VM's speed drifts over minutes
                walls[mode].append(fetch(mode))
            Feed.extra += grows
        print(f"{name:<16}{statistics.median(walls['auto']):>8.3f}{statistics.median(walls['never']):>8.3f}")
    server.shutdown()


if __name__ == "__main__":
    main()

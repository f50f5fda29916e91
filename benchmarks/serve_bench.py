"""serve benchmark: page times of `subsample serve` on a big archive (100,000 posts by
default, built as benchmarks/big_archive.py builds it). Not a test: it prints figures.

    python benchmarks/serve_bench.py --posts 100000 --home /tmp/ss-big --keep

The server runs as `subsample serve` in its own process; each page is fetched over HTTP on
127.0.0.1 RUNS times after one warm-up, and the median and worst wall times are printed.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from big_archive import make_archive
from installed import subsample_exe


def get(port: int, path: str) -> tuple[int, int, float]:
    start = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    conn.request("GET", path)
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    return resp.status, len(body), time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--posts", type=int, default=100_000)
    ap.add_argument("--home", type=Path, default=Path("/tmp/subsample-bench-big"))
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--keep", action="store_true", help="reuse an archive already there")
    ap.add_argument("--feeds", action="store_true", help="also time the RSS and JSON tabs (seconds each)")
    a = ap.parse_args()
    exe = subsample_exe()
    env = {**os.environ, "SUBSAMPLE_HOME": str(a.home), "NO_COLOR": "1"}
    if not (a.keep and (a.home / "archive" / "big.jsonl").exists()):
        shutil.rmtree(a.home, ignore_errors=True)
        make_archive(a.home, a.posts)
    subprocess.run([exe, "list", "big", "-n", "1"], env=env, stdout=subprocess.DEVNULL, check=True)
    t = time.perf_counter()
    server = subprocess.Popen([exe, "serve", "--port", "0", "-q"], env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        m = re.search(r":(\d+)/", line) or sys.exit(f"serve did not start: {line!r}")
        port = int(m.group(1))
        print(f"serve started in {time.perf_counter() - t:.2f}s (to its first line)")
        middle = a.posts // 2
        pages = ["/", "/sources/big", "/sources/big/page/2", f"/sources/big/page/{a.posts // 100}",
                 f"/posts/{middle}", "/sources/big/history", "/sources/big/config", "/sources/big.json",
                 "/search?q=radiator+orbit+theory", "/static/style.css"]  # fmt: skip
        heavy = ["/sources/big/gallery"] + (["/sources/big/rss", "/sources/big/json"] if a.feeds else [])
        print(f"{'page':<34}{'status':>7}{'KB':>8}{'median ms':>11}{'worst ms':>10}")
        for path in pages + heavy:
            runs = a.runs if path in pages else 2
            status, size, _ = get(port, path)  # warm-up (the feed tabs: builds and keeps the feed)
            times = [get(port, path)[2] for _ in range(runs)]
            print(f"{path:<34}{status:>7}{size / 1024:>8.0f}{statistics.median(times) * 1000:>11.1f}"
                  f"{max(times) * 1000:>10.1f}")  # fmt: skip
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()

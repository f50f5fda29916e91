"""Parse benchmark: how much of a directory of feeds the fast XML reader takes, and the
CPU time to parse all of it through parse_feed versus feedparser alone.

    python benchmarks/parse_bench.py                 # the benchmark corpus (built in a temp dir)
    python benchmarks/parse_bench.py DIR --why       # any directory of feeds, with the reasons

CPU is process time (user+sys of this process), best of --rounds. Not a test.
"""

from __future__ import annotations

import argparse
import collections
import sys
import tempfile
import time
from pathlib import Path

from subsample.archive.jsonl import encode
from subsample.parse import fastxml
from subsample.parse.feeds import parse_feed, parse_with_feedparser

URL = "https://feeds.example/feed"


def cpu(work: object, rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        t = time.process_time()
        work()  # type: ignore[operator]
        best = min(best, time.process_time() - t)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir", nargs="?", type=Path)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--why", action="store_true", help="count what the fast reader declined, by kind")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if a.dir is None:
            sys.path.insert(0, str(Path(__file__).parent))
            from corpus import build

            files = build(Path(tmp), 500)
        else:
            files = sorted(p for p in a.dir.iterdir() if p.is_file())
        # (as parse_feed reads them: from the first "<")
        bodies = [p.read_bytes().lstrip(b" \t\r\n") for p in files if not p.name.endswith(".json")]
        taken = [b for b in bodies if fastxml.read(b, None) is not None]
        declined = [b for b in bodies if fastxml.read(b, None) is None]
        mb = 1e6
        print(f"{len(bodies)} XML feeds, {sum(map(len, bodies)) / mb:.1f} MB")
        print(f"fast reader takes {len(taken)} ({sum(map(len, taken)) / mb:.1f} MB), "
              f"declines {len(declined)} ({sum(map(len, declined)) / mb:.1f} MB)")  # fmt: skip

        def readable(b: bytes) -> bool:
            try:
                parse_with_feedparser(b, URL, None)
            except Exception:
                return False
            return True

        bodies = [b for b in bodies if readable(b)]
        routed = cpu(lambda: [parse_feed(b, URL, None) for b in bodies], a.rounds)
        reference = cpu(lambda: [parse_with_feedparser(b, URL, None) for b in bodies], a.rounds)
        print(f"parse CPU: parse_feed {routed:.2f} s, feedparser alone {reference:.2f} s "
              f"({reference / routed:.1f}x)")  # fmt: skip
        entries = [e for b in bodies for e in parse_feed(b, URL, None).entries]
        records = [{"n": i, "source": "s", "revision": 1, "first_seen": "2026-01-01T00:00:00Z",
                    "archived": "2026-01-01T00:00:00Z", **e} for i, e in enumerate(entries)]  # fmt: skip
        print(
            f"encode {len(records)} records: {cpu(lambda: [encode(r) for r in records], a.rounds):.3f} s CPU"
        )
        if a.why:
            print(collections.Counter(_why(b) for b in declined).most_common())


def _why(body: bytes) -> str:
    """What made the fast reader decline BODY, roughly (for --why)."""
    if not fastxml._utf8(body, None):
        return "not UTF-8"
    try:
        root = fastxml._tree(body)
        if root is None:
            return "not well-formed, or a DOCTYPE"
        {"rss": fastxml._rss, fastxml.ATOM + "feed": fastxml._atom, fastxml.RDF + "RDF": fastxml._rdf}.get(
            root.tag, lambda r: (_ for _ in ()).throw(fastxml.Unsupported)
        )(root)
    except fastxml.Unsupported as e:
        tb = e.__traceback__
        while tb is not None and tb.tb_next is not None:
            tb = tb.tb_next
        return f"{tb.tb_frame.f_code.co_name if tb else '?'}"
    return "?"


if __name__ == "__main__":
    main()

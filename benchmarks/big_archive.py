"""Big-archive benchmark: a source with N posts (~5 KB of HTML each), then whole-process
timings of `list`, `read` (middle of the archive), `search` and `export` against
`subsample --version` in the same run, and of a `fetch` that brings 30 new posts into that
archive against the same fetch into an empty one. Not a test: it prints figures.

    python benchmarks/big_archive.py --posts 100000 --home /tmp/ss-big

The archive is written straight as JSON lines (what `fetch` would have written), so the
first command pays for building the index; the figures after that are the steady state.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from corpus import WORDS as _CORPUS_WORDS
from installed import subsample_exe

WORDS = [*_CORPUS_WORDS, "cooling", "radiator", "orbit", "theory", "engineer", "model"]


def make_archive(home: Path, posts: int) -> None:
    rng = random.Random(42)
    (home / "archive").mkdir(parents=True, exist_ok=True)
    (home / "sources.toml").write_text('[sources.big]\ntype = "rss"\nurl = "https://example.org/feed"\n')
    with open(home / "archive" / "big.jsonl", "w") as f:
        for n in range(1, posts + 1):
            paras = "".join(
                "<p>" + " ".join(rng.choice(WORDS) for _ in range(80)) + "</p>\n" for _ in range(9)
            )
            day = f"20{10 + n * 15 // posts:02d}-{1 + n % 12:02d}-{1 + n % 28:02d}T12:00:00Z"
            rec = {
                "n": n,
                "source": "big",
                "revision": 1,
                "first_seen": day,
                "archived": day,
                "key": f"https://example.org/p/{n}",
                "id": f"https://example.org/p/{n}",
                "title": f"Post {n}: " + " ".join(rng.choice(WORDS) for _ in range(6)),
                "link": f"https://example.org/p/{n}",
                "author": "Bench",
                "published": day,
                "updated": None,
                "summary": None,
                "content": f"<h2>Post {n}</h2>\n{paras}",
                "tags": [],
                "enclosures": [],
                "images": [],
                "hash": f"{n:032x}",
            }
            f.write(json.dumps(rec, separators=(",", ":")) + "\n")


def timed(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds of one run of ARGS, and its own peak RSS in MB (wait4: this child only)."""
    start = time.perf_counter()
    child = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        sys.exit(f"{' '.join(args)} failed with exit code {child.returncode}")
    return wall, usage.ru_maxrss / 1024


def timed_in_turn(
    cases: list[tuple[str, list[str]]], env: dict[str, str], runs: int
) -> dict[str, tuple[float, float]]:
    """Each case RUNS times, taking turns (this VM's speed drifts over minutes): the median
    wall seconds of each, and the largest peak RSS in MB."""
    walls: dict[str, list[float]] = {name: [] for name, _ in cases}
    peaks = dict.fromkeys(walls, 0.0)
    for _ in range(runs):
        for name, args in cases:
            wall, peak = timed(args, env)
            walls[name].append(wall)
            peaks[name] = max(peaks[name], peak)
    return {name: (statistics.median(walls[name]), peaks[name]) for name in walls}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--posts", type=int, default=100_000)
    ap.add_argument("--home", type=Path, default=Path("/tmp/subsample-bench-big"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--keep", action="store_true", help="reuse an archive already there")
    a = ap.parse_args()
    exe = subsample_exe()
    env = {**os.environ, "SUBSAMPLE_HOME": str(a.home), "NO_COLOR": "1"}
    if not (a.keep and (a.home / "archive" / "big.jsonl").exists()):
        shutil.rmtree(a.home, ignore_errors=True)
        t = time.perf_counter()
        make_archive(a.home, a.posts)
        size = (a.home / "archive" / "big.jsonl").stat().st_size / 1e6
        print(f"wrote {a.posts} posts, {size:.0f} MB, in {time.perf_counter() - t:.1f}s")
    t = time.perf_counter()
    subprocess.run([exe, "list", "big", "-n", "1"], env=env, stdout=subprocess.DEVNULL, check=True)
    print(f"first command (builds the index): {time.perf_counter() - t:.2f}s")
    middle = str(a.posts // 2)
    hello = a.home / "hello.py"  # the start-up yardstick: a hello-world Typer app
    hello.write_text(
        "import typer\n\napp = typer.Typer()\n\n\n@app.command()\ndef hello(name: str = 'world') -> None:\n"
        "    print(f'hello {name}')\n\n\napp()\n"
    )
    cases = [
        ("hello-world typer --help", [sys.executable, str(hello), "--help"]),
        ("--version", [exe, "--version"]),
        ("--help", [exe, "--help"]),
        ("list big", [exe, "list", "big"]),
        (f"read {middle}", [exe, "read", middle, "--no-pager"]),
        ("search radiator", [exe, "search", "radiator orbit theory", "-n", "20"]),
        ("export big -f jsonl", [exe, "export", "big", "-f", "jsonl", "-o", str(a.home / "out.jsonl")]),
    ]
    print(f"{'command':<26}{'wall s':>9}{'x --version':>13}{'peak MB':>9}")
    measured = timed_in_turn([c for c in cases if not c[0].startswith("export")], env, a.runs)
    measured.update(timed_in_turn([c for c in cases if c[0].startswith("export")], env, 1))
    base = measured["--version"][0]
    for name, _ in cases:
        wall, peak = measured[name]
        print(f"{name:<26}{wall:>9.3f}{wall / base:>13.2f}{peak:>9.0f}")
    yardstick = measured["hello-world typer --help"][0]
    print(
        f"start-up against the hello-world Typer app: --version {measured['--version'][0] / yardstick:.2f}x,"
        f" --help {measured['--help'][0] / yardstick:.2f}x"
    )
    compare_fetches(a.home, exe, a.runs)


def compare_fetches(home: Path, exe: str, runs: int) -> None:
    """`fetch` of 30 new posts into the big archive and into an empty one, interleaved."""
    empty = home.parent / (home.name + "-empty")
    shutil.rmtree(empty, ignore_errors=True)
    walls: dict[str, list[float]] = {"big": [], "empty": []}
    for r in range(runs):
        for kind, h in (("big", home), ("empty", empty)):
            h.mkdir(parents=True, exist_ok=True)
            feed = h / "feed.xml"
            items = "".join(
                f"<item><title>New {r}-{i}</title><link>https://example.org/new/{r}/{i}</link>"
                f"<guid>new-{r}-{i}</guid><description>&lt;p&gt;Fresh post {i}&lt;/p&gt;</description></item>"
                for i in range(30)
            )
            feed.write_text(
                f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'
            )
            (h / "sources.toml").write_text(f'[sources.big]\ntype = "rss"\nurl = "{feed}"\n')
            env = {**os.environ, "SUBSAMPLE_HOME": str(h), "NO_COLOR": "1"}
            start = time.perf_counter()
            subprocess.run([exe, "fetch", "big", "--force"], env=env, stdout=subprocess.DEVNULL, check=True)
            walls[kind].append(time.perf_counter() - start)
    big, small = statistics.median(walls["big"]), statistics.median(walls["empty"])
    print(
        f"{'fetch 30 new (big)':<26}{big:>9.3f}   vs {small:.3f} s into an empty archive ({big / small:.2f}x)"
    )


if __name__ == "__main__":
    main()

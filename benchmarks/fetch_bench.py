"""Fetch benchmark: subsample against newsboat and sfeed (and lemon24/reader if installed)
on the same corpus, served on loopback with latency, cold (first ever) and warm (nothing
changed: the server answers 304 to conditional requests).

    python benchmarks/fetch_bench.py --feeds 500 --latency 0.05
    python benchmarks/fetch_bench.py --only subsample,newsboat --rounds 5   # medians of 5, in turn
    python benchmarks/fetch_bench.py --realworld ../shared/corpus/realworld.tar.gz --rounds 3
        # the 198 real feeds saved from public repositories, repeated to --feeds sources

Peers, from Debian: apt-get install newsboat sfeed. lemon24/reader: pip install reader sgmllib3k.
Prints wall time, CPU time, peak memory and requests per run, and ratios to subsample.
Not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from corpus import build
from installed import subsample_exe
from server import Corpus, Servers


def stats(srv: Servers) -> tuple[int, int, int]:
    with urllib.request.urlopen(f"http://127.0.0.1:{srv.port}/_stats", timeout=10) as r:
        a, b, c = r.read().split()
    return int(a), int(b), int(c)


def measure(cmd: list[str], env: dict[str, str], cwd: Path, srv: Servers) -> dict[str, float]:
    """Run CMD as a child; wall, CPU (user+sys of the child tree) and peak RSS."""
    # Every run starts with nothing waiting to be written back (the corpus just built, the
    # run before): otherwise a run pays for the disk work of whatever came before it.
    os.sync()
    before = stats(srv)
    wrapper = ["/usr/bin/time", "-f", "%e %U %S %M", "-o", str(cwd / "time.txt")]
    t = time.perf_counter()
    subprocess.run(
        wrapper + cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=900
    )
    wall = time.perf_counter() - t
    _, user, sys_, peak = (cwd / "time.txt").read_text().split()[-4:]
    after = stats(srv)
    return {
        "wall": wall, "cpu": float(user) + float(sys_), "peak_mb": int(peak) / 1024,
        "requests": after[0] - before[0], "conditional": after[1] - before[1], "not_modified": after[2] - before[2],
    }  # fmt: skip


def run_subsample(urls: list[str], work: Path, srv: Servers) -> list[tuple[str, dict[str, float]]]:
    home = work / "subsample"
    home.mkdir()
    # fulltext = "never": the peers read no post's page, so neither does subsample here. A
    # figure with full text on needs this loopback server to answer the posts' links with
    # article pages (it answers only feeds, and the corpus links to real sites): not yet.
    lines = [
        f'[sources.f{i}]\ntype = "rss"\nurl = "{u}"\nlimit = 0\nfulltext = "never"\n'
        for i, u in enumerate(urls)
    ]
    (home / "sources.toml").write_text("\n".join(lines))
    env = {**os.environ, "SUBSAMPLE_HOME": str(home), "NO_COLOR": "1"}
    exe = subsample_exe()
    # Cold: every source is due the first time. Warm: the same sources named, so fetched
    # though not due, with their validators (`--force` would send none: the whole feeds).
    cold = measure([exe, "fetch"], env, work, srv)
    warm = measure([exe, "fetch", *(f"f{i}" for i in range(len(urls)))], env, work, srv)
    return [("subsample cold", cold), ("subsample warm", warm)]


def run_newsboat(
    urls: list[str], work: Path, srv: Servers, threads: int
) -> list[tuple[str, dict[str, float]]]:
    exe = shutil.which("newsboat")
    if not exe:
        return []
    d = work / "newsboat"
    d.mkdir()
    (d / "urls").write_text("\n".join(urls) + "\n")
    (d / "config").write_text(f"reload-threads {threads}\nmax-items 0\n")
    cmd = [exe, "-x", "reload", "-u", str(d / "urls"), "-c", str(d / "cache.db"), "-C", str(d / "config")]
    env = {**os.environ, "HOME": str(d)}
    out = [(f"newsboat-{threads} cold", measure(cmd, env, d, srv))]
    out.append((f"newsboat-{threads} warm (2nd)", measure(cmd, env, d, srv)))
    out.append((f"newsboat-{threads} warm (3rd)", measure(cmd, env, d, srv)))
    return out


def run_sfeed(urls: list[str], work: Path, srv: Servers, jobs: int) -> list[tuple[str, dict[str, float]]]:
    exe = shutil.which("sfeed_update")
    if not exe:
        return []
    d = work / "sfeed"
    (d / "feeds").mkdir(parents=True)
    feeds = "\n".join(f"\tfeed 'f{i}' '{u}'" for i, u in enumerate(urls))
    (d / "sfeedrc").write_text(f'sfeedpath="{d}/feeds"\nmaxjobs={jobs}\nfeeds() {{\n{feeds}\n}}\n')
    cmd = [exe, str(d / "sfeedrc")]
    return [(f"sfeed-{jobs} cold", measure(cmd, dict(os.environ), d, srv)),
            (f"sfeed-{jobs} warm", measure(cmd, dict(os.environ), d, srv))]  # fmt: skip


def run_reader(urls: list[str], work: Path, srv: Servers, workers: int) -> list[tuple[str, dict[str, float]]]:
    try:
        import reader  # noqa: F401
    except ImportError:
        return []
    d = work / "reader"
    d.mkdir()
    script = d / "r.py"
    script.write_text(
        "import sys\nfrom reader import make_reader\n"
        f"r = make_reader({str(d / 'db.sqlite')!r})\n"
        "for u in open(sys.argv[1]).read().split():\n    r.add_feed(u, exist_ok=True)\n"
        f"r.update_feeds(workers={workers}, scheduled=False)\n"  # every feed, as the others do
    )
    (d / "urls").write_text("\n".join(urls))
    cmd = [sys.executable, str(script), str(d / "urls")]
    return [(f"reader-{workers} cold", measure(cmd, dict(os.environ), d, srv)),
            (f"reader-{workers} warm", measure(cmd, dict(os.environ), d, srv))]  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--feeds", type=int, default=500)
    ap.add_argument("--latency", type=float, default=0.05)
    ap.add_argument("--hosts", type=int, default=16)
    ap.add_argument("--only", default="subsample,newsboat,sfeed,reader")
    ap.add_argument(
        "--realworld", type=Path, metavar="TAR.GZ",
        help="serve these real feeds (a tarball of feed files), repeated to --feeds, not the generated corpus",
    )  # fmt: skip
    ap.add_argument(
        "--rounds", type=int, default=1,
        help="run every tool this many times, in turn, and print medians (a shared VM's speed drifts)",
    )  # fmt: skip
    a = ap.parse_args()
    rounds: list[list[tuple[str, dict[str, float]]]] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        files = (
            realworld(a.realworld, work / "corpus", a.feeds)
            if a.realworld
            else build(work / "corpus", a.feeds)
        )
        size = sum(p.stat().st_size for p in files) / 1e6
        srv = Servers(Corpus(work / "corpus"), a.hosts, a.latency)
        urls = [srv.url(i, p.name) for i, p in enumerate(files)]
        print(
            f"{len(files)} feeds, {size:.1f} MB, {a.hosts} hosts, {a.latency * 1000:.0f} ms latency, {os.cpu_count()} cores"
        )
        only = a.only.split(",")
        for r in range(a.rounds):
            here = work / f"round{r}"
            here.mkdir()
            rows: list[tuple[str, dict[str, float]]] = []
            if "subsample" in only:
                rows += run_subsample(urls, here, srv)
            if "newsboat" in only:
                rows += run_newsboat(urls, here, srv, 16)
            if "sfeed" in only:
                rows += run_sfeed(urls, here, srv, 8)
            if "reader" in only:
                rows += run_reader(urls, here, srv, 16)
            rounds.append(rows)
            if a.rounds > 1:
                print(
                    f"round {r + 1}: "
                    + ", ".join(f"{name} {m['wall']:.2f}" for name, m in rows if "cold" in name)
                )
        srv.close()
    print_table(rounds)


def realworld(tarball: Path, out: Path, feeds: int) -> list[Path]:
    """FEEDS feed files from the real feeds in TARBALL, each repeated under its own name as
    often as it takes (500 sources from 198 feeds: every feed two or three times)."""
    import tarfile

    found = []
    with tarfile.open(tarball) as tar:
        for member in sorted(tar.getmembers(), key=lambda m: m.name):
            name = Path(member.name).name
            if member.isfile() and not name.endswith((".tsv", ".md", ".gz")) and "MANIFEST" not in name:
                data = tar.extractfile(member)
                if data is not None:
                    found.append((name, data.read()))
    out.mkdir(parents=True)
    files = []
    for i in range(feeds):
        name, data = found[i % len(found)]
        path = out / f"{i:04d}-{name}"
        path.write_bytes(data)
        files.append(path)
    return files


def print_table(rounds: list[list[tuple[str, dict[str, float]]]]) -> None:
    """One row per run kind: its median over the rounds, and the ratio of medians to subsample's
    (with the range of the per-round ratios when there was more than one round)."""
    import statistics

    names = [name for name, _ in rounds[0]]
    median = {
        name: {k: statistics.median(dict(rows)[name][k] for rows in rounds) for k in rounds[0][0][1]}
        for name in names
    }

    def kind(name: str) -> str:
        return "cold" if "cold" in name else "warm"

    base = {kind(name): m["wall"] for name, m in median.items() if name.startswith("subsample")}
    print(
        f"{'run':<26}{'wall s':>8}{'cpu s':>8}{'peak MB':>9}{'requests':>10}{'cond.':>7}{'304':>6}{'x subsample':>13}"
        + ("  (range over rounds)" if len(rounds) > 1 else "")
    )
    for name, m in median.items():
        ratio = m["wall"] / base[kind(name)] if base.get(kind(name)) else float("nan")
        spread = ""
        if len(rounds) > 1 and base.get(kind(name)):
            sub = "subsample cold" if kind(name) == "cold" else "subsample warm"
            each = [dict(rows)[name]["wall"] / dict(rows)[sub]["wall"] for rows in rounds]
            spread = f"  {min(each):.2f}-{max(each):.2f}"
        print(f"{name:<26}{m['wall']:>8.2f}{m['cpu']:>8.2f}{m['peak_mb']:>9.0f}{m['requests']:>10.0f}"
              f"{m['conditional']:>7.0f}{m['not_modified']:>6.0f}{ratio:>13.2f}{spread}")  # fmt: skip


if __name__ == "__main__":
    main()

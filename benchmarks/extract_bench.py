"""Article extractors on trafilatura's own evaluation set: precision, recall, F1 and time.

The set is not shipped here: point --corpus at a folder with evaldata.json and the eval/
and cache/ folders of trafilatura's tests (git archive of github.com/adbar/trafilatura).
Each extractor is asked for HTML (subsample keeps the article's structure for `read`);
its output is scored as text, by the set's own rule: each "with" snippet found counts as a
true positive, each "without" snippet found as a false positive.

    python benchmarks/extract_bench.py --corpus /tmp/traf/tests [--only trafilatura] [--limit 200]
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def text_of(markup: str) -> str:
    import lxml.html

    if not markup.strip():
        return ""
    return str(lxml.html.fromstring(markup).text_content())


def trafilatura_runner() -> Callable[[bytes, str], str]:
    import trafilatura

    def run(html: bytes, url: str) -> str:
        out = trafilatura.extract(
            html, url=url, output_format="html", include_images=True, include_links=True,
            include_formatting=True, include_tables=True, include_comments=False,
        )  # fmt: skip
        return out or ""

    return run


def readability_runner() -> Callable[[bytes, str], str]:
    from readability import Document

    def run(html: bytes, url: str) -> str:
        return str(Document(html, url=url).summary(html_partial=True))

    return run


RUNNERS = {"trafilatura": trafilatura_runner, "readability": readability_runner}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", type=Path, required=True)
    ap.add_argument("--only", default="trafilatura,readability")
    ap.add_argument("--limit", type=int, default=0)
    args = ap.parse_args()
    data = json.loads((args.corpus / "evaldata.json").read_text())
    items = sorted(data.items())[: args.limit or None]
    for name in args.only.split(","):
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        t0 = time.perf_counter()
        run = RUNNERS[name]()
        imported = time.perf_counter() - t0
        tp = fp = fn = tn = 0
        spent = 0.0
        failures = 0
        for url, item in items:
            path = next(
                (p for p in (args.corpus / d / item["file"] for d in ("eval", "cache")) if p.is_file()), None
            )
            if path is None:
                continue
            html = path.read_bytes()
            t = time.perf_counter()
            try:
                result = norm(text_of(run(html, url)))
            except Exception:  # an extractor crash costs recall, as in the set's own scoring
                result, failures = "", failures + 1
            spent += time.perf_counter() - t
            found = sum(norm(w) in result for w in item["with"])
            wrong = sum(norm(w) in result for w in item["without"])
            tp, fn = tp + found, fn + len(item["with"]) - found
            fp, tn = fp + wrong, tn + len(item["without"]) - wrong
        precision, recall = tp / max(tp + fp, 1), tp / max(tp + fn, 1)
        f1 = 2 * precision * recall / max(precision + recall, 1e-9)
        grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
        print(
            f"{name:12} pages {len(items)}  P {precision:.3f}  R {recall:.3f}  F1 {f1:.3f}  "
            f"{1000 * spent / max(len(items), 1):.0f} ms/page  import {1000 * imported:.0f} ms  "
            f"+{grown:.0f} MB peak  crashes {failures}",
            flush=True,
        )


if __name__ == "__main__":
    sys.exit(main())

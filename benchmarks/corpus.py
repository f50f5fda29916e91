"""A deterministic corpus of feeds for the fetch benchmark: RSS 2.0 with full content,
Atom 1.0, RSS 1.0/RDF and JSON Feed 1.1, of realistic sizes.

    python benchmarks/corpus.py --feeds 500 --out benchmarks/corpus

The same seed gives byte-identical files, so runs on different days compare.
"""

from __future__ import annotations

import argparse
import json
import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from pathlib import Path

WORDS = (  # noqa: SIM905 - a sentence reads better than a list of 140 strings
    "the of and to in is that for it as was with be by on not he this are or his from at which but have an "
    "they you were her all she there would their we him been has when who will more no if out so said what up "
    "its about into than them can only other new some could time these two may then do first any my now such "
    "like our over man me even most made after also did many before must through back years where much your way "
    "well down should because each just those people how too little state good very make world still own see men "
    "feed archive terminal python latency cache index revision history gallery export search number stable"
).split()


def _sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def _html(rng: random.Random) -> str:
    parts = []
    for _ in range(rng.randint(2, 12)):
        kind = rng.random()
        if kind < 0.6:
            parts.append(
                f"<p>{' '.join(_sentence(rng, rng.randint(8, 25)) for _ in range(rng.randint(2, 6)))}</p>"
            )
        elif kind < 0.7:
            parts.append(f"<h2>{_sentence(rng, 4)}</h2>")
        elif kind < 0.8:
            items = "".join(f"<li>{_sentence(rng, 8)}</li>" for _ in range(rng.randint(2, 6)))
            parts.append(f"<ul>{items}</ul>")
        elif kind < 0.85:
            parts.append(f"<blockquote><p>{_sentence(rng, 20)}</p></blockquote>")
        elif kind < 0.9:
            parts.append("<pre><code>for x in range(10):\n    print(x &lt; 5)</code></pre>")
        elif kind < 0.95:
            parts.append(
                f'<p><img src="https://img.example/{rng.randrange(10**6)}.png" alt="{_sentence(rng, 3)}"></p>'
            )
        else:
            parts.append(
                f'<p>See <a href="https://example.org/{rng.randrange(10**6)}">{_sentence(rng, 3)}</a> &amp; more.</p>'
            )
    return "\n".join(parts)


def make_feed(i: int, rng: random.Random) -> tuple[str, bytes]:
    kind = ("rss", "rss", "atom", "rdf", "json")[i % 5]
    base = f"https://site{i}.example"
    now = datetime(2026, 11, 1, tzinfo=UTC)
    entries = []
    for j in range(rng.randint(12, 50)):
        when = now - timedelta(hours=rng.randint(1, 24 * 365), minutes=j)
        entries.append({
            "id": f"{base}/posts/{j}",
            "title": _sentence(rng, rng.randint(3, 10)).rstrip("."),
            "link": f"{base}/posts/{j}",
            "date": when,
            "html": _html(rng),
        })  # fmt: skip
    title = f"Site number {i}"
    if kind == "json":
        doc = {
            "version": "https://jsonfeed.org/version/1.1", "title": title, "home_page_url": base,
            "items": [{"id": e["id"], "url": e["link"], "title": e["title"], "content_html": e["html"],
                       "date_published": e["date"].isoformat()} for e in entries],
        }  # fmt: skip
        return "json", json.dumps(doc).encode()
    if kind == "atom":
        body = "".join(
            f'<entry><id>{e["id"]}</id><title>{escape(e["title"])}</title><link href="{e["link"]}"/>'
            f"<updated>{e['date'].isoformat()}</updated><published>{e['date'].isoformat()}</published>"
            f'<content type="html">{escape(e["html"])}</content></entry>'
            for e in entries
        )
        return "xml", (
            f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>{title}</title>'
            f'<id>{base}/</id><updated>{now.isoformat()}</updated><link href="{base}/"/>{body}</feed>'
        ).encode()
    if kind == "rdf":
        body = "".join(
            f'<item rdf:about="{e["link"]}"><title>{escape(e["title"])}</title><link>{e["link"]}</link>'
            f"<dc:date>{e['date'].isoformat()}</dc:date><content:encoded><![CDATA[{e['html']}]]></content:encoded></item>"
            for e in entries
        )
        return "xml", (
            '<?xml version="1.0" encoding="utf-8"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            'xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/">'
            f'<channel rdf:about="{base}/"><title>{title}</title><link>{base}/</link><description>d</description></channel>'
            f"{body}</rdf:RDF>"
        ).encode()
    body = "".join(
        f"<item><title>{escape(e['title'])}</title><link>{e['link']}</link><guid>{e['id']}</guid>"
        f"<pubDate>{format_datetime(e['date'])}</pubDate><description>{escape(_sentence(rng, 20))}</description>"
        f"<content:encoded><![CDATA[{e['html']}]]></content:encoded></item>"
        for e in entries
    )
    return "xml", (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
        f"<channel><title>{title}</title><link>{base}/</link><description>d</description>{body}</channel></rss>"
    ).encode()


def build(out: Path, feeds: int, seed: int = 7) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    paths = []
    for i in range(feeds):
        ext, data = make_feed(i, rng)
        p = out / f"feed{i:04d}.{ext}"
        p.write_bytes(data)
        paths.append(p)
    return paths


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--feeds", type=int, default=500)
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "corpus")
    a = ap.parse_args()
    files = build(a.out, a.feeds)
    print(f"{len(files)} feeds, {sum(p.stat().st_size for p in files) / 1e6:.1f} MB in {a.out}")

"""A deterministic corpus of feeds for the fetch benchmark, shaped like real subscriptions.

    python benchmarks/corpus.py --feeds 500 --out benchmarks/corpus

The shapes copy feeds saved as test data in public repositories (kurtmckee/feedparser,
rometools/rome, feedjira/feedjira, rbren/rss-parser, Ranchero-Software/NetNewsWire,
miniflux/v2, newsboat/newsboat), with their text made up here: WordPress RSS (dc:creator,
content:encoded, wfw:, slash:, comments, atom:link self, sy:, feedburner:origLink),
podcasts (itunes:* in items and channel, audio enclosures, itunes:keywords), news RSS
(media:content and media:thumbnail, dc:creator, categories with a domain, ISO-8859-1 and
windows-1252 bodies), Medium and Substack RSS, Blogger Atom (thr:, openSearch, replies
links), static-site Atom (xml:lang, content with xml:base), YouTube Atom (media:group),
Reddit and GitHub Atom, Slashdot-style RSS 1.0 and JSON Feed. The mix (MIX) is our
estimate of a person's subscriptions; about 30 MB for 500 feeds, as before.

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


# (shape, share of subscriptions)
MIX = [
    ("wordpress", 26), ("podcast", 12), ("news", 8), ("news-latin1", 4), ("medium", 6), ("substack", 6),
    ("blogger", 8), ("static-atom", 8), ("youtube", 5), ("reddit", 3), ("github", 3), ("rdf", 4),
    ("hn", 3), ("json", 4),
]  # fmt: skip
_SHAPES = [shape for shape, share in MIX for _ in range(share)]

NS = {
    "content": "http://purl.org/rss/1.0/modules/content/", "dc": "http://purl.org/dc/elements/1.1/",
    "wfw": "http://wellformedweb.org/CommentAPI/", "slash": "http://purl.org/rss/1.0/modules/slash/",
    "atom": "http://www.w3.org/2005/Atom", "sy": "http://purl.org/rss/1.0/modules/syndication/",
    "feedburner": "http://rssnamespace.org/feedburner/ext/1.0", "media": "http://search.yahoo.com/mrss/",
    "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd", "podcast": "https://podcastindex.org/namespace/1.0",
    "georss": "http://www.georss.org/georss", "thr": "http://purl.org/syndication/thread/1.0",
    "openSearch": "http://a9.com/-/spec/opensearchrss/1.0/", "yt": "http://www.youtube.com/xml/schemas/2015",
    "googleplay": "http://www.google.com/schemas/play-podcasts/1.0",
    "cc": "http://cyber.law.harvard.edu/rss/creativeCommonsRssModule.html",
}  # fmt: skip


def _xmlns(*prefixes: str) -> str:
    return " ".join(f'xmlns:{p}="{NS[p]}"' for p in prefixes)


def _entries(rng: random.Random, base: str, n: int, now: datetime) -> list[dict[str, object]]:
    out = []
    for j in range(n):
        when = now - timedelta(hours=rng.randint(1, 24 * 365), minutes=j)
        out.append({
            "n": j, "id": f"{base}/?p={rng.randrange(10**5)}", "title": _sentence(rng, rng.randint(3, 10)).rstrip("."),
            "link": f"{base}/{when:%Y/%m}/post-{j}/", "date": when, "html": _html(rng),
            "author": rng.choice(["Ann Smith", "bob", "Chlo\u00e9 Dupont", "The Editors", "J\u00f6rg M\u00fcller"]),
            "tags": rng.sample(["news", "python", "Life & Work", "reviews", "how-to", "caf\u00e9", "audio"], 2),
        })  # fmt: skip
    return out


def _rss(ns: str, channel: str, items: str, encoding: str = "UTF-8") -> str:
    return f'<?xml version="1.0" encoding="{encoding}"?>\n<rss version="2.0" {ns}>\n<channel>\n{channel}{items}</channel>\n</rss>\n'


def _channel(title: str, base: str, extra: str = "") -> str:
    return (
        f"<title>{escape(title)}</title>\n<link>{base}/</link>\n<description>{escape(title)} and more</description>\n"
        f'<atom:link href="{base}/feed/" rel="self" type="application/rss+xml"/>\n<language>en-US</language>\n{extra}'
    )


def _wordpress(rng: random.Random, base: str, title: str, now: datetime, origlink: bool) -> str:
    items = []
    for e in _entries(rng, base, 10, now):
        cats = "".join(f"<category><![CDATA[{t}]]></category>" for t in e["tags"])  # type: ignore[attr-defined]
        fb = f"<feedburner:origLink>{e['link']}</feedburner:origLink>" if origlink else ""
        items.append(
            f"<item>\n<title>{escape(str(e['title']))}</title>\n<link>{e['link']}</link>\n"
            f"<comments>{e['link']}#comments</comments>\n<dc:creator><![CDATA[{e['author']}]]></dc:creator>\n"
            f"<pubDate>{format_datetime(e['date'])}</pubDate>\n{cats}\n"  # type: ignore[arg-type]
            f'<guid isPermaLink="false">{e["id"]}</guid>\n'
            f"<description><![CDATA[{_sentence(rng, 40)} [&#8230;]]]></description>\n"
            f"<content:encoded><![CDATA[{e['html']}]]></content:encoded>\n"
            f"<wfw:commentRss>{e['link']}feed/</wfw:commentRss>\n<slash:comments>{rng.randrange(40)}</slash:comments>\n{fb}</item>\n"
        )
    extra = (
        f"<lastBuildDate>{format_datetime(now)}</lastBuildDate>\n<sy:updatePeriod>hourly</sy:updatePeriod>\n"
        "<sy:updateFrequency>1</sy:updateFrequency>\n<generator>https://wordpress.org/?v=6.4.2</generator>\n"
        f"<image><url>{base}/icon.png</url><title>{escape(title)}</title><link>{base}/</link></image>\n"
    )
    return _rss(
        _xmlns("content", "wfw", "dc", "atom", "sy", "slash", "feedburner"),
        _channel(title, base, extra),
        "".join(items),
    )


def _podcast(rng: random.Random, base: str, title: str, now: datetime) -> str:
    items = []
    for e in _entries(rng, base, rng.randint(40, 120), now):
        keywords = (
            f"<itunes:keywords>{escape(', '.join(e['tags']))}</itunes:keywords>" if rng.random() < 0.3 else ""
        )  # type: ignore[arg-type]
        notes = (
            f"<p>{_sentence(rng, 30)}</p><ul><li>{_sentence(rng, 6)}</li><li>{_sentence(rng, 6)}</li></ul>"
        )
        items.append(
            f"<item>\n<title>Episode {e['n']}: {escape(str(e['title']))}</title>\n<link>{e['link']}</link>\n"
            f'<guid isPermaLink="false">{rng.randrange(16**12):012x}-{e["n"]}</guid>\n'
            f"<pubDate>{format_datetime(e['date'])}</pubDate>\n"  # type: ignore[arg-type]
            f"<description><![CDATA[{notes}]]></description>\n"
            f"<itunes:summary>{escape(_sentence(rng, 30))}</itunes:summary>\n"
            f"<itunes:subtitle>{escape(_sentence(rng, 8))}</itunes:subtitle>\n<itunes:author>{escape(title)}</itunes:author>\n"
            f'<enclosure url="https://cdn.example/{rng.randrange(10**8)}.mp3" length="{rng.randrange(10**7, 10**8)}" type="audio/mpeg"/>\n'
            f"<itunes:duration>{rng.randrange(600, 7200)}</itunes:duration>\n<itunes:explicit>no</itunes:explicit>\n"
            f'<itunes:image href="{base}/ep{e["n"]}.jpg"/>\n<itunes:episode>{e["n"]}</itunes:episode>\n'
            f"<itunes:episodeType>full</itunes:episodeType>\n{keywords}\n"
            f'<podcast:transcript url="{base}/t{e["n"]}.vtt" type="text/vtt"/>\n</item>\n'
        )
    extra = (
        f"<itunes:author>{escape(title)}</itunes:author>\n<itunes:owner><itunes:name>{escape(title)}</itunes:name>"
        f"<itunes:email>pod@site.example</itunes:email></itunes:owner>\n<itunes:explicit>false</itunes:explicit>\n"
        f'<itunes:category text="Technology"><itunes:category text="Podcasting"/></itunes:category>\n'
        f'<itunes:image href="{base}/cover.jpg"/>\n<podcast:locked>no</podcast:locked>\n'
    )
    return _rss(
        _xmlns("itunes", "atom", "content", "podcast", "googleplay"),
        _channel(title, base, extra),
        "".join(items),
    )


def _news(rng: random.Random, base: str, title: str, now: datetime, encoding: str) -> bytes:
    items = []
    for e in _entries(rng, base, rng.randint(30, 60), now):
        img = f"https://img.example/{rng.randrange(10**7)}.jpg"
        items.append(
            f"<item>\n<title>{escape(str(e['title']))}</title>\n<link>{e['link']}</link>\n"
            f"<description>{escape(' '.join(_sentence(rng, 20) for _ in range(3)))}</description>\n"
            f'<category domain="{base}/section/{escape(str(e["tags"][0]))}">{escape(e["tags"][0])}</category>\n'  # type: ignore[index]
            f"<pubDate>{format_datetime(e['date'])}</pubDate>\n<guid>{e['link']}</guid>\n"  # type: ignore[arg-type]
            f"<dc:creator>{escape(str(e['author']))}</dc:creator>\n"
            f'<media:content width="1024" url="{img}" medium="image"><media:credit scheme="urn:ebu">Photographer</media:credit></media:content>\n'
            f'<media:thumbnail url="{img}?w=140" width="140" height="84"/>\n</item>\n'
        )
    doc = _rss(
        _xmlns("dc", "media", "atom"),
        _channel(title + " caf\u00e9 \u2013 news", base),
        "".join(items),
        encoding,
    )
    return doc.encode(encoding, "xmlcharrefreplace")


def _medium(rng: random.Random, base: str, title: str, now: datetime) -> str:
    items = "".join(
        f"<item><title><![CDATA[{e['title']}]]></title><link>{e['link']}?source=rss</link>"
        f'<guid isPermaLink="false">{base}/p/{e["n"]:x}</guid>'
        + "".join(f"<category><![CDATA[{t}]]></category>" for t in e["tags"])  # type: ignore[attr-defined]
        + f"<dc:creator><![CDATA[{e['author']}]]></dc:creator><pubDate>{format_datetime(e['date'])}</pubDate>"  # type: ignore[arg-type]
        f"<atom:updated>{e['date'].isoformat().replace('+00:00', '.000Z')}</atom:updated>"  # type: ignore[attr-defined]
        f"<content:encoded><![CDATA[{e['html']}]]></content:encoded></item>"
        for e in _entries(rng, base, 10, now)
    )
    return _rss(
        _xmlns("dc", "content", "atom", "cc"), _channel(title, base, "<generator>Medium</generator>"), items
    )


def _substack(rng: random.Random, base: str, title: str, now: datetime) -> str:
    items = "".join(
        f"<item><title><![CDATA[{e['title']}]]></title><description><![CDATA[{_sentence(rng, 15)}]]></description>"
        f'<link>{e["link"]}</link><guid isPermaLink="false">{e["link"]}</guid><dc:creator><![CDATA[{e["author"]}]]></dc:creator>'
        f"<pubDate>{format_datetime(e['date'])}</pubDate>"  # type: ignore[arg-type]
        f'<enclosure url="https://substack-post-media.example/{rng.randrange(10**8)}.jpeg" length="0" type="image/jpeg"/>'
        f"<content:encoded><![CDATA[{e['html']}]]></content:encoded></item>"
        for e in _entries(rng, base, 20, now)
    )
    extra = f"<image><url>{base}/logo.png</url><title>{escape(title)}</title><link>{base}</link></image><generator>Substack</generator>"
    return _rss(_xmlns("dc", "content", "atom", "itunes", "googleplay"), _channel(title, base, extra), items)


def _atom(ns: str, head: str, entries: str, lang: str = "") -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" {ns}{lang}>\n{head}{entries}</feed>\n'


def _blogger(rng: random.Random, base: str, title: str, now: datetime) -> str:
    entries = "".join(
        f"<entry><id>tag:blogger.com,1999:blog-{rng.randrange(10**9)}.post-{e['n']}</id>"
        f"<published>{e['date'].isoformat(timespec='milliseconds')}</published>"  # type: ignore[attr-defined]
        f"<updated>{e['date'].isoformat(timespec='milliseconds')}</updated>"  # type: ignore[attr-defined]
        + "".join(
            f'<category scheme="http://www.blogger.com/atom/ns#" term="{escape(t)}"/>' for t in e["tags"]
        )  # type: ignore[attr-defined]
        + f"<title type='text'>{escape(str(e['title']))}</title><content type='html'>{escape(str(e['html']))}</content>"
        f"<link rel='replies' type='application/atom+xml' href='{e['link']}feeds/comments/default' title='Post Comments'/>"
        f"<link rel='replies' type='text/html' href='{e['link']}#comment-form' title='{rng.randrange(30)} Comments'/>"
        f"<link rel='edit' type='application/atom+xml' href='{base}/feeds/posts/default/{e['n']}'/>"
        f"<link rel='alternate' type='text/html' href='{e['link']}' title='{escape(str(e['title']))}'/>"
        f"<author><name>{escape(str(e['author']))}</name><uri>{base}/profile</uri><email>noreply@blogger.com</email></author>"
        f'<media:thumbnail url="https://blogger.googleusercontent.example/{rng.randrange(10**6)}/s72-c/a.jpg" height="72" width="72"/>'
        f"<thr:total>{rng.randrange(30)}</thr:total></entry>"
        for e in _entries(rng, base, 25, now)
    )
    head = (
        f"<id>tag:blogger.com,1999:blog-{rng.randrange(10**9)}</id><updated>{now.isoformat()}</updated>"
        f"<title type='text'>{escape(title)}</title><link rel='alternate' type='text/html' href='{base}/'/>"
        f"<link rel='self' type='application/atom+xml' href='{base}/feeds/posts/default'/>"
        f"<author><name>{escape(title)}</name></author><generator version='7.00' uri='http://www.blogger.com'>Blogger</generator>"
        "<openSearch:totalResults>120</openSearch:totalResults><openSearch:startIndex>1</openSearch:startIndex>"
    )
    return _atom(_xmlns("openSearch", "georss", "thr", "media"), head, entries)


def _static_atom(rng: random.Random, base: str, title: str, now: datetime) -> str:
    entries = "".join(
        f'<entry><title type="html">{escape(str(e["title"]))}</title><link href="{e["link"]}" rel="alternate" type="text/html" title="{escape(str(e["title"]))}"/>'
        f"<published>{e['date'].isoformat()}</published><updated>{e['date'].isoformat()}</updated><id>{e['link']}</id>"  # type: ignore[attr-defined]
        f'<content type="html" xml:base="{e["link"]}">{escape(str(e["html"]))}</content>'
        f"<author><name>{escape(str(e['author']))}</name></author>"
        + "".join(f'<category term="{escape(t)}"/>' for t in e["tags"])  # type: ignore[attr-defined]
        + f'<summary type="html">{escape(_sentence(rng, 25))}</summary></entry>'
        for e in _entries(rng, base, 10, now)
    )
    head = (
        f'<generator uri="https://jekyllrb.com/" version="4.3.2">Jekyll</generator><link href="{base}/feed.xml" rel="self" type="application/atom+xml"/>'
        f'<link href="{base}/" rel="alternate" type="text/html" hreflang="en"/><updated>{now.isoformat()}</updated><id>{base}/feed.xml</id>'
        f'<title type="html">{escape(title)}</title><subtitle>Notes</subtitle><author><name>{escape(title)}</name></author>'
    )
    return _atom("", head, entries, ' xml:lang="en"')


def _youtube(rng: random.Random, base: str, title: str, now: datetime) -> str:
    entries = "".join(
        f"<entry><id>yt:video:{rng.randrange(16**11):011x}</id><yt:videoId>{e['n']}</yt:videoId><yt:channelId>UC{i}</yt:channelId>"
        f'<title>{escape(str(e["title"]))}</title><link rel="alternate" href="https://www.youtube.example/watch?v={e["n"]}"/>'
        f"<author><name>{escape(title)}</name><uri>{base}</uri></author><published>{e['date'].isoformat()}</published>"  # type: ignore[attr-defined]
        f"<updated>{e['date'].isoformat()}</updated><media:group><media:title>{escape(str(e['title']))}</media:title>"  # type: ignore[attr-defined]
        f'<media:content url="https://www.youtube.example/v/{e["n"]}?version=3" type="application/x-shockwave-flash" width="640" height="390"/>'
        f'<media:thumbnail url="https://i1.ytimg.example/vi/{e["n"]}/hqdefault.jpg" width="480" height="360"/>'
        f"<media:description>{escape(' '.join(_sentence(rng, 15) for _ in range(4)))}</media:description>"
        f'<media:community><media:starRating count="{rng.randrange(999)}" average="5.00" min="1" max="5"/>'
        f'<media:statistics views="{rng.randrange(10**6)}"/></media:community></media:group></entry>'
        for i, e in enumerate(_entries(rng, base, 15, now))
    )
    head = f'<link rel="self" href="{base}/feeds/videos.xml"/><id>yt:channel:{base}</id><title>{escape(title)}</title><link rel="alternate" href="{base}"/><published>{now.isoformat()}</published>'
    return _atom(_xmlns("yt", "media"), head, entries)


def _reddit_or_github(rng: random.Random, base: str, title: str, now: datetime, github: bool) -> str:
    entries = "".join(
        f"<entry><author><name>/u/{e['n']}</name><uri>{base}/user/{e['n']}</uri></author>"
        f'<category term="{escape(str(e["tags"][0]))}" label="r/{escape(str(e["tags"][0]))}"/>'  # type: ignore[index]
        f'<content type="html">{escape(str(e["html"]) if github else _sentence(rng, 30))}</content><id>t3_{e["n"]}</id>'
        f'<media:thumbnail url="https://thumbs.example/{rng.randrange(10**6)}.jpg"/>'
        f'<link href="{e["link"]}"/><updated>{e["date"].isoformat()}</updated>'  # type: ignore[attr-defined]
        f"<published>{e['date'].isoformat()}</published><title>{escape(str(e['title']))}</title></entry>"  # type: ignore[attr-defined]
        for e in _entries(rng, base, 25, now)
    )
    head = f'<category term="x" label="r/x"/><updated>{now.isoformat()}</updated><icon>{base}/icon.png</icon><id>{base}/.rss</id><link rel="self" href="{base}/.rss" type="application/atom+xml"/><link rel="alternate" href="{base}" type="text/html"/><subtitle>s</subtitle><title>{escape(title)}</title>'
    return _atom(_xmlns("media"), head, entries)


def _rdf(rng: random.Random, base: str, title: str, now: datetime) -> str:
    entries = _entries(rng, base, 15, now)
    items = "".join(
        f'<item rdf:about="{e["link"]}"><title>{escape(str(e["title"]))}</title><link>{e["link"]}</link>'
        f"<description>{escape(_sentence(rng, 40))}</description><dc:creator>{escape(str(e['author']))}</dc:creator>"
        f"<dc:date>{e['date'].isoformat()}</dc:date><slash:department>{_sentence(rng, 4)}</slash:department>"  # type: ignore[attr-defined]
        f"<slash:section>news</slash:section><slash:comments>{rng.randrange(500)}</slash:comments>"
        f"<slash:hit_parade>{rng.randrange(500)},{rng.randrange(500)}</slash:hit_parade></item>"
        for e in entries
    )
    seq = "".join(f'<rdf:li rdf:resource="{e["link"]}"/>' for e in entries)
    return (
        '<?xml version="1.0" encoding="utf-8"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        f'xmlns="http://purl.org/rss/1.0/" {_xmlns("dc", "slash", "sy")} xmlns:syn="http://purl.org/rss/1.0/modules/syndication/">'
        f'<channel rdf:about="{base}/"><title>{escape(title)}</title><link>{base}/</link><description>d</description>'
        f"<dc:language>en-us</dc:language><items><rdf:Seq>{seq}</rdf:Seq></items></channel>{items}</rdf:RDF>"
    )


def _hn(rng: random.Random, base: str, title: str, now: datetime) -> str:
    items = "".join(
        f"<item><title>{escape(str(e['title']))}</title><link>https://ext{e['n']}.example/a</link>"
        f"<pubDate>{format_datetime(e['date'])}</pubDate><comments>{base}/item?id={e['n']}</comments>"  # type: ignore[arg-type]
        f'<description><![CDATA[<a href="{base}/item?id={e["n"]}">Comments</a>]]></description></item>'
        for e in _entries(rng, base, 30, now)
    )
    return f'<rss version="2.0"><channel><title>{escape(title)}</title><link>{base}/</link><description>Links</description>{items}</channel></rss>'


def make_feed(i: int, rng: random.Random) -> tuple[str, bytes]:
    """Feed number I of the corpus: ("xml" or "json", its bytes)."""
    shape = _SHAPES[(i * 37) % len(_SHAPES)]  # (a stride through the mix: neighbours differ)
    base = f"https://site{i}.example"
    now = datetime(2026, 11, 1, tzinfo=UTC)
    title = f"Site number {i}"
    if shape == "json":
        entries = _entries(rng, base, rng.randint(12, 50), now)
        doc = {
            "version": "https://jsonfeed.org/version/1.1", "title": title, "home_page_url": base,
            "items": [{"id": e["id"], "url": e["link"], "title": e["title"], "content_html": e["html"],
                       "date_published": e["date"].isoformat(), "tags": e["tags"]} for e in entries],  # type: ignore[attr-defined]
        }  # fmt: skip
        return "json", json.dumps(doc).encode()
    if shape in ("news", "news-latin1"):
        return "xml", _news(
            rng, base, title, now, "UTF-8" if shape == "news" else rng.choice(["ISO-8859-1", "windows-1252"])
        )
    makers = {
        "wordpress": lambda: _wordpress(rng, base, title, now, origlink=rng.random() < 0.3),
        "podcast": lambda: _podcast(rng, base, title, now),
        "medium": lambda: _medium(rng, base, title, now),
        "substack": lambda: _substack(rng, base, title, now),
        "blogger": lambda: _blogger(rng, base, title, now),
        "static-atom": lambda: _static_atom(rng, base, title, now),
        "youtube": lambda: _youtube(rng, base, title, now),
        "reddit": lambda: _reddit_or_github(rng, base, title, now, github=False),
        "github": lambda: _reddit_or_github(rng, base, title, now, github=True),
        "rdf": lambda: _rdf(rng, base, title, now),
        "hn": lambda: _hn(rng, base, title, now),
    }
    return "xml", makers[shape]().encode()


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

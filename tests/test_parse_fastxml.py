"""The fast XML reader on feeds shaped like real ones: extension elements are ignored only
where feedparser cannot carry them into a field we keep, and then it reads as feedparser."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import feedparser
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from subsample.errors import FetchError
from subsample.parse import fastxml
from subsample.parse.feeds import from_feedparser_shape, parse_feed, parse_with_feedparser

URL = "https://s.example/feed"
NAMESPACES = {
    "content": "http://purl.org/rss/1.0/modules/content/", "dc": "http://purl.org/dc/elements/1.1/",
    "media": "http://search.yahoo.com/mrss/", "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd",
    "slash": "http://purl.org/rss/1.0/modules/slash/", "wfw": "http://wellformedweb.org/CommentAPI/",
    "atom": "http://www.w3.org/2005/Atom", "feedburner": "http://rssnamespace.org/feedburner/ext/1.0",
    "georss": "http://www.georss.org/georss", "podcast": "https://podcastindex.org/namespace/1.0",
    "sy": "http://purl.org/rss/1.0/modules/syndication/", "dcterms": "http://purl.org/dc/terms/",
    "psc": "http://podlove.org/simple-chapters", "gml": "http://www.opengis.net/gml",
    "thr": "http://purl.org/syndication/thread/1.0", "yt": "http://www.youtube.com/xml/schemas/2015",
}  # fmt: skip


def rss(items: str, channel: str = "") -> bytes:
    ns = " ".join(f'xmlns:{p}="{u}"' for p, u in NAMESPACES.items())
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" {ns}><channel><title>Show</title>'
        f"<link>https://s.example/</link><description>d</description>{channel}{items}</channel></rss>"
    ).encode()


def reads_as_feedparser(body: bytes) -> bool:
    """True when the fast reader read BODY (and then it must equal feedparser); False when it declined."""
    fast = fastxml.read(body, None)
    try:
        reference = parse_with_feedparser(body, URL, None)
    except FetchError:
        assert fast is None  # what feedparser cannot read, the fast reader must not read either
        return False
    if fast is None:
        return False
    assert from_feedparser_shape(fast, URL, None) == reference
    return True


PODCAST_ITEM = (
    "<item><title>Episode 12: Bytes</title><link>https://s.example/12</link>"
    '<guid isPermaLink="false">a1b2-12</guid><pubDate>Tue, 01 Oct 2019 14:30:00 GMT</pubDate>'
    "<description><![CDATA[<p>Show notes</p><ul><li>one</li></ul>]]></description>"
    "<itunes:summary>Plain summary of the episode.</itunes:summary>"
    "<itunes:subtitle>Short</itunes:subtitle><itunes:author>The Show</itunes:author>"
    '<enclosure url="https://cdn.s.example/12.mp3" length="12345678" type="audio/mpeg"/>'
    "<itunes:duration>3600</itunes:duration><itunes:explicit>no</itunes:explicit>"
    '<itunes:image href="https://s.example/12.jpg"/><itunes:episode>12</itunes:episode>'
    "<itunes:episodeType>full</itunes:episodeType><itunes:keywords>tech, bytes, tech , </itunes:keywords>"
    '<podcast:transcript url="https://s.example/12.vtt" type="text/vtt"/></item>'
)
PODCAST_CHANNEL = (
    "<itunes:author>The Show</itunes:author><itunes:owner><itunes:name>Ann</itunes:name>"
    "<itunes:email>a@s.example</itunes:email></itunes:owner>"
    '<itunes:category text="Technology"><itunes:category text="Podcasting"/></itunes:category>'
    '<itunes:image href="https://s.example/cover.jpg"/><podcast:locked>no</podcast:locked>'
    "<sy:updatePeriod>hourly</sy:updatePeriod>"
)

REAL_SHAPES = {
    "podcast": rss(PODCAST_ITEM, PODCAST_CHANNEL),
    "wordpress": rss(
        "<item><title>Hello</title><link>https://s.example/hello/</link><comments>https://s.example/hello/#c</comments>"
        "<dc:creator><![CDATA[Ann]]></dc:creator><pubDate>Mon, 06 Jan 2025 10:00:00 +0000</pubDate>"
        "<category><![CDATA[News]]></category><category><![CDATA[Life & Work]]></category>"
        '<guid isPermaLink="false">https://s.example/?p=1</guid><description><![CDATA[Teaser [&#8230;]]]></description>'
        "<content:encoded><![CDATA[<p>Body <img src='/a.png'></p>]]></content:encoded>"
        "<wfw:commentRss>https://s.example/hello/feed/</wfw:commentRss><slash:comments>4</slash:comments>"
        "<feedburner:origLink>https://s.example/hello/</feedburner:origLink></item>",
        '<atom:link href="https://s.example/feed/" rel="self" type="application/rss+xml"/><generator>WP</generator>',
    ),
    "news with media and category domains": rss(
        '<item><title>Storm</title><link>https://s.example/storm</link><category domain="https://s.example/s/w">Weather</category>'
        '<category domain="https://s.example/s/w">Weather</category><category domain="https://s.example/s/x"></category>'
        "<category>Local</category><description>Rain &amp; wind.</description><guid>https://s.example/storm</guid>"
        '<media:content url="https://img.s.example/1.jpg" medium="image" width="1024"><media:credit scheme="urn:ebu">Photo: Bo</media:credit></media:content>'
        '<media:thumbnail url="https://img.s.example/1t.jpg"/><georss:point>45.1 -93.2</georss:point>'
        "<dc:creator>Bo</dc:creator><pubDate>Sun, 05 Jan 2025 23:59:59 -0800</pubDate></item>"
    ),
    "medium": rss(
        '<item><title><![CDATA[Why]]></title><link>https://s.example/why?source=rss</link><guid isPermaLink="false">https://s.example/p/1</guid>'
        "<dc:creator><![CDATA[Ann]]></dc:creator><pubDate>Mon, 06 Jan 2025 10:00:00 GMT</pubDate>"
        "<atom:updated>2025-01-06T10:00:00.000Z</atom:updated><content:encoded><![CDATA[<p>x</p>]]></content:encoded></item>"
    ),
    "itunes namespace in another case, on the element": rss(
        '<item><title>t</title><guid>g</guid><itunes:author xmlns:itunes="http://www.itunes.com/DTDs/Podcast-1.0.dtd">Bo</itunes:author></item>'
    ),
    # Issue 22: the shapes that held the most real bytes back (giantbomb, Blogger, vuepress).
    "an RSS source element": rss(
        '<item><title>t</title><guid>g</guid><source url="https://o.example/rss">Origin</source></item>'
    ),
    "a date with a zone by name": rss(
        "<item><title>t</title><guid>g</guid><pubDate>Tue, 01 Oct 2019 14:30:00 PST</pubDate></item>"
    ),
    "a date with a space for the T": rss(
        "<item><title>t</title><guid>g</guid><pubDate>2019-01-25 00:00:00</pubDate></item>"
    ),
    "HTML in itunes:summary": rss(
        "<item><title>t</title><guid>g</guid><description>d</description>"
        "<itunes:summary>&lt;p&gt;Notes &amp;amp; links&lt;/p&gt;</itunes:summary></item>"
    ),
    "a title feedparser guesses is HTML": rss(
        "<item><title>Fish &amp;amp; chips &lt;b&gt;now&lt;/b&gt;</title><guid>g</guid></item>"
    ),
    "a Blogger author": (
        b'<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom" '
        b'xmlns:gd="http://schemas.google.com/g/2005"><title>B</title><id>tag:b</id><updated>2024-01-01T00:00:00Z</updated>'
        b"<entry><id>tag:b-1</id><title>P</title><updated>2024-01-01T00:00:00Z</updated>"
        b"<author><name>Asim</name><uri>http://www.blogger.com/profile/1</uri><email>noreply@blogger.com</email>"
        b'<gd:image rel="http://schemas.google.com/g/2005#thumbnail" width="16" height="16" src="https://x/b16.gif"/></author>'
        b'<link rel="alternate" type="text/html" href="https://b.example/p"/></entry></feed>'
    ),
    "media:title after a title": rss(
        "<item><title>T</title><guid>g</guid><media:title>M</media:title></item>"
    ),
    "media:title before a title": rss(
        "<item><media:title>M</media:title><title>T</title><guid>g</guid></item>"
    ),
    "media:title in media:content": rss(
        '<item><media:content url="https://x.example/a.jpg" medium="image"><media:title>M</media:title>'
        "</media:content><title>T</title><guid>g</guid></item>"
    ),
    "an unknown namespace with children": rss(
        '<item><title>t</title><guid>g</guid><x:meta xmlns:x="urn:x"><x:deep a="1">v</x:deep></x:meta></item>'
    ),
}


@pytest.mark.parametrize("body", REAL_SHAPES.values(), ids=REAL_SHAPES.keys())
def test_real_world_shapes_take_the_fast_path_and_read_as_feedparser(body: bytes) -> None:
    assert reads_as_feedparser(body)


MUST_DECLINE = {
    # each reaches a field we keep in feedparser: title, summary, content, tags, author, dates
    "media:description": "<media:description>Other</media:description>",
    "media:group": "<media:group><media:title>x</media:title></media:group>",
    "media:keywords": "<media:keywords>a, b</media:keywords>",
    "itunes:category in an item": '<itunes:category text="Tech"/>',
    "dc:subject": "<dc:subject>Topic</dc:subject>",
    "dcterms:modified": "<dcterms:modified>2024-01-01T00:00:00Z</dcterms:modified>",
    "dc:title": "<dc:title>Other</dc:title>",
    "an unknown element holding a title": '<x:wrap xmlns:x="urn:x"><title>Inner</title></x:wrap>',
    "a title in an unknown default namespace": '<title xmlns="urn:x">Other</title>',
    "an unknown element named like a key we read": '<published:parsed xmlns:published="urn:p">x</published:parsed>',
    "an Atom-like source with children": '<source url="https://o.example/rss"><title>Other</title></source>',
    "upper-case title": "<Title>Other</Title>",
    "an unknown prefix given twice": '<x:a xmlns:x="urn:q" xmlns:y="urn:q">v</x:a>',
}


@pytest.mark.parametrize(
    "inside",
    [
        "<media:title>M</media:title>",
        '<media:content url="https://x.example/i.jpg"><media:title>MC</media:title></media:content>',
    ],
)
def test_a_media_title_after_a_source_is_feedparsers(inside: str) -> None:
    # Starting <source> makes feedparser forget the title it has: a later media:title wins.
    body = rss(
        f'<item><title>Real</title><source url="https://o.example/f">S</source>{inside}<guid>g</guid></item>'
    )
    assert fastxml.read(body, None) is None
    assert parse_feed(body, URL, None).entries  # feedparser reads it instead


def test_a_media_title_in_an_item_with_no_title_is_feedparsers() -> None:
    body = rss("<item><guid>g</guid><media:title>M</media:title></item>")
    assert fastxml.read(body, None) is None
    assert parse_feed(body, URL, None).entries[0]["title"] == "M"


@pytest.mark.parametrize("element", MUST_DECLINE.values(), ids=MUST_DECLINE.keys())
def test_elements_that_reach_a_kept_field_are_feedparsers(element: str) -> None:
    body = rss(f"<item><title>T</title><guid>g</guid><description>d</description>{element}</item>")
    assert fastxml.read(body, None) is None
    assert parse_feed(body, URL, None).entries  # feedparser reads it instead


def test_summary_and_content_follow_feedparsers_order_rules() -> None:
    # Which of description, itunes:summary and content:encoded becomes summary or content
    # depends on their order in feedparser; every order reads the same.
    parts = [
        "<description>&lt;p&gt;html notes&lt;/p&gt;</description>",
        "<itunes:summary>plain notes</itunes:summary>",
        "<content:encoded>&lt;p&gt;full&lt;/p&gt;</content:encoded>",
    ]
    import itertools

    taken = 0
    for order in itertools.permutations(parts):
        for n in (2, 3):
            # (an HTML description that becomes text/plain content is feedparser's to guess at)
            taken += reads_as_feedparser(rss("<item><guid>g</guid>" + "".join(order[:n]) + "</item>"))
    assert taken >= 8


def test_every_name_feedparser_handles_is_listed() -> None:
    """FEEDPARSER_HANDLES must hold every element name the installed feedparser has a handler
    for, or an element that reaches a field could be ignored (read from its source text)."""
    root = Path(feedparser.__file__).parent
    source = "\n".join(p.read_text() for p in root.rglob("*.py"))
    names = set(re.findall(r"\b_(?:start|end)_(\w+)\s*(?:\(|=)", source))
    assert {n.lower() for n in names} <= fastxml.FEEDPARSER_HANDLES | {"newlocation"}


def test_every_handled_name_inside_an_item_reads_as_feedparser_or_is_declined() -> None:
    prefixes = {p: u for u, p in fastxml.KNOWN_NAMESPACES.items() if p}
    for name in sorted(fastxml.FEEDPARSER_HANDLES):
        prefix, _, local = name.partition("_") if "_" in name else ("", "", name)
        if prefix and prefix in prefixes:
            element = (
                f'<{prefix}:{local} xmlns:{prefix}="{prefixes[prefix]}" href="h" url="u">v</{prefix}:{local}>'
            )
        else:
            element = f"<{name}>v</{name}>"
        body = rss(f"<item><title>T</title><guid>g</guid><description>d</description>{element}</item>")
        reads_as_feedparser(body)  # (declining is allowed; a different reading is not)


EXTENSIONS = st.lists(
    st.sampled_from(
        ["<slash:comments>3</slash:comments>", "<wfw:commentRss>https://c</wfw:commentRss>",
         "<comments>https://c</comments>", "<feedburner:origLink>https://o</feedburner:origLink>",
         "<itunes:duration>1:00</itunes:duration>", "<itunes:explicit>yes</itunes:explicit>",
         '<itunes:image href="https://i"/>', "<itunes:subtitle>s</itunes:subtitle>",
         "<itunes:summary>sum</itunes:summary>", "<itunes:author>au</itunes:author>",
         "<itunes:keywords>a,b</itunes:keywords>", "<georss:point>1 2</georss:point>",
         '<media:thumbnail url="https://t"/>', '<media:content url="https://m" medium="image"/>',
         '<media:rating scheme="urn:simple">nonadult</media:rating>', "<podcast:season>2</podcast:season>",
         "<description>d &amp; e</description>", "<content:encoded>&lt;p&gt;c&lt;/p&gt;</content:encoded>",
         "<dc:creator>Ann</dc:creator>", "<author>a@b (A)</author>", '<category domain="d">c</category>',
         "<category>c</category>", "<category></category>", '<category domain="d"/>',
         "<pubDate>Tue, 10 Jun 2003 04:00:00 GMT</pubDate>", "<dc:date>2003-06-10T04:00:00.25-05:00</dc:date>",
         "<title>t</title>", '<guid isPermaLink="false">g</guid>', "<link>https://l</link>",
         '<x:unknown xmlns:x="urn:x" a="b">v</x:unknown>', "<media:title>mt</media:title>",
         "<dc:subject>s</dc:subject>"]
    ),
    max_size=8,
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(items=st.lists(EXTENSIONS, min_size=1, max_size=3))
def test_generated_items_with_extensions_read_the_same_or_are_declined(items: list[list[str]]) -> None:
    reads_as_feedparser(rss("".join("<item>" + "".join(parts) + "</item>" for parts in items)))


def test_a_feed_feedparser_fails_on_is_an_error_not_a_traceback() -> None:
    body = rss('<item><title>T</title><gml:pos xmlns:gml="http://www.opengis.net/gml">1 2</gml:pos></item>')
    with pytest.raises(FetchError, match="could not be read"):
        parse_feed(body, URL, None)


def test_c1_controls_are_repaired_as_feedparser_repairs_them() -> None:
    title = "".join(chr(c) for c in range(0x80, 0xA0))
    assert reads_as_feedparser(rss(f"<item><guid>g</guid><title>x{title}y</title></item>"))


def youtube(entry_head: str, group: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><feed xmlns:yt="http://www.youtube.com/xml/schemas/2015" '
        'xmlns:media="http://search.yahoo.com/mrss/" xmlns="http://www.w3.org/2005/Atom">'
        '<link rel="self" href="https://yt.example/feeds/videos.xml"/><id>yt:channel:UC1</id><title>Chan</title>'
        f"<entry><id>yt:video:abc</id><yt:videoId>abc</yt:videoId>{entry_head}"
        '<link rel="alternate" href="https://yt.example/watch?v=abc"/><author><name>Chan</name><uri>https://yt.example/c</uri></author>'
        f"<published>2015-05-04T00:01:27+00:00</published><media:group>{group}</media:group></entry></feed>"
    ).encode()


YT_GROUP = (
    "<media:title>Group title</media:title>"
    '<media:content url="https://yt.example/v/abc?version=3" type="application/x-shockwave-flash" width="640"/>'
    '<media:thumbnail url="https://i.yt.example/vi/abc/hq.jpg" width="480" height="360"/>'
    "<media:description>What the video &amp; is about.\n\nhttps://x.example</media:description>"
    '<media:community><media:starRating count="3546" average="4.79" min="1" max="5"/>'
    '<media:statistics views="251497"/></media:community>'
)


def test_youtube_entries_take_the_fast_path() -> None:
    assert reads_as_feedparser(youtube("<title>The video</title>", YT_GROUP))
    # a group title after the entry's own, however many, changes nothing
    assert reads_as_feedparser(
        youtube("<title>The video</title>", YT_GROUP + "<media:title>again</media:title>")
    )


@pytest.mark.parametrize(
    ("head", "group"),
    [("", YT_GROUP), ("<title> </title>", YT_GROUP), ("<title>t</title><summary>s</summary>", YT_GROUP),
     ("<title>t</title>", YT_GROUP + "<media:description>again</media:description>")],
    ids=["no title of its own", "an empty title", "a summary already", "a second media:description"],
)  # fmt: skip
def test_media_groups_where_feedparser_takes_the_group_title_or_text_are_declined(
    head: str, group: str
) -> None:
    body = youtube(head, group)
    assert fastxml.read(body, None) is None
    assert parse_feed(body, URL, None).entries


def test_atom_text_constructs_may_carry_xml_base_and_lang() -> None:
    body = (
        b'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">'
        b'<title>J</title><link href="https://s.example/"/><id>https://s.example/</id>'
        b'<entry xml:lang="en"><id>https://s.example/1</id><title type="html">A &amp;amp; B</title>'
        b'<link href="https://s.example/1" rel="alternate" type="text/html" thr:count="3" '
        b'xmlns:thr="http://purl.org/syndication/thread/1.0"/><updated>2025-01-01T00:00:00Z</updated>'
        b'<content type="html" xml:base="https://s.example/1/">&lt;p&gt;&lt;img src="a.png"&gt;&lt;/p&gt;</content>'
        b"</entry></feed>"
    )
    assert reads_as_feedparser(body)


def test_each_thread_parses_with_its_own_parser() -> None:
    body = rss(PODCAST_ITEM)
    seen: list[object] = []

    def work() -> None:
        assert fastxml.read(body, None) is not None
        seen.append(fastxml.thread_parser())

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(p) for p in seen}) == 3


def test_the_fast_reader_borrows_only_feedparsers_date_and_html_guess(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    source = Path(fastxml.__file__).read_text()
    borrowed = re.findall(r"^\s*(?:import|from)\s+(feedparser\S*)(?: import (\w+))?", source, re.M)
    assert sorted(borrowed) == [
        ("feedparser.datetimes", "_parse_date"),
        ("feedparser.mixin", "_FeedParserMixin"),
    ]
    # A feedparser release without them costs speed, never a different archive: declined.
    zoned = rss("<item><title>t</title><guid>g</guid><pubDate>Tue, 01 Oct 2019 14:30:00 PST</pubDate></item>")
    guessed = rss("<item><title>a &amp;amp; &lt;b&gt;b&lt;/b&gt;</title><guid>g</guid></item>")
    assert fastxml.read(zoned, None) is not None and fastxml.read(guessed, None) is not None
    monkeypatch.delattr(feedparser.datetimes, "_parse_date")
    monkeypatch.delattr(feedparser.mixin._FeedParserMixin, "looks_like_html")
    assert fastxml.read(zoned, None) is None and fastxml.read(guessed, None) is None
    assert fastxml.read(rss("<item><title>t</title><guid>g</guid></item>"), None) is not None

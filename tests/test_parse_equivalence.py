"""The fast XML reader (lxml) must give exactly what feedparser gives, or decline.

Post identity and content hashes are computed from the parsed entry, so a difference
here would show up as duplicate posts or spurious revisions when a feed moves between the
two readers (a feed that turns malformed for a day goes to feedparser, say).
"""

from __future__ import annotations

import random
import re
import sys
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from subsample.parse import entry as shape
from subsample.parse import fastxml
from subsample.parse import feeds as parse

from .conftest import atom, rss

URL = "http://feeds.example/feed.xml"


def both(body: bytes, content_type: str | None = "application/xml") -> tuple[object, object]:
    fast = fastxml.read(body, content_type)
    slow = parse.parse_with_feedparser(body, URL, content_type)
    return (None if fast is None else parse.from_feedparser_shape(fast, URL, None)), slow


def assert_same(body: bytes, content_type: str | None = "application/xml", *, fast: bool = True) -> None:
    quick, reference = both(body, content_type)
    if quick is None:
        assert not fast, "the fast reader declined a feed it should read"
        return
    assert quick == reference


def test_the_benchmark_corpus_reads_the_same_and_mostly_fast() -> None:
    """The corpus is shaped like real subscriptions: nearly all of it must take the fast path
    (YouTube's media:group is feedparser's)."""
    sys.path.insert(0, str(Path(__file__).parent.parent / "benchmarks"))
    from corpus import make_feed  # type: ignore[import-not-found]  # (benchmarks/, not a package)

    rng = random.Random(5)
    xml = fast = 0
    for i in range(60):
        kind, body = make_feed(i, rng)
        if kind == "xml":
            assert_same(body, fast=False)
            xml += 1
            fast += fastxml.read(body, None) is not None
    assert fast >= 0.85 * xml


RSS_ITEMS = {
    "titles plainly not HTML": "<item><title>Using &lt;code&gt; tags</title><guid>b</guid></item>"
    "<item><title>Q&amp;A &lt; 3 &amp; 4 &gt; 2</title><guid>c</guid></item>",
    "mojibake and cp1252": "<item><title>cafÃ© \u0093quoted\u0094 \u2013 ok</title><guid>m</guid>"
    "<description>Ã© and \u0085</description></item>",
    "whitespace": "<item><title>\n   Spaced   \n</title><link>\n https://s.example/p \n</link>"
    "<guid>  g  </guid></item>",
    "permalink guids": "<item><guid>https://s.example/1</guid></item>"
    '<item><guid isPermaLink="false">tag:s,1</guid></item>'
    '<item><guid isPermaLink="True">https://s.example/3</guid></item>'
    "<item><guid>https://s.example/4</guid><link>https://s.example/four</link></item>"
    "<item><link>https://s.example/five</link><guid>https://s.example/5</guid></item>"
    "<item><guid></guid><title>empty guid</title></item>"
    "<item><guid>post-7</guid></item>",
    "odd links": "<item><link>http:///s.example//x?a=1&amp;amp;b=2&amp;c;=3</link></item>"
    "<item><link>/relative/path</link><title>rel</title></item>",
    "no description, content only": "<item><title>t</title><content:encoded><![CDATA[<p>Body</p>]]>"
    "</content:encoded></item>",
    "description after content": "<item><content:encoded>&lt;p&gt;Full&lt;/p&gt;</content:encoded>"
    "<description>Short</description></item>",
    "authors and dates": "<item><title>a</title><author>jo@example.com (Jo)</author>"
    "<pubDate>Tue, 10 Jun 2003 04:00:00 GMT</pubDate></item>"
    "<item><dc:creator>Ann</dc:creator><dc:creator>Bob</dc:creator><dc:date>2024-02-03T04:05:06+01:00</dc:date></item>"
    "<item><pubDate>2024-01-02</pubDate><title>iso date in RSS</title></item>",
    "categories": "<item><title>c</title><category>A</category><category>A</category>"
    "<category><![CDATA[B & C]]></category><category></category></item>",
    "enclosures and media": '<item><title>e</title><enclosure url="https://s.example/a.mp3" length="12" '
    'type="Audio/MPEG"/><enclosure url="https://s.example/i.png" type="image/png"/>'
    '<media:content url="https://s.example/m.jpg" medium="image"/>'
    '<media:thumbnail url="https://s.example/t.jpg"/></item>',
    "comments, CDATA and ignorable elements": "<item><title>Hi <!-- hidden -->there</title>"
    "<description><![CDATA[<p>a]]>&lt;b&gt;<![CDATA[</p>]]></description>"
    "<comments>https://s.example/c</comments><slash:comments>3</slash:comments>"
    "<wfw:commentRss>https://s.example/c.rss</wfw:commentRss></item>",
    "images in content": "<item><title>i</title><description>&lt;p&gt;&lt;img src=&quot;/a.png&quot; "
    "alt=&quot;A &amp;amp; B&quot;&gt;&lt;IMG SRC='b.png'&gt;&lt;!-- &lt;img src=c.png&gt; --&gt;&lt;/p&gt;"
    "</description><link>https://s.example/post/</link></item>",
}


def _rss_doc(
    items: str, channel: str = "<title>Feed &amp; co</title><link>https://s.example/</link>"
) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:media="http://search.yahoo.com/mrss/" '
        'xmlns:slash="http://purl.org/rss/1.0/modules/slash/" xmlns:wfw="http://wellformedweb.org/CommentAPI/" '
        f'xmlns:atom="http://www.w3.org/2005/Atom"><channel>{channel}{items}</channel></rss>'
    ).encode()


@pytest.mark.parametrize("items", RSS_ITEMS.values(), ids=RSS_ITEMS.keys())
def test_rss_items_read_the_same_as_feedparser(items: str) -> None:
    assert_same(_rss_doc(items))


ATOM_ENTRIES = {
    "links and ids": "<entry><id>https://s.example/1</id><title>t</title></entry>"
    '<entry><link href="https://s.example/two"/><id>tag:s,2</id></entry>'
    '<entry><id>https://s.example/3</id><link rel="alternate" type="application/atom+xml" href="https://s.example/3.atom"/></entry>'
    '<entry><id>x</id><link rel="alternate" type="text/html" href="https://s.example/a"/>'
    '<link href="https://s.example/b"/><link rel="enclosure" href="https://s.example/e.mp3" length="9"/>'
    '<link rel="enclosure" type="image/jpeg" href="https://s.example/e.jpg"/></entry>',
    "text constructs": '<entry><id>1</id><title type="html">&lt;b&gt;Hi&lt;/b&gt; &amp;amp;</title>'
    '<summary>plain\n\nparagraphs &amp; &lt;tags&gt;</summary><content type="html">&lt;p&gt;c&lt;/p&gt;</content></entry>'
    '<entry><id>2</id><title type="text">&lt;b&gt;not bold&lt;/b&gt;</title><content>just text</content></entry>'
    '<entry><id>3</id><summary type="html">&lt;p&gt;s&lt;/p&gt;</summary></entry>'
    '<entry><id>4</id><content type="text/html">&lt;p&gt;mime&lt;/p&gt;</content><summary type="text">after</summary></entry>',
    "authors": "<entry><id>1</id><author><name>Ann</name><email>ann@s.example</email></author></entry>"
    "<entry><id>2</id><author><email>bob@s.example</email></author></entry>"
    "<entry><id>3</id><author><uri>https://s.example/c</uri></author></entry>"
    "<entry><id>4</id><author><name>  Dee </name><uri>https://d</uri></author></entry>",
    "dates and categories": "<entry><id>1</id><published>2024-01-02T03:04:05Z</published>"
    '<updated>2024-02-02T03:04:05-05:00</updated><category term="a"/><category term="a"/>'
    '<category term="b" scheme="s"/><category term="b" label="B"/><category scheme="only"/></entry>'
    "<entry><id>2</id><updated>2024-03-04T00:00:00Z</updated></entry>",
}


def _atom_doc(entries: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        '<title type="html">A &amp;amp; B</title><link rel="self" href="https://s.example/feed"/>'
        f'<link href="https://s.example/"/><id>urn:f</id>{entries}</feed>'
    ).encode()


@pytest.mark.parametrize("entries", ATOM_ENTRIES.values(), ids=ATOM_ENTRIES.keys())
def test_atom_entries_read_the_same_as_feedparser(entries: str) -> None:
    assert_same(_atom_doc(entries))


def test_rdf_reads_the_same_as_feedparser() -> None:
    body = (
        b'<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        b'xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        b'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel rdf:about="https://s.example/">'
        b"<title>R</title><link>https://s.example/</link><description>d</description></channel>"
        b'<item rdf:about="https://s.example/1"><title>One</title><link>https://s.example/1</link>'
        b"<dc:date>2024-01-01T00:00:00Z</dc:date><dc:creator>Ann</dc:creator>"
        b"<content:encoded><![CDATA[<p>Full</p>]]></content:encoded><description>Short</description></item>"
        b"<item><title>no about</title><description>&lt;p&gt;x&lt;/p&gt;</description></item></rdf:RDF>"
    )
    assert_same(body)


INLINE_TAG_TITLES = {
    "rss": _rss_doc(
        "<item><title>Flat $1850 1bd 625ft&lt;sup&gt;2&lt;/sup&gt;</title><guid>a</guid></item>"
        "<item><title>Hello&lt;br&gt;World, &lt;b&gt;bold&lt;/b&gt;ly</title><guid>b</guid></item>"
        "<item><title>&lt;p&gt;One&lt;/p&gt;&lt;p&gt;Two&lt;/p&gt;</title><guid>c</guid></item>"
    ),
    "atom": _atom_doc(
        '<entry><id>a</id><title type="html">Flat $1850 1bd 625ft&lt;sup&gt;2&lt;/sup&gt;</title></entry>'
        '<entry><id>b</id><title type="html">Hello&lt;br/&gt;World, &lt;em&gt;bold&lt;/em&gt;ly</title></entry>'
        '<entry><id>c</id><title type="html">&lt;div&gt;One&lt;/div&gt;&lt;div&gt;Two&lt;/div&gt;</title></entry>'
    ),
}


@pytest.mark.parametrize("kind", INLINE_TAG_TITLES)
def test_an_inline_tag_in_a_title_joins_the_text_either_side(kind: str) -> None:
    quick, reference = both(INLINE_TAG_TITLES[kind])
    # An RSS title that may be HTML is judged by feedparser's own guess, in both readers.
    assert quick is not None
    for feed in (reference, quick):
        titles = [e["title"] for e in feed.entries]  # type: ignore[attr-defined]
        # <sup> stands inside "625ft2"; <br> and blocks part words, as before.
        assert titles[0] == "Flat $1850 1bd 625ft2" and titles[1] == "Hello World, boldly"
        assert titles[2].split() == ["One", "Two"]
    assert quick == reference


@pytest.mark.parametrize(
    "content_type", [None, "text/xml", "application/rss+xml; charset=UTF-8", "text/html"]
)
def test_content_types_and_byte_order_mark_read_the_same(content_type: str | None) -> None:
    assert_same(b"\xef\xbb\xbf" + _rss_doc(RSS_ITEMS["mojibake and cp1252"]), content_type)
    assert_same(_rss_doc(RSS_ITEMS["whitespace"]).replace(b' encoding="UTF-8"', b""), content_type)


def _encoded(encoding: str, items: str) -> bytes:
    """An RSS document declared and written in ENCODING (what it cannot spell, as
    character references)."""
    return (
        _rss_doc(items)
        .decode()
        .replace('encoding="UTF-8"', f'encoding="{encoding}"')
        .encode(encoding, "xmlcharrefreplace")
    )


SINGLE_BYTE = {
    "latin-1": (
        "ISO-8859-1",
        "<item><title>café — naïve</title><description>Ã© à côté</description><guid>l</guid></item>",
    ),
    "windows-1252": (
        "windows-1252",
        "<item><title>\u201cquoted\u201d \u2013 café €</title><guid>w</guid></item>",
    ),
    "iso-8859-15": ("iso-8859-15", "<item><title>€ œuvre</title><guid>e</guid></item>"),
    "windows-1251": ("Windows-1251", "<item><title>Привет, мир</title><guid>c</guid></item>"),
}


@pytest.mark.parametrize("content_type", [None, "application/xml", "application/rss+xml", "charset"])
@pytest.mark.parametrize("case", SINGLE_BYTE.values(), ids=SINGLE_BYTE.keys())
def test_single_byte_encodings_read_fast_and_the_same(
    case: tuple[str, str], content_type: str | None
) -> None:
    """Where feedparser decodes a body with its declared encoding (the server calls it XML,
    or says nothing), the fast reader reads it too, and reads the same."""
    encoding, items = case
    if content_type == "charset":
        content_type = f"application/rss+xml; charset={encoding}"
    body = _encoded(encoding, items)
    assert not body.isascii()
    assert_same(body, content_type)


LATIN1 = _encoded("ISO-8859-1", "<item><title>café</title><guid>a</guid></item>")
DECLINED_ENCODINGS = {
    "text/xml, whose default is US-ASCII": (LATIN1, "text/xml"),
    "a charset that disagrees": (LATIN1, "application/xml; charset=utf-8"),
    "a byte windows-1252 has no character for": (
        _encoded("windows-1252", "<item><title>caf\u00e9</title></item>").replace(b"caf", b"c\x81f"),
        "application/xml",
    ),
    "a declaration feedparser does not read (spaces around =)": (
        LATIN1.replace(b'encoding="ISO-8859-1"', b'encoding = "ISO-8859-1"'),
        "application/xml",
    ),
    "a multi-byte encoding": (_encoded("shift_jis", "<item><title>日本語</title></item>"), None),
    "UTF-16": (
        _rss_doc("<item><title>x</title></item>").decode().replace("UTF-8", "UTF-16").encode("utf-16"),
        None,
    ),
}


@pytest.mark.parametrize("case", DECLINED_ENCODINGS.values(), ids=DECLINED_ENCODINGS.keys())
def test_other_encodings_go_to_feedparser(case: tuple[bytes, str | None]) -> None:
    body, content_type = case
    assert fastxml.read(body, content_type) is None
    assert parse.parse_feed(body, URL, content_type).entries


DECLINED = {
    "not well-formed": _rss_doc("<item><title>a & b</title></item>"),
    "doctype with entities": b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY e "x">]>'
    + _rss_doc("<item><title>&e;</title></item>").split(b"?>", 1)[1],
    "markup inside a title": _rss_doc("<item><title>a <b>b</b></title></item>"),
    "xhtml content": _atom_doc(
        '<entry><id>1</id><content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>x</p></div></content></entry>'
    ),
    "an element the reader does not know": _rss_doc(
        "<item><title>t</title><dc:title>other</dc:title></item>"
    ),
    "xml:base": _atom_doc("<entry><id>1</id></entry>").replace(
        b"<feed ", b'<feed xml:base="https://s.example/" '
    ),
    "rss 0.91": _rss_doc("<item><title>t</title></item>").replace(b'version="2.0"', b'version="0.91"'),
    "a date in neither RFC 822 nor ISO 8601 shape": _rss_doc(
        "<item><title>t</title><pubDate>2024/01/02</pubDate></item><item><pubDate>not a date</pubDate></item>"
    ),
    "a repeated field": _rss_doc("<item><title>a</title><title>b</title></item>"),
}


@pytest.mark.parametrize(
    "body",
    [
        _rss_doc("<item><title>&lt;b&gt;Bold&lt;/b&gt; &amp;amp; Q&amp;A</title><guid>a</guid></item>"),
        _rss_doc("<item><title>x &amp;nbsp; y</title><guid>c</guid></item>"),
        _rss_doc("<item><title>x &amp;bogus; &lt;/blink&gt;</title><guid>c</guid></item>"),
    ],
    ids=["a title feedparser guesses is HTML", "an entity-looking title", "a title it guesses is not"],
)
def test_a_title_that_may_be_html_is_guessed_by_feedparsers_own_rule(body: bytes) -> None:
    assert fastxml.read(body, None) is not None
    assert_same(body)


@pytest.mark.parametrize("body", DECLINED.values(), ids=DECLINED.keys())
def test_what_the_fast_reader_does_not_know_goes_to_feedparser(body: bytes) -> None:
    assert fastxml.read(body, "application/xml") is None
    feed = parse.parse_feed(body, URL, "application/xml")  # and feedparser still reads it
    assert feed.entries or feed.warning


def test_feed_builders_of_the_test_suite_take_the_fast_path() -> None:
    items = [
        {"title": f"Post {i}", "link": f"https://s.example/{i}", "guid": f"g{i}", "html": f"<p>{i}</p>",
         "date": f"2026-01-0{i + 1}T00:00:00Z"}
        for i in range(3)
    ]  # fmt: skip
    for body in (rss(items).encode(), atom(items).encode()):
        assert fastxml.read(body, None) is not None
        assert_same(body)


# -- generated feeds ------------------------------------------------------------------------

NASTY = st.lists(
    st.sampled_from(
        [*list("aZ 09\n\t&<>\"'/;=#?é“Ã©\x93\x80"), "&amp;", "</b>", "<p>", "&#39;", "]]", "http://"]
    ),
    max_size=12,
).map("".join)


def _escaped(text: str, cdata: bool) -> str:
    if cdata and "]]>" not in text:
        return f"<![CDATA[{text}]]>"
    return escape(text)


@settings(max_examples=150, deadline=None)
@given(
    items=st.lists(
        st.fixed_dictionaries(
            {},
            optional={
                "title": NASTY, "link": NASTY, "guid": NASTY, "description": NASTY, "content": NASTY,
                "author": NASTY, "category": NASTY, "permalink": st.sampled_from(["true", "false", "TRUE"]),
                "cdata": st.booleans(),
            },
        ),
        max_size=4,
    ),
    atom_feed=st.booleans(),
)  # fmt: skip
def test_generated_feeds_read_the_same_or_are_declined(
    items: list[dict[str, object]], atom_feed: bool
) -> None:
    parts = []
    for item in items:
        cdata = bool(item.get("cdata"))

        def text(key: str, tag: str, item: dict[str, object] = item, cdata: bool = cdata) -> str:
            return f"<{tag}>{_escaped(str(item[key]), cdata)}</{tag}>" if key in item else ""

        if atom_feed:
            link = f"<link href={quoteattr(str(item['link']))}/>" if "link" in item else ""
            parts.append(
                "<entry>" + text("guid", "id") + text("title", "title") + link
                + (text("description", "summary").replace("<summary>", '<summary type="html">'))
                + text("content", "content")
                + (f"<author><name>{escape(str(item['author']))}</name></author>" if "author" in item else "")
                + (f"<category term={quoteattr(str(item['category']))}/>" if "category" in item else "")
                + "</entry>"
            )  # fmt: skip
        else:
            guid = ""
            if "guid" in item:
                guid = f'<guid isPermaLink="{item.get("permalink", "true")}">{_escaped(str(item["guid"]), cdata)}</guid>'
            parts.append(
                "<item>" + text("title", "title") + text("link", "link") + guid
                + text("description", "description") + text("content", "content:encoded")
                + text("author", "dc:creator") + text("category", "category") + "</item>"
            )  # fmt: skip
    body = _atom_doc("".join(parts)) if atom_feed else _rss_doc("".join(parts))
    # Feeds of plain words must take the fast path (a reader that declined every feed would
    # pass the rest of this test); the nasty ones may be handed to feedparser.
    plain = all(
        re.fullmatch(r"[A-Za-z0-9 ]*", str(v)) for item in items for k, v in item.items() if k != "cdata"
    )
    assert_same(body, fast=plain)


TAG_SOUP = st.lists(
    st.sampled_from(
        ["<img", "<IMG", " src=", " SRC=", " alt=", '"', "'", "a.png", " ", ">", "/>", "&amp;", "<p>", "</p>", "x",
         "=", "/", "\n", "é", "<br>", '<a href="y">', "&#39;", "<im", "g", '<img src="q.png" alt="a > b">',
         "<!-- ", " -->", "<script>", "</script>"]
    ),
    max_size=16,
).map("".join)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(markup=TAG_SOUP)
def test_images_are_found_as_html_parser_finds_them(markup: str) -> None:
    assert shape.find_images(markup) == shape.images_by_html_parser(markup)


def test_the_content_hash_of_a_known_entry_is_what_archives_hold() -> None:
    """A changed hash would make every archived post a false revision at the next fetch."""
    entry = shape.make_entry(
        id="g1", link="https://s.example/1", title="Caf\u00e9 \u201cquoted\u201d", author=None,
        published=None, updated=None, summary="<p>s</p>", content="<p>Body</p>", tags=[],
        enclosures=[], extra_images=[],
    )  # fmt: skip
    assert entry["hash"] == "580adf01bde087532e263d0aaa20e7e6"
    assert shape.content_hash({**entry, "date_text": "whenever", "author": "x"}) == entry["hash"]


DATES = st.one_of(
    st.builds(
        "{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}{}".format,
        st.integers(0, 9999), st.integers(0, 13), st.integers(0, 32), st.integers(0, 25), st.integers(0, 61),
        st.integers(0, 61), st.sampled_from(["Z", "+00:00", "-05:30", "+14:00", "+25:99", ""]),
    ),
    st.builds(
        "{}{} {} {:04d} {:02d}:{:02d}:{:02d} {}".format,
        st.sampled_from(["", "Tue, ", "Sun, "]), st.integers(0, 32),
        st.sampled_from(["Jan", "Feb", "Jun", "Dec", "Foo"]), st.integers(0, 9999), st.integers(0, 25),
        st.integers(0, 61), st.integers(0, 61), st.sampled_from(["GMT", "UT", "UTC", "Z", "+0000", "-0800", "+0530", "EST"]),
    ),
    st.sampled_from([
        "9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00", "Fri, 31 Dec 9999 23:59:59 -0100",
        "Mon, 01 Jan 0001 00:00:00 +0100", "1969-07-20T20:17:40Z", "1900-01-01T00:00:00.5+00:00",
        "2024-02-30T00:00:00Z", "yesterday", "2024-01-02T03:04:05.123456Z", "12345-01-01T00:00:00Z",
    ]),
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(date=DATES, atom_feed=st.booleans())
def test_dates_read_as_feedparser_reads_them(date: str, atom_feed: bool) -> None:
    if atom_feed:
        body = _atom_doc(f"<entry><id>1</id><published>{date}</published><updated>{date}</updated></entry>")
    else:
        body = _rss_doc(f"<item><guid>1</guid><pubDate>{date}</pubDate><dc:date>{date}</dc:date></item>")
    assert_same(body, fast=False)
    (entry,) = parse.parse_feed(body, URL, "application/xml").entries  # and never raises
    assert entry["published"] is not None or entry["date_text"] == date


@settings(max_examples=400, deadline=None)
@given(fields=st.tuples(st.integers(-1, 10001), st.integers(0, 13), st.integers(0, 32), st.integers(0, 25), st.integers(0, 61), st.integers(0, 61)))  # fmt: skip
def test_stored_dates_are_spelled_as_the_long_way_spells_them(fields: tuple[int, ...]) -> None:
    """iso_from_struct's shortcut for ordinary times gives what timegm -> datetime -> iso_utc gives."""
    import calendar
    from datetime import UTC, datetime
    from time import struct_time

    from subsample.times import iso_utc

    parsed = struct_time((*fields, 0, 1, 0))
    try:
        expected = iso_utc(datetime.fromtimestamp(calendar.timegm(parsed), UTC))
    except (OverflowError, ValueError, OSError):
        expected = None
    assert shape.iso_from_struct(parsed) == expected


_PAGING_RSS = b"""<?xml version="1.0"?><rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"
 xmlns:fh="http://purl.org/syndication/history/1.0"><channel><title>t</title><link>https://e.org/</link>
<generator>https://wordpress.org/?v=6.4</generator><atom:link rel="self" href="https://e.org/feed"/>
<atom:link rel="prev-archive" href="/a/2"/><fh:complete/><fh:archive/>
<item><guid>a</guid><title>x</title></item></channel></rss>"""
_PAGING_ATOM = b"""<feed xmlns="http://www.w3.org/2005/Atom" xmlns:fh="http://purl.org/syndication/history/1.0">
<title>t</title><generator uri="x" version="1">Blogger</generator><link rel="next" href="p2"/>
<link rel="Next" href="p3"/><link href="https://e.org/"/><fh:complete/><entry><id>a</id><title>x</title></entry></feed>"""


@pytest.mark.parametrize("body", [_PAGING_RSS, _PAGING_ATOM])
def test_what_paging_needs_reads_the_same_as_feedparser(body: bytes) -> None:
    quick, reference = both(body)
    assert quick == reference
    assert isinstance(reference, parse.ParsedFeed)
    assert (
        reference.complete
        and reference.generator
        and ("prev-archive" in reference.links or "next" in reference.links)
    )

"""Full text of teasers, the pure parts (parse/extract.py): which posts are teasers, the
article of a page, a selector that overrides the extractor, and the check that a page
really holds the post."""

from __future__ import annotations

import pytest

from subsample.errors import FetchError
from subsample.parse.extract import decode_page, extract_article, holds_post, looks_like_teaser, page_words

ARTICLE_WORDS = " ".join(f"word{i}" for i in range(30))
PAGE = f"""<!doctype html><html><head><title>Heat and space</title></head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/about">About this site</a></li></ul></nav>
<header><p>Sign up for the newsletter today</p></header>
<main><article>
<h1>AI datacenters in space do not have a cooling problem</h1>
<p>Radiators in space reject heat by radiation alone, which is slower than convection but
far from hopeless. {ARTICLE_WORDS}</p>
<h2>The numbers</h2>
<ul><li>First, the Stefan-Boltzmann law.</li><li>Second, the area of the radiator.</li></ul>
<p>So a large enough radiator does the job, and <a href="https://example.org/paper">the paper</a>
shows it. <img src="https://example.org/radiator.png" alt="a radiator"></p>
<p>{ARTICLE_WORDS} and that is the end of the article text.</p>
</article></main>
<section class="comments"><h3>Comments</h3><p>Great post! Totally agree with everything here.</p></section>
<footer><p>Copyright 2026 The Site. All rights reserved. Privacy policy.</p></footer>
</body></html>""".encode()

# A page whose standfirst (the feed's summary, often) sits above the article, where the
# extractor does not look: the article found is right, and does not hold the summary.
LEDE = "Radiators in space reject heat by radiation alone, which is slower than convection."
PAGE_WITH_LEDE = f"""<!doctype html><html><head><title>Heat and space | The Site</title>
<script type="application/ld+json">{{"description": "Sean argues radiators are enough"}}</script></head>
<body><nav><a href="/">Home</a></nav>
<div class="hero"><h1>AI datacenters in space do not have a cooling problem</h1>
<p class="standfirst">{LEDE}</p></div>
<article><p>{ARTICLE_WORDS} and the article begins with the numbers.</p><p>{ARTICLE_WORDS} more.</p>
<p>{ARTICLE_WORDS} and the end.</p></article><footer>Copyright</footer></body></html>"""


def test_the_article_is_kept_and_navigation_footer_and_comments_are_not() -> None:
    article = extract_article(PAGE.decode(), "https://example.org/post")
    assert article is not None and article.extractor.startswith("trafilatura ")
    html = article.html
    assert "Radiators in space reject heat" in html and "end of the article text" in html
    assert "<li>" in html and "Stefan-Boltzmann" in html  # structure kept
    assert 'href="https://example.org/paper"' in html and "radiator.png" in html
    for chrome in ("About this site", "newsletter", "Totally agree", "All rights reserved"):
        assert chrome not in html


def test_a_selector_overrides_the_extractor() -> None:
    article = extract_article(PAGE.decode(), "https://example.org/post", selector="section.comments")
    assert article is not None and article.extractor == "selector section.comments"
    assert "Totally agree" in article.html and "Radiators" not in article.html
    assert extract_article(PAGE.decode(), "https://example.org/post", selector="div.nothing-here") is None
    with pytest.raises(FetchError, match="bad CSS selector"):
        extract_article(PAGE.decode(), "https://example.org/post", selector="p[[")


def test_a_page_with_no_article_gives_none() -> None:
    assert extract_article("<html><body></body></html>", "https://example.org/") is None
    extract_article(decode_page(b"\x00\xff not html at all", None), "https://example.org/")  # no error


@pytest.mark.parametrize(
    "content, summary, teaser",
    [
        (None, None, True),  # nothing at all
        (None, "<p>A short summary of the post.</p>", True),
        ("<p>" + "word " * 200 + "</p>", None, False),  # a whole post
        ("<p>" + "word " * 200 + "… <a href='/p'>Read more</a></p>", None, True),
        (None, "<p>" + "word " * 200 + " [&#8230;]</p>", True),  # WordPress's excerpt ending
        (None, "<p>" + "word " * 200 + " Continue reading →</p>", True),
        (None, "<p>" + "word " * 200 + "...</p>", True),
        ("<p>" + "word " * 160 + "and more to say.</p>", None, False),
        ("<p>" + "a-b " * 74 + "c.</p>", None, True),  # 149 words, however they are joined
        ("<p>" + "a-b " * 75 + "</p>", None, False),  # 150
        ("<p>" + "é " * 149 + "</p>", None, True),
    ],
)
def test_which_posts_look_like_teasers(content: str | None, summary: str | None, teaser: bool) -> None:
    assert looks_like_teaser(content, summary) is teaser


def test_a_page_counts_only_if_it_holds_the_teaser() -> None:
    words = page_words(PAGE.decode())
    teaser = "<p>Radiators in space reject heat by radiation alone, which is slower than conv…</p>"
    assert holds_post(words, None, None, teaser, own_site=False)
    # A link blog's comment on someone else's article: the linked page does not hold it.
    assert not holds_post(
        words, None, "<p>Sean argues radiators are enough. I am not so sure.</p>", None, own_site=False
    )
    assert holds_post(words, None, None, None, own_site=False)
    assert not holds_post(words, None, "<p>Radiators in spa reject</p>", None, own_site=False)  # whole words


def test_the_whole_page_is_searched_for_the_teaser_not_only_the_article_found() -> None:
    article = extract_article(PAGE_WITH_LEDE, "https://example.org/post")
    assert article is not None and "Radiators" not in article.html  # the extractor left it out
    words = page_words(PAGE_WITH_LEDE)
    assert holds_post(words, None, None, f"<p>{LEDE}</p>", own_site=False)
    # What a reader never sees (a script's data) does not count.
    assert not holds_post(
        words, None, "<p>Sean argues radiators are enough, says he.</p>", None, own_site=True
    )


@pytest.mark.parametrize(
    "markup, words",
    [
        ("<p><span class='drop-cap'>H</span>ong Kong is burning.</p>", "hong kong is burning"),
        (
            "<p>When <!-- -->President<!-- --> <!-- -->Trump's advisers</p>",
            "when president trump s advisers",
        ),  # React
        ("<ul><li>one</li><li>two</li></ul><p>Tags:<a>Noem</a><a>Kristi</a></p>", "one two tags noem kristi"),
        (
            "<p>seen</p><script>var x = 'unseen'</script><style>p{}</style><template><p>unseen</p></template>",
            "seen",
        ),
    ],
)
def test_the_words_of_a_page_are_those_a_reader_sees(markup: str, words: str) -> None:
    assert (
        page_words(f"<html><head><title>Title</title></head><body>{markup}</body></html>") == f"title {words}"
    )


def test_a_hand_written_summary_counts_by_the_posts_title_on_the_feeds_own_site_only() -> None:
    words = page_words(PAGE_WITH_LEDE)
    summary = "<p>Why I stopped worrying about heat in orbit: a short note.</p>"
    title = "AI datacenters in space do not have a cooling problem"
    assert holds_post(words, title, None, summary, own_site=True)
    # Elsewhere a title is not enough: a link blog titles its post as the article it links to.
    assert not holds_post(words, title, None, summary, own_site=False)
    assert not holds_post(words, "Home", None, summary, own_site=True)  # too short to tell pages apart
    assert holds_post(words, "Heat and space", None, summary, own_site=True)  # the page's own <title>


CYRILLIC = "<html><body><article><p>Привет, мир: это статья про радиаторы.</p></article></body></html>"


@pytest.mark.parametrize(
    "body, content_type, text",
    [
        (CYRILLIC.encode("cp1251"), "text/html; charset=windows-1251", "Привет, мир"),
        (CYRILLIC.encode("cp1251"), 'text/html; Charset="Windows-1251"', "Привет, мир"),
        # iso-8859-1 is read as browsers read it, windows-1252 (its curly quotes at 0x93-0x94).
        ("<p>“Café” déjà vu</p>".encode("cp1252"), "text/html; charset=ISO-8859-1", "“Café” déjà vu"),
        # no charset in the header: the page's <meta>, in either spelling
        ('<meta charset="koi8-r"><p>Привет</p>'.encode("koi8-r"), "text/html", "Привет"),
        (
            '<meta http-equiv="Content-Type" content="text/html; charset=windows-1251"><p>Привет</p>'.encode(
                "cp1251"
            ),
            None,
            "Привет",
        ),
        # the header wins over a <meta> that disagrees, as in a browser
        ('<meta charset="utf-8"><p>Привет</p>'.encode("cp1251"), "text/html; charset=cp1251", "Привет"),
        (b"\xef\xbb\xbf<p>caf\xc3\xa9</p>", "text/html; charset=iso-8859-1", "café"),  # a BOM wins
        ("<p>café</p>".encode(), "text/html; charset=no-such-thing", "café"),  # unknown: UTF-8
        ("<p>café</p>".encode(), "text/html; charset=rot13", "café"),  # a codec, not an encoding
    ],
)
def test_a_page_is_decoded_as_its_server_and_its_meta_say(
    body: bytes, content_type: str | None, text: str
) -> None:
    assert text in decode_page(body, content_type)

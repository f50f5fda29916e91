"""Full text of teasers, the pure parts (parse/extract.py): which posts are teasers, the
article of a page, a selector that overrides the extractor, and the check that a page
really holds the post."""

from __future__ import annotations

import pytest

from subsample.errors import FetchError
from subsample.parse.extract import extract_article, holds_teaser, looks_like_teaser

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


def test_the_article_is_kept_and_navigation_footer_and_comments_are_not() -> None:
    article = extract_article(PAGE, "https://example.org/post")
    assert article is not None and article.extractor.startswith("trafilatura ")
    html = article.html
    assert "Radiators in space reject heat" in html and "end of the article text" in html
    assert "<li>" in html and "Stefan-Boltzmann" in html  # structure kept
    assert 'href="https://example.org/paper"' in html and "radiator.png" in html
    for chrome in ("About this site", "newsletter", "Totally agree", "All rights reserved"):
        assert chrome not in html


def test_a_selector_overrides_the_extractor() -> None:
    article = extract_article(PAGE, "https://example.org/post", selector="section.comments")
    assert article is not None and article.extractor == "selector section.comments"
    assert "Totally agree" in article.html and "Radiators" not in article.html
    assert extract_article(PAGE, "https://example.org/post", selector="div.nothing-here") is None
    with pytest.raises(FetchError, match="bad CSS selector"):
        extract_article(PAGE, "https://example.org/post", selector="p[[")


def test_a_page_with_no_article_gives_none() -> None:
    assert extract_article(b"<html><body></body></html>", "https://example.org/") is None
    extract_article(b"\x00\xff not html at all", "https://example.org/")  # no error, whatever it finds


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
    ],
)
def test_which_posts_look_like_teasers(content: str | None, summary: str | None, teaser: bool) -> None:
    assert looks_like_teaser(content, summary) is teaser


def test_a_page_counts_only_if_it_holds_the_teaser() -> None:
    article = extract_article(PAGE, "https://example.org/post")
    assert article is not None
    teaser = "<p>Radiators in space reject heat by radiation alone, which is slower than conv…</p>"
    assert holds_teaser(article.html, None, teaser)
    # A link blog's comment on someone else's article: the linked page does not hold it.
    assert not holds_teaser(article.html, "<p>Sean argues radiators are enough. I am not so sure.</p>", None)
    assert holds_teaser(article.html, None, None)

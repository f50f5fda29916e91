"""The way back through a feed's older pages (parse/paging.py): pure decisions."""

from __future__ import annotations

import pytest

from subsample.parse.paging import Paging, first_page, mechanism_of, next_page

FEED = "https://blog.example.org/feed/"


@pytest.mark.parametrize(
    "paging, url, mechanism",
    [
        (Paging(links={"prev-archive": "/archive/2025", "next": "/p2"}), FEED, "rfc5005-archive"),
        (Paging(links={"next": "?page=2"}), FEED, "rfc5005-paged"),
        (Paging(links={"previous": "?page=2"}), FEED, "rfc5005-paged"),
        (Paging(next_url="https://blog.example.org/feed.json?page=2"), FEED, "jsonfeed"),
        (Paging(generator="https://wordpress.org/?v=6.7"), FEED, "wordpress"),
        (Paging(), "https://someone.blogspot.com/feeds/posts/default", "blogger"),
        (Paging(generator="Blogger"), "https://www.custom.example/feeds/posts/default?alt=rss", "blogger"),
        (Paging(links={"self": FEED, "alternate": "https://blog.example.org/"}), FEED, None),
    ],
)
def test_the_way_back_is_chosen_in_order(paging: Paging, url: str, mechanism: str | None) -> None:
    assert mechanism_of(url, paging) == mechanism


def test_linked_pages_follow_their_links_relative_to_the_page() -> None:
    page = Paging(links={"prev-archive": "11.xml"}, entries=10)
    step = next_page(FEED, "rfc5005-archive", "https://blog.example.org/archive/2025/12.xml", 2, page)
    assert (
        step is not None and step.url == "https://blog.example.org/archive/2025/11.xml" and step.number == 3
    )
    assert next_page(FEED, "rfc5005-archive", FEED, 3, Paging(entries=10)) is None  # the oldest archive
    step = next_page(FEED, "jsonfeed", FEED, 1, Paging(next_url="/feed.json?before=99", entries=3))
    assert step is not None and step.url == "https://blog.example.org/feed.json?before=99"
    assert next_page(FEED, "rfc5005-paged", FEED, 1, Paging(links={"next": "http://]]"})) is None


def test_wordpress_pages_count_up_until_an_empty_page() -> None:
    step = next_page(FEED + "?lang=en", "wordpress", FEED, 1, Paging(entries=10))
    assert step is not None and step.url == FEED + "?lang=en&paged=2"
    step = next_page(FEED, "wordpress", step.url, 2, Paging(entries=10))
    assert step is not None and step.url == FEED + "?paged=3"
    assert next_page(FEED, "wordpress", step.url, 3, Paging(entries=0)) is None


def test_blogger_pages_are_as_large_as_blogger_serves() -> None:
    feed = "https://someone.blogspot.com/feeds/posts/default"
    start = first_page(feed, "blogger")
    assert start == feed + "?start-index=1&max-results=150"
    step = next_page(feed, "blogger", start, 1, Paging(entries=150))
    assert step is not None and step.url == feed + "?start-index=151&max-results=150"
    assert first_page(FEED, "wordpress") == FEED

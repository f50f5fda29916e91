"""What a feed's entries mean for the archive: archive/merge.py alone, no disk or network."""

from __future__ import annotations

from typing import Any

from subsample.archive.merge import (
    Known,
    decide,
    fallback_lookups,
    gone_from_feed,
    renamed_note,
    select,
    split_note,
    unknown_links,
)


def entry(i: int, **kw: Any) -> dict[str, Any]:
    e = {
        "key": f"k{i}",
        "title": f"Post {i}",
        "link": f"https://example.org/{i}",
        "published": f"2026-01-{i:02d}T00:00:00Z",
        "hash": f"h{i}",
    }
    return {**e, **kw}


def test_new_posts_are_numbered_oldest_first_whatever_the_feed_order():
    feed = [entry(2), entry(3), entry(1)]
    plan = decide(select(feed, 0), {}, {})
    assert [e["key"] for e in plan.new] == ["k1", "k2", "k3"]
    undated = [entry(i, published=None) for i in (3, 2, 1)]  # newest first, as feeds list
    assert [e["key"] for e in decide(select(undated, 0), {}, {}).new] == ["k1", "k2", "k3"]


def test_a_changed_hash_is_a_revision_and_the_same_hash_is_unchanged():
    known = {"k1": Known(7, 2, "h1", "2026-01-01T00:00:00Z"), "k2": Known(8, 1, "old", None)}
    plan = decide(select([entry(2), entry(1)], 0), known, {})
    assert plan.new == [] and plan.unchanged == 1
    [rev] = plan.revised
    assert (rev.entry["key"], rev.n, rev.revision, rev.first_seen) == ("k2", 8, 2, None)


def test_repeated_entries_count_once_keeping_the_first():
    sel = select([entry(1, title="newest"), entry(2), entry(1, title="newest")], 0)
    assert sel.duplicates == 1 and len(sel.in_feed) == 2 and split_note(sel) is not None
    assert [e["title"] for e in sel.chosen] == ["newest", "Post 2"]


def test_entries_that_share_a_key_are_kept_apart_by_date_then_by_title():
    # No guid, one link for every item (the NixOS news feed: 99 items, one link).
    page = "https://example.org/news.html"
    feed = [entry(i, key=page, link=page) for i in (3, 2, 1)]
    sel = select(feed, 0)
    assert len(sel.chosen) == 3 and sel.duplicates == 0
    assert split_note(sel) == "3 entries share a link: kept apart by date"
    plan = decide(sel, {}, {})
    assert [e["title"] for e in plan.new] == ["Post 1", "Post 2", "Post 3"]
    # Same link and the same date: the title tells them apart.
    same_day = [entry(1, key=page, link=page, title=t) for t in ("A", "B")]
    sel = select(same_day, 0)
    assert len(sel.chosen) == 2 and split_note(sel) == "2 entries share a link: kept apart by date and title"


def test_a_post_kept_apart_stays_itself_when_its_key_is_shared_no_more():
    page = "https://example.org/news.html"
    first = select([entry(i, key=page, link=page) for i in (2, 1)], 0)
    known = {e["key"]: Known(n, 1, e["hash"], None) for n, e in enumerate(first.chosen, start=1)}
    # The feed drops post 1: post 2's key is the shared one again, yet it is the same post.
    later = select([entry(2, key=page, link=page)], 0)
    assert later.split == {} and first.chosen[0]["key"] in fallback_lookups(later, {})
    plan = decide(later, known, {})
    assert plan.new == [] and plan.unchanged == 1 and renamed_note(plan) is None
    assert plan.in_feed == [first.chosen[0]["key"]]


def test_a_post_archived_before_its_key_was_shared_keeps_its_number():
    page = "https://example.org/news.html"
    known = {page: Known(4, 1, "h1", None)}  # archived when the feed held only post 1
    sel = select([entry(2, key=page, link=page), entry(1, key=page, link=page)], 0)
    by_link: dict[tuple[str, str | None], str] = {(page, "Post 1"): page}
    plan = decide(sel, known, by_link)
    assert [e["title"] for e in plan.new] == ["Post 2"] and plan.unchanged == 1
    assert renamed_note(plan) is None  # not a guid migration
    assert page in plan.in_feed


def test_the_limit_says_which_entries_it_left_out():
    sel = select([entry(i) for i in (5, 4, 3, 2, 1)], 2)
    assert sel.keys == ["k5", "k4"] and sel.past_limit == ["k3", "k2", "k1"]
    assert select([entry(1)], 2).past_limit == []


def test_the_limit_keeps_the_newest_by_date_else_the_first_in_the_feed():
    feed = [entry(1), entry(5), entry(3), entry(4), entry(2)]
    assert sorted(select(feed, 2).keys) == ["k4", "k5"]
    assert select(feed, 2).in_feed == ["k1", "k5", "k3", "k4", "k2"]  # all of them are in the feed
    undated = [*feed[:4], entry(2, published=None)]
    assert select(undated, 2).keys == ["k1", "k5"]
    assert len(select(feed, 0).chosen) == 5


def test_a_renamed_guid_keeps_the_post_when_the_old_guid_left_the_feed():
    known = {"k1": Known(3, 1, "h1", "2026-01-01T00:00:00Z")}
    migrated = [entry(1, key="new-guid")]
    sel = select(migrated, 0)
    assert unknown_links(sel, {}) == ["https://example.org/1"]
    by_link: dict[tuple[str, str | None], str] = {("https://example.org/1", "Post 1"): "k1"}
    plan = decide(sel, known, by_link)
    assert plan.new == [] and plan.unchanged == 1 and plan.renamed == {"new-guid": "k1"}
    assert plan.in_feed == ["k1"]
    # Renamed and edited: a revision under the old key.
    plan = decide(select([entry(1, key="new-guid", hash="edited")], 0), known, by_link)
    [rev] = plan.revised
    assert (rev.entry["key"], rev.n, rev.revision) == ("k1", 3, 2)


def test_no_rename_while_the_old_guid_is_still_in_the_feed_or_the_title_differs():
    known = {"k1": Known(3, 1, "h1", None)}
    by_link: dict[tuple[str, str | None], str] = {("https://example.org/1", "Post 1"): "k1"}
    both = [entry(1, key="new-guid"), entry(1)]  # same link and title, two guids: two posts
    plan = decide(select(both, 0), known, by_link)
    assert [e["key"] for e in plan.new] == ["new-guid"] and plan.renamed == {}
    retitled = [entry(1, key="new-guid", title="Another post")]
    assert [e["key"] for e in decide(select(retitled, 0), known, by_link).new] == ["new-guid"]


def test_two_new_guids_cannot_both_take_one_old_post():
    known = {"k1": Known(3, 1, "h1", None)}
    by_link: dict[tuple[str, str | None], str] = {("https://example.org/1", "Post 1"): "k1"}
    twins = [entry(1, key="a"), entry(1, key="b")]
    plan = decide(select(twins, 0), known, by_link)
    assert plan.renamed == {"a": "k1"} and [e["key"] for e in plan.new] == ["b"]


def test_posts_gone_from_the_feed():
    assert gone_from_feed(["k1", "k2", "k3"], {"k2"}) == {"k1", "k3"}
    assert gone_from_feed(["k1"], None) == set()  # never read: nothing is known to be gone

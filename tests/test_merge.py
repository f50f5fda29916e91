"""What a feed's entries mean for the archive: archive/merge.py alone, no disk or network."""

from __future__ import annotations

from typing import Any

from subsample.archive.merge import Known, decide, gone_from_feed, select, unknown_links


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


def test_repeated_keys_count_once_keeping_the_first():
    sel = select([entry(1, title="newest"), entry(2), entry(1, title="older copy")], 0)
    assert sel.duplicates == 1 and sel.in_feed == ["k1", "k2"]
    assert [e["title"] for e in sel.chosen] == ["newest", "Post 2"]


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

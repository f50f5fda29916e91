"""archive_entries: posts from elsewhere than the feed's window (older pages, another
reader's files) join a source's archive with the identity a fetch gives them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from subsample.fetch.pipeline import archive_entries
from subsample.parse.entry import make_entry
from subsample.paths import resolve_paths

from .conftest import archive_lines, item, rss


def entry(i: int, body: str | None = None) -> dict[str, Any]:
    it = item(i)
    return make_entry(
        id=it["guid"], link=it["link"], title=it["title"], author=None, published=it["date"], updated=None,
        summary=None, content=body or it["html"], tags=[], enclosures=[], extra_images=[],
    )  # fmt: skip


def test_entries_from_elsewhere_are_archived_once_and_a_fetch_knows_them(run, home, httpserver):
    httpserver.expect_request("/f").respond_with_data(
        rss([item(3), item(2)]), content_type="application/rss+xml"
    )
    assert run("add", "blog", "rss", httpserver.url_for("/f")).exit_code == 0
    paths, now = resolve_paths(home), datetime(2026, 12, 1, tzinfo=UTC)
    done = archive_entries(paths, "blog", [entry(1), entry(2)], now, {"imported_from": "test"})
    assert (done.new, done.updated, done.unchanged, done.new_numbers) == (2, 0, 0, [1, 2])
    again = archive_entries(paths, "blog", [entry(1), entry(2)], now, {"imported_from": "test"})
    assert (again.new, again.updated, again.unchanged) == (0, 0, 2)
    r = run("fetch")
    assert r.exit_code == 0 and "1 new, 0 updated, 1 unchanged" in r.stdout, r.output
    lines = archive_lines(home, "blog")
    assert [(p["n"], p["key"]) for p in lines] == [(1, "post-1"), (2, "post-2"), (3, "post-3")]
    assert [p.get("imported_from") for p in lines] == ["test", "test", None]
    changed = archive_entries(paths, "blog", [entry(1, "<p>Edited.</p>")], now)
    assert (changed.new, changed.updated) == (0, 1)
    # The first text of its own that replaces another reader's copy is a revision, but not
    # called an edit (that copy may have been the other reader's rendering); the next is.
    assert "edited" not in run("list", "blog").stdout
    archive_entries(paths, "blog", [entry(1, "<p>Edited again.</p>")], now)
    assert run("list", "blog").stdout.count("edited ×1") == 1  # noqa: RUF001

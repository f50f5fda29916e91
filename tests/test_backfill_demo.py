"""examples/backfill_demo.py (issue 23): a blog whose feed holds 10 of its 60 posts ends
with all 60, with their titles, dates and texts, from its sitemap, its Substack archive
and a web archive's captures of its feed; a second fetch and backfill add nothing."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
from typer.testing import CliRunner

from subsample.cli import app

from .conftest import archive_lines


def _demo() -> ModuleType:
    path = Path(__file__).resolve().parent.parent / "examples" / "backfill_demo.py"
    spec = importlib.util.spec_from_file_location("backfill_demo", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # (dataclasses look their module up)
    spec.loader.exec_module(module)
    return module


demo = _demo()


def in_process(args: list[str], env: dict[str, str]) -> tuple[int, str]:
    """The command line as the demo runs it, without a process of its own (faster)."""
    r = CliRunner(env=env).invoke(app, args, catch_exceptions=False)
    return r.exit_code, r.output


@pytest.mark.parametrize(
    ("kind", "way"), [("static", "sitemap"), ("substack", "substack"), ("wayback", "wayback")]
)
def test_each_way_ends_with_every_post_and_a_second_run_adds_nothing(
    tmp_path: Path, kind: str, way: str
) -> None:
    home = tmp_path / "home"
    outcome = demo.demo(kind, home, run=in_process)
    assert outcome.failed == []
    assert outcome.posts == demo.TOTAL == 60
    assert outcome.posts_again == 60  # `fetch --force` and `backfill` again add nothing
    sid = {"static": "notes", "substack": "letter", "wayback": "plain"}[kind]
    lines = archive_lines(home, sid)
    assert len(lines) == 60  # one revision each: nothing read twice became a second one
    by_title = {line["title"]: line for line in lines}
    assert set(by_title) == {demo.title_of(n) for n in range(1, 61)}
    for n in range(1, 61):
        post = by_title[demo.title_of(n)]
        assert post["published"] == demo.date_of(n).strftime("%Y-%m-%dT%H:%M:%SZ")
        text = post["content"] or post["summary"]  # (an RSS description is a summary)
        assert f"Part {n} of the series." in text
        assert "Each way of finding them has its own manners" in text  # the whole post
        assert "Posts" not in text and "2026 Ada Writer" not in text  # not the menu nor the footer
        assert post.get("found_by") == (None if n > 50 else way)
    text = "\n".join(outcome.transcript)
    assert "127.0.0." not in text  # readable names only
    assert f"found 50 new posts: feed 0, {way} 50." in text
    assert f"found 0 new posts: feed 0, {way} 0." in text


def test_pages_that_are_not_posts_are_refused(tmp_path: Path) -> None:
    outcome = demo.demo("static", tmp_path / "home", run=in_process, full=True)
    text = "\n".join(outcome.transcript)
    assert "(1 page not posts)" in text  # /posts/, a listing page read and found no article
    for page in ("/about/", "/tags/feeds/"):  # never read: named like no post ever is
        assert f"https://static.example{page}" not in text
    assert "https://static.example/ " not in text + " "  # nor the home page

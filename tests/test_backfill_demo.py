"""examples/backfill_demo.py (issue 23): a blog whose feed holds 10 of its 60 posts ends
with all 60, with their titles, dates and texts, from its sitemap, its Substack archive
and a web archive's captures of its feed; a second fetch and backfill add nothing."""

from __future__ import annotations

import importlib.util
import re
import sys
from collections.abc import Callable
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
Route = Callable[[str, dict[str, list[str]]], tuple[int, str, str]]  # the demo's: (path, query) -> answer


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
    outcome = demo.demo(kind, home, run=in_process, full=True)
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
    if kind == "static":
        assert "(1 page not posts)" in text  # /posts/, a listing page: read, no article in it
        for page in ("/about/", "/tags/feeds/"):  # never read: named as no post ever is
            assert f"https://static.example{page}" not in text
        assert "https://static.example/\n" not in text + "\n"  # nor the home page


def _backfill_until_done(kind: str, home: Path, *extra: str, flaky: set[str] | None = None) -> list[str]:
    """Add the blog KIND, fetch it, and backfill it (with EXTRA) until a run adds nothing;
    each path of FLAKY answers 503 the first time it is asked. The outputs of the backfills."""
    failing = set(flaky or ())
    make = {"static": demo.static_site, "substack": demo.substack_site}[kind]

    def site(base: str) -> Route:
        route: Route = make(base)

        def answer(path: str, query: dict[str, list[str]]) -> tuple[int, str, str]:
            if path in failing:
                failing.discard(path)
                return 503, "text/plain", "busy"
            return route(path, query)

        return answer

    outputs = []
    with demo.serve("127.0.0.1", site, "https://blog.example") as blog:
        env = {"SUBSAMPLE_HOME": str(home)}
        feed = blog.base + ("/index.xml" if kind == "static" else "/feed")
        assert in_process(["add", "blog", "rss", feed], env)[0] == 0
        assert in_process(["fetch"], env)[0] == 0
        for _ in range(15):
            before = demo.count_posts(home, "blog")
            _code, out = in_process(["backfill", "blog", "--pause", "0", *extra], env)
            outputs.append(out)
            if demo.count_posts(home, "blog") == before and "again goes on" not in out:
                break
    return outputs


def test_a_way_that_stops_on_a_failure_goes_on_at_the_next_backfill(tmp_path: Path) -> None:
    # A post's body answers 503 once: that run stops there, and the next reads it and the rest.
    home = tmp_path / "home"
    outputs = _backfill_until_done("substack", home, flaky={"/api/v1/posts/notes-on-backfilling-part-30"})
    assert "HTTP 503" in outputs[0]
    assert "read to its end" not in outputs[1]
    assert demo.count_posts(home, "blog") == 60


def test_a_capped_sitemap_walk_goes_on_where_it_stopped(tmp_path: Path) -> None:
    # --max-pages 6: robots.txt and the index are read to find the way; the walk reads the
    # sitemap and five pages a run, and each run goes on from the last.
    home = tmp_path / "home"
    outputs = _backfill_until_done("static", home, "--max-pages", "6")
    assert demo.count_posts(home, "blog") == 60
    assert "again goes on" in outputs[0]
    assert len(outputs) <= 12  # (about ten runs of five pages)


@pytest.mark.parametrize("kind", ["static", "substack", "wayback"])
def test_a_backfill_until_a_date_leaves_the_rest_to_the_next(tmp_path: Path, kind: str) -> None:
    # The ways leave out what is older than --until themselves; none of them is then read
    # to its end, and a backfill without --until brings the older posts too.
    home = tmp_path / "home"
    with demo.sites(kind) as (feed, sid, servers):
        env = {"SUBSAMPLE_HOME": str(home)}
        extra = []
        if kind == "wayback":
            env["SUBSAMPLE_WAYBACK_URL"] = servers[1].base
            extra = ["--wayback"]
        assert in_process(["add", sid, "rss", feed], env)[0] == 0
        assert in_process(["fetch"], env)[0] == 0
        code, out = in_process(["backfill", sid, "--pause", "0", "--until", "2026-05-01", *extra], env)
        assert code == 0, out
        assert "without --until goes on" in out
        assert demo.count_posts(home, sid) == 31  # posts 30-60: from 2026-05-01 on
        code, out = in_process(["backfill", sid, "--pause", "0", *extra], env)
        assert code == 0, out
        assert demo.count_posts(home, sid) == 60
        code, out = in_process(["backfill", sid, "--pause", "0", *extra], env)
        assert "read to its end" in out and demo.count_posts(home, sid) == 60


def test_a_way_failing_on_its_first_page_is_not_read_to_its_end(tmp_path: Path) -> None:
    # (Found in review: the first run's cursor was None, which says "read whole".)
    home = tmp_path / "home"
    failing = {"/api/v1/archive"}

    def site(base: str) -> Route:
        route = demo.substack_site(base)

        def answer(path: str, query: dict[str, list[str]]) -> tuple[int, str, str]:
            if path in failing:
                failing.discard(path)
                return 503, "text/plain", "busy"
            return route(path, query)  # type: ignore[no-any-return]

        return answer

    with demo.serve("127.0.0.1", site, "https://blog.example") as blog:
        env = {"SUBSAMPLE_HOME": str(home)}
        assert in_process(["add", "blog", "rss", blog.base + "/feed"], env)[0] == 0
        assert in_process(["fetch"], env)[0] == 0
        code, out = in_process(["backfill", "blog", "--pause", "0"], env)
        assert code == 1 and "503" in out and "reached its end" not in out, out
        code, out = in_process(["backfill", "blog", "--pause", "0"], env)
        assert code == 0, out
    assert demo.count_posts(home, "blog") == 60


def test_a_home_page_with_a_broken_base_is_no_traceback(tmp_path: Path) -> None:
    home = tmp_path / "home"
    page = '<html><head><base href="http://["><link rel="https://api.w.org/" href="/wp-json/"></head></html>'

    def site(base: str) -> Route:
        feed = demo.substack_site(base)

        def answer(path: str, query: dict[str, list[str]]) -> tuple[int, str, str]:
            if path == "/":
                return 200, "text/html", page
            if path == "/feed":
                return feed(path, query)  # type: ignore[no-any-return]
            return 404, "text/plain", "no"

        return answer

    with demo.serve("127.0.0.1", site, "https://blog.example") as blog:
        env = {"SUBSAMPLE_HOME": str(home)}
        assert in_process(["add", "blog", "rss", blog.base + "/feed"], env)[0] == 0
        code, out = in_process(["add", "page", "rss", blog.base + "/"], env)  # (discovery reads the page)
        assert code in (0, 2) and "Traceback" not in out, out
        assert in_process(["fetch"], env)[0] == 0
        code, out = in_process(["backfill", "blog", "--pause", "0"], env)
        assert code in (0, 1) and "Traceback" not in out, out


def test_many_dead_pages_are_a_count_not_a_screenful(tmp_path: Path) -> None:
    home = tmp_path / "home"

    def site(base: str) -> Route:
        route = demo.static_site(base)

        def answer(path: str, query: dict[str, list[str]]) -> tuple[int, str, str]:
            m = re.fullmatch(r"/posts/notes-on-backfilling-(\d+)/", path)
            if m and int(m.group(1)) <= 20:  # the twenty oldest posts are gone
                return 404, "text/plain", "gone"
            return route(path, query)  # type: ignore[no-any-return]

        return answer

    with demo.serve("127.0.0.1", site, "https://static.example") as blog:
        env = {"SUBSAMPLE_HOME": str(home)}
        assert in_process(["add", "notes", "rss", blog.base + "/index.xml"], env)[0] == 0
        assert in_process(["fetch"], env)[0] == 0
        _, out = in_process(["backfill", "notes", "--pause", "0"], env)
    summary = next(line for line in out.splitlines() if line.startswith("notes (sitemap)"))
    assert summary.count("HTTP 404") == 3 and "And 17 notes more (`subsample history notes`)" in summary, out
    assert demo.count_posts(home, "notes") == 40

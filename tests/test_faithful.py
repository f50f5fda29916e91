"""The archive keeps what was published -- an embedded video, a style -- and every place that
shows it to a browser makes it safe (issue 22): archive what was published, sanitise where
it is shown."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.serving import served

from .conftest import Run, archive_lines, atom, item, rss

EMBED = '<iframe width="560" height="315" src="https://www.youtube.com/embed/dQw4w9WgXcQ" allowfullscreen></iframe>'
STYLED = '<p style="color: #c00; font-weight: bold">Red and bold, as its author wrote it.</p>'
HTML = (
    f'<p>A talk worth watching.</p>{EMBED}{STYLED}<video src="https://v.example/talk.mp4" controls></video>'
)


def doctype(feed: str) -> str:
    """The same RSS with a DOCTYPE: the fast reader declines it, so feedparser reads it."""
    return feed.replace("<rss", "<!DOCTYPE rss>\n<rss", 1)


@pytest.mark.parametrize(
    "build",
    [rss, atom, lambda items: doctype(rss(items))],
    ids=["fast reader rss", "fast reader atom", "feedparser"],
)
def test_an_embed_and_a_style_survive_in_the_archive_and_never_reach_a_browser(
    run: Run, tmp_path: Path, home: Path, build: object
) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_text(build([item(1, html=HTML)]))  # type: ignore[operator]
    assert run("add", "talks", "rss", str(feed)).exit_code == 0
    assert run("fetch").exit_code == 0

    (line,) = archive_lines(home, "talks")
    assert EMBED in line["content"] and STYLED in line["content"] and "<video" in line["content"]
    # read --raw and the exports of posts give it as published, and say so
    assert EMBED in run("read", "1", "--raw", "--no-pager").stdout
    exported = json.loads(run("export", "talks", "--format", "json").stdout)
    assert EMBED in exported["items"][0]["content_html"]
    assert "not sanitised" in exported["_subsample"]["html"]

    with served(home) as site:
        for path in ("/sources/talks", "/posts/1"):
            page = site.get(path).text
            assert "A talk worth watching." in page and "Red and bold" in page
            assert "<iframe" not in page and "youtube.com/embed" not in page and "<video" not in page
            assert 'style="color' not in page
    out = tmp_path / "site"
    assert run("export", "--site", str(out)).exit_code == 0
    for written in out.rglob("*.html"):
        text = written.read_text()
        assert "<iframe" not in text and 'style="color' not in text and "<video" not in text
    assert any("Red and bold" in p.read_text() for p in out.rglob("*.html"))


# A stray newline before the XML declaration (a WordPress plugin's): feedparser reads such a
# document with its loose parser, which undoes an attribute's &quot; and doubles an &amp;.
QUOTED = '<p title="&quot;q&quot;">Quoted, as published.</p>'
STRAY = "\n" + rss([item(1, html=QUOTED)]).replace(
    "</item>", "<category>Museums &amp; Galleries</category></item>", 1
)


def test_a_feed_with_whitespace_before_its_declaration_is_read_as_published(
    run: Run, tmp_path: Path, home: Path
) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_text(STRAY)
    assert run("add", "blog", "rss", str(feed)).exit_code == 0
    assert run("fetch").exit_code == 0
    (line,) = archive_lines(home, "blog")
    assert line["content"] == QUOTED and line["tags"] == ["Museums & Galleries"]
    assert json.loads((home / "state" / "blog.json").read_text())["parse_rules"] == "2"
    r = run("fetch", "blog")
    assert "0 updated" in r.stdout and len(archive_lines(home, "blog")) == 1


def test_a_source_archived_under_the_loose_reading_keeps_it_and_gets_no_false_revision(
    run: Run, tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from subsample.fetch import pipeline

    feed = tmp_path / "feed.xml"
    feed.write_text(STRAY)
    assert run("add", "blog", "rss", str(feed)).exit_code == 0
    # As subsample before issue 22 archived it (no version of it can run here): loosely.
    with monkeypatch.context() as m:
        m.setattr(pipeline, "trims_lead", lambda *a: False)
        assert run("fetch").exit_code == 0
    (line,) = archive_lines(home, "blog")
    assert line["content"] != QUOTED  # the loose reading's
    assert json.loads((home / "state" / "blog.json").read_text()).get("parse_rules") is None
    r = run("fetch", "blog")  # this version: the archive's reading stands
    assert r.exit_code == 0 and "0 updated" in r.stdout, r.stdout
    assert len(archive_lines(home, "blog")) == 1

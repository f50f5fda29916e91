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
    for page in out.rglob("*.html"):
        text = page.read_text()
        assert "<iframe" not in text and 'style="color' not in text and "<video" not in text
    assert any("Red and bold" in p.read_text() for p in out.rglob("*.html"))

from __future__ import annotations

import json
import signal
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from subsample.cli import app

# The tests press Ctrl-C at the programs they start, as at a terminal. A test run started
# in the background by a non-interactive shell (`pytest &`, some CI runners) has SIGINT
# ignored, and every program it starts would inherit that across exec and never see the
# key: here Ctrl-C is Python's default again, which an exec resets to the system's.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    h = tmp_path / "home"
    monkeypatch.setenv("SUBSAMPLE_HOME", str(h))
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    return h


@pytest.fixture(autouse=True)
def pages_stay_on_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    """Feeds in tests link to example.org: a fetch in process reads only loopback pages."""
    from subsample.fetch import pages

    real = pages.read_page

    def read_page(same: list[pages.PageRequest], **kw: Any) -> list[pages.PageResult]:
        if pages._host(same[0].url) in ("127.0.0.1", "localhost"):
            return real(same, **kw)
        return [
            pages.PageResult(r, fetched="2026-01-01T00:00:00Z", error="not loopback (tests)") for r in same
        ]

    monkeypatch.setattr(pages, "read_page", read_page)
    monkeypatch.setattr(pages, "PAUSE", 0.0)  # every loopback page is on one host


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return f"exit {self.exit_code}\nstdout:\n{self.stdout}\nstderr:\n{self.stderr}"


Run = Callable[..., Result]  # the `run` fixture: run("list", "--json") -> Result


@pytest.fixture
def run() -> Run:
    def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
        r = CliRunner(env=env).invoke(app, list(args), catch_exceptions=False)
        return Result(r.exit_code, r.stdout, r.stderr)

    return invoke


def archive_lines(home: Path, sid: str) -> list[dict[str, Any]]:
    path = home / "archive" / f"{sid}.jsonl"
    # Split on \n only, as the archive does: str.splitlines() would also split on U+0085 and U+2028.
    return [json.loads(line) for line in path.read_text().split("\n") if line.strip()]


# -- feeds built in code -----------------------------------------------------------


WHOLE = " ".join(["xyzzy"] * 160)


def item(i: int, **kw: Any) -> dict[str, Any]:
    d = {
        "guid": f"post-{i}",
        "title": f"Post number {i}",
        "link": f"https://example.org/p/{i}",
        "date": (datetime(2026, 1, 1, 10, tzinfo=UTC) + timedelta(days=i)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        # A whole post, not a teaser (parse/extract.TEASER_WORDS): a fetch reads no page for
        # it. The tests of full text give their posts a teaser of their own.
        "html": f"<p>Body of post {i}.</p><p>{WHOLE}</p>",
    }
    d.update(kw)
    return d


def _rfc822(iso: str) -> str:
    from datetime import datetime
    from email.utils import format_datetime

    return format_datetime(datetime.fromisoformat(iso.replace("Z", "+00:00")))


def rss(items: list[dict[str, Any]], title: str = "Test feed") -> str:
    parts = []
    for it in items:
        x = "<item>"
        if it.get("title") is not None:
            x += f"<title>{escape(it['title'])}</title>"
        if it.get("link"):
            x += f"<link>{escape(it['link'])}</link>"
        if it.get("guid"):
            x += f'<guid isPermaLink="false">{escape(it["guid"])}</guid>'
        if it.get("date"):
            x += f"<pubDate>{_rfc822(it['date'])}</pubDate>"
        if it.get("html") is not None:
            x += f"<content:encoded>{escape(it['html'])}</content:encoded>"
        parts.append(x + "</item>")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
        f"<title>{escape(title)}</title><link>https://example.org/</link><description>d</description>"
        + "".join(parts)
        + "</channel></rss>"
    )


def atom(items: list[dict[str, Any]], title: str = "Atom feed") -> str:
    parts = [
        f"<entry><id>{escape(it['guid'])}</id><title>{escape(it['title'])}</title>"
        f'<link href="{escape(it["link"])}"/><updated>{it["date"]}</updated>'
        f"<published>{it['date']}</published>"
        f'<content type="html">{escape(it["html"])}</content></entry>'
        for it in items
    ]
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{escape(title)}</title><id>urn:test</id><updated>2026-01-01T00:00:00Z</updated>"
        + "".join(parts)
        + "</feed>"
    )


def rdf(items: list[dict[str, Any]], title: str = "RDF feed") -> str:
    parts = [
        f'<item rdf:about="{escape(it["link"])}"><title>{escape(it["title"])}</title>'
        f"<link>{escape(it['link'])}</link><dc:date>{it['date']}</dc:date>"
        f"<content:encoded>{escape(it['html'])}</content:encoded></item>"
        for it in items
    ]
    return (
        '<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/">'
        f'<channel rdf:about="https://example.org/"><title>{escape(title)}</title>'
        "<link>https://example.org/</link><description>d</description></channel>"
        + "".join(parts)
        + "</rdf:RDF>"
    )


def jsonfeed(items: list[dict[str, Any]], title: str = "JSON feed") -> str:
    return json.dumps(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "title": title,
            "items": [
                {
                    "id": it["guid"],
                    "title": it["title"],
                    "url": it["link"],
                    "date_published": it["date"],
                    "content_html": it["html"],
                }
                for it in items
            ],
        }
    )


@pytest.fixture(scope="session")
def httpserver_listen_address() -> tuple[str, int]:
    return ("127.0.0.1", 0)  # loopback only


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every hypothesis test is a slow one (see the `slow` marker in pyproject.toml)."""
    for it in items:
        if getattr(getattr(it, "obj", None), "is_hypothesis_test", False):
            it.add_marker(pytest.mark.slow)

"""The archive read by an analysis engine as it is: the README's DuckDB query, run on an
archive made by a real fetch (with an edited post and a torn last line)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .conftest import item, rss

duckdb = pytest.importorskip("duckdb", reason="duckdb is a test extra: pip install -e '.[test]'")


def readme_query() -> str:
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    [query] = re.findall(r"```sql\n(.*?)```", readme, re.S)
    return str(query)


def test_the_readmes_duckdb_query_counts_posts_per_source_per_month(run, home, httpserver, monkeypatch):
    posts = [item(i, date=f"2026-0{1 + i % 2}-1{i}T10:00:00Z") for i in range(1, 6)]  # 2 in Jan, 3 in Feb
    httpserver.expect_request("/a").respond_with_data(rss(posts), content_type="application/rss+xml")
    httpserver.expect_request("/b").respond_with_data(rss([item(9)]), content_type="application/rss+xml")
    assert run("add", "alpha", "rss", httpserver.url_for("/a")).exit_code == 0
    assert run("add", "beta", "rss", httpserver.url_for("/b")).exit_code == 0
    assert run("fetch").exit_code == 0
    # An edit makes a second line of the same post; a crash leaves a torn line.
    posts[0] = item(1, date="2026-02-11T10:00:00Z", html="<p>Edited.</p>")
    httpserver.clear()
    httpserver.expect_request("/a").respond_with_data(rss(posts), content_type="application/rss+xml")
    r = run("fetch", "alpha")
    assert r.exit_code == 0 and "1 updated" in r.stdout, r.output
    with open(home / "archive" / "alpha.jsonl", "ab") as f:
        f.write(b'{"n": 99, "source": "alpha", "pub')
    monkeypatch.chdir(home)
    rows = duckdb.sql(readme_query()).fetchall()
    assert rows == [("alpha", "2026-01", 2), ("alpha", "2026-02", 3), ("beta", "2026-01", 1)]

"""Managing sources: add, validate, enable/disable, set, remove, config; sources.toml stays the user's."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from tests.conftest import Run

FEED = "https://example.org/feed.xml"


def test_add_then_list_shows_the_source(run: Run) -> None:
    r = run("add", "blog", "rss", FEED, "--limit", "20", "--interval", "2h")
    assert r.exit_code == 0, r.output
    r = run("list", "--json")
    [row] = json.loads(r.stdout)
    assert row["id"] == "blog" and row["limit"] == 20 and row["interval"] == 7200
    assert row["status"] == "enabled" and row["posts"] == 0
    r = run("list")
    for column in ("ID", "Type", "Limit", "Status", "Posts", "Last Update", "Next Update"):
        assert column in r.stdout
    assert "blog" in r.stdout and "never" in r.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["../x", "rss", FEED], "bad source id"),
        (["a b", "rss", FEED], "bad source id"),
        (["", "rss", FEED], "bad source id"),
        (["Blog", "rss", FEED], "bad source id"),
        (["blоg", "rss", FEED], "bad source id"),  # noqa: RUF001 - a Cyrillic o, on purpose
        (["x" * 65, "rss", FEED], "bad source id"),
        (["ok", "podcast", FEED], "unknown source type"),
        (["ok", "rss", "ftp://example.org/f"], "unsupported URL scheme"),
        (["ok", "rss", "http://"], "malformed URL"),
        (["ok", "rss", "http://exa mple.org/"], "malformed URL"),
        (["ok", "rss", "no-such-file.xml"], "neither an http(s) URL nor a readable file"),
        (["ok", "rss", FEED, "--interval", "soon"], "bad duration"),
        (["ok", "rss", FEED, "--interval", "0h"], "bad duration"),
        (["ok", "rss", FEED, "--limit", "-1"], "bad limit"),
    ],
)
def test_add_refuses_bad_input_with_one_line_and_exit_2(
    run: Run, home: Path, args: list[str], message: str
) -> None:
    r = run("add", *args)
    assert r.exit_code == 2, r.output
    assert message in r.stderr
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert not (home / "sources.toml").exists()


def test_duplicate_id_is_refused(run: Run) -> None:
    assert run("add", "blog", "rss", FEED).exit_code == 0
    r = run("add", "blog", "rss", "https://other.example/feed")
    assert r.exit_code == 2 and "exists already" in r.stderr


def test_missing_url_without_a_terminal_is_a_usage_error(run: Run) -> None:
    r = run("add", "blog", "rss")
    assert r.exit_code == 2 and "missing URL" in r.stderr


def test_local_file_is_stored_as_an_absolute_path(
    run: Run, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "f.xml").write_text("<rss/>")
    monkeypatch.chdir(tmp_path)
    assert run("add", "local", "rss", "f.xml").exit_code == 0
    cfg = json.loads(run("config", "local", "--json").stdout)
    assert cfg["settings"]["url"] == str(tmp_path / "f.xml")


def test_edits_keep_the_users_comments_and_order(run: Run, home: Path) -> None:
    home.mkdir(parents=True)
    (home / "sources.toml").write_text(
        "# my feeds, hand-curated\n\n[sources.zeta]  # the last one alphabetically\n"
        'type = "rss"\nurl = "https://z.example/feed"\n\n'
        '[sources.alpha]\n# keep this note\ntype = "rss"\nurl = "https://a.example/feed"\n'
    )
    assert run("add", "mid", "rss", FEED).exit_code == 0
    assert run("set", "alpha", "interval", "90m").exit_code == 0
    assert run("disable", "zeta").exit_code == 0
    text = (home / "sources.toml").read_text()
    assert "# my feeds, hand-curated" in text
    assert "# the last one alphabetically" in text and "# keep this note" in text
    assert text.index("[sources.zeta]") < text.index("[sources.alpha]") < text.index("[sources.mid]")
    assert 'interval = "1h30m"' in text
    rows = {r["id"]: r for r in json.loads(run("list", "--json").stdout)}
    assert rows["zeta"]["enabled"] is False and rows["alpha"]["interval"] == 5400
    assert run("remove", "mid").exit_code == 0
    assert "[sources.mid]" not in (home / "sources.toml").read_text()
    assert "# keep this note" in (home / "sources.toml").read_text()


def test_a_broken_sources_toml_is_reported_with_its_line_and_never_overwritten(run: Run, home: Path) -> None:
    home.mkdir(parents=True)
    broken = '[sources.a]\ntype = "rss"\nurl = "https://a.example/feed\n'
    (home / "sources.toml").write_text(broken)
    for args in (["list"], ["add", "b", "rss", FEED], ["fetch"], ["set", "a", "limit", "3"]):
        r = run(*args)
        assert r.exit_code == 2, r.output
        assert "not valid TOML" in r.stderr and "line 3" in r.stderr
    assert (home / "sources.toml").read_text() == broken


def test_set_validates_like_add(run: Run) -> None:
    run("add", "blog", "rss", FEED)
    assert run("set", "blog", "limit", "many").exit_code == 2
    assert run("set", "blog", "interval", "-3h").exit_code == 2
    assert run("set", "blog", "url", "gopher://x").exit_code == 2
    r = run("set", "blog", "colour", "red")
    assert r.exit_code == 2 and "unknown setting" in r.stderr
    assert run("set", "nope", "limit", "3").exit_code == 2
    assert run("set", "blog", "limit", "0").exit_code == 0
    assert json.loads(run("config", "blog", "--json").stdout)["settings"]["limit"] == 0


def test_enable_disable_and_unknown_ids(run: Run) -> None:
    run("add", "blog", "rss", FEED, "--disabled")
    assert json.loads(run("list", "--json").stdout)[0]["status"] == "disabled"
    assert run("enable", "blog").exit_code == 0
    assert json.loads(run("list", "--json").stdout)[0]["status"] == "enabled"
    r = run("disable", "blog", "ghost")
    assert r.exit_code == 2 and "ghost" in r.stderr
    assert json.loads(run("list", "--json").stdout)[0]["status"] == "enabled"  # nothing half-done


def test_config_shows_settings_and_where_they_live(run: Run, home: Path) -> None:
    run("add", "blog", "rss", FEED)
    r = run("config", "blog")
    assert r.exit_code == 0
    assert FEED in r.stdout and str(home / "sources.toml") in r.stdout
    r = run("config")
    assert str(home) in r.stdout


def test_home_option_overrides_the_environment(run: Run, tmp_path: Path) -> None:
    other = tmp_path / "elsewhere"
    assert run("--home", str(other), "add", "blog", "rss", FEED).exit_code == 0
    assert (other / "sources.toml").exists()


def test_version_and_help(run: Run) -> None:
    r = run("--version")
    assert r.exit_code == 0 and re.fullmatch(r"subsample \d+\.\d+\S*\n", r.stdout), r.stdout
    r = run("--help")
    assert r.exit_code == 0
    # Each command on a line of its own in the Commands section, not merely a word
    # somewhere in the help ("read" and "list" are in the description anyway).
    commands = r.stdout.split("Commands")[1]
    listed = set(re.findall(r"^ {2}([a-z]+) {2,}\S", commands, re.M))
    assert listed >= {
        "add",
        "remove",
        "enable",
        "disable",
        "set",
        "config",
        "fetch",
        "list",
        "read",
        "search",
        "history",
    }


def test_every_command_is_in_the_readme(run: Run) -> None:
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    from subsample.cli import app

    for command in app.registered_commands:
        name = command.name or (command.callback.__name__ if command.callback else "")
        assert f"subsample {name}" in readme, name


def test_the_scheme_and_host_are_case_insensitive_and_fetched_over_http(
    run: Run, home: Path, httpserver: HTTPServer
) -> None:
    from .conftest import item, rss

    httpserver.expect_request("/feed").respond_with_data(rss([item(1)]), content_type="application/rss+xml")
    # (localhost: a loopback name that has letters to change the case of; 127.0.0.1 has none)
    upper = httpserver.url_for("/feed").replace("http://", "HTTP://").replace("127.0.0.1", "LocalHost")
    assert upper.startswith("HTTP://LocalHost:")
    r = run("add", "up", "rss", upper)
    assert r.exit_code == 0, r.output
    stored = httpserver.url_for("/feed").replace("127.0.0.1", "localhost")
    assert f'url = "{stored}"' in (home / "sources.toml").read_text()
    r = run("fetch")
    assert r.exit_code == 0, r.output
    assert "1 new" in r.stdout and len(httpserver.log) == 1
    assert run("add", "x", "rss", "HTTPS://Example.ORG/Feed").exit_code == 0
    assert 'url = "https://example.org/Feed"' in (home / "sources.toml").read_text()


@pytest.mark.parametrize(
    "line, message",
    [
        ('url = "http://[::1/feed"', "malformed URL"),
        ('url = "http://host:99999/feed"', "malformed URL"),
        ('url = "gopher://host/feed"', "unsupported URL scheme"),
        ("url = 3", "needs a url"),
        ('url = "https://a.example/f"\nlimit = 99999999999999999999', "bad limit"),
        ('url = "https://a.example/f"\nlimit = 9999999999', "bad limit"),
        ('url = "https://a.example/f"\ninterval = "9999999999w"', "bad interval"),
        ('url = "https://a.example/f"\ninterval = []', "bad interval"),
        ('url = "https://a.example/f"\ntitle = 5', "title must be a string"),
        ('url = "https://a.example/f"\ntype = 5', "type must be a string"),
    ],
)
def test_a_value_broken_by_hand_in_sources_toml_is_one_line_naming_the_source(
    run: Run, home: Path, line: str, message: str
) -> None:
    home.mkdir(parents=True)
    (home / "sources.toml").write_text(f"[sources.hand]\n{line}\n")
    for args in (["fetch"], ["list"], ["config", "hand"]):
        r = run(*args)
        assert r.exit_code == 2, r.output
        assert message in r.stderr and "Traceback" not in r.stderr, r.output
        assert r.stderr.count("\n") == 1
        assert "source 'hand'" in r.stderr


def test_a_whole_number_interval_in_sources_toml_is_seconds(run: Run, home: Path) -> None:
    home.mkdir(parents=True)
    (home / "sources.toml").write_text('[sources.s]\nurl = "https://a.example/f"\ninterval = 3600\n')
    r = run("list", "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)[0]["interval"] == 3600

"""The command line as a user meets it: streams, exit codes, locales, hostile dates and
sizes, numbers, prompts, pipes and completion."""

# ruff: noqa: RUF001  (curly apostrophes on purpose: users type them)

from __future__ import annotations

import json
import os
import pty
import re
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from subsample.times import relative, relative_delta
from tests.conftest import Result, item, rss

Run = Callable[..., Result]
# What a real process needs of this one's environment (PYTHONPATH: the code under test).
BASE_ENV = {k: os.environ[k] for k in ("PATH", "PYTHONPATH") if k in os.environ}
NOW = datetime(2026, 5, 1, 12, tzinfo=UTC)


def _proc(
    home: Path, *args: str, lang_c: bool = False, timeout: float = 60, **kw: Any
) -> subprocess.CompletedProcess[str]:
    """`python -m subsample ARGS` as cron runs it (LANG=C, no UTF-8 mode) or as usual."""
    env = {**BASE_ENV, "SUBSAMPLE_HOME": str(home)}
    if lang_c:
        env.update(LANG="C", LC_ALL="C", PYTHONUTF8="0", PYTHONIOENCODING="")
    else:
        env.update(LANG="C.UTF-8")
    return subprocess.run(
        [sys.executable, "-m", "subsample", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        env=env,
        timeout=timeout,
        cwd=Path(__file__).parents[1],
        **kw,
    )


def _write_archive(
    home: Path, sid: str, records: list[dict[str, Any]], *, url: str = "https://example.org/f"
) -> None:
    """An archive written by hand, as a feed we never saw (or a user's editor) might leave it."""
    (home / "archive").mkdir(parents=True, exist_ok=True)
    with (home / "sources.toml").open("a") as f:
        f.write(f'[sources.{sid}]\ntype = "rss"\nurl = "{url}"\n')
    lines = []
    for i, rec in enumerate(records, start=1):
        base = {
            "n": i, "source": sid, "revision": 1, "key": f"k{i}", "title": f"Post {i}",
            "link": f"https://example.org/{i}", "first_seen": "2026-04-01T00:00:00Z",
            "content": f"<p>Body {i}</p>",
        }  # fmt: skip
        lines.append(json.dumps({**base, **rec}, ensure_ascii=False))
    (home / "archive" / f"{sid}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


# -- fetch: failures on stderr, a summary that tells the truth --------------------------


def test_failed_sources_go_to_stderr_and_the_summary_says_what_happened(
    run: Run, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/good").respond_with_data(rss([item(1)]))
    httpserver.expect_request("/bad").respond_with_data("boom", status=500)
    run("add", "good", "rss", httpserver.url_for("/good"))
    run("add", "bad", "rss", httpserver.url_for("/bad"))
    run("add", "dead", "rss", "http://127.0.0.1:9/feed")  # nothing listens on port 9
    r = run("fetch")
    assert r.exit_code == 1, r.output
    assert "good: 1 new" in r.stdout and "failed" not in r.stdout.split("\n")[0]
    assert "bad: failed: HTTP 500" in r.stderr and "dead: failed:" in r.stderr
    assert "bad: failed" not in r.stdout and "dead: failed" not in r.stdout
    assert "3 sources: 1 fetched, 2 failed (bad, dead)" in r.stdout
    r = run("fetch", "bad", "dead")
    assert r.exit_code == 1
    assert "fetched" not in r.stdout and "2 sources failed: bad, dead" in r.stdout
    r = run("fetch", "bad", "--json")  # the failure is on stderr there too; the data on stdout
    assert r.exit_code == 1 and json.loads(r.stdout)[0]["error"] and "bad: failed" in r.stderr


def test_fetch_to_dev_null_still_reports_failures_from_a_real_process(home: Path) -> None:
    _proc(home, "add", "dead", "rss", "http://127.0.0.1:9/feed")
    p = _proc(home, "fetch")
    assert p.returncode == 1
    assert "dead: failed:" in p.stderr and "dead: failed" not in p.stdout


# -- LANG=C: every command works on non-ASCII posts ------------------------------------

UNICODE_POSTS = [
    {"title": "Café ☕ — “quoted” can’t", "content": "<p>Crème brûlée, naïve 日本語 can’t stop</p>",
     "author": "Zoë", "published": "2026-04-30T10:00:00Z"},
    {"title": "Ünïcödé ∑", "content": "<ol><li>ēins</li></ol>", "published": "2026-04-29T10:00:00Z"},
]  # fmt: skip


def test_every_command_works_under_lang_c(home: Path) -> None:
    _write_archive(home, "cafe", UNICODE_POSTS)
    (home / "history").mkdir()
    (home / "history" / "cafe.jsonl").write_text(
        json.dumps({"time": "2026-04-30T10:00:00Z", "error": "naïve ☕ server said “no”", "status": 500})
        + "\n"
    )
    for args in (
        ["list"],
        ["list", "cafe"],
        ["list", "cafe", "--json"],
        ["read", "1"],
        ["read", "1", "--json"],
        ["read", "1", "--raw"],
        ["search", "crème"],
        ["search", "café", "--json"],
        ["history", "cafe"],
        ["history", "cafe", "--json"],
        ["config", "cafe"],
        ["config", "cafe", "--json"],
        ["export", "cafe", "-f", "rss"],
        ["export", "cafe", "-f", "json"],
        ["gallery", "cafe"],
    ):
        p = _proc(home, *args, lang_c=True)
        assert p.returncode == 0, (args, p.stderr)
        assert "Traceback" not in p.stderr and "Error" not in p.stderr, (args, p.stderr)
        assert p.stdout.strip(), args
        if "--json" in args:
            json.loads(p.stdout)
    assert "Caf? ? ? ?quoted? can?t" in _proc(home, "list", "cafe", lang_c=True).stdout  # replaced
    assert "\n" + "-" * 80 + "\n" in _proc(home, "read", "1", lang_c=True).stdout  # a rule, not "????"
    # JSON stays exact: escaped where the stream cannot carry a character.
    assert (
        json.loads(_proc(home, "read", "1", "--json", lang_c=True).stdout)["title"]
        == UNICODE_POSTS[0]["title"]
    )
    assert json.loads(_proc(home, "search", "crème", "--json", lang_c=True).stdout)[0]["n"] == 1


def test_fetch_messages_under_lang_c(home: Path, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/f").respond_with_data(rss([item(1, title="Café ☕")], title="Blög ☕"))
    httpserver.expect_request("/bad").respond_with_data("x", status=500)
    assert _proc(home, "add", "blög", "rss", httpserver.url_for("/f"), lang_c=True).returncode == 2
    assert (
        _proc(
            home, "add", "ok", "rss", httpserver.url_for("/f"), "--title", "Mïne ☕", lang_c=True
        ).returncode
        == 0
    )
    assert _proc(home, "add", "bad", "rss", httpserver.url_for("/bad"), lang_c=True).returncode == 0
    p = _proc(home, "fetch", lang_c=True)
    assert p.returncode == 1 and "Traceback" not in p.stderr, p.stderr
    assert "ok: 1 new" in p.stdout and "bad: failed" in p.stderr
    p = _proc(home, "list", lang_c=True)
    assert p.returncode == 0 and "ok" in p.stdout, p.stderr


# -- dates a feed can put anywhere ------------------------------------------------------

ODD_DATES: list[dict[str, Any]] = [
    {"published": "0001-01-01T00:00:00Z"},
    {"published": "9999-12-31T23:59:59Z"},
    {"published": "0001-01-01T00:00:00+05:00"},  # year 0 in UTC
    {"published": "9999-12-31T23:59:59-05:00"},  # year 10000 in UTC
    {"published": "1969-07-20T20:17:00Z"},
    {"published": "not a date at all", "date_text": "Sun, 32 Foo 99999"},
    {"published": 12345, "updated": ["x"], "first_seen": None},
    {"published": "99999-01-01T00:00:00Z", "first_seen": "garbage"},
]


def test_dates_we_cannot_hold_never_raise_and_show_as_unknown(run: Run, home: Path) -> None:
    _write_archive(home, "odd", ODD_DATES)
    (home / "history").mkdir()
    (home / "history" / "odd.jsonl").write_text(
        "\n".join(
            json.dumps({"time": t}) for t in ("0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "junk", 7)
        )
        + "\n"
    )
    (home / "state").mkdir()
    (home / "state" / "odd.json").write_text(
        json.dumps({"last_update": "9999-12-31T23:59:59-05:00", "next_update": "x"})
    )
    outputs = [
        run("list"),
        run("list", "odd"),
        run("list", "odd", "--json"),
        run("history", "odd"),
        run("search", "body"),
    ]
    outputs += [run("read", str(n)) for n in range(1, len(ODD_DATES) + 1)]
    outputs += [run("export", "odd", "-f", fmt) for fmt in ("rss", "atom", "json", "jsonl")]
    for r in outputs:
        assert r.exit_code == 0, r.output
    listing = outputs[1].stdout
    assert "unknown" in listing and "Posts (8)" in listing
    assert "2,025 years ago" in listing or "years ago" in listing  # year 1 can be placed
    read_garbage = outputs[5 + 5].stdout
    assert "Published: unknown" in read_garbage and "Sun, 32 Foo 99999" in read_garbage
    assert "Published: unknown" in outputs[5 + 3].stdout  # 9999-12-31 at -05:00
    assert "Published: 0001-01-01 00:00 UTC" in outputs[5 + 0].stdout
    feed = json.loads(outputs[-2].stdout)
    dates = [i.get("date_published") for i in feed["items"]]
    assert "not a date at all" not in dates and "0001-01-01T00:00:00Z" in dates


@pytest.mark.parametrize(
    "seconds, words",
    [
        (0, "just now"),
        (59, "just now"),
        (60, "1 minute ago"),
        (3599, "59 minutes ago"),
        (3600, "1 hour ago"),
        (19 * 3600, "19 hours ago"),
        (86399, "23 hours ago"),
        (86400, "yesterday"),
        (2 * 86400 - 1, "yesterday"),
        (2 * 86400, "2 days ago"),
        (3 * 86400, "3 days ago"),
        (7 * 86400 - 1, "6 days ago"),
        (7 * 86400, "1 week ago"),
        (14 * 86400 - 1, "1 week ago"),
        (14 * 86400, "2 weeks ago"),
        (21 * 86400, "3 weeks ago"),
        (30 * 86400 - 1, "4 weeks ago"),
        (30 * 86400, "1 month ago"),
        (60 * 86400, "2 months ago"),
        (364 * 86400, "11 months ago"),
        (365 * 86400, "1 year ago"),
        (2025 * 365 * 86400, "2,025 years ago"),
        (-2 * 3600, "2 hours from now"),
        (-86400, "tomorrow"),
        (-8 * 86400, "1 week from now"),
        (float("nan"), "unknown"),
    ],
)
def test_relative_times_as_the_seed_writes_them(seconds: float, words: str) -> None:
    assert relative_delta(seconds) == words


def test_relative_places_what_it_can_and_says_unknown_for_the_rest() -> None:
    assert relative("2026-04-30T17:00:00Z", NOW) == "19 hours ago"
    assert relative("2026-05-01T14:00:00Z", NOW) == "2 hours from now"
    assert relative(None, NOW) == "" and relative("", NOW) == ""
    for bad in ("junk", "9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00", "10000-01-01"):
        assert relative(bad, NOW) == "unknown", bad


# -- sizes ------------------------------------------------------------------------------


def test_a_10_mb_one_paragraph_post_reads_and_searches_in_seconds(home: Path) -> None:
    words = "lorem ipsum dolor sit amet consectetur adipiscing elit " * 190_000  # ~10 MB
    _write_archive(home, "big", [{"content": f"<p>{words}<b>needle</b> {'<' * 100_000}</p>"}])
    start = time.monotonic()
    p = _proc(home, "read", "1", "--width", "80", timeout=30)  # minutes before the fix
    assert p.returncode == 0, p.stderr
    assert p.stdout.count("lorem ipsum") > 150_000 and "needle" in p.stdout
    assert max(len(line) for line in p.stdout.split("\n")) <= 80
    p = _proc(home, "search", "needle", timeout=30)
    assert p.returncode == 0 and "needle" in p.stdout, p.stderr
    assert time.monotonic() - start < 40


# -- numbers no int64 holds -------------------------------------------------------------

HUGE = "99999999999999999999999"


@pytest.mark.parametrize(
    "args",
    [
        ["read", HUGE],
        ["read", "1", "--revision", HUGE],
        ["read", "1", "--width", HUGE],
        ["list", "s", "-n", HUGE],
        ["list", "s", "--limit", HUGE],
        ["search", "x", "-n", HUGE],
        ["history", "s", "-n", HUGE],
        ["import", "subs.opml", "--limit", HUGE],
        ["add", "t", "rss", "https://example.org/t", "--limit", HUGE],
        ["fetch", "--max-size", HUGE],
        ["fetch", "--timeout", "nan"],
        ["fetch", "--timeout", "1e400"],
        ["read", "-5"],
        ["read", "0x10"],
    ],
)
def test_numbers_out_of_range_are_usage_errors(run: Run, home: Path, tmp_path: Path, args: list[str]) -> None:
    _write_archive(home, "s", [{}])
    (tmp_path / "subs.opml").write_text(
        '<opml version="2.0"><body><outline xmlUrl="https://a.example/f"/></body></opml>'
    )
    os.chdir(tmp_path)
    r = run(*args)
    assert r.exit_code == 2, r.output
    assert "Traceback" not in r.stderr and "Overflow" not in r.stderr
    assert "[sources.t]" not in (home / "sources.toml").read_text()


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["read", "0"], "invalid value for 'N': 0 is not in the range x>=1"),
        (["read", "-1"], "invalid value for 'N': -1 is not in the range x>=1"),
        (["read", "abc"], "'abc' is not a valid int"),
        (["read"], "missing argument 'N'"),
        (["read", "1", "--revision", "0"], "'--revision': 0 is not in the range x>=1"),
        (["list", "s", "-n", "0"], "'--limit' / '-n': 0 is not in the range x>=1"),
        (["history", "s", "--last", "0"], "'--last' / '-n': 0"),
        (["search", "x", "-n", "0"], "'--limit' / '-n': 0"),
        (["search", "-1"], "no such option: -1 (a value that starts with - goes after --)"),
        (["serve", "--port", "99999"], "'--port': 99999 is not in the range 0<=x<=65535"),
        (["fetch", "--timeout", "nan"], "'--timeout': not a number"),
        (["list", "--bogus"], "no such option: --bogus"),
        (["--bogus"], "no such option: --bogus"),
        (["lsit"], "no such command 'lsit'"),
    ],
)
def test_every_usage_error_is_one_line_on_stderr(run: Run, args: list[str], says: str) -> None:
    r = run(*args)
    assert r.exit_code == 2 and r.stdout == "", r.output
    assert r.stderr.startswith("error: ") and r.stderr.count("\n") == 1, r.stderr
    assert says in r.stderr and "--help`" in r.stderr, r.stderr


def test_a_usage_error_is_one_line_from_a_real_process_and_help_is_still_help(home: Path) -> None:
    p = _proc(home, "read", "0")
    assert p.returncode == 2 and p.stdout == ""
    assert p.stderr.startswith("error: invalid value for 'N': 0 is not in the range x>=1; see `")
    assert p.stderr.endswith(" read --help`\n") and p.stderr.count("\n") == 1  # (`python -m subsample read`)
    helped = _proc(home, "read", "--help")
    assert (
        helped.returncode == 0
        and helped.stdout.startswith("Usage: ")
        and " read [OPTIONS] {N}\n" in helped.stdout
    )
    bare = _proc(home)  # no command: the help, as before
    assert bare.returncode == 2 and "Commands" in bare.stdout + bare.stderr and "error:" not in bare.stderr


# -- search -------------------------------------------------------------------------------


def test_an_apostrophe_is_part_of_a_word_and_fts_syntax_is_only_text(run: Run, home: Path) -> None:
    posts = [{"content": "<p>You can't do that.</p>"}, {"content": "<p>You can’t either.</p>"}]
    posts += [{"content": f"<p>Nothing to see {i}, that talks about t and cans.</p>"} for i in range(5)]
    posts += [{"content": "<p>can take time</p>"}, {"content": "<p>don t split</p>"}]
    _write_archive(home, "s", posts)

    def found(query: str) -> set[int]:
        r = run("search", query, "--json")
        assert r.exit_code == 0, (query, r.output)
        return {h["n"] for h in json.loads(r.stdout)}

    assert found("can't") == {1, 2}
    assert found("can’t") == {1, 2}
    assert found("CAN'T DO") == {1}
    assert found("don't") == {9}
    for hostile in ('"', '"can', "-", "OR", "NEAR(", "*", "can OR", "a AND", "NOT", "'", "^", "(", ":"):
        r = run("search", hostile)
        assert r.exit_code in (0, 2), (hostile, r.output)
        assert "Traceback" not in r.stderr and "fts5" not in r.stdout + r.stderr, hostile
    assert found('"can take"') == {8}
    snippet = json.loads(run("search", "can’t", "--json").stdout)[0]["snippet"]
    assert "can" in snippet


# -- list ---------------------------------------------------------------------------------


def test_since_in_the_future_says_so_and_footers_count_what_was_hidden(run: Run, home: Path) -> None:
    _write_archive(home, "s", [{"published": f"2026-04-{d:02d}T10:00:00Z"} for d in range(1, 11)])
    r = run("list", "s", "--since", "2030-01-01")
    assert r.exit_code == 0 and "No posts since 2030-01-01" in r.stdout and "archived yet" not in r.stdout
    r = run("list", "s", "--since", "2026-04-06", "-n", "2")
    assert "3 more" in r.stdout and "5 before 2026-04-06" in r.stdout, r.stdout
    assert "8 older" not in r.stdout
    r = run("list", "s", "-n", "4")
    assert "6 older" in r.stdout


# -- read ---------------------------------------------------------------------------------


def test_the_link_line_is_never_broken_and_is_clickable_on_a_terminal(run: Run, home: Path) -> None:
    url = "https://example.org/" + "a-very-long-path/" * 8 + "?q=1&r=2"
    _write_archive(home, "s", [{"link": url}])
    r = run("read", "1", env={"COLUMNS": "80"})
    assert f"Link: {url}\n" in r.stdout
    p = _proc(home, "read", "1")  # piped, no COLUMNS: 80 columns
    assert f"Link: {url}\n" in p.stdout
    r = run("read", "1", env={"FORCE_COLOR": "1", "TERM": "xterm-256color", "COLUMNS": "80"})
    assert re.search(r"\x1b\]8;id=\d+;" + re.escape(url) + r"\x1b\\", r.stdout)


# -- prompts, pipes, exit codes ------------------------------------------------------------


@pytest.mark.parametrize("key", [b"\x03", b"\x04"])  # Ctrl-C, Ctrl-D
def test_interrupting_the_url_prompt_exits_130(home: Path, key: bytes) -> None:
    env = {**BASE_ENV, "SUBSAMPLE_HOME": str(home), "LANG": "C.UTF-8"}
    pid, fd = pty.fork()
    if pid == 0:  # the child: a process on a terminal, as a user runs it
        # (from a shell, which leaves Ctrl-C to the command: a test runner's worker may
        # ignore it, and an ignored signal stays ignored across exec)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.chdir(Path(__file__).parents[1])
        os.execve(sys.executable, [sys.executable, "-m", "subsample", "add", "blog", "rss"], env)
    seen = b""
    deadline = time.monotonic() + 30
    while b"Feed URL" not in seen and time.monotonic() < deadline:
        if select.select([fd], [], [], 1)[0]:
            seen += os.read(fd, 1024)
    assert b"Feed URL" in seen, seen
    _wait_until_reading_its_terminal(pid, deadline)  # as a person would see the prompt first
    os.write(fd, key)
    while time.monotonic() < deadline:
        try:
            if select.select([fd], [], [], 1)[0] and not os.read(fd, 1024):
                break
        except OSError:
            break
    done, status = os.waitpid(pid, os.WNOHANG)
    while not done and time.monotonic() < deadline + 5:
        time.sleep(0.05)
        done, status = os.waitpid(pid, os.WNOHANG)
    if not done:  # still at its prompt: the key did nothing
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
    os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 130
    assert not (home / "sources.toml").exists()


def _wait_until_reading_its_terminal(pid: int, deadline: float) -> None:
    """Until PID blocks reading its terminal (Linux names the wait in /proc/PID/wchan);
    half a second where the kernel does not say."""
    while time.monotonic() < deadline:
        try:
            wchan = Path(f"/proc/{pid}/wchan").read_text()
        except OSError:
            wchan = "0"
        if wchan in ("0", ""):
            time.sleep(0.5)
            return
        if wchan == "wait_woken" or "tty" in wchan:
            return
        time.sleep(0.02)


def test_a_reader_that_leaves_ends_list_quietly(home: Path) -> None:
    _write_archive(home, "s", [{"title": f"Post {i}"} for i in range(3000)])
    env = {**BASE_ENV, "SUBSAMPLE_HOME": str(home), "LANG": "C.UTF-8"}
    p = subprocess.Popen(
        [sys.executable, "-m", "subsample", "list", "s", "--all"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=Path(__file__).parents[1],
    )
    assert p.stdout is not None and p.stderr is not None
    p.stdout.readline()
    p.stdout.close()  # as `| head -1` does
    err = p.stderr.read().decode()
    p.stderr.close()
    assert p.wait(timeout=60) in (0, 1)
    assert "Traceback" not in err and "Exception ignored" not in err and "BrokenPipe" not in err


def test_export_and_gallery_into_a_missing_folder_are_usage_errors(
    run: Run, home: Path, tmp_path: Path
) -> None:
    _write_archive(home, "s", [{}])
    for args in (
        ["export", "s", "-o", str(tmp_path / "missing" / "dir" / "s.xml")],
        ["export", "s", "-f", "jsonl", "-o", str(tmp_path / "missing" / "s.jsonl")],
        ["export", "--opml", "-o", str(tmp_path / "missing" / "subs.opml")],
        ["gallery", "s", "--html", str(tmp_path / "missing" / "g.html")],
        ["export", "s", "-o", str(tmp_path)],  # a folder, not a file
    ):
        r = run(*args)
        assert r.exit_code == 2, r.output
        assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert not (tmp_path / "missing").exists()
    assert run("export", "s", "-o", str(tmp_path / "s.xml")).exit_code == 0 and (tmp_path / "s.xml").exists()


def test_importing_only_duplicates_succeeds_and_a_bad_entry_fails(run: Run, tmp_path: Path) -> None:
    subs = tmp_path / "subs.opml"
    subs.write_text(
        '<opml version="2.0"><body><outline text="A" xmlUrl="https://a.example/f"/></body></opml>'
    )
    assert run("import", str(subs)).exit_code == 0
    r = run("import", str(subs))  # the same file again: every feed is already there
    assert r.exit_code == 0 and "already subscribed" in r.stderr, r.output
    subs.write_text('<opml version="2.0"><body><outline text="Bad" xmlUrl="ftp://x"/></body></opml>')
    assert run("import", str(subs)).exit_code == 1


def test_help_lists_every_command_in_its_commands_section(run: Run) -> None:
    r = run("--help")
    assert r.exit_code == 0
    listed = set(re.findall(r"^\s{2}([a-z]+)\s{2,}", r.stdout.split("Commands")[1], re.M))
    from subsample.cli import app

    names = {c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands}
    assert names == listed, (names, listed)
    assert "--install-completion" in r.stdout and "--show-completion" in r.stdout


def test_shell_completion_offers_source_ids(home: Path) -> None:
    _write_archive(home, "alpha", [{}])
    _write_archive(home, "beta", [{}])
    env = {
        **BASE_ENV,
        "SUBSAMPLE_HOME": str(home),
        "_SUBSAMPLE_COMPLETE": "complete_bash",
        "COMP_WORDS": "subsample list al",
        "COMP_CWORD": "2",
    }
    script = Path(sys.executable).parent / "subsample"  # completion knows the command by its name
    p = subprocess.run([str(script)], capture_output=True, text=True, env=env)
    assert "alpha" in p.stdout and "beta" not in p.stdout, (p.stdout, p.stderr)


def test_with_the_progress_bar_on_a_terminal_failures_still_go_to_stderr(
    home: Path, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/f").respond_with_data(rss([item(1)]))
    _proc(home, "add", "good", "rss", httpserver.url_for("/f"))
    _proc(home, "add", "dead", "rss", "http://127.0.0.1:9/feed")
    terminal, stderr_end = pty.openpty()  # stderr on a terminal (the bar), stdout a file
    p = subprocess.Popen(
        [sys.executable, "-m", "subsample", "fetch"],
        stdout=subprocess.PIPE,
        stderr=stderr_end,
        env={**BASE_ENV, "SUBSAMPLE_HOME": str(home), "LANG": "C.UTF-8", "TERM": "xterm"},
    )
    os.close(stderr_end)
    assert p.stdout is not None
    out = p.stdout.read().decode()
    p.stdout.close()
    assert p.wait(timeout=60) == 1
    err = b""
    while select.select([terminal], [], [], 0.5)[0]:
        try:
            chunk = os.read(terminal, 4096)
        except OSError:
            break
        if not chunk:
            break
        err += chunk
    os.close(terminal)
    assert "good: 1 new" in out and "dead" not in out.split("\n")[0]
    assert "dead: failed" not in out and "2 sources: 1 fetched, 1 failed (dead)" in out
    assert "dead: \x1b[0m\x1b[31mfailed: " in err.decode() or "dead: failed" in err.decode()
    assert "fetching" in err.decode()  # the bar was there

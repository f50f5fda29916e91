"""The command line: parse arguments, call the core, hand the result to render.

Only this module knows about Typer; errors from the core (SubsampleError) and click's usage
errors become one line on stderr and an exit code here, in `friendly_errors` and `_Commands`. Modules past typer are imported
inside the commands, so that `list`, `read` and `--version` start in a few tens of ms.
"""

from __future__ import annotations

import contextlib
import functools
import json
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ParamSpec, TypeVar

import typer
from typer.core import TyperGroup

try:  # the click that typer uses: its own copy in typer 0.28, the click package in 0.19
    from typer._click import exceptions as click_errors
except ImportError:  # pragma: no cover
    from click import exceptions as click_errors  # type: ignore[import-not-found, no-redef, unused-ignore]

from subsample import __version__
from subsample.errors import SubsampleError, UsageError

if TYPE_CHECKING:
    from datetime import datetime

    from rich.console import Console
    from rich.progress import Progress, TaskID

    from subsample.fetch.http import Limits
    from subsample.models import FetchResult
    from subsample.paths import Paths

P = ParamSpec("P")
R = TypeVar("R")

# The largest whole number SQLite (and so the index) holds: a post number, revision or
# count past it is a usage error, not an OverflowError from deep inside.
BIGGEST = 2**63 - 1
EXIT_INTERRUPTED = 130  # Ctrl-C, as a shell reports a process ended by SIGINT


class _OneLineUsageError(click_errors.ClickException):
    """A usage error as one line on stderr ("error: ...", exit 2), as every other error is."""

    exit_code = 2

    def show(self, file: object = None) -> None:
        _error_line(self.message)


@contextlib.contextmanager
def _usage_on_one_line() -> Iterator[None]:
    """Click's usage errors (a bad or missing value, an unknown option or command) become
    one line: click prints four (usage, a hint, a blank line, the error). The help that a
    bare `subsample` prints is left as it is."""
    try:
        yield
    except click_errors.NoArgsIsHelpError:
        raise
    except click_errors.UsageError as e:
        raise _OneLineUsageError(_usage_message(e)) from None


# "1<=x<=9223372036854775807": nobody types the top of a range that only SQLite needs.
_UP_TO_BIGGEST = re.compile(rf"(-?[\d.]+)<=x<={BIGGEST}\b")
_NEGATIVE = re.compile(r"-\d+(?:\.\d*)?")


def _usage_message(e: click_errors.UsageError) -> str:
    """E's message, lower-case, with where to look for the usage."""
    message = e.format_message()
    if isinstance(e, click_errors.NoSuchOption) and _NEGATIVE.fullmatch(e.option_name) and e.ctx:
        # `read -1`: click takes anything after a dash for an option; it is a number out of range.
        for param in e.ctx.command.params:
            low = getattr(param.type, "min", None)  # an IntRange's
            if param.param_type_name == "argument" and isinstance(low, int):
                hint = param.get_error_hint(e.ctx)
                message = f"Invalid value for {hint}: {e.option_name} is not in the range x>={low}."
                break
        else:
            message += " (a value that starts with - goes after --)"
    message = _UP_TO_BIGGEST.sub(r"x>=\1", message).rstrip(".")
    message = message[:1].lower() + message[1:]
    if e.ctx is not None:
        message += f"; see `{e.ctx.command_path} --help`"
    return message


class _Commands(TyperGroup):
    """The group of commands, its usage errors on one line (see _usage_on_one_line)."""

    def make_context(self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any) -> Any:
        with _usage_on_one_line():  # the options before the command
            return super().make_context(info_name, args, parent, **extra)

    def invoke(self, ctx: Any) -> Any:
        with _usage_on_one_line():  # the command's name, then its own arguments
            return super().invoke(ctx)


app = typer.Typer(
    name="subsample",
    help="Keep a permanent local copy of every post your feeds ever publish, and read it here.",
    cls=_Commands,
    no_args_is_help=True,
    add_completion=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class Settings:
    """What the options before the command say, handed to every command by Typer's context.
    (A plain class: importing dataclasses would add 7 ms to every start.)"""

    def __init__(self, home: Path | None = None) -> None:
        self.home = home

    def paths(self) -> Paths:
        from subsample.paths import resolve_paths

        return resolve_paths(self.home)


def _paths(ctx: typer.Context) -> Paths:
    return (ctx.find_object(Settings) or Settings()).paths()


def _now() -> datetime:
    from subsample.times import now_utc

    return now_utc()


def _out(width: int | None = None) -> Console:
    from rich.console import Console

    # No ":name:" emoji codes: nothing of ours uses them, and a URL or a name that happens
    # to contain one is printed as it is (rich would also import its 3 ms emoji table).
    return Console(highlight=False, emoji=False, width=width)


def _err() -> Console:
    from rich.console import Console

    return Console(stderr=True, highlight=False, emoji=False)


def _print_json(data: object) -> None:
    # Escaped where stdout cannot carry every character (LANG=C): the JSON stays exact.
    encoding = (getattr(sys.stdout, "encoding", None) or "").lower().replace("-", "")
    sys.stdout.write(json.dumps(data, ensure_ascii=not encoding.startswith("utf"), indent=2) + "\n")


def _error_line(message: str) -> None:
    """MESSAGE as the one line "error: ..." on stderr (cleaned: it may quote a feed or an argument)."""
    from rich.text import Text

    from subsample.text import one_line

    _err().print(Text.assemble(("error: ", "bold red"), one_line(message)), soft_wrap=True)


def friendly_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Show a SubsampleError as one clean line on stderr and exit with its code."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except SubsampleError as e:
            _error_line(str(e))
            raise typer.Exit(e.exit_code) from None
        except (KeyboardInterrupt, typer.Abort):  # Ctrl-C; Ctrl-D at a prompt
            sys.stderr.write("\n")
            raise typer.Exit(EXIT_INTERRUPTED) from None

    return wrapper


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"subsample {__version__}\n")
        raise typer.Exit()


def _complete_source_ids(ctx: typer.Context, incomplete: str) -> list[str]:
    """Source ids for shell completion: sources.toml is read only when completing."""
    try:
        from subsample import config

        home = ctx.find_root().params.get("home")
        settings = Settings(Path(home) if home else None)
        return [sid for sid in config.load_sources(settings.paths()) if sid.startswith(incomplete)]
    except Exception:  # a broken sources.toml completes nothing rather than a traceback
        return []


def _a_number(value: float) -> float:
    """NaN passes every range check (each comparison is false): refused here."""
    if value != value:
        raise typer.BadParameter("not a number")
    return value


# The limits of a fetch, as `fetch` and `watch` take them.
Timeout = Annotated[
    float,
    typer.Option(min=1, max=3600, callback=_a_number, help="Give up on a source after this many seconds."),
]
MaxSize = Annotated[
    int, typer.Option(min=1, max=1024 * 1024, help="Largest feed accepted, in MiB after decompression.")
]
SourceId = Annotated[str, typer.Argument(metavar="ID", autocompletion=_complete_source_ids)]
SourceIds = Annotated[list[str], typer.Argument(metavar="ID...", autocompletion=_complete_source_ids)]


@app.callback()
def main_options(
    ctx: typer.Context,
    home: Annotated[
        Path | None,
        typer.Option(
            "--home",
            help="Keep config, archives and state in this folder (default: $SUBSAMPLE_HOME, else the user's config and data folders).",
            show_default=False,
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit."),
    ] = False,
) -> None:
    """Keep a permanent local copy of every post your feeds ever publish, and read it here."""
    ctx.obj = Settings(home)
    if ctx.invoked_subcommand is not None:
        _repair_torn_tails(_paths(ctx))


def _repair_torn_tails(paths: Paths) -> None:
    """Before any command: a torn last line (a crash mid-write) is set aside, with a warning,
    rather than its post silently missing (archive/repair.py)."""
    from subsample.archive.repair import repair_torn_tails

    try:
        repaired = repair_torn_tails(paths)
    except SubsampleError as e:  # the command may still work (reading a read-only archive)
        repaired, problem = [], str(e)
    else:
        problem = ""
    if not (repaired or problem):
        return
    from rich.text import Text

    from subsample.text import one_line

    lines = [f"warning: {problem}"] if problem else []
    for r in repaired:
        post = f", post {r.post}" if r.post else ""
        again = (
            f"; the next fetch that sees post {r.post} archives it again under its number" if r.post else ""
        )
        lines.append(
            f"warning: {r.path} ended in a torn line ({r.size} bytes{post}); kept aside in {r.aside}{again}"
        )
    for line in lines:
        _err().print(Text(one_line(line), style="yellow"), soft_wrap=True)


# -- managing sources -------------------------------------------------------------


@app.command()
@friendly_errors
def add(
    ctx: typer.Context,
    source_id: Annotated[
        str, typer.Argument(metavar="ID", help="A short name: lower-case letters, digits, - and _.")
    ],
    source_type: Annotated[
        str,
        typer.Argument(
            metavar="TYPE",
            help="rss (any RSS, Atom, RDF or JSON Feed), youtube, reddit, github, mastodon, bluesky,"
            " substack, hackernews or lobsters.",
        ),
    ],
    what: Annotated[
        str | None,
        typer.Argument(
            metavar="[WHAT]",
            help="rss: a feed's URL, a web page (its feed is found) or a feed file. Typed sources:"
            " what you would type, e.g. youtube @handle, reddit r/python, github owner/repo,"
            " mastodon @user@host, bluesky name.bsky.social, substack name, lobsters t/rust.",
        ),
    ] = None,
    limit: Annotated[int, typer.Option(help="How many of the newest entries one fetch takes (0: all).")] = 50,
    interval: Annotated[
        str | None,
        typer.Option(
            help="How often the source is due, e.g. 30m, 6h, 1d (default 6h; reddit 12h).", show_default=False
        ),
    ] = None,
    disabled: Annotated[bool, typer.Option("--disabled", help="Add it switched off.")] = False,
    title: Annotated[
        str | None, typer.Option(help="Your own name for it (default: the feed's title).")
    ] = None,
    identity: Annotated[
        str,
        typer.Option(
            help="What makes two entries the same post: guid, link, link+date or hash (for unstable guids)."
        ),
    ] = "guid",
    fulltext: Annotated[
        str,
        typer.Option(
            metavar="auto|always|never",
            help="Read posts' pages for their full text: auto (teasers only), always, never.",
        ),
    ] = "auto",
    selector: Annotated[
        str | None, typer.Option(metavar="CSS", help="The article's CSS selector, instead of the extractor.")
    ] = None,
) -> None:
    """Register a source in sources.toml (a web page's feed is found; a typed source is mapped to its feed)."""
    from subsample import core
    from subsample.models import SOURCE_TYPES
    from subsample.show import render
    from subsample.text import from_argv

    if what is None and source_type == "rss":
        if not sys.stdin.isatty():
            raise UsageError("missing URL; usage: subsample add ID TYPE URL")
        what = typer.prompt("Feed URL", err=True)  # Ctrl-C or Ctrl-D here: exit 130
    elif what is None and source_type in SOURCE_TYPES:
        from subsample import source_types

        t = source_types.TYPES[source_type]
        if t.default is None:
            raise UsageError(
                f"missing WHAT; usage: subsample add ID {source_type} WHAT, WHAT being {t.forms}"
            )
    added = core.add_source(
        _paths(ctx),
        source_id,
        source_type,
        what,
        limit=limit,
        interval=interval,
        enabled=not disabled,
        title=None if title is None else from_argv(title),
        identity=identity,
        fulltext=fulltext,
        selector=None if selector is None else from_argv(selector),
    )
    _err().print(render.added(added), soft_wrap=True)


@app.command()
@friendly_errors
def discover(
    url: Annotated[str, typer.Argument(metavar="URL", help="A web page (or a feed).")],
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    timeout: Annotated[
        float,
        typer.Option(min=1, max=3600, callback=_a_number, help="Give up after this many seconds in all."),
    ] = 60,
) -> None:
    """List the feeds a web page offers, best first, without adding anything."""
    from subsample import core
    from subsample.show import render

    found = core.discover(url, limits=_limits(timeout, 32))
    if as_json:
        _print_json(render.discovery_json(found))
    else:
        _out().print(render.discovery_table(found))


@app.command()
@friendly_errors
def remove(ctx: typer.Context, source_id: SourceId) -> None:
    """Remove a source from sources.toml. Its archive is kept on disk."""
    from subsample import core
    from subsample.show import render

    _err().print(render.removed(core.remove_source(_paths(ctx), source_id)))


@app.command()
@friendly_errors
def enable(ctx: typer.Context, source_ids: SourceIds) -> None:
    """Switch sources on: `fetch` takes them when due."""
    from subsample import core

    core.set_enabled(_paths(ctx), source_ids, True)


@app.command()
@friendly_errors
def disable(ctx: typer.Context, source_ids: SourceIds) -> None:
    """Switch sources off: `fetch` skips them; their archives stay."""
    from subsample import core

    core.set_enabled(_paths(ctx), source_ids, False)


@app.command("set")
@friendly_errors
def set_(
    ctx: typer.Context,
    source_id: SourceId,
    key: Annotated[
        str,
        typer.Argument(
            help="url, type or what (resolved to a feed as `add` does), limit, interval, enabled, title, identity, fulltext or selector."
        ),
    ],
    value: Annotated[str, typer.Argument()],
) -> None:
    """Change one setting of a source, checked as `add` checks it."""
    from subsample import core
    from subsample.text import from_argv

    core.set_setting(_paths(ctx), source_id, key, from_argv(value))


@app.command()
@friendly_errors
def config(
    ctx: typer.Context,
    source_id: Annotated[
        str | None, typer.Argument(metavar="[ID]", autocompletion=_complete_source_ids)
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Show a source's settings, where they live and its fetch state (no ID: where files live)."""
    from subsample import core
    from subsample.show import render

    cfg = (
        core.where_files_live(_paths(ctx))
        if source_id is None
        else core.source_config(_paths(ctx), source_id)
    )
    if as_json:
        _print_json(cfg)
    else:
        _out().print(render.config_view(cfg), soft_wrap=True)  # (URLs and paths whole)


# -- fetching -----------------------------------------------------------------------


@app.command()
@friendly_errors
def fetch(
    ctx: typer.Context,
    source_ids: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[ID]...", help="Fetch these now, due or not.", autocompletion=_complete_source_ids
        ),
    ] = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Fetch every enabled source (or the named ones), due or not, and ask for the whole feed"
            " (no ETag or Last-Modified: the server cannot answer 'not modified').",
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the results as JSON.")] = False,
    timeout: Timeout = 30,
    max_size: MaxSize = 32,
    pages_for: Annotated[
        str,
        typer.Option(
            metavar="DURATION",
            callback=_pages_for,
            help="Read posts' pages for their full text for at most this long (90s, 5m; 0: none);"
            " the rest wait for the next fetch.",
        ),
    ] = "1m",
) -> None:
    """Fetch the enabled sources that are due and archive their new posts.

    Each source's outcome is a line as it ends: successes on stdout, failures on stderr
    (so that `subsample fetch >/dev/null` in cron still mails the failures). Then the
    pages of teasers are read, many sites at once, one page at a time per site.
    """
    from subsample import core

    shown = _FetchProgress(as_json)
    try:
        report = core.fetch(
            _paths(ctx),
            source_ids or [],
            force=force,
            now=_now,
            on_start=shown.start,
            on_results=shown.results,
            limits=_limits(timeout, max_size),
            pages_for=_seconds(pages_for),
            on_pages=shown.pages,
        )
    finally:
        shown.stop()
    from subsample.show import render

    if as_json:
        from dataclasses import asdict

        _print_json([asdict(r) for r in report.results])
    else:
        _out().print(render.fetch_report(report, _now()))
    if report.failed:
        raise typer.Exit(1)


class _FetchProgress:
    """The lines of a running fetch (and, on a terminal, a progress bar on stderr).

    rich and the renderers are imported in `start`, once the downloads have begun: in a big
    fetch that is while this process waits for the first feeds.
    """

    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json
        self.bar: Progress | None = None
        self.task: TaskID | None = None
        self.pages_task: TaskID | None = None

    def start(self, total: int) -> None:
        self.out, self.err = _out(), _err()
        if total and self.err.is_terminal and not self.as_json:
            from rich.progress import Progress

            # Not redirecting stdout: rich would send what we print there to stderr.
            self.bar = Progress(
                console=self.err, transient=True, redirect_stdout=False, redirect_stderr=False
            )
            self.task = self.bar.add_task("fetching", total=total)
            self.bar.start()

    def results(self, results: list[FetchResult]) -> None:
        from rich.text import Text

        from subsample.show import render

        if self.bar is not None and self.task is not None:
            self.bar.advance(self.task, len(results))
            self.bar.stop()  # (erases the bar, so that the lines below are not drawn over it)
        # One print a batch and a stream: a fetch of hundreds of sources prints in a few writes.
        # Soft-wrapped: the terminal folds a long line, so a URL in a note stays whole (and
        # rich's wrapping was an eighth of a warm fetch's main thread).
        done = [render.fetch_line(r) for r in results if r.ok]
        failed = [render.fetch_line(r) for r in results if not r.ok]
        if done and not self.as_json:
            self.out.print(Text("\n").join(done), soft_wrap=True)
        if failed:
            self.err.print(Text("\n").join(failed), soft_wrap=True)
        if self.bar is not None:
            self.bar.start()

    def pages(self, done: int, total: int) -> None:
        """Progress of the pages a fetch reads after its feeds (a bar on a terminal only)."""
        if self.as_json or not getattr(self, "err", None) or not self.err.is_terminal:
            return
        if self.bar is None:
            from rich.progress import Progress

            self.bar = Progress(
                console=self.err, transient=True, redirect_stdout=False, redirect_stderr=False
            )
            self.bar.start()
        if self.pages_task is None:
            self.pages_task = self.bar.add_task("reading pages", total=total)
        self.bar.update(self.pages_task, completed=done, total=total)

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def _pages_for(value: str) -> str:
    """A duration, or 0 (read no pages this time)."""
    from subsample.durations import parse_duration

    if not _NO_TIME.fullmatch(value.strip()):
        try:
            parse_duration(value)
        except ValueError as e:
            raise typer.BadParameter(f"{e} (or 0: read no pages)") from None
    return value


_NO_TIME = re.compile(r"(?:0+[smhdw]?)+", re.I)  # 0, 0s, 00m: read no pages


def _seconds(value: str) -> float:
    from subsample.durations import parse_duration

    return 0.0 if _NO_TIME.fullmatch(value.strip()) else float(parse_duration(value))


def _limits(timeout: float, max_size: int) -> Limits:
    from subsample.fetch.http import Limits

    return Limits(
        connect_timeout=min(10, timeout),
        read_timeout=min(20, timeout),
        deadline=timeout,
        max_bytes=max_size * 1024 * 1024,
    )


# -- reading -----------------------------------------------------------------------


@app.command()
@friendly_errors
def backfill(
    ctx: typer.Context,
    source_id: SourceId,
    max_pages: Annotated[
        int | None,
        typer.Option(
            min=1, max=BIGGEST, help="Read at most this many pages of the feed, and requests of each way."
        ),
    ] = None,
    until: Annotated[
        str | None, typer.Option(metavar="DATE", help="Stop at posts older than this date (YYYY-MM-DD).")
    ] = None,
    restart: Annotated[
        bool,
        typer.Option(
            "--restart",
            help="Begin at the feed again, past pages that bring nothing new (to widen a walk that ended), and every way at its start.",
        ),
    ] = False,
    pause: Annotated[
        float,
        typer.Option(min=0, max=3600, callback=_a_number, help="Seconds between two requests.", hidden=True),
    ] = 1.0,
    timeout: Annotated[
        float,
        typer.Option(min=1, max=3600, callback=_a_number, help="Give up on a page after this many seconds."),
    ] = 30,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="List what would be read (no post pages read, nothing archived)."),
    ] = False,
    wayback: Annotated[
        bool,
        typer.Option(
            "--wayback",
            help="Also read web.archive.org's captures of the feed (this tells web.archive.org which feed you read).",
        ),
    ] = False,
) -> None:
    """Walk a source's older pages, then its site's, and archive every post not yet archived.

    First what the feed offers: RFC 5005 archives or pages, JSON Feed next_url, WordPress
    ?paged=N, Blogger start-index; a feed with none still has every entry it holds
    archived. Then the site's own ways, in order: its WordPress REST API, its sitemaps,
    a Substack archive (and, with --wayback, a web archive's captures of the feed),
    honouring its robots.txt. An interrupted walk (Ctrl-C, a failed page, --max-pages,
    --until) resumes where it stopped.
    """
    from subsample import core
    from subsample.fetch.backfill import Interrupted
    from subsample.show import render

    out = _out()
    try:
        walk = core.backfill(
            _paths(ctx),
            source_id,
            now=_now,
            max_pages=max_pages,
            until=_since(until),
            restart=restart,
            pause=pause,
            limits=_limits(timeout, 32),
            on_page=lambda page: out.print(render.backfill_page(page), soft_wrap=True),
            on_step=lambda step: out.print(render.backfill_step(step), soft_wrap=True),
            dry_run=dry_run,
            wayback=wayback,
        )
    except Interrupted as e:
        sys.stdout.flush()
        _err().print(render.backfill_interrupted(e.walk), soft_wrap=True)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    if dry_run:
        out.print(render.backfill_plan(walk), soft_wrap=True)
        return
    out.print(render.backfill_summary(walk), soft_wrap=True)
    if walk.failed:
        raise typer.Exit(1)


@app.command("list")
@friendly_errors
def list_(
    ctx: typer.Context,
    source_id: Annotated[
        str | None,
        typer.Argument(metavar="[ID]", help="Show this source's posts.", autocompletion=_complete_source_ids),
    ] = None,
    limit: Annotated[
        int, typer.Option("--limit", "-n", min=1, max=BIGGEST, help="How many posts to show.")
    ] = 50,
    show_all: Annotated[bool, typer.Option("--all", help="Show every post.")] = False,
    since: Annotated[
        str | None, typer.Option(help="Only posts published on or after this date (YYYY-MM-DD).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    content: Annotated[
        bool,
        typer.Option(
            "--content", help="With --json: include each post's HTML, and the full text read from its page."
        ),
    ] = False,
    stale: Annotated[
        str | None,
        typer.Option(
            metavar="DURATION",
            help="Only the sources with no new post, or failing, for this long (e.g. 90d).",
        ),
    ] = None,
) -> None:
    """List the sources, or the posts of one source, newest first."""
    from subsample import core
    from subsample.show import render

    if stale is not None:
        if source_id is not None:
            raise UsageError("--stale lists sources; give it without an ID")
        quiet_for = _duration(stale)
        now = _now()
        stale_rows = core.stale_sources(_paths(ctx), quiet_for, now)
        if as_json:
            _print_json([r.as_json() for r in stale_rows])
        else:
            _out().print(render.stale_table(stale_rows, now, stale.strip()))
        return
    if source_id is None:
        rows = core.list_sources(_paths(ctx))
        if as_json:
            _print_json([r.as_json() for r in rows])
        else:
            _out().print(render.sources_table(rows, _now()))
        return
    listing = core.list_posts(
        _paths(ctx),
        source_id,
        limit=None if show_all else limit,
        since=_since(since),
        content=content and as_json,
    )
    if as_json:
        _print_json(listing.posts)
    else:
        _out().print(render.posts_view(listing, _now()))


def _duration(value: str) -> int:
    from subsample.durations import parse_duration

    try:
        return parse_duration(value)
    except ValueError as e:
        raise UsageError(str(e)) from None


def _since(value: str | None) -> str | None:
    if value is None:
        return None
    from subsample.times import iso_utc, parse_iso

    dt = parse_iso(value)
    if dt is None:
        raise UsageError(f"bad date {value!r}; use YYYY-MM-DD")
    return iso_utc(dt)


@app.command()
@friendly_errors
def read(
    ctx: typer.Context,
    n: Annotated[
        int,
        typer.Argument(metavar="N", min=1, max=BIGGEST, help="The post number shown by `subsample list ID`."),
    ],
    revision: Annotated[
        int | None, typer.Option(min=1, max=BIGGEST, help="Show this older revision.")
    ] = None,
    raw: Annotated[
        bool, typer.Option("--raw", help="Print the stored HTML (the full text's, unless --feed).")
    ] = False,
    diff: Annotated[
        bool,
        typer.Option(
            "--diff",
            help="Show the words that changed from the revision before the latest (or --revision K) to the latest.",
        ),
    ] = False,
    feed: Annotated[
        bool, typer.Option("--feed", help="Show the feed's own text, not the full text read from the page.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the whole stored record.")] = False,
    width: Annotated[int | None, typer.Option(min=20, max=1000, help="Wrap at this many columns.")] = None,
    no_pager: Annotated[bool, typer.Option("--no-pager", help="Never page, even on a terminal.")] = False,
) -> None:
    """Show one post as an article."""
    from subsample import core
    from subsample.show import render

    if diff:
        compared = core.compare_revisions(_paths(ctx), n, revision)
        if compared.old is None:
            _out().print(f"Post {n} has one revision; nothing to compare.")
            return
        out = _out(width)
        colour = out.color_system is not None and not out.no_color  # (NO_COLOR: marked as when piped)
        shown = render.revision_diff(compared.old, compared.new, colour=colour)
        if isinstance(shown, str) and not out.is_terminal:
            sys.stdout.write(shown + "\n")
        else:
            from rich.text import Text

            _show_paged(Text(shown) if isinstance(shown, str) else shown, width, no_pager)
        return
    reading = core.read_post(_paths(ctx), n, revision)
    if as_json:
        _print_json(reading.post)
    elif raw:
        sys.stdout.write(render.raw_body(reading.post, feed) + "\n")
    else:
        _show_paged(render.article(reading.post, _now(), reading.source_title, feed), width, no_pager)


def _show_paged(shown: object, width: int | None, no_pager: bool) -> None:
    """An article or a diff, rendered once; the same text is printed, paged (on a terminal,
    when longer than it) or, piped, stripped of rich's padding."""
    out = _out(width)
    with out.capture() as cap:
        out.print(shown, crop=False)  # (crop=False: the Link line is never cut short)
    text = cap.get()
    if not out.is_terminal:
        sys.stdout.write("\n".join(line.rstrip() for line in text.split("\n")))
    elif not no_pager and text.count("\n") > out.size.height:
        import pydoc

        _let_less_show_colour()
        pydoc.pager(text)
    else:
        sys.stdout.write(text)


def _let_less_show_colour() -> None:
    """less shows colour codes as text unless told -R; keep any options the user set."""
    import os

    options = os.environ.get("LESS", "")
    if "R" not in options and "r" not in options:
        os.environ["LESS"] = f"{options} -R".strip()


@app.command()
@friendly_errors
def search(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="Words to find in titles and bodies (any case).")],
    source_id: Annotated[
        str | None,
        typer.Option("--source", help="Search only this source.", autocompletion=_complete_source_ids),
    ] = None,
    limit: Annotated[
        int, typer.Option("--limit", "-n", min=1, max=BIGGEST, help="Show at most this many.")
    ] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Find posts across all archives: every word, in any case; "a phrase" in quotes."""
    from subsample import core
    from subsample.show import render
    from subsample.text import from_argv

    hits = core.search(_paths(ctx), from_argv(query), source_id=source_id, limit=limit)
    if as_json:
        _print_json([h.as_json() for h in hits])
    else:
        _out().print(render.search_table(hits, from_argv(query), _now()))


@app.command()
@friendly_errors
def history(
    ctx: typer.Context,
    source_id: SourceId,
    last: Annotated[
        int, typer.Option("--last", "-n", min=1, max=BIGGEST, help="How many fetches to show.")
    ] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Show a source's fetches, newest first: outcome, HTTP status, counts, errors."""
    from subsample import core
    from subsample.show import render

    h = core.history(_paths(ctx), source_id, last)
    if as_json:
        _print_json(h)
    else:
        _out().print(render.history_view(h, _now()))


@app.command()
@friendly_errors
def gallery(
    ctx: typer.Context,
    source_id: SourceId,
    html: Annotated[
        Path | None, typer.Option("--html", help="Write a static page of thumbnails to this file.")
    ] = None,
    download: Annotated[
        bool, typer.Option("--download", help="Fetch the images into the local media store.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Show every image of a source's posts: post number, title, alt text, URL."""
    from subsample import core
    from subsample.show import render

    result = core.gallery(_paths(ctx), source_id, download=download, html=html)
    _err().print(render.gallery_messages(result, download=download), soft_wrap=True)
    if html is None and as_json:
        _print_json(result.images)
    elif html is None:
        _out().print(render.gallery_table(result.images))
    if result.problems:
        raise typer.Exit(1)


@app.command("export")
@friendly_errors
def export_(
    ctx: typer.Context,
    source_id: Annotated[
        str | None, typer.Argument(metavar="[ID]", autocompletion=_complete_source_ids)
    ] = None,
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="rss, atom, json (JSON Feed 1.1) or jsonl.")
    ] = "rss",
    opml: Annotated[
        bool, typer.Option("--opml", help="Export the subscription list as OPML instead.")
    ] = False,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file (default: stdout).")
    ] = None,
    site: Annotated[
        Path | None,
        typer.Option("--site", metavar="DIR", help="Write every page of `serve` into DIR as a static site."),
    ] = None,
) -> None:
    """Export a source's whole archive as a feed, every subscription as OPML, or the archive as a static site."""
    from subsample import core

    if site is not None:
        from subsample.show.web.site import export_site

        count = export_site(_paths(ctx), site, _now())
        _err().print(
            f"Wrote {count} pages to {site}; open {site / 'index.html'}", markup=False, soft_wrap=True
        )
        return
    core.export(_paths(ctx), source_id, fmt=fmt, opml=opml, into=output or sys.stdout.buffer)
    sys.stdout.flush()


@app.command("import")
@friendly_errors
def import_(
    ctx: typer.Context,
    what: Annotated[str, typer.Argument(metavar="FORMAT|FILE.opml")],
    path: Annotated[Path | None, typer.Argument(metavar="[PATH]", show_default=False)] = None,
    urls: Annotated[
        Path | None,
        typer.Option("--urls", metavar="FILE", help="newsboat: its urls file.", show_default=False),
    ] = None,
    limit: Annotated[int, typer.Option(min=0, max=BIGGEST, help="limit for each new source.")] = 50,
    interval: Annotated[str, typer.Option(help="interval for each new source.")] = "6h",
) -> None:
    """Move in from another reader: its subscriptions, and the posts it already holds.

    FORMAT is opml, newsboat (PATH: its cache.db, default where newsboat keeps it),
    sfeed (PATH: an sfeedrc, default ~/.sfeed/sfeedrc), reader (PATH: a lemon24/reader
    database) or greader (PATH: a Google Reader JSON export). `import FILE.opml` is
    `import opml FILE.opml`. Posts join the source of their feed (created if absent);
    importing again adds nothing. Rows that cannot be read are reported and skipped
    (exit 1, the rest is imported); a file of the wrong kind imports nothing (exit 2).
    """
    from subsample import core
    from subsample.show import render

    if what not in core.IMPORT_FORMATS:
        if path is not None:
            raise UsageError(f"unknown import format {what!r}; known: {', '.join(core.IMPORT_FORMATS)}")
        what, path = "opml", Path(what)  # `import FILE.opml`, as before formats were named
    if what == "opml":
        if path is None:
            raise UsageError("name the OPML file: subsample import opml FILE.opml")
        report = core.import_subscriptions(_paths(ctx), path, limit=limit, interval=interval)
        _err().print(render.import_report(report), soft_wrap=True)
        if report.failed:  # a duplicate is no failure: importing the same file twice is fine
            raise typer.Exit(1)
        return
    if urls is not None and what != "newsboat":
        raise UsageError("--urls is for newsboat only")
    path, urls = _import_defaults(what, path, urls)
    path = path.expanduser().absolute()  # (kept in each post's imported_from: say which file)
    imported = core.read_imported(what, path, urls_file=urls)
    done = core.import_posts(_paths(ctx), imported, now=_now(), limit=limit, interval=interval)
    if done.problems:
        _err().print(render.import_problems(done), soft_wrap=True)
    _out().print(render.posts_import_report(done), soft_wrap=True)
    if done.problems:
        raise typer.Exit(1)


def _import_defaults(fmt: str, path: Path | None, urls: Path | None) -> tuple[Path, Path | None]:
    """Where FORMAT's files are when not named: where the reader itself keeps them."""
    if fmt == "newsboat":
        from subsample.imports import newsboat

        cache_db, urls_file = newsboat.default_paths()
        if path is None:
            return cache_db, urls or urls_file
        return path, urls if urls is not None else path.parent / "urls"
    if path is not None:
        return path, None
    if fmt == "sfeed":
        from subsample.imports import sfeed

        return sfeed.default_sfeedrc(), None
    raise UsageError(f"name the file to import: subsample import {fmt} PATH")


@app.command()
@friendly_errors
def watch(
    ctx: typer.Context,
    timeout: Timeout = 30,
    max_size: MaxSize = 32,
) -> None:
    """Stay in the foreground and fetch each source when it is due, until stopped.

    One line per fetched source, with the time (failures on stderr). SIGTERM or Ctrl-C
    stops it once the fetch under way is saved (exit 0); a second Ctrl-C stops at once.
    """
    import os
    import signal
    import threading

    from subsample import watch as watching

    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        if signum == signal.SIGINT and stop.is_set():
            raise KeyboardInterrupt  # a second Ctrl-C: now (nothing half-written: whole lines)
        os.write(2, b"Stopping once the fetch under way is saved (Ctrl-C again: at once).\n")
        # Set from another thread: the signal may land while this one holds the Event's lock.
        threading.Thread(target=stop.set).start()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    paths = _paths(ctx)
    sys.stdout.write(f"Watching the sources of {paths.config_file} (Ctrl-C stops)\n")
    sys.stdout.flush()
    watching.watch(paths, stop=stop, now=_now, on_results=_watch_lines, limits=_limits(timeout, max_size))
    sys.stdout.write("Stopped.\n")


def _watch_lines(results: list[FetchResult]) -> None:
    """One line per fetched source, stamped with the local time; failures on stderr."""
    from datetime import datetime

    from rich.text import Text

    from subsample.show import render

    stamp = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S ")
    for r in results:
        (_err() if r.error else _out()).print(Text(stamp).append_text(render.fetch_line(r)), soft_wrap=True)
    sys.stdout.flush()


@app.command()
@friendly_errors
def schedule(
    ctx: typer.Context,
    cron: Annotated[bool, typer.Option("--cron", help="Print a crontab line.")] = False,
    systemd: Annotated[
        bool, typer.Option("--systemd", help="Print a systemd user service and timer.")
    ] = False,
    every: Annotated[
        str,
        typer.Option(
            help="How often to run `subsample fetch` (cron: minutes that divide an hour, hours that divide a day, 1d or 1w)."
        ),
    ] = "1h",
) -> None:
    """Print what makes your system's scheduler run `subsample fetch` (nothing is installed).

    `--cron`: a line for `crontab -e`. `--systemd`: a user service and timer, to save
    under ~/.config/systemd/user/ and start with `systemctl --user enable --now
    subsample-fetch.timer`. Both run this installation of subsample (the script being
    run, else this Python with -m subsample), whatever PATH holds. Each source is still
    fetched only when it is due.
    """
    import os

    from subsample import config as settings
    from subsample import watch as watching

    if cron == systemd:
        raise UsageError("say --cron or --systemd")
    seconds = settings.check_interval(every)
    command = watching.running_command(sys.argv[0], sys.executable)
    chosen = (ctx.find_object(Settings) or Settings()).home or os.environ.get("SUBSAMPLE_HOME")
    home = Path(chosen).expanduser().absolute() if chosen else None
    if cron:
        sys.stdout.write(watching.cron_line(command, home, seconds) + "\n")
        return
    for name, text in watching.systemd_units(command, home, seconds).items():
        sys.stdout.write(f"# ~/.config/systemd/user/{name}\n{text}\n")


@app.command()
@friendly_errors
def serve(
    ctx: typer.Context,
    port: Annotated[
        int, typer.Option(min=0, max=65535, help="The port to listen on (0: any free one).")
    ] = 8080,
    host: Annotated[
        str,
        typer.Option(help="The address to listen on; anything but 127.0.0.1 lets others read the archive."),
    ] = "127.0.0.1",
    open_browser: Annotated[bool, typer.Option("--open", help="Open the page in a web browser.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Do not log each request.")] = False,
) -> None:
    """Show the archive in a web browser: the sources, each source's posts and tabs, read-only."""
    from subsample.show.web.server import make_server  # only here: `list` and `read` never load it

    server = make_server(_paths(ctx), host, port, _now, quiet=quiet)
    err = _err()
    try:
        import ipaddress

        local = ipaddress.ip_address(host).is_loopback
    except ValueError:
        local = host == "localhost"
    if not local:
        err.print(
            f"warning: listening on {host}: anyone who can reach this machine can read the archive",
            markup=False,
            style="yellow",
            soft_wrap=True,
        )
    sys.stdout.write(f"Serving the archive at {server.url} (Ctrl-C stops)\n")
    sys.stdout.flush()
    if open_browser:
        import webbrowser

        webbrowser.open(server.url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        err.print("Stopped.", markup=False)
    finally:
        server.server_close()


# -- the process ----------------------------------------------------------------------


def main() -> None:
    """The `subsample` command: streams that survive any locale and a reader that leaves.

    Under LANG=C (cron, small containers) stdout is ASCII: a character it cannot encode
    is written as "?" rather than ending the command with a UnicodeEncodeError. A closed
    pipe (`subsample list | head -1`) ends it quietly with exit 1, as Python advises.
    """
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        # (strict, or surrogateescape, which is what Python picks for stdout under LANG=C)
        if reconfigure is not None and getattr(stream, "errors", "strict") in ("strict", "surrogateescape"):
            reconfigure(errors="replace")
    try:
        app()
    except SystemExit as e:
        code = e.code
    else:  # (app() always exits; this is for a future standalone_mode=False)
        code = 0
    # (After a broken pipe click swaps sys.stdout for a wrapper that hides the error, but
    # the real stream still holds what it could not write: flushed here, not at teardown.)
    for stream in (sys.stdout, sys.__stdout__):
        try:
            if stream is not None:
                stream.flush()
        except BrokenPipeError:
            _quiet_stdout()
            code = code or 1
        except (OSError, ValueError):  # a stream already closed
            pass
    sys.exit(code)


def _quiet_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's last flush finds no closed pipe."""
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
    finally:
        os.close(devnull)

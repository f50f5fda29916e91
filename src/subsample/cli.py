"""The command line: parse arguments, call the core, hand the result to render.

Only this module knows about Typer; errors from the core (SubsampleError) become one line
on stderr and an exit code here, in `friendly_errors`.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, ParamSpec, TypeVar

import typer

from subsample import __version__
from subsample.errors import SubsampleError, UsageError

P = ParamSpec("P")
R = TypeVar("R")

app = typer.Typer(
    name="subsample",
    help="Keep a permanent local copy of every post your feeds ever publish, and read it here.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

_home: Path | None = None


def _paths() -> Any:
    from subsample.paths import resolve_paths

    return resolve_paths(_home)


def _now() -> Any:
    from subsample.times import now_utc

    return now_utc()


def _out(width: int | None = None) -> Any:
    from rich.console import Console

    # No ":name:" emoji codes: nothing of ours uses them, and a URL or a name that happens
    # to contain one is printed as it is (rich would also import its 3 ms emoji table).
    return Console(highlight=False, emoji=False, width=width)


def _err() -> Any:
    from rich.console import Console

    return Console(stderr=True, highlight=False, emoji=False)


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def friendly_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Show a SubsampleError as one clean line on stderr and exit with its code."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except SubsampleError as e:
            from rich.text import Text

            from subsample.text import one_line

            _err().print(Text.assemble(("error: ", "bold red"), one_line(str(e))), soft_wrap=True)
            raise typer.Exit(e.exit_code) from None
        except KeyboardInterrupt:
            raise typer.Exit(130) from None

    return wrapper


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"subsample {__version__}\n")
        raise typer.Exit()


@app.callback()
def main_options(
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
    global _home
    _home = home


# -- managing sources -------------------------------------------------------------


@app.command()
@friendly_errors
def add(
    source_id: Annotated[
        str, typer.Argument(metavar="ID", help="A short name: lower-case letters, digits, - and _.")
    ],
    source_type: Annotated[str, typer.Argument(metavar="TYPE", help="rss: any RSS, Atom, RDF or JSON Feed.")],
    url: Annotated[str | None, typer.Argument(help="The feed's http(s) URL, or a feed file on disk.")] = None,
    limit: Annotated[int, typer.Option(help="How many of the newest entries one fetch takes (0: all).")] = 50,
    interval: Annotated[str, typer.Option(help="How often the source is due, e.g. 30m, 6h, 1d.")] = "6h",
    disabled: Annotated[bool, typer.Option("--disabled", help="Add it switched off.")] = False,
    title: Annotated[
        str | None, typer.Option(help="Your own name for it (default: the feed's title).")
    ] = None,
) -> None:
    """Register a source in sources.toml."""
    from subsample import core

    if url is None:
        if not sys.stdin.isatty():
            raise UsageError("missing URL; usage: subsample add ID TYPE URL")
        url = typer.prompt("Feed URL")
    source = core.add_source(
        _paths(),
        source_id,
        source_type,
        url,
        limit=limit,
        interval=interval,
        enabled=not disabled,
        title=title,
    )
    from rich.text import Text

    _err().print(Text(f"Added {source.id}. Run `subsample fetch` to archive its posts."))


@app.command()
@friendly_errors
def remove(source_id: Annotated[str, typer.Argument(metavar="ID")]) -> None:
    """Remove a source from sources.toml. Its archive is kept on disk."""
    from subsample import core

    paths = _paths()
    if core.remove_source(paths, source_id):
        _err().print(f"Removed {source_id}; its archive stays at {paths.archive(source_id)}", markup=False)
    else:
        _err().print(f"Removed {source_id}.", markup=False)


@app.command()
@friendly_errors
def enable(source_ids: Annotated[list[str], typer.Argument(metavar="ID...")]) -> None:
    """Switch sources on: `fetch` takes them when due."""
    from subsample import core

    core.set_enabled(_paths(), source_ids, True)


@app.command()
@friendly_errors
def disable(source_ids: Annotated[list[str], typer.Argument(metavar="ID...")]) -> None:
    """Switch sources off: `fetch` skips them; their archives stay."""
    from subsample import core

    core.set_enabled(_paths(), source_ids, False)


@app.command("set")
@friendly_errors
def set_(
    source_id: Annotated[str, typer.Argument(metavar="ID")],
    key: Annotated[str, typer.Argument(help="url, type, limit, interval, enabled or title.")],
    value: Annotated[str, typer.Argument()],
) -> None:
    """Change one setting of a source, checked as `add` checks it."""
    from subsample import core

    core.set_setting(_paths(), source_id, key, value)


@app.command()
@friendly_errors
def config(
    source_id: Annotated[str | None, typer.Argument(metavar="[ID]")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Show a source's settings, where they live and its fetch state (no ID: where files live)."""
    from subsample import core
    from subsample.show import render

    paths = _paths()
    if source_id is None:
        info = {"config_file": str(paths.config_file), "data": str(paths.data)}
        if as_json:
            _print_json(info)
        else:
            _out().print(f"config file: {info['config_file']}\ndata folder: {info['data']}", markup=False)
        return
    cfg = core.source_config(paths, source_id)
    if as_json:
        _print_json(cfg)
    else:
        _out().print(render.config_view(cfg))


# -- fetching -----------------------------------------------------------------------


@app.command()
@friendly_errors
def fetch(
    source_ids: Annotated[
        list[str] | None, typer.Argument(metavar="[ID]...", help="Fetch these now, due or not.")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Fetch every enabled source, due or not.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the results as JSON.")] = False,
    timeout: Annotated[
        float, typer.Option(min=1, max=3600, help="Give up on a source after this many seconds.")
    ] = 30,
    max_size: Annotated[
        int, typer.Option(min=1, help="Largest feed accepted, in MiB after decompression.")
    ] = 32,
) -> None:
    """Fetch the enabled sources that are due and archive their new posts."""
    from subsample import core

    # rich and the renderers are imported in on_start, once the downloads have begun: in a
    # big fetch that is while this process waits for the first feeds, not before the
    # download processes can start.
    progress: Any = None
    task: Any = None
    out: Any = None

    def on_start(total: int) -> None:
        nonlocal progress, task, out
        out = _out()
        err = _err()
        if total and err.is_terminal and not as_json:
            from rich.progress import Progress

            progress = Progress(console=err, transient=True)
            progress.start()
            task = progress.add_task("fetching", total=total)

    def on_results(results: list[Any]) -> None:
        from rich.text import Text

        from subsample.show import render

        if progress is not None:
            progress.advance(task, len(results))
        if not as_json:
            # One print a batch: a fetch of hundreds of sources prints in a few writes.
            lines = Text("\n").join(render.fetch_line(r) for r in results)
            (progress.console if progress is not None else out).print(lines)

    try:
        report = core.fetch(
            _paths(),
            source_ids or [],
            force=force,
            now=_now,
            on_start=on_start,
            on_results=on_results,
            limits=_limits(timeout, max_size),
        )
    finally:
        if progress is not None:
            progress.stop()
    from subsample.show import render

    out = out or _out()
    if as_json:
        from dataclasses import asdict

        _print_json([asdict(r) for r in report.results])
    elif report.results:
        out.print(render.fetch_summary(report.results))
    else:
        when = render.relative(report.next_due, _now()) if report.next_due else None
        out.print(f"Nothing is due{f'; the next source is due {when}' if when else ''}.", markup=False)
    if report.failed:
        raise typer.Exit(1)


def _limits(timeout: float, max_size: int) -> Any:
    from subsample.fetch.http import Limits

    return Limits(
        connect_timeout=min(10, timeout),
        read_timeout=min(20, timeout),
        deadline=timeout,
        max_bytes=max_size * 1024 * 1024,
    )


# -- reading -----------------------------------------------------------------------


@app.command("list")
@friendly_errors
def list_(
    source_id: Annotated[str | None, typer.Argument(metavar="[ID]", help="Show this source's posts.")] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="How many posts to show.")] = 50,
    show_all: Annotated[bool, typer.Option("--all", help="Show every post.")] = False,
    since: Annotated[
        str | None, typer.Option(help="Only posts published on or after this date (YYYY-MM-DD).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    content: Annotated[
        bool, typer.Option("--content", help="With --json: include each post's HTML.")
    ] = False,
) -> None:
    """List the sources, or the posts of one source, newest first."""
    from subsample import core
    from subsample.show import render

    paths = _paths()
    now = _now()
    if source_id is None:
        rows = core.list_sources(paths)
        if as_json:
            _print_json([r.as_json() for r in rows])
        else:
            _out().print(render.sources_table(rows, now))
        return
    listing = core.list_posts(
        paths, source_id, limit=None if show_all else limit, since=_since(since), content=content and as_json
    )
    if as_json:
        _print_json(listing.posts)
    else:
        _out().print(render.posts_view(listing, now))


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
    n: Annotated[int, typer.Argument(metavar="N", help="The post number shown by `subsample list ID`.")],
    revision: Annotated[int | None, typer.Option(min=1, help="Show this older revision.")] = None,
    raw: Annotated[bool, typer.Option("--raw", help="Print the stored HTML.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the whole stored record.")] = False,
    width: Annotated[int | None, typer.Option(min=20, help="Wrap at this many columns.")] = None,
    no_pager: Annotated[bool, typer.Option("--no-pager", help="Never page, even on a terminal.")] = False,
) -> None:
    """Show one post as an article."""
    from subsample import core
    from subsample.show import render

    paths = _paths()
    post = core.get_post(paths, n, revision)
    if as_json:
        _print_json(post)
        return
    if raw:
        from subsample.text import clean

        body = post.get("content") or post.get("summary") or ""
        sys.stdout.write(clean(body if isinstance(body, str) else "") + "\n")
        return
    title = core.source_title(paths, str(post.get("source")))
    out = _out(width)
    # Rendered once; the same text is printed, paged or (piped) stripped of rich's padding.
    with out.capture() as cap:
        out.print(render.article(post, _now(), title))
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
    query: Annotated[str, typer.Argument(help="Words to find in titles and bodies (any case).")],
    source_id: Annotated[str | None, typer.Option("--source", help="Search only this source.")] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Show at most this many.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Find posts across all archives."""
    from subsample import core
    from subsample.show import render

    hits = core.search(_paths(), query, source_id=source_id, limit=limit)
    if as_json:
        _print_json(
            [{"n": h.post.get("n"), "source": h.post.get("source"), "title": h.post.get("title"),
              "published": h.post.get("published"), "link": h.post.get("link"), "snippet": h.snippet} for h in hits]
        )  # fmt: skip
    else:
        _out().print(render.search_table(hits, query, _now()))


@app.command()
@friendly_errors
def history(
    source_id: Annotated[str, typer.Argument(metavar="ID")],
    last: Annotated[int, typer.Option("--last", "-n", min=1, help="How many fetches to show.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Show a source's fetches, newest first: outcome, HTTP status, counts, errors."""
    from subsample import core
    from subsample.show import render

    h = core.history(_paths(), source_id, last)
    if as_json:
        _print_json(h)
    else:
        _out().print(render.history_view(h, _now()))


@app.command()
@friendly_errors
def gallery(
    source_id: Annotated[str, typer.Argument(metavar="ID")],
    html: Annotated[
        Path | None, typer.Option("--html", help="Write a static page of thumbnails to this file.")
    ] = None,
    download: Annotated[
        bool, typer.Option("--download", help="Fetch the images into the local media store.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Show every image of a source's posts: post number, title, alt text, URL."""
    from subsample.show import export, render

    paths = _paths()
    images = list(export.iter_images(paths, source_id))
    failed = False
    if not download:
        from subsample.fetch.media import attach_stored

        attach_stored(paths, images)
    else:
        from subsample import config
        from subsample.fetch.media import download_images
        from subsample.text import one_line

        count, problems = download_images(paths, images, config.get_source(paths, source_id).url)
        for p in problems:
            _err().print(f"image failed: {one_line(p)}", markup=False, soft_wrap=True)
        _err().print(f"Downloaded {count} new image{'s' * (count != 1)}.", markup=False)
        failed = bool(problems)
    if html is not None:
        from subsample.archive.files import atomic_write
        from subsample.show.gallery_html import gallery_html

        atomic_write(html, gallery_html(source_id, images))
        _err().print(f"Wrote {len(images)} images to {html}", markup=False)
    elif as_json:
        _print_json(images)
    else:
        _out().print(render.gallery_table(images))
    if failed:
        raise typer.Exit(1)


@app.command("export")
@friendly_errors
def export_(
    source_id: Annotated[str | None, typer.Argument(metavar="[ID]")] = None,
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="rss, atom, json (JSON Feed 1.1) or jsonl.")
    ] = "rss",
    opml: Annotated[
        bool, typer.Option("--opml", help="Export the subscription list as OPML instead.")
    ] = False,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file (default: stdout).")
    ] = None,
) -> None:
    """Export a source's whole archive as a feed, or every subscription as OPML."""
    from subsample.show import export

    paths = _paths()
    if opml:
        data = export.export_opml(paths)
    elif source_id is None:
        raise UsageError("name a source to export, or use --opml")
    elif fmt == "jsonl":  # streamed, whatever the archive's size
        if output is None:
            export.write_jsonl(paths, source_id, sys.stdout.buffer)
            sys.stdout.flush()
        else:
            from subsample.archive.files import atomic_writer

            with atomic_writer(output) as f:
                export.write_jsonl(paths, source_id, f)
        return
    else:
        data = export.export_source(paths, source_id, fmt)
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        from subsample.archive.files import atomic_write

        atomic_write(output, data)


@app.command("import")
@friendly_errors
def import_(
    file: Annotated[Path, typer.Argument(metavar="FILE.opml")],
    limit: Annotated[int, typer.Option(min=0, help="limit for each new source.")] = 50,
    interval: Annotated[str, typer.Option(help="interval for each new source.")] = "6h",
) -> None:
    """Subscribe to every feed of an OPML file (duplicates and bad URLs are reported and skipped)."""
    from subsample.show import export

    added, problems = export.import_opml(_paths(), file, limit=limit, interval=interval)
    err = _err()
    for p in problems:
        err.print(f"skipped {p}", markup=False, soft_wrap=True)
    err.print(
        f"Imported {len(added)} source{'s' * (len(added) != 1)}: {', '.join(added) or 'none'}", markup=False
    )
    if any("already subscribed" not in p for p in problems):
        raise typer.Exit(1)


def main() -> None:
    """The `subsample` command: the app, then an exit that skips the interpreter's teardown.

    By the time the app returns every file, lock and the index are closed and the download
    workers have ended; unloading typer, rich, lxml and the rest would still cost ~90 ms of
    CPU after a fetch and 20-40 ms after `list` or `read`. Exceptions other than an exit
    (a bug's traceback) take the ordinary way out.
    """
    try:
        app()
        code: Any = 0
    except SystemExit as e:
        code = e.code
    if code is None:
        code = 0
    elif not isinstance(code, int):  # sys.exit("message"), as Python would print it
        print(code, file=sys.stderr)
        code = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a reader that went away, or a stream already closed
            code = code or 1
    os._exit(code)

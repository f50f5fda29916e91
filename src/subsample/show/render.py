"""Everything the terminal shows: rich tables and articles built from core data.

Every piece of feed text goes through text.one_line/clean and into a rich Text, never
into a markup string, so neither escape sequences nor `[link=...]` look-alikes survive.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from subsample.durations import format_duration
from subsample.models import FetchResult
from subsample.text import one_line, shorten
from subsample.times import parse_iso

# -- time ---------------------------------------------------------------------------


def relative(when: datetime | str | None, now: datetime) -> str:
    """'4 hours ago', 'yesterday', '2 hours from now'; '' for no date."""
    if isinstance(when, str) or when is None:
        when = parse_iso(when)
        if when is None:
            return ""
    import humanize

    delta = now - when
    if timedelta(days=1) <= delta < timedelta(days=2) and when.date() == (now - timedelta(days=1)).date():
        return "yesterday"
    return str(humanize.naturaltime(delta, when=now, future=delta < timedelta(0)))


def absolute(when: str | None) -> str:
    dt = parse_iso(when)
    return dt.strftime("%Y-%m-%d %H:%M UTC") if dt else ""


# -- sources -------------------------------------------------------------------------


def sources_table(rows: Sequence[Any], now: datetime) -> RenderableType:
    if not rows:
        return Text("No sources yet. Add one: subsample add ID rss URL")
    table = Table(box=None, header_style="bold", pad_edge=False)
    for name in ("ID", "Type", "Limit", "Status", "Posts", "Last Update", "Next Update"):
        table.add_column(name, justify="right" if name in ("Limit", "Posts") else "left")
    for r in rows:
        status = Text(r.status, style={"Enabled": "green", "Failing": "red"}.get(r.status, "dim"))
        table.add_row(
            Text(r.source.id, style="bold"),
            Text(r.source.type),
            Text(str(r.source.limit or "all")),
            status,
            Text(str(r.posts)),
            Text(relative(r.last_update, now) or "never"),
            Text(_next_update(r.next_update, now, r.source.enabled)),
        )
    return table


def _next_update(when: datetime | None, now: datetime, enabled: bool) -> str:
    if not enabled:
        return "—"
    if when is None or when <= now:
        return "due now"
    return relative(when, now)


def fetch_line(r: FetchResult) -> Text:
    """One source's outcome, as printed while a fetch runs."""
    t = Text()
    t.append(f"{r.source}: ", style="bold")
    if r.error:
        t.append("failed: ", style="red")
        t.append(one_line(r.error))
    elif r.not_modified:
        t.append("not modified", style="dim")
    else:
        t.append(f"{r.new} new", style="green" if r.new else "")
        t.append(f", {r.updated} updated, {r.unchanged} unchanged")
    for note in r.notes:
        t.append(f" ({one_line(note)})", style="yellow")
    return t


def fetch_summary(results: Sequence[FetchResult]) -> Text:
    failed = [r for r in results if r.error]
    new = sum(r.new for r in results)
    updated = sum(r.updated for r in results)
    t = Text(f"{len(results)} source{'s' * (len(results) != 1)} fetched: ")
    t.append(f"{new} new", style="green" if new else "")
    t.append(f", {updated} updated")
    if failed:
        t.append(f", {len(failed)} failed ({', '.join(r.source for r in failed)})", style="red")
    return t


def config_view(cfg: dict[str, Any]) -> RenderableType:
    table = Table(box=None, show_header=False, pad_edge=False)
    table.add_column(style="bold")
    table.add_column()
    for key, value in cfg["settings"].items():
        shown = format_duration(value) if key == "interval" else value
        table.add_row(key, Text(one_line("" if shown is None else shown)))
    table.add_row("config file", Text(one_line(cfg["config_file"])))
    table.add_row("archive", Text(one_line(cfg["archive"])))
    for key, value in sorted(cfg["state"].items()):
        table.add_row(Text(f"state.{key}", style="dim"), Text(one_line(value)))
    return Group(Text(f"Config of {cfg['id']}", style="bold underline"), table)


# -- posts ---------------------------------------------------------------------------


def posts_view(listing: Any, now: datetime) -> RenderableType:
    heading = Text()
    if listing.title:
        heading.append(one_line(listing.title), style="bold")
        heading.append(f" ({listing.source_id})\n", style="dim")
    heading.append(f"Posts ({listing.total})", style="bold underline")
    if not listing.posts:
        return Group(heading, Text("No posts archived yet; run `subsample fetch`.", style="dim"))
    table = Table(box=None, pad_edge=False, show_header=True, header_style="bold")
    table.add_column("#", justify="right", style="cyan", no_wrap=True)
    table.add_column("Title", overflow="fold")
    table.add_column("Published", no_wrap=True)
    table.add_column("", no_wrap=True)
    for p in listing.posts:
        marks = []
        if p.get("revisions", 1) > 1:
            marks.append(f"edited ×{p['revisions'] - 1}")  # noqa: RUF001
        if p.get("in_feed") is False:
            marks.append("left feed")
        table.add_row(
            str(p["n"]),
            Text(one_line(p.get("title")) or "(untitled)"),
            Text(relative(p.get("published") or p.get("first_seen"), now)),
            Text(", ".join(marks), style="yellow"),
        )
    shown = len(listing.posts)
    parts: list[RenderableType] = [heading, table]
    if shown < listing.total:
        parts.append(Text(f"… {listing.total - shown} older; --all shows every post", style="dim"))
    return Group(*parts)


def article(post: dict[str, Any], now: datetime, source_title: str | None = None) -> RenderableType:
    from rich.rule import Rule

    from subsample.show.article import html_to_rich

    head = Text()
    head.append(one_line(post.get("title")) or "(untitled)", style="bold")
    head.append("\n")
    sid = one_line(post.get("source"))
    meta = [("Source", f"{one_line(source_title)} ({sid})" if source_title else sid)]
    if post.get("author"):
        meta.append(("Author", one_line(post["author"])))
    date = post.get("published") or post.get("updated")
    if date:
        meta.append(("Published", f"{absolute(date)} ({relative(date, now)})"))
    if post.get("link"):
        meta.append(("Link", one_line(post["link"])))
    meta.append(("Post", f"#{post.get('n')}"))
    if post.get("revisions", 1) > 1:
        meta.append(("Revision", f"{post.get('revision')} of {post['revisions']}"))
    for label, value in meta:
        head.append(f"{label}: ", style="dim")
        head.append(value + "\n")
    raw = post.get("content") or post.get("summary") or ""
    body = html_to_rich(raw if isinstance(raw, str) else "")
    parts: list[RenderableType] = [head, Rule(style="dim")]
    if body.blocks:
        parts.append(body.renderable())
    else:
        parts.append(Text("(this post has no body)", style="dim"))
    if body.links:
        parts.append(_numbered("Links", body.links))
    if body.images:
        parts.append(
            _numbered("Images", [f"{url}" + (f"  ({alt})" if alt else "") for url, alt in body.images])
        )
    return Group(*parts)


def _numbered(title: str, items: list[str]) -> RenderableType:
    t = Text()
    t.append(f"\n{title}\n", style="bold")
    for i, item in enumerate(items, start=1):
        t.append(f"[{i}] ", style="cyan")
        t.append(one_line(item) + "\n")
    return t


def search_table(hits: Sequence[Any], query: str, now: datetime) -> RenderableType:
    if not hits:
        return Text(f"No posts match {one_line(query)!r}.")
    table = Table(box=None, pad_edge=False, header_style="bold")
    table.add_column("#", justify="right", style="cyan", no_wrap=True)
    table.add_column("Source", no_wrap=True)
    table.add_column("Date", no_wrap=True)
    table.add_column("Title / match", overflow="fold")
    needle = " ".join(query.split()).lower()
    for hit in hits:
        p = hit.post
        cell = Text(one_line(p.get("title")) or "(untitled)", style="bold")
        snippet = Text(one_line(hit.snippet), style="dim")
        at = snippet.plain.lower().find(needle)
        if at >= 0:
            snippet.stylize("bold yellow", at, at + len(needle))
        cell.append("\n")
        cell.append_text(snippet)
        date = p.get("published") or p.get("first_seen")
        table.add_row(str(p["n"]), Text(one_line(p.get("source"))), Text(relative(date, now)), cell)
    return table


def history_view(h: dict[str, Any], now: datetime) -> RenderableType:
    state = h["state"]
    top = Text()
    if state.get("failures"):
        top.append(
            f"Failing since {relative(state.get('failing_since'), now)} ({state['failures']} in a row): ",
            style="red",
        )
        top.append(one_line(state.get("last_error")) + "\n")
    if h["enabled"] and state.get("next_update"):
        why = state.get("schedule") or "interval"
        if why == "interval" and h.get("interval"):
            why = f"every {format_duration(h['interval'])}"
        top.append(f"Next update {relative(state['next_update'], now)} ({one_line(why)}).\n")
    elif not h["enabled"]:
        top.append("Disabled: not fetched until enabled.\n", style="dim")
    if not h["fetches"]:
        return Group(top, Text("No fetches yet.", style="dim"))
    table = Table(box=None, pad_edge=False, header_style="bold")
    for name in ("When", "Outcome", "HTTP", "New", "Updated", "Bytes", "Time", "Error"):
        table.add_column(name, justify="right" if name in ("New", "Updated", "Bytes", "Time") else "left")
    for f in h["fetches"]:
        if f.get("error"):
            outcome = Text("failed", style="red")
        elif f.get("not_modified"):
            outcome = Text("not modified", style="dim")
        elif f.get("new"):
            outcome = Text("new posts", style="green")
        else:
            outcome = Text("no change")
        table.add_row(
            Text(relative(f.get("time"), now)),
            outcome,
            Text(str(f.get("status") or "")),
            Text(str(f.get("new", 0))),
            Text(str(f.get("updated", 0))),
            Text(str(f.get("bytes", 0))),
            Text(f"{float(f.get('duration') or 0):.2f}s"),
            Text(shorten(one_line(f.get("error") or ""), 80)),
        )
    return Group(top, table)


def gallery_table(images: Sequence[dict[str, Any]]) -> RenderableType:
    if not images:
        return Text("No images in this source's posts.")
    table = Table(box=None, pad_edge=False, header_style="bold")
    table.add_column("#", justify="right", style="cyan", no_wrap=True)
    table.add_column("Post", overflow="fold")
    table.add_column("Alt text", overflow="fold")
    table.add_column("URL", overflow="fold")
    for img in images:
        table.add_row(
            str(img["n"]),
            Text(one_line(img.get("title"))),
            Text(one_line(img.get("alt"))),
            Text(one_line(img.get("path") or img["url"])),
        )
    return table


# -- discovery -----------------------------------------------------------------------


def discovery_json(found: Any) -> list[dict[str, Any]]:
    from subsample.parse.discover import format_name

    return [
        {
            "url": f.url,
            "title": f.title,
            "format": format_name(f.format),
            "found_by": f.via,
            "comments": f.comments,
            "full_content": f.full,
        }
        for f in found.feeds
    ]


def discovery_table(found: Any) -> RenderableType:
    """The feeds of a page, best first: URL, Title, Format."""
    from subsample.parse.discover import format_name

    table = Table(box=None, pad_edge=False)
    for column in ("URL", "Title", "Format"):
        table.add_column(column, overflow="fold")
    for f in found.feeds:
        table.add_row(Text(one_line(f.url)), Text(one_line(f.title or "")), Text(format_name(f.format)))
    return table


def discovery_choice(found: Any) -> Text:
    """Which feed of a page `add` chose, and which others it offers."""
    from subsample.parse.discover import format_name

    best, *others = found.feeds
    t = Text(f"{one_line(found.url)} is a page; subscribed to its feed ")
    t.append(one_line(best.url), style="bold")
    t.append(f" ({one_line(best.title or 'untitled')}, {format_name(best.format)})")
    for f in others:
        t.append(
            f"\n  also offered: {one_line(f.url)} ({one_line(f.title or 'untitled')}, {format_name(f.format)})"
        )
    return t

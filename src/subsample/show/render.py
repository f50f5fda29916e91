"""Everything the terminal shows: rich tables and articles built from core data.

Every piece of feed text goes through text.one_line/clean and into a rich Text, never
into a markup string, so neither escape sequences nor `[link=...]` look-alikes survive.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from rich.console import Group, RenderableType
from rich.style import Style
from rich.table import Table
from rich.text import Text

from subsample import times
from subsample.durations import format_duration
from subsample.models import FetchResult
from subsample.text import clean, one_line, shorten

if TYPE_CHECKING:
    from subsample.core import Added, FetchReport, Gallery, PostsImport, Removed
    from subsample.show.export import ImportReport

# -- time ---------------------------------------------------------------------------

# Re-exported: every view places dates the one way times.py defines.
relative = times.relative
absolute = times.absolute


# -- sources -------------------------------------------------------------------------


def sources_table(rows: Sequence[Any], now: datetime) -> RenderableType:
    if not rows:
        return Text("No sources yet. Add one: subsample add ID rss URL")
    table = Table(box=None, header_style="bold", pad_edge=False)
    for name in ("ID", "Type", "Limit", "Status", "Posts", "Last Update", "Next Update"):
        table.add_column(name, justify="right" if name in ("Limit", "Posts") else "left")
    for r in rows:
        status = _status(r.status)
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


def _status(status: str) -> Text:
    return Text(status, style={"Enabled": "green", "Failing": "red", "Dead": "bold red"}.get(status, "dim"))


def stale_table(rows: Sequence[Any], now: datetime, quiet_for: str) -> RenderableType:
    """The sources `list --stale` finds: quiet or failing for QUIET_FOR."""
    if not rows:
        return Text(f"No source has gone {one_line(quiet_for)} without a new post or failed that long.")
    table = Table(box=None, header_style="bold", pad_edge=False)
    for name in ("ID", "Type", "Status", "Posts", "Last Post", "Last Success"):
        table.add_column(name, justify="right" if name == "Posts" else "left")
    for r in rows:
        table.add_row(
            Text(r.source.id, style="bold"),
            Text(r.source.type),
            _status(r.status),
            Text(str(r.posts)),
            Text(relative(r.last_post, now) or ("unknown" if r.posts else "none")),
            Text(relative(r.last_update, now) or "never"),
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
    """What the fetch did, true whatever failed: '2 sources fetched: 5 new, 1 updated',
    '3 sources: 1 fetched, 2 failed (a, b); 5 new, 0 updated', '2 sources failed: a, b'."""
    failed = [r.source for r in results if r.error]
    fetched = len(results) - len(failed)
    names = ", ".join(one_line(sid) for sid in failed)
    if not fetched:
        return Text(f"{_count(len(failed), 'source')} failed: {names}", style="red")
    if failed:
        t = Text(f"{_count(len(results), 'source')}: {fetched} fetched, ")
        t.append(f"{len(failed)} failed ({names})", style="red")
        t.append("; ")
    else:
        t = Text(f"{_count(fetched, 'source')} fetched: ")
    new = sum(r.new for r in results)
    t.append(f"{new} new", style="green" if new else "")
    t.append(f", {sum(r.updated for r in results)} updated")
    read, failed_pages = sum(r.pages_read for r in results), sum(r.pages_failed for r in results)
    waiting = sum(r.pages_waiting for r in results)
    if read or failed_pages or waiting:
        more = [f"{waiting} waiting"] * bool(waiting) + [f"{failed_pages} failed"] * bool(failed_pages)
        t.append(f"; {_count(read, 'full text')}" + (f" ({', '.join(more)})" if more else ""))
    return t


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' * (n != 1)}"


def added(a: Added) -> Text:
    """What `add` says: the feed a page led to, or what a typed source maps to, then the next step."""
    t = Text()
    if a.discovery is not None:
        t.append_text(discovery_choice(a.discovery))
        t.append("\n")
    elif a.note:
        t.append(f"note: {one_line(a.note)}; if it is elsewhere: subsample set {a.source.id} url FEED\n")
    elif a.source.what:
        t.append(f"{one_line(a.source.what)} is {one_line(a.source.url)}\n")
    if a.also_as:
        t.append(f"note: this feed is subscribed already as {', '.join(a.also_as)}\n")
    if a.continues:
        t.append(
            f"{a.source.id} continues the archive its removed source left ({_count(a.continues, 'post')}).\n"
        )
    t.append(f"Added {a.source.id}. Run `subsample fetch` to archive its posts.")
    return t


def backfill_page(page: Any) -> Text:
    """One line per page a backfill read."""
    if page.error:
        return Text(f"page {page.number}: failed: {one_line(page.error)}")
    if page.status != 200:
        return Text(f"page {page.number}: HTTP {page.status}")
    t = Text(f"page {page.number}: {_count(page.entries, 'post')}, {page.new} new")
    if page.updated:
        t.append(f", {page.updated} updated")
    return t


def backfill_step(step: Any) -> Text:
    """One line per batch a way past the feed archived (a page of a REST API, an article)."""
    t = Text(f"{step.way} {step.number}: {_count(step.entries, 'post')}, {step.new} new")
    if step.updated:
        t.append(f", {step.updated} updated")
    if step.url:
        t.append(f" ({one_line(step.url)})")
    return t


def backfill_summary(walk: Any) -> Text:
    """The last lines of a backfill: what the feed's walk found and why it stopped, then
    each of the site's ways, then how many posts each found."""
    t = _feed_summary(walk)
    for way in walk.ways:
        t.append("\n")
        t.append_text(_way_summary(walk.source, way))
    if any(w.found for w in walk.ways):
        found = [f"feed {walk.new}", *(f"{w.name} {w.new}" for w in walk.ways if w.found)]
        t.append(f"\n{walk.source}: found {_count(walk.all_new, 'new post')}: {', '.join(found)}.")
    return t


def _way_summary(source: str, way: Any) -> Text:
    if not way.found:  # the site said nothing we could read of it (robots.txt, a failure)
        return Text(f"{source} ({way.name}): {one_line(way.stopped)}.")
    how = way.name + (f", resumed {way.resumed}" if way.resumed else "")
    t = Text(f"{source} ({how}): ")
    if way.steps:
        t.append(f"{_count(way.steps, 'page')}, {_count(way.new, 'new post')}")
        if way.not_posts:
            t.append(f" ({_count(way.not_posts, 'page')} not posts)")
        t.append("; ")
    t.append(f"{one_line(way.stopped)}.")
    # A site with hundreds of dead pages in its sitemap would fill the screen: the first
    # few, then a count (each is in `subsample history ID`).
    for note in way.notes[:NOTES_SHOWN]:
        t.append(f" {one_line(note)}.")
    if len(way.notes) > NOTES_SHOWN:
        t.append(f" And {_count(len(way.notes) - NOTES_SHOWN, 'note')} more (`subsample history {source}`).")
    return t


NOTES_SHOWN = 3


def backfill_plan(walk: Any) -> Text:
    """--dry-run: what a backfill would read, way by way."""
    t = Text(f"{walk.source}: a backfill would read (nothing archived):")
    for way in walk.ways:
        if not way.found:
            t.append(f"\n{way.name}: {one_line(way.stopped)}")
            continue
        refused = set(way.refused)
        for url in way.read:
            t.append(f"\n{way.name}: {one_line(url)}")
            if url in refused:
                t.append(" (robots.txt disallows it: not read)")
        for note in way.notes:
            t.append(f"\n{way.name}: {one_line(note)}")
        if way.stopped and way.stopped != "reached its end":
            t.append(f"\n{way.name}: {one_line(way.stopped)}")
    if not any(w.name != "feed" and w.found for w in walk.ways):
        t.append("\nThe site offers no other way back.")
    return t


def _feed_summary(walk: Any) -> Text:
    if walk.mechanism is None:  # no older pages: what the feed's own document brought
        entries = walk.pages[0].entries if walk.pages else 0
        t = Text(f"{walk.source}: ")
        if walk.new:
            t.append(f"{_count(walk.new, 'new post')} of the {entries} the feed itself holds; ")
        t.append(f"{one_line(walk.stopped)}.")
    else:
        how = f"{walk.mechanism}" + (f", resumed at page {walk.resumed_at}" if walk.resumed_at else "")
        t = Text(
            f"{walk.source} ({how}): {_count(len(walk.pages), 'page')}, {_count(walk.new, 'new post')}; {one_line(walk.stopped)}."
        )
    if walk.deleted:
        t.append(f" {_count(walk.deleted, 'post')} deleted by the publisher.")
    if walk.cut_at and walk.mechanism is not None:
        t.append(f" `backfill {walk.source}` without --until goes on from page {walk.cut_at}.")
    return t


def backfill_interrupted(walk: Any) -> Text:
    """For stderr, after Ctrl-C: what was kept and where the next backfill begins."""
    if walk.in_way is not None:
        where = f"goes on with {walk.in_way} {walk.way_resumes or 'where it stopped'}"
    else:
        where = f"resumes at page {walk.resume_at}" if walk.resume_at else "begins at the feed again"
    pages = len(walk.pages) + sum(w.steps for w in walk.ways)
    return Text(
        f"interrupted: {_count(pages, 'page')} read, {_count(walk.all_new, 'new post')} kept;"
        f" `subsample backfill {walk.source}` {where}."
    )


def revision_text(post: dict[str, Any]) -> str:
    """What a reader sees of one revision, as plain text: its title, link and body."""
    from subsample.parse.entry import html_to_plain

    body = html_to_plain(str(post.get("content") or post.get("summary") or ""))
    return "\n\n".join(clean(str(x)) for x in (post.get("title") or "", post.get("link") or "", body))


def revision_diff(old: dict[str, Any], new: dict[str, Any], *, colour: bool) -> Text | str:
    """What changed from revision OLD to NEW: the changed words, with a few words of context
    around each change and a line of "..." between the hunks. Coloured (removed red struck
    out, added green) for a terminal, else spelled [-…-]{+…+} as a str for a pipe."""
    from subsample.show import diff

    found = diff.hunks(diff.word_diff(revision_text(old), revision_text(new)))
    head = f"Post {new.get('n')}: revision {old.get('revision')} -> {new.get('revision')}"
    if not found:
        head += " (no change in the text)"
    if not colour:
        return (head + "\n\n" + _HUNK_BREAK.join(diff.plain(h) for h in found)).rstrip()
    t = Text()  # (its own style would be the whole diff's: only the head is bold)
    t.append(head, style="bold")
    t.append("\n\n")
    for k, hunk in enumerate(found):
        if k:
            t.append(_HUNK_BREAK, style="dim")
        for p in hunk:
            words = p.text.rstrip()
            t.append(words, style=_DIFF_STYLES[p.kind])
            t.append(p.text[len(words) :])  # (white space after a change is not struck out)
    t.rstrip()
    return t


_HUNK_BREAK = "\n...\n"  # between two hunks: unchanged text left out (ASCII: any locale)
_DIFF_STYLES = {"equal": "", "removed": "red strike", "added": "green"}


def removed(r: Removed) -> Text:
    if r.archive is None:
        return Text(f"Removed {r.source_id}.")
    return Text(f"Removed {r.source_id}; its archive stays at {one_line(str(r.archive))}")


def fetch_report(report: FetchReport, now: datetime) -> Text:
    """The last line of a fetch: its summary, or when the next source is due."""
    if report.results:
        return fetch_summary(report.results)
    when = relative(report.next_due, now) if report.next_due else ""
    return Text(f"Nothing is due{f'; the next source is due {when}' if when else ''}.")


def config_view(cfg: dict[str, Any]) -> RenderableType:
    """A source's settings, where its files are and what its fetches have learnt: one
    line a value, printed soft-wrapped (cli: soft_wrap=True), so that a long URL or path is
    never broken across lines and copies whole."""
    if "settings" not in cfg:  # no source named: where files live
        return Text(f"config file: {one_line(cfg['config_file'])}\ndata folder: {one_line(cfg['data'])}")
    rows: list[tuple[Text, str]] = []
    for key, value in cfg["settings"].items():
        shown = format_duration(value) if key == "interval" else value
        rows.append((Text(key, style="bold"), one_line("" if shown is None else shown)))
    rows.append((Text("config file", style="bold"), one_line(cfg["config_file"])))
    rows.append((Text("archive", style="bold"), one_line(cfg["archive"])))
    for key, value in sorted(cfg["state"].items()):
        rows.append((Text(f"state.{key}", style="dim"), one_line(value)))
    for key, value in (cfg.get("full_text") or {}).items():  # (the backlog: pages still to read)
        rows.append((Text(f"full_text.{key}", style="dim"), str(value)))
    width = max(len(key) for key, _ in rows) + 2
    lines = Text("\n").join(Text.assemble(key, " " * (width - len(key)), value) for key, value in rows)
    parts: list[RenderableType] = [Text(f"Config of {cfg['id']}", style="bold underline"), lines]
    if cfg["state"].get("announced_url"):
        parts.append(Text(_announced(cfg["id"], cfg["state"]["announced_url"]), style="yellow"))
    return Group(*parts)


def _announced(sid: str, url: str) -> str:
    """The note on a feed that gives itself a new address (shown as Text: never markup)."""
    shown = one_line(url)
    return f"The feed says it moved to {shown}; `subsample set {sid} url {shown}` takes it."


# -- posts ---------------------------------------------------------------------------


def posts_view(listing: Any, now: datetime) -> RenderableType:
    heading = Text()
    if listing.title:
        heading.append(one_line(listing.title), style="bold")
        heading.append(f" ({listing.source_id})\n", style="dim")
    heading.append(f"Posts ({listing.total})", style="bold underline")
    if not listing.posts:
        if listing.since and listing.total:
            empty = f"No posts since {absolute(listing.since)}; {_count(listing.total, 'post')} before."
        else:
            empty = "No posts archived yet; run `subsample fetch`."
        return Group(heading, Text(empty, style="dim"))
    table = Table(box=None, pad_edge=False, show_header=True, header_style="bold")
    table.add_column("#", justify="right", style="cyan", no_wrap=True)
    table.add_column("Title", overflow="fold")
    table.add_column("Published", no_wrap=True)
    table.add_column("", no_wrap=True)
    for p in listing.posts:
        marks = []
        if p.get("edits"):
            marks.append(f"edited ×{p['edits']}")  # noqa: RUF001
        if p.get("deleted"):
            marks.append("deleted by the publisher")
        elif p.get("left_feed"):
            marks.append("left feed")
        table.add_row(
            str(p["n"]),
            Text(one_line(p.get("title")) or "(untitled)"),
            Text(relative(p.get("published") or p.get("first_seen"), now)),
            Text(", ".join(marks), style="yellow"),
        )
    shown = len(listing.posts)
    parts: list[RenderableType] = [heading, table]
    footer = []
    if shown < listing.matching:
        footer.append(
            f"{listing.matching - shown} more; --all shows them"
            if listing.since
            else f"{listing.total - shown} older; --all shows every post"
        )
    if listing.since and listing.matching < listing.total:
        footer.append(f"{listing.total - listing.matching} before {absolute(listing.since)} not shown")
    if footer:
        parts.append(Text("… " + "; ".join(footer), style="dim"))
    return Group(*parts)


def article(
    post: dict[str, Any], now: datetime, source_title: str | None = None, feed: bool = False
) -> RenderableType:
    """A post as an article: its full text (read from its page) if it has one, unless FEED."""
    from subsample.show.article import AsciiSafeRule, html_to_rich

    lines: list[Text] = [Text(one_line(post.get("title")) or "(untitled)", style="bold")]

    def meta(label: str, value: str | Text) -> Text:
        line = Text(f"{label}: ", style="dim")
        line.append_text(value) if isinstance(value, Text) else line.append(value)
        lines.append(line)
        return line

    sid = one_line(post.get("source"))
    meta("Source", f"{one_line(source_title)} ({sid})" if source_title else sid)
    if post.get("author"):
        meta("Author", one_line(post["author"]))
    published = _published(post, now)
    if published:
        meta("Published", published)
    link = one_line(post.get("link"))
    if link:
        # A URL is never broken across lines (copied from a pipe or a narrow terminal, a
        # broken one is a different URL); where the terminal supports OSC 8 it is clickable.
        shown = meta("Link", Text(link, style=Style(link=link) if _clickable(link) else ""))
        shown.no_wrap, shown.overflow = True, "ignore"
    meta("Post", f"#{post.get('n')}")
    if post.get("revisions", 1) > 1:
        meta("Revision", f"{post.get('revision')} of {post['revisions']}")
    full = post.get("fulltext") if not feed else None
    if isinstance(full, dict) and isinstance(full.get("html"), str):
        when = full.get("fetched")
        meta(
            "Full text from",
            f"{one_line(full.get('final_url') or full.get('url'))}, {one_line(full.get('extractor'))}, "
            f"{relative(when, now) if isinstance(when, str) else 'unknown time'}"
            " (`--feed` shows the feed's text)",
        )
        raw = full["html"]
    else:
        raw = post.get("content") or post.get("summary") or ""
    lines.append(Text())
    body = html_to_rich(raw if isinstance(raw, str) else "")
    parts: list[RenderableType] = [*lines, AsciiSafeRule()]
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


def _published(post: dict[str, Any], now: datetime) -> str:
    """'2026-05-01 10:00 UTC (3 days ago)'; 'unknown' with the feed's own spelling for a
    date we cannot hold (year 0, 10000, garbage); '' when the feed gave none."""
    date = post.get("published") or post.get("updated")
    spelled = post.get("date_text")
    if date and times.parse_iso(date) is not None:
        when = times.relative(date, now)
        return f"{absolute(date)} ({when})" if when != times.UNKNOWN else absolute(date)
    if not date and not spelled:
        return ""
    said = spelled if isinstance(spelled, str) and spelled.strip() else date
    return f"{times.UNKNOWN} (the feed says {one_line(said)!r})" if isinstance(said, str) else times.UNKNOWN


def _clickable(url: str) -> bool:
    """Only a plain http(s) URL goes into an OSC 8 link: nothing that could end the sequence."""
    from subsample import urls

    return urls.is_web(url) and url.isascii() and url.isprintable() and " " not in url


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
    if state.get("announced_url"):
        top.append(_announced(h["source"], state["announced_url"]) + "\n", style="yellow")
    if not h["fetches"]:
        return Group(top, Text("No fetches yet.", style="dim"))
    table = Table(box=None, pad_edge=False, header_style="bold")
    for name in ("When", "Outcome", "HTTP", "New", "Updated", "Bytes", "Time", "Error"):
        table.add_column(name, justify="right" if name in ("New", "Updated", "Bytes", "Time") else "left")
    for f in h["fetches"]:
        if f.get("error"):
            outcome = Text("failed", style="red")
        elif f.get("backfill") and f.get("way"):
            outcome = Text(f"backfill {one_line(str(f.get('way')))} {f.get('page')}", style="cyan")
        elif f.get("backfill"):
            outcome = Text(f"backfill page {f.get('page')}", style="cyan")
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


def gallery_messages(g: Gallery, *, download: bool) -> Text:
    """For stderr: each image that failed, what was downloaded and what was written."""
    lines = [Text(f"image failed: {one_line(p)}") for p in g.problems]
    if download:
        lines.append(Text(f"Downloaded {_count(g.downloaded, 'new image')}."))
    if g.written is not None:
        lines.append(Text(f"Wrote {_count(len(g.images), 'image')} to {one_line(str(g.written))}"))
    return Text("\n").join(lines) if lines else Text(end="")


def import_report(report: ImportReport) -> Text:
    """For stderr: each feed skipped for a fault and why, the duplicates in one line, then
    what was added (a few names: an OPML file of 500 feeds is not 500 names on a line)."""
    lines = [Text(f"skipped {one_line(s.feed)}: {one_line(s.reason)}") for s in report.failed]
    duplicates = [s.feed for s in report.skipped if s.duplicate]
    if duplicates:
        lines.append(
            Text(f"skipped {_count(len(duplicates), 'feed')} already subscribed: {_a_few(duplicates)}")
        )
    lines.append(Text(f"Imported {_count(len(report.added), 'source')}: {_a_few(report.added) or 'none'}"))
    return Text("\n").join(lines)


def _a_few(names: list[str], shown: int = 5) -> str:
    """The first SHOWN of NAMES, and how many more: "a, b, c, d, e and 495 more"."""
    first = ", ".join(one_line(n) for n in names[:shown])
    return f"{first} and {len(names) - shown} more" if len(names) > shown else first


def posts_import_report(report: PostsImport) -> Text:
    """For stdout: one line per source (created or not, its new and updated posts), then a summary."""
    lines = []
    for s in report.sources:
        t = Text()
        t.append(f"{one_line(s.source)}: ", style="bold")
        t.append(f"{s.new} new", style="green" if s.new else "")
        t.append(f", {s.updated} updated, {s.unchanged} unchanged")
        if s.created:
            t.append(" (new source)", style="yellow")
        lines.append(t)
    created = sum(1 for s in report.sources if s.created)
    posts = sum(s.new for s in report.sources)
    lines.append(
        Text(
            f"Imported {_count(posts, 'new post')} into {_count(len(report.sources), 'source')}"
            f" ({created} new) from {one_line(report.origin)}"
            + (f"; {_count(len(report.problems), 'row')} skipped" if report.problems else "")
        )
    )
    return Text("\n").join(lines)


def import_problems(report: PostsImport) -> Text:
    """For stderr: each row or feed an import skipped, and why."""
    return Text("\n").join(Text(f"skipped: {one_line(p)}") for p in report.problems)


def raw_body(post: dict[str, Any], feed: bool = False) -> str:
    """The stored HTML, control characters removed (read --raw): as `read` shows the post,
    the full text read from its page, after a comment saying where from, unless FEED asks
    for the feed's own HTML or no page gave one."""
    full = post.get("fulltext") if not feed else None
    if isinstance(full, dict) and isinstance(full.get("html"), str):
        # (in an HTML comment, "--" could end it: the URL is the feed's, hostile as any)
        said = ", ".join(
            one_line(full.get(k) or "?").replace("--", "- -") for k in ("final_url", "extractor", "fetched")
        )
        return clean(
            f"<!-- full text from {said}; `read --raw --feed` for the feed's HTML -->\n{full['html']}"
        )
    body = post.get("content") or post.get("summary") or ""
    return clean(body if isinstance(body, str) else "")


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

"""The verbs of subsample, free of any terminal concern: plain data in, plain data out."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from subsample import config
from subsample.archive.index import Index
from subsample.archive.jsonl import read_record
from subsample.archive.merge import gone_from_feed
from subsample.archive.state import SourceState, load_state, read_history
from subsample.errors import PostNotFoundError, SourceNotFoundError, StorageError, UsageError
from subsample.fetch import schedule
from subsample.models import FetchResult, Post, Source
from subsample.paths import Paths
from subsample.times import iso_utc, now_utc, parse_iso

if TYPE_CHECKING:
    from subsample.imports import Imported, ImportedFeed, ImportedPost
    from subsample.show.export import ImportReport

# -- sources ---------------------------------------------------------------------


@dataclass
class Added:
    source: Source
    discovery: Any = None  # fetch.discover.Discovery when the URL was a page and its feed was found
    also_as: list[str] = field(default_factory=list)  # other sources of the same feed
    continues: int = 0  # posts of an archive left by a removed source of the same feed
    note: str | None = None  # the feed is a guess: why (a typed source's page could not be reached)


def add_source(
    paths: Paths,
    source_id: str,
    source_type: str,
    what: str | None,
    *,
    limit: int,
    interval: str | None = None,
    enabled: bool = True,
    title: str | None = None,
    session: Any = None,
    limits: Any = None,
    sites: Any = None,
    identity: str = "guid",
    fulltext: str = "auto",
    selector: str | None = None,
) -> Added:
    """Validate and register a source: an rss URL that turns out to be a page subscribes to
    the page's best feed; a typed source's WHAT is mapped (or looked up) to its feed URL.

    Raises:
        UsageError: a bad id, type, WHAT, limit or interval, a duplicate id, a page with no feed,
            an id whose removed source left an archive of another feed.
        FetchError: a page (or a typed source's page) could not be fetched.
    """
    from subsample import source_types
    from subsample.models import DEFAULT_INTERVAL

    sid = config.check_id(source_id)
    kind = config.check_type(source_type)
    checked_limit = config.check_limit(limit)
    default = source_types.default_interval(kind) or DEFAULT_INTERVAL
    seconds = config.check_interval(interval if interval is not None else f"{default}s")
    fulltext, selector = config.check_fulltext(fulltext), config.check_selector(selector)
    if sid in config.load_sources(paths):  # before any request (add_sources checks again, locked)
        raise UsageError(f"a source named {sid!r} exists already; pick another id")
    added = Added(Source(id=sid, type=kind, url=""))
    url, what, added.discovery, added.note = _locate(kind, what, session, limits, sites)
    added.source = Source(
        id=sid,
        type=kind,
        url=url,
        limit=checked_limit,
        interval=seconds,
        enabled=enabled,
        title=title,
        what=what,
        identity=config.check_identity(identity),
        fulltext=fulltext,
        selector=selector,
    )
    added.continues = _left_archive(paths, sid, url)
    sources = config.load_sources(paths)
    added.also_as = [s.id for s in sources.values() if _same_url(s.url, url)]
    config.add_source(paths, added.source)
    return added


def _same_url(a: str, b: str) -> bool:
    from subsample import urls

    if urls.is_web(a) and urls.is_web(b):
        try:
            return urls.normalize(a) == urls.normalize(b)
        except ValueError:
            pass
    return a == b


def _left_archive(paths: Paths, sid: str, url: str) -> int:
    """How many posts the archive that a removed source SID left holds, if it was of the
    feed at URL (a new source of that id continues it); 0 if there is none.

    Raises:
        UsageError: the archive left is of another feed (or of one we cannot tell): the new
            source would take its posts for its own.
    """
    path = paths.archive(sid)
    if not path.exists() or path.stat().st_size == 0:
        return 0
    fetched = {u for r in read_history(paths, sid) for u in (r.get("url"), r.get("final_url")) if u}
    with Index(paths) as index:
        index.sync(sid)
        posts = index.count(sid)
    if not any(_same_url(u, url) for u in fetched):
        raise UsageError(
            f"a removed source named {sid!r} left its archive ({posts} posts) of another feed in {path};"
            " pick another id, or move that file away first"
        )
    return posts


def _locate(
    kind: str, what: str | None, session: Any, limits: Any, sites: Any
) -> tuple[str, str | None, Any, str | None]:
    """(feed url, what to keep so that it can be resolved again, the discovery, a note when
    the url is a guess) for a source of type KIND given as WHAT: a typed source's mapped or
    looked up, an rss page's feed found.

    Raises:
        UsageError: a bad WHAT, a page with no feed; FetchError: a page could not be fetched.
    """
    from subsample import source_types, urls

    if kind != "rss":
        from subsample.fetch import http
        from subsample.fetch.resolve import resolve

        own_session = session is None
        session = session or http.Session()
        try:
            url, note = resolve(session, kind, what, limits=limits, sites=sites)
        finally:
            if own_session:
                session.close()
        return url, (what or source_types.TYPES[kind].default or "").strip(), None, note
    if what is None:
        raise UsageError("missing URL; usage: subsample add ID rss URL")
    url = config.check_url(what)
    if urls.is_web(url):
        return (*_feed_of(url, session, limits), None)
    return url, None, None, None


def _feed_of(url: str, session: Any, limits: Any) -> tuple[str, str | None, Any]:
    """(feed url, what the user gave if it differs, the discovery) for an rss URL.

    Only a URL that looks like a page (a site, a folder, an .html) is looked at now: one
    request if it is a feed after all, discovery if not. Any other URL is taken as a feed,
    unchecked, as add always did (fetch reports one that is not); `subsample discover`
    looks at any URL.
    """
    from subsample.fetch import http
    from subsample.fetch.discover import discover
    from subsample.parse.discover import looks_like_page

    if not looks_like_page(url):
        return url, None, None
    own_session = session is None
    session = session or http.Session()
    try:
        found = discover(session, url, limits=limits)
    finally:
        if own_session:
            session.close()
    if found.is_feed:
        return url, None, None
    return found.feeds[0].url, url, found


def discover(url: str, *, session: Any = None, limits: Any = None) -> Any:
    """The feeds URL offers, best first (a fetch.discover.Discovery); nothing is added.

    Raises:
        UsageError: URL is not http(s), or offers no feed; FetchError: it cannot be fetched.
    """
    from subsample import urls
    from subsample.fetch import http
    from subsample.fetch.discover import discover as find

    checked = config.check_url(url)
    if not urls.is_web(checked):
        raise UsageError(f"{url!r} is not an http(s) URL; discover reads web pages")
    own_session = session is None
    session = session or http.Session()
    try:
        return find(session, checked, limits=limits)
    finally:
        if own_session:
            session.close()


@dataclass(frozen=True)
class Removed:
    source_id: str
    archive: Path | None  # the archive left on disk, if it has one


def remove_source(paths: Paths, source_id: str) -> Removed:
    """Forget a source; its archive stays on disk.

    Raises:
        SourceNotFoundError.
    """
    config.remove_source(paths, source_id)
    archive = paths.archive(source_id)
    return Removed(source_id, archive if archive.exists() else None)


def set_enabled(paths: Paths, source_ids: list[str], enabled: bool) -> None:
    """Raises: SourceNotFoundError before changing anything."""
    sources = config.load_sources(paths)
    for sid in source_ids:
        if sid not in sources:
            raise SourceNotFoundError(sid)
    with config.edit_sources(paths) as doc:
        for sid in source_ids:
            doc["sources"][sid]["enabled"] = enabled


def set_setting(paths: Paths, source_id: str, key: str, value: str) -> None:
    """Set one setting. A new type or what is resolved to its feed as `add` resolves it (a
    new type reads the what the source was added with); a URL set by hand is the feed
    itself, and the what it came from is forgotten.

    Raises:
        SourceNotFoundError; UsageError for an unknown key or a bad value, or a what that
        does not resolve; FetchError: a page needed to resolve it could not be fetched.
    """
    source = config.get_source(paths, source_id)
    if key in ("type", "what"):
        kind = config.check_type(value) if key == "type" else source.type
        given = value if key == "what" else (source.what or source.url)
        url, what, _, _ = _locate(kind, given, None, None, None)
        config.set_values(paths, source_id, {"type": kind, "url": url, "what": what if what != url else None})
        if url != source.url:
            _forget_announced(paths, source_id)
        return
    checked = config.validate_setting(key, value)
    config.set_values(paths, source_id, {key: checked, **({"what": None} if key == "url" else {})})
    if key == "url":
        _forget_announced(paths, source_id)
    elif key in ("limit", "identity"):
        _forget_validators(paths, source_id)


def _forget_announced(paths: Paths, source_id: str) -> None:
    """A new URL answers the feed's announcement of one: the note goes (the next fetch
    notes it again if the feed still names another address)."""

    def forget(state: SourceState) -> bool:
        changed, state.announced_url = state.announced_url is not None, None
        return changed

    _change_state(paths, source_id, forget)


def _forget_validators(paths: Paths, source_id: str) -> None:
    """A new limit or identity reads the feed anew: the next fetch sends no ETag or
    Last-Modified, so a server cannot answer 304 and keep the entries a lower limit left."""

    def forget(state: SourceState) -> bool:
        changed = bool(state.etag or state.last_modified)
        state.etag = state.last_modified = None
        return changed

    _change_state(paths, source_id, forget)


def _change_state(paths: Paths, source_id: str, change: Callable[[SourceState], bool]) -> None:
    """Apply CHANGE to the source's state, saving it if CHANGE says it changed anything."""
    from subsample.archive.files import file_lock
    from subsample.archive.state import save_state

    with file_lock(paths.write_lock):  # as a fetch saves state: not between its load and save
        state = load_state(paths, source_id)
        if change(state):
            save_state(paths, source_id, state)


@dataclass
class SourceRow:
    """One row of the sources table."""

    source: Source
    posts: int
    state: SourceState
    now: datetime = field(default_factory=now_utc)  # what Status is judged at

    @property
    def last_update(self) -> datetime | None:
        """The last successful fetch; None if the source was never once fetched without an error."""
        return self.state.last_success

    @property
    def next_update(self) -> datetime | None:
        return self.state.next_update if self.source.enabled else None

    @property
    def status(self) -> str:
        """Enabled, Disabled, Failing or Dead (failing every fetch for 30 days)."""
        st = self.state
        return schedule.status(self.source.enabled, st.failures, st.failing_since, self.now)

    @property
    def last_new_post(self) -> datetime | None:
        """When a fetch last archived a new post (None: never, or before that was recorded)."""
        return self.state.last_new_post

    @property
    def title(self) -> str | None:
        return self.source.title or self.state.title

    def as_json(self) -> dict[str, Any]:
        s = self.source
        return {
            "id": s.id,
            "type": s.type,
            "url": s.url,
            "what": s.what,
            "title": self.title,
            "limit": s.limit,
            "interval": s.interval,
            "enabled": s.enabled,
            "status": self.status.lower(),
            "posts": self.posts,
            "last_update": _iso(self.last_update),
            "last_attempt": _iso(self.state.last_attempt),
            "last_success": _iso(self.state.last_success),
            "next_update": _iso(self.next_update),
            "failures": self.state.failures,
            "last_error": self.state.last_error,
            "last_new_post": _iso(self.last_new_post),
            "failing_since": _iso(self.state.failing_since),
            "announced_url": self.state.announced_url,
        }


@dataclass
class StaleRow(SourceRow):
    """A row of `list --stale`: a source, with the date of its newest post."""

    last_post: datetime | None = None

    def as_json(self) -> dict[str, Any]:
        return {**super().as_json(), "last_post": _iso(self.last_post)}


def _iso(dt: datetime | None) -> str | None:
    return iso_utc(dt) if dt is not None else None


def _state_view(state: SourceState) -> dict[str, Any]:
    """A source's fetch state as `config` and `history` show it: the fields that are set,
    without the long list of keys in the feed; last_attempt and last_success always (None:
    never), so that neither is mistaken for the other."""
    always = ("last_attempt", "last_success")
    return {k: v for k, v in state.as_json().items() if (v is not None or k in always) and k != "in_feed"}


def list_sources(paths: Paths, now: datetime | None = None) -> list[SourceRow]:
    """Every source with its post count and fetch state, Status judged at NOW (default: now).

    Raises:
        ConfigError: sources.toml cannot be read; StorageError: the index cannot be built.
    """
    at = now or now_utc()
    sources = config.load_sources(paths)
    with Index(paths) as index:
        index.sync()
        counts = index.counts()
    return [SourceRow(s, counts.get(s.id, 0), load_state(paths, s.id), at) for s in sources.values()]


def stale_sources(paths: Paths, quiet_for: int, now: datetime) -> list[StaleRow]:
    """The sources whose newest post is QUIET_FOR seconds old or older, or that have been
    failing that long (issues 15, 21).

    A post's date is the one it gives (published, else updated), not when a fetch first saw
    it: a first fetch or a backfill of a blog that stopped years ago finds it stale at once.
    A post that gives no date, or one after it was first seen (dated ahead), counts from
    its first sighting. A source without posts is left out unless it has been failing that
    long; a duration reaching back before the calendar (year 1) finds none.

    Raises:
        ConfigError: sources.toml cannot be read; StorageError: the index cannot be built.
    """
    sources = list_sources(paths, now)
    if quiet_for >= (now - datetime.min.replace(tzinfo=UTC)).total_seconds():
        return []  # (timedelta and datetime cannot reach that far back: nothing is that old)
    cutoff = now - timedelta(seconds=quiet_for)
    with Index(paths) as index:
        rows = [StaleRow(r.source, r.posts, r.state, now, _last_post(index, r.source.id)) for r in sources]
    return [r for r in rows if schedule.is_quiet(r.last_post, r.state.failing_since, cutoff)]


def _last_post(index: Index, source_id: str) -> datetime | None:
    """The date of SOURCE_ID's newest post (see stale_sources), None if it has none.

    The index gives posts newest first by their date, else first sighting. A post whose
    date is where it sorts (undated, or not dated ahead) ends the search: every post below
    it is older. Only posts dated ahead, which count from their sighting, are passed over.
    """
    newest: datetime | None = None
    offset, page = 0, 50
    while rows := index.posts(source_id, limit=page, offset=offset):
        for row in rows:
            seen, said = parse_iso(row["first_seen"]), parse_iso(row["published"])
            dated = said is not None and (seen is None or said <= seen)
            date = said if dated else seen
            if date is not None and (newest is None or date > newest):
                newest = date
            if dated or row["published"] is None:  # it sorts where its date is
                return newest
        offset += page
    return newest


def where_files_live(paths: Paths) -> dict[str, str]:
    """The config file and the data folder, as `config` without an ID shows them."""
    return {"config_file": str(paths.config_file), "data": str(paths.data)}


def source_config(paths: Paths, source_id: str) -> dict[str, Any]:
    """A source's settings, where they live, and its fetch state."""
    source = config.get_source(paths, source_id)
    state = _state_view(load_state(paths, source_id))
    return {
        "id": source.id,
        "settings": {
            "type": source.type,
            "what": source.what,
            "url": source.url,
            "limit": source.limit,
            "interval": source.interval,
            "enabled": source.enabled,
            "title": source.title,
            "fulltext": source.fulltext,
            "selector": source.selector,
        },
        "config_file": str(paths.config_file),
        "archive": str(paths.archive(source.id)),
        "state": state,
        "full_text": _full_text_view(paths, source),
    }


def _full_text_view(paths: Paths, source: Source) -> dict[str, Any]:
    """How many of a source's posts have full text, and how many pages wait to be read."""
    from subsample.archive import fulltext
    from subsample.fetch import pages

    found = fulltext.histories(paths, source.id)
    backlog: list[Post] = []
    if pages.reads_pages(source):
        judge = pages.is_teaser if source.fulltext == "auto" else None
        with Index(paths) as index:
            index.sync(source.id)
            posts = fulltext.page_posts(paths, index, source.id, judge, pages.TEASER_RULE)
        backlog, _ = pages.plan_pages(source, posts, found, datetime.now(UTC), cap=None)
    return {
        "posts_with_full_text": sum(1 for h in found.values() if h.text is not None),
        "pages_failed": sum(1 for h in found.values() if h.text is None and h.failures),
        "backlog": len(backlog),
    }


# -- fetch -----------------------------------------------------------------------


@dataclass
class FetchReport:
    results: list[FetchResult] = field(default_factory=list)
    next_due: datetime | None = None  # only when nothing was fetched

    @property
    def failed(self) -> list[FetchResult]:
        return [r for r in self.results if not r.ok]


def fetch(
    paths: Paths,
    source_ids: list[str],
    *,
    force: bool,
    now: Callable[[], datetime],
    on_start: Callable[[int], None] | None = None,
    on_results: Callable[[list[FetchResult]], None] | None = None,
    limits: Any = None,
    pages_for: float | None = None,
    on_pages: Callable[[int, int], None] | None = None,
) -> FetchReport:
    """Fetch the named sources now, or else every enabled source that is due; then read
    their teasers' pages for at most PAGES_FOR seconds (fetch/pages.PAGES_FOR by default).

    Raises:
        SourceNotFoundError: a named source does not exist (nothing is fetched).
    """
    from subsample.fetch import pipeline as update

    sources = config.load_sources(paths)
    report = FetchReport()
    if source_ids:
        for sid in source_ids:
            if sid not in sources:
                raise SourceNotFoundError(sid)
        chosen = [sources[sid] for sid in dict.fromkeys(source_ids)]
        states = update.load_states(paths, chosen)
    else:
        states = update.load_states(paths, sources.values())
        enabled = [s for s in sources.values() if s.enabled]
        chosen = enabled if force else update.due_sources(enabled, states, now())
    report.results = update.fetch_sources(
        paths,
        chosen,
        now,
        on_results,
        limits,
        on_start,
        states,
        unconditional=force,
        pages_for=pages_for,
        on_pages=on_pages,
    )
    if not report.results:  # "nothing is due": say when something will be
        report.next_due = update.next_due(sources.values(), states)
    return report


def backfill(
    paths: Paths,
    source_id: str,
    *,
    now: Callable[[], datetime],
    max_pages: int | None = None,
    until: str | None = None,
    restart: bool = False,
    pause: float | None = None,
    limits: Any = None,
    on_page: Callable[[Any], None] | None = None,
    on_step: Callable[[Any], None] | None = None,
    dry_run: bool = False,
    wayback: bool = False,
) -> Any:
    """Walk source SOURCE_ID's older pages, then the site's ways past the feed, and archive
    what is missing (fetch/backfill.py); RESTART begins at the feed again rather than where
    the last walk stopped, and every way from its start; DRY_RUN says what would be read;
    WAYBACK also asks a web archive for its captures of the feed.

    Raises:
        SourceNotFoundError: no such source.
        FetchError: the feed itself cannot be fetched or read.
        StorageError: the archive or a state file cannot be written.
        fetch.backfill.Interrupted: Ctrl-C (a KeyboardInterrupt carrying the walk so far).
    """
    from subsample.fetch import backfill as walk

    source = config.load_sources(paths).get(source_id)
    if source is None:
        raise SourceNotFoundError(source_id)
    return walk.backfill(
        paths,
        source,
        now=now,
        max_pages=max_pages,
        until=until,
        restart=restart,
        pause=walk.PAUSE if pause is None else pause,
        limits=limits,
        on_page=on_page,
        on_step=on_step,
        dry_run=dry_run,
        wayback=wayback,
    )


# -- reading ---------------------------------------------------------------------


@dataclass
class PostList:
    source: Source | None
    source_id: str
    title: str | None
    total: int  # every post of the source
    posts: list[Post]  # those shown
    since: str | None = None  # the filter, if any (ISO UTC)
    matching: int = 0  # the posts that pass the filter: total without one


def _edits(paths: Paths, index: Index, n: int, revisions: int) -> int:
    """How many of post N's REVISIONS are its publisher's edits: every one after the first,
    but those that completed a copy moved in from another reader: the first fetch after an
    import (newsboat keeps one text where a feed has a summary and content: the fetch writes
    what the feed holds, which is no edit), and another reader's fuller copy ("completes").
    Read from the archive only for posts with revisions."""
    if revisions < 2:
        return 0
    records = []
    for k in range(1, revisions + 1):
        at = index.locate(n, k)
        if at is None:
            return revisions - 1
        records.append(read_record(paths.archive(at[0]), at[1], at[2]))
    edits = 0
    for before, rec in itertools.pairwise(records):
        completion = rec.get("completes") is True or (
            "imported_from" in before and "imported_from" not in rec
        )
        edits += not completion
    return edits


def list_posts(
    paths: Paths,
    source_id: str,
    *,
    limit: int | None = None,
    since: str | None = None,
    content: bool = False,
    offset: int = 0,
) -> PostList:
    """A source's posts from the index, newest first, each marked if revised or gone from the feed.

    OFFSET skips that many of the newest (pages of a big archive; the index does the skipping).

    Raises:
        SourceNotFoundError: neither a configured source nor an archive of that name.
    """
    source = config.find_source(paths, source_id)
    state = load_state(paths, source_id)
    with Index(paths) as index:
        index.sync(source_id)
        total = index.count(source_id)
        posts = index.posts(source_id, limit=limit, since=since, offset=offset)
        matching = total
        if since is not None:
            # Counted only when the limit cut the list short: what the footer says is hidden.
            matching = (
                len(posts)
                if limit is None or len(posts) < limit
                else len(index.posts(source_id, since=since))
            )
        if content:
            index.sync_fulltext(source_id)
            for p in posts:
                found = index.locate(p["n"])
                if found:
                    record = read_record(paths.archive(found[0]), found[1], found[2])
                    p["summary"], p["content"] = record.get("summary"), record.get("content")
                full = index.full_text(p["n"])
                p["fulltext"] = _full_text_of(paths, *full) if full else None
        for p in posts:
            p["edits"] = _edits(paths, index, p["n"], p["revisions"])
    in_feed = set(state.in_feed) if state.in_feed is not None else None
    absent = gone_from_feed((p["key"] for p in posts), in_feed)
    from subsample.archive.state import found_on_older_pages, load_progress

    # Posts a backfill found on older pages were never in the feed: absent, not gone. (Read
    # only when some shown post is not in the feed: the newest page of a listing seldom is.)
    older = found_on_older_pages(paths, source_id) if absent else None
    deleted = set(load_progress(paths, source_id).deleted)  # RFC 5005 complete feeds
    for p in posts:
        p["deleted"] = p["key"] in deleted
        p["source"] = source_id
        p["in_feed"] = None if in_feed is None else p["key"] not in absent
        # Was in the feed once, and is no longer.
        p["left_feed"] = p["key"] in absent and not (older is not None and p["n"] in older)
    title = (source.title if source else None) or state.title
    return PostList(source, source_id, title, total, posts, since, matching)


def source_title(paths: Paths, source_id: str) -> str | None:
    """The user's name for a source, else the feed's own title."""
    source = config.load_sources(paths).get(source_id)
    return (source.title if source else None) or load_state(paths, source_id).title


def get_post(paths: Paths, n: int, revision: int | None = None) -> Post:
    """The stored record of post N (latest revision unless REVISION), with `revisions` added.

    Raises:
        PostNotFoundError, UsageError: no such post or revision.
    """
    with Index(paths) as index:
        index.sync()
        found = index.locate(n, revision)
        revisions = index.revisions_of(n)
        full = None
        if found is not None:
            index.sync_fulltext(found[0])
            full = index.full_text(n)
    if found is None:
        if revision is not None and revisions:
            raise UsageError(f"post {n} has no revision {revision}; it has {_span(revisions)}")
        raise PostNotFoundError(n)
    sid, off, length, _ = found
    record = read_record(paths.archive(sid), off, length)
    record["revisions"] = len(revisions)
    if full is not None:
        record["fulltext"] = _full_text_of(paths, *full)
    return record


def _full_text_of(paths: Paths, sid: str, off: int, length: int) -> dict[str, Any] | None:
    """The full text read from a post's page (kept beside its record, never in it)."""
    from subsample.archive import fulltext

    try:
        line = read_record(fulltext.path(paths, sid), off, length)
    except StorageError:
        return None  # the index is behind a rewritten file: the post shows the feed's text
    return fulltext.shown(line)


@dataclass
class Reading:
    post: Post
    source_title: str | None  # the user's name for the post's source, else the feed's


def read_post(paths: Paths, n: int, revision: int | None = None) -> Reading:
    """Post N (as get_post) with its source's title, for showing it as an article.

    Raises:
        PostNotFoundError, UsageError: no such post or revision.
    """
    post = get_post(paths, n, revision)
    return Reading(post, source_title(paths, str(post.get("source"))))


@dataclass
class Comparison:
    """Two revisions of one post, for `read N --diff`: OLD is None when there is only one."""

    new: Post
    old: Post | None


def compare_revisions(paths: Paths, n: int, revision: int | None = None) -> Comparison:
    """Revision REVISION of post N (default: the one before the latest) against the latest.

    Raises:
        PostNotFoundError: no post N.
        UsageError: no such revision, or REVISION is the latest one.
    """
    new = get_post(paths, n)
    latest = int(new.get("revision") or new["revisions"])
    if revision is None:
        return Comparison(new, get_post(paths, n, latest - 1) if latest > 1 else None)
    if revision == latest:
        raise UsageError(f"revision {revision} is post {n}'s latest; pick an older one to compare")
    return Comparison(new, get_post(paths, n, revision))


def _span(revisions: list[int]) -> str:
    return "revision 1" if revisions == [1] else f"revisions {revisions[0]} to {revisions[-1]}"


@dataclass
class SearchHit:
    post: Post
    snippet: str

    def as_json(self) -> dict[str, Any]:
        p = self.post
        fields = ("n", "source", "title", "published", "link")
        return {**{k: p.get(k) for k in fields}, "snippet": self.snippet}


def search(
    paths: Paths, query: str, *, source_id: str | None = None, limit: int | None = None
) -> list[SearchHit]:
    """Posts whose title or body text holds QUERY (any case), newest first.

    Raises:
        UsageError: an empty query; SourceNotFoundError: an unknown --source.
    """
    from subsample.archive.search import search_archives

    if not query.strip():
        raise UsageError("empty search; give a word or phrase to look for")
    if source_id is not None:
        config.find_source(paths, source_id)
    return [SearchHit(p, s) for p, s in search_archives(paths, query, source_id, limit)]


def history(paths: Paths, source_id: str, last: int | None = None) -> dict[str, Any]:
    """A source's fetch records, newest first, with its current state (its last attempt
    and its last success apart).

    Raises:
        SourceNotFoundError.
    """
    source = config.load_sources(paths).get(source_id)
    if source is None and not (paths.history_dir / f"{source_id}.jsonl").exists():
        raise SourceNotFoundError(source_id)
    records = read_history(paths, source_id)[::-1]
    state = load_state(paths, source_id)
    return {
        "source": source_id,
        "state": _state_view(state),
        "interval": source.interval if source else None,
        "enabled": source.enabled if source else False,
        "fetches": records[:last] if last else records,
    }


# -- gallery, export, import ----------------------------------------------------


@dataclass
class Gallery:
    source_id: str
    images: list[dict[str, Any]]
    downloaded: int = 0  # images newly stored by --download
    problems: list[str] = field(default_factory=list)  # images that could not be downloaded
    written: Path | None = None  # the page written by --html


def gallery(paths: Paths, source_id: str, *, download: bool = False, html: Path | None = None) -> Gallery:
    """Every image of a source's posts, newest post first, with the local copy where one is
    stored; DOWNLOAD fetches the missing ones, HTML writes a page of them.

    Raises:
        SourceNotFoundError; UsageError: HTML is in a folder that does not exist.
    """
    from subsample.fetch.media import attach_stored, download_images
    from subsample.show.export import iter_images

    if html is not None:
        _check_output(html)
    result = Gallery(source_id, list(iter_images(paths, source_id)))
    if download:
        source = config.get_source(paths, source_id)
        result.downloaded, result.problems = download_images(paths, result.images, source.url)
    else:
        attach_stored(paths, result.images)
    if html is not None:
        from subsample.archive.files import atomic_write
        from subsample.show.gallery_html import gallery_html

        atomic_write(html, gallery_html(source_id, result.images))
        result.written = html
    return result


def export(paths: Paths, source_id: str | None, *, fmt: str, opml: bool, into: Path | BinaryIO) -> None:
    """Write SOURCE_ID's archive as a feed in FMT, or every subscription as OPML, INTO a
    file (replaced whole, only once complete) or a binary stream.

    Raises:
        UsageError: no source and no OPML, an unknown format, a file in a missing folder;
        SourceNotFoundError.
    """
    from subsample.archive.files import atomic_writer
    from subsample.show import export as feeds

    if not opml:
        if source_id is None:
            raise UsageError("name a source to export, or use --opml")
        feeds.check_format(fmt)
    if isinstance(into, Path):
        _check_output(into)
        if source_id is not None and not opml:
            config.find_source(paths, source_id)  # before any file is begun
        with atomic_writer(into) as f:
            _export_to(paths, source_id, fmt, opml, f)
    else:
        _export_to(paths, source_id, fmt, opml, into)


def _export_to(paths: Paths, source_id: str | None, fmt: str, opml: bool, out: BinaryIO) -> None:
    from subsample.show import export as feeds

    if opml or source_id is None:
        out.write(feeds.export_opml(paths))
    elif fmt == "jsonl":  # streamed line by line, whatever the archive's size
        feeds.write_jsonl(paths, source_id, out)
    else:
        out.write(feeds.export_source(paths, source_id, fmt))


def _check_output(path: Path) -> None:
    """A file we are asked to write goes into a folder that exists: a typo is not a new folder."""
    if path.is_dir():
        raise UsageError(f"{path} is a folder; give a file name")
    folder = path.parent
    if not folder.is_dir():
        raise UsageError(f"no folder {folder}; create it first or write elsewhere")


def import_subscriptions(paths: Paths, file: Path, *, limit: int, interval: str) -> ImportReport:
    """Subscribe to every feed of an OPML file; what was added, what was skipped and why.

    Raises:
        UsageError: the file cannot be read or is not OPML, a bad limit or interval
        (nothing is added).
    """
    from subsample.show.export import import_opml

    return import_opml(paths, file, limit=config.check_limit(limit), interval=interval)


# -- moving in from other readers ---------------------------------------------------

IMPORT_FORMATS = ("opml", "newsboat", "sfeed", "reader", "greader")


@dataclass
class SourceImported:
    """What an import did to one source."""

    source: str
    created: bool
    new: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class PostsImport:
    """What an import from another reader did: per source, and the rows it skipped."""

    origin: str  # "newsboat /home/me/.newsboat/cache.db"
    sources: list[SourceImported] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def read_imported(fmt: str, path: Path, *, urls_file: Path | None = None) -> Imported:
    """What another reader's files hold (an imports.Imported), read before anything is written.

    Raises:
        UsageError: an unknown FORMAT, or PATH is not that reader's file (nothing is read).
    """
    if fmt == "newsboat":
        from subsample.imports import newsboat

        return newsboat.read(path, urls_file)
    if fmt == "sfeed":
        from subsample.imports import sfeed

        return sfeed.read(path)
    if fmt == "reader":
        from subsample.imports import reader_db

        return reader_db.read(path)
    if fmt == "greader":
        from subsample.imports import greader

        return greader.read(path)
    raise UsageError(f"unknown import format {fmt!r}; known: {', '.join(IMPORT_FORMATS)}")


def import_posts(
    paths: Paths, imported: Imported, *, now: datetime, limit: int = 50, interval: str = "6h"
) -> PostsImport:
    """Archive the posts another reader holds (an imports.Imported) into the sources of
    their feeds, created (in one write) where absent; each line notes `imported_from`.

    Raises:
        UsageError: a bad limit or interval (nothing is written).
        StorageError: an archive cannot be written (sources archived before are kept).
    """
    from subsample import urls
    from subsample.fetch.pipeline import archive_entries

    report = PostsImport(imported.source, problems=list(imported.problems))
    limit, seconds = config.check_limit(limit), config.check_interval(interval)
    existing = config.load_sources(paths)
    by_url: dict[str, str] = {}
    added: list[Source] = []
    for s in existing.values():
        if urls.is_web(s.url):  # (a local feed file is no other reader's feed)
            by_url[urls.normalize(s.url)] = s.id
    taken = set(existing)
    chosen: list[tuple[str, bool, ImportedFeed]] = []  # (source id, created, feed), in the reader's order
    for feed in imported.feeds:
        try:
            url = urls.normalize(feed.url)
        except ValueError as e:
            report.problems.append(f"feed {feed.url!r}: not a web feed ({e}); skipped")
            continue
        sid = by_url.get(url)
        created = sid is None
        if sid is None:
            sid = config.new_source_id([feed.title or "", _host(url)], taken)
            taken.add(sid)
            by_url[url] = sid
            title = feed.title.strip() if feed.title else None
            added.append(Source(id=sid, type="rss", url=url, limit=limit, interval=seconds, title=title))
        chosen.append((sid, created, feed))
    if added:
        config.add_sources(paths, added)
    done: dict[str, SourceImported] = {}
    for sid, created, feed in chosen:
        entries = [_imported_entry(p) for p in feed.posts]
        got = archive_entries(paths, sid, entries, now, {"imported_from": imported.source})
        one = done.setdefault(sid, SourceImported(sid, created))  # (two URLs may be one feed)
        one.new, one.updated, one.unchanged = (
            one.new + got.new,
            one.updated + got.updated,
            one.unchanged + got.unchanged,
        )
    report.sources = list(done.values())
    return report


def _host(url: str) -> str:
    """The host of URL, for a source id when the feed has no title."""
    from urllib.parse import urlsplit

    return urlsplit(url).hostname or ""


def _imported_entry(post: ImportedPost) -> dict[str, Any]:
    """An ImportedPost as the entry a fetch would make of it: same key, same hash."""
    from subsample.parse.entry import make_entry

    return make_entry(
        id=post.id,
        link=post.link,
        title=post.title,
        author=post.author,
        published=post.published,
        updated=post.updated,
        # As parse/feeds.py does: a summary that only repeats the content (feedparser's copy
        # of content:encoded, which reader keeps) is none, or a later fetch would revise it.
        summary=None if post.summary == post.content else post.summary,
        content=post.content,
        tags=list(post.tags),
        enclosures=list(post.enclosures),
        extra_images=[],
    )

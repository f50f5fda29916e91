"""What a feed's entries mean for an archive: pure decisions, no disk or network.

The pipeline hands the feed's entries to select, asks the index what it knows of the keys
and links that selection names, and hands both to decide; it then writes what decide says.

    selection = select(entries, limit)
    known = index.known_posts(sid, selection.keys)                 # key -> Known
    by_link, aliases = index.posts_by_link(sid, unknown_links(selection, known))
    plan = decide(selection, {**known, **aliases}, by_link)
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

Entry = dict[str, Any]  # as the parser makes it: key, title, link, published, updated, hash...


@dataclass(frozen=True)
class Known:
    """What the index knows of an archived post."""

    n: int
    revision: int  # the latest
    hash: str | None
    first_seen: str | None


@dataclass(frozen=True)
class Selection:
    """The entries of one feed that a fetch considers."""

    chosen: list[Entry]  # one per key, the newest LIMIT of them
    in_feed: list[str]  # every distinct key the feed holds, in its order
    duplicates: int  # entries that repeated a key (the first one counts)

    @property
    def keys(self) -> list[str]:
        return [e["key"] for e in self.chosen]


@dataclass(frozen=True)
class Revision:
    """A new revision of an archived post."""

    entry: Entry  # with the key the post has in the archive
    n: int
    revision: int  # the number this revision gets
    first_seen: str | None


@dataclass
class Plan:
    """What to write for one feed."""

    new: list[Entry] = field(default_factory=list)  # in numbering order: oldest first
    revised: list[Revision] = field(default_factory=list)
    unchanged: int = 0
    renamed: dict[str, str] = field(default_factory=dict)  # guid in the feed -> the post's key
    in_feed: list[str] = field(default_factory=list)  # the archive's keys of the feed's posts


def rekey(entries: list[Entry], identity: str) -> list[Entry]:
    """ENTRIES keyed by the source's IDENTITY (guid: as parsed; link; link+date; hash of
    title, link and date), for feeds whose guids change from one fetch to the next. An entry
    without what the identity needs keeps its parsed key."""
    if identity == "guid":
        return entries
    import hashlib

    out = []
    for e in entries:
        link, date = (e.get("link") or "").strip(), e.get("published") or e.get("updated") or ""
        if identity == "link":
            key = link
        elif identity == "link+date":
            key = f"{link} {date}" if link and date else ""
        else:
            digest = hashlib.sha256(f"{e.get('title') or ''}\x00{link}\x00{date}".encode()).hexdigest()[:32]
            key = f"sha256:{digest}"
        out.append({**e, "key": key} if key else e)
    return out


def select(entries: list[Entry], limit: int) -> Selection:
    """Drop repeats of a key (keeping the first: the feed's newest), then keep the newest
    LIMIT entries (0: all)."""
    seen: set[str] = set()
    unique = []
    for e in entries:
        if e["key"] not in seen:
            seen.add(e["key"])
            unique.append(e)
    chosen = newest(unique)[:limit] if limit and len(unique) > limit else unique
    return Selection(chosen, [e["key"] for e in unique], len(entries) - len(unique))


def newest(entries: list[Entry]) -> list[Entry]:
    """Entries newest first: by date when every entry has one, else in the feed's order."""
    dates = [e.get("published") or e.get("updated") for e in entries]
    if all(dates):
        order = sorted(range(len(entries)), key=lambda i: dates[i] or "", reverse=True)
        return [entries[i] for i in order]
    return entries


def unknown_links(selection: Selection, known: Collection[str]) -> list[str]:
    """The links of chosen entries whose key the archive does not know: each may be a post
    whose guid changed."""
    return [e["link"] for e in selection.chosen if e["key"] not in known and e.get("link")]


def decide(
    selection: Selection, known: Mapping[str, Known], by_link: Mapping[tuple[str, str | None], str]
) -> Plan:
    """New posts, revisions and renames for SELECTION, given what the archive KNOWS (by key:
    the feed's keys and those BY_LINK names) and its keys BY_LINK (link, title)."""
    plan = Plan()
    in_feed = set(selection.in_feed)
    taken: set[str] = set()  # archived keys a renamed entry has claimed
    for entry in selection.chosen:
        old = known.get(entry["key"])
        if old is None and entry.get("link"):
            # The same post under a new guid (a CMS migration, say): same link and title as
            # a post whose old guid is no longer in the feed. It keeps its number and key.
            alias = by_link.get((entry["link"], entry.get("title")))
            if alias is not None and alias not in in_feed and alias not in taken and alias in known:
                taken.add(alias)
                plan.renamed[entry["key"]] = alias
                entry = {**entry, "key": alias}
                old = known[alias]
        if old is None:
            plan.new.append(entry)
        elif old.hash != entry.get("hash"):
            plan.revised.append(Revision(entry, old.n, old.revision + 1, old.first_seen))
        else:
            plan.unchanged += 1
    # Older posts of one fetch get the smaller numbers. Feeds list newest first, so
    # undated entries keep that order reversed.
    plan.new.reverse()
    plan.new.sort(key=lambda e: e.get("published") or e.get("updated") or "")
    plan.in_feed = [plan.renamed.get(k, k) for k in selection.in_feed]
    return plan


def renamed_note(count: int) -> str:
    """What a fetch's history says when COUNT posts came back under new guids."""
    return (
        f"{count} post{'s' * (count != 1)} changed their guid (same link and title; kept as the same posts)"
    )


def gone_from_feed(keys: Iterable[str], in_feed: Collection[str] | None) -> set[str]:
    """Those of the archived KEYS the feed no longer holds (none if the feed was never read)."""
    if in_feed is None:
        return set()
    return {k for k in keys if k not in in_feed}

"""What a feed's entries mean for an archive: pure decisions, no disk or network.

The pipeline hands the feed's entries to select, asks the index what it knows of the keys
and links that selection names, and hands both to decide; it then writes what decide says.

    selection = select(entries, limit)
    known = index.known_posts(sid, selection.keys)                 # key -> Known
    known |= index.known_posts(sid, fallback_lookups(selection, known))
    by_link, aliases = index.posts_by_link(sid, unknown_links(selection, known))
    plan = decide(selection, {**known, **aliases}, by_link)
"""

from __future__ import annotations

import hashlib
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
    # Entries that shared a key with another entry of the feed, kept apart under a
    # fallback key: fallback key -> the key they shared.
    split: dict[str, str] = field(default_factory=dict)
    split_by: str = "date"  # what told them apart: "date", or "date and title" where needed
    past_limit: list[str] = field(default_factory=list)  # keys of the entries the limit left out

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
    rejoined: int = 0  # of those, entries that shared (or had shared) a key with another
    in_feed: list[str] = field(default_factory=list)  # the archive's keys of the feed's posts


def rekey(entries: list[Entry], identity: str) -> list[Entry]:
    """ENTRIES keyed by the source's IDENTITY (guid: as parsed; link; link+date; hash of
    title, link and date), for feeds whose guids change from one fetch to the next. An entry
    without what the identity needs keeps its parsed key."""
    if identity == "guid":
        return entries
    out = []
    for e in entries:
        key = _identity_key(e, identity)
        out.append({**e, "key": key} if key else e)
    return out


def _identity_key(e: Entry, identity: str) -> str:
    """ENTRY's key under IDENTITY ("link", "link+date" or "hash"); "" if it lacks what
    that identity needs."""
    link, date = (e.get("link") or "").strip(), e.get("published") or e.get("updated") or ""
    if identity == "link":
        return link
    if identity == "link+date":
        return f"{link} {date}" if link and date else ""
    digest = hashlib.sha256(f"{e.get('title') or ''}\x00{link}\x00{date}".encode()).hexdigest()[:32]
    return f"sha256:{digest}"


def fallback_keys(e: Entry) -> list[str]:
    """The keys ENTRY gets when another entry of its feed has the same key: link+date,
    then a hash of title, link and date. (Items with no guid and one shared link, as the
    NixOS news feed has 99 of, would otherwise be one post.)"""
    keys = [_identity_key(e, "link+date"), _identity_key(e, "hash")]
    return [k for k in keys if k and k != e["key"]]


def select(entries: list[Entry], limit: int) -> Selection:
    """One entry per key, then the newest LIMIT of them (0: all).

    Entries that share a key are kept apart by their fallback keys (link+date, then a hash
    of title, link and date); only entries alike in all of those are repeats, and the first
    (the feed's newest) counts."""
    groups: dict[str, list[Entry]] = {}
    for e in entries:
        groups.setdefault(e["key"], []).append(e)
    split: dict[str, str] = {}
    by = "date"
    if len(groups) < len(entries):
        entries, by = _split_shared(entries, groups, split)
    seen: set[str] = set()
    unique = []
    for e in entries:
        if e["key"] not in seen:
            seen.add(e["key"])
            unique.append(e)
    chosen = newest(unique)[:limit] if limit and len(unique) > limit else unique
    kept = {e["key"] for e in chosen}
    return Selection(
        chosen,
        [e["key"] for e in unique],
        len(entries) - len(unique),
        {k: v for k, v in split.items() if k in seen},
        by,
        [e["key"] for e in unique if e["key"] not in kept],
    )


def _split_shared(
    entries: list[Entry], groups: dict[str, list[Entry]], split: dict[str, str]
) -> tuple[list[Entry], str]:
    """ENTRIES with those that share a key rekeyed apart (noted in SPLIT: new key -> old),
    and what told them apart."""
    rekeyed: dict[int, str] = {}
    by = "date"
    for key, group in groups.items():
        if len(group) < 2:
            continue
        firsts = [(fallback_keys(e) or [key])[0] for e in group]
        for e, first in zip(group, firsts, strict=True):
            new = first
            if firsts.count(first) > 1:  # same link and date too: the hash tells them apart
                new = _identity_key(e, "hash")
                by = "date and title"
            if new != key:
                rekeyed[id(e)] = new
                split[new] = key
    return [{**e, "key": rekeyed[id(e)]} if id(e) in rekeyed else e for e in entries], by


def newest(entries: list[Entry]) -> list[Entry]:
    """Entries newest first: by date when every entry has one, else in the feed's order."""
    dates = [e.get("published") or e.get("updated") for e in entries]
    if all(dates):
        order = sorted(range(len(entries)), key=lambda i: dates[i] or "", reverse=True)
        return [entries[i] for i in order]
    return entries


def fallback_lookups(selection: Selection, known: Collection[str]) -> list[str]:
    """The fallback keys of chosen entries whose key the archive does not know: a post kept
    apart from another that shared its key is archived under one of those."""
    return [k for e in selection.chosen if e["key"] not in known for k in fallback_keys(e)]


def unknown_links(selection: Selection, known: Collection[str]) -> list[str]:
    """The links of chosen entries whose key the archive does not know: each may be a post
    whose guid changed."""
    return [e["link"] for e in selection.chosen if e["key"] not in known and e.get("link")]


def decide(
    selection: Selection, known: Mapping[str, Known], by_link: Mapping[tuple[str, str | None], str]
) -> Plan:
    """New posts, revisions and renames for SELECTION, given what the archive KNOWS (by key:
    the feed's keys, their fallback keys and those BY_LINK names) and its keys BY_LINK
    (link, title)."""
    plan = Plan()
    in_feed = set(selection.in_feed)
    taken: set[str] = set()  # archived keys a renamed entry has claimed

    def claim(entry: Entry, alias: str | None) -> bool:
        """Give ENTRY the archived post ALIAS, if no entry of the feed has that key or took it."""
        if alias is None or alias in in_feed or alias in taken or alias not in known:
            return False
        taken.add(alias)
        plan.renamed[entry["key"]] = alias
        return True

    for entry in selection.chosen:
        old = known.get(entry["key"])
        if old is None:
            # A post that shared its key with another was archived under a fallback key (or,
            # before they shared it, under that key): it is the same post.
            alias = next((k for k in fallback_keys(entry) if claim(entry, k)), None)
            if alias is not None:
                plan.rejoined += 1
            # The same post under a new guid (a CMS migration, say), or archived before its
            # key was shared: same link and title as a post whose key is no longer in the
            # feed. It keeps its number and key.
            elif entry.get("link") and claim(entry, by_link.get((entry["link"], entry.get("title")))):
                alias = plan.renamed[entry["key"]]
                if entry["key"] in selection.split:
                    plan.rejoined += 1
            if alias is not None:
                entry = {**entry, "key": alias}
                old = known[alias]
        if old is None:
            plan.new.append(entry)
        # (An entry read otherwise by an earlier version: unchanged if it was then.)
        elif old.hash not in (entry.get("hash"), entry.get("_hash_before")):
            plan.revised.append(Revision(entry, old.n, old.revision + 1, old.first_seen))
        else:
            plan.unchanged += 1
    # Older posts of one fetch get the smaller numbers. Feeds list newest first, so
    # undated entries keep that order reversed.
    plan.new.reverse()
    plan.new.sort(key=lambda e: e.get("published") or e.get("updated") or "")
    plan.in_feed = [plan.renamed.get(k, k) for k in selection.in_feed]
    return plan


def _texts(e: Entry) -> set[str]:
    """The texts of ENTRY (content, summary), white space folded."""
    return {
        " ".join(t.split()) for t in (e.get("content"), e.get("summary")) if isinstance(t, str) and t.strip()
    }


def adds_nothing(copy: Entry, earlier: list[Entry]) -> bool:
    """Whether another reader's COPY of a post holds nothing that one of its EARLIER
    revisions does not: the same text, or part of it (newsboat keeps one text where the
    feed had two). Importing two readers' copies of one post must not alternate them as
    revisions ("edited x3" of a post nobody edited)."""
    for old in earlier:
        same = all(not copy.get(k) or copy.get(k) == old.get(k) for k in ("title", "link"))
        if same and _texts(copy) <= _texts(old):
            return True
    return False


def completes(copy: Entry, latest: Entry) -> bool:
    """Whether another reader's COPY holds all of the LATEST revision's text and more (a
    completion, not the publisher's edit)."""
    same = all(not latest.get(k) or copy.get(k) == latest.get(k) for k in ("title", "link"))
    return same and _texts(latest) < _texts(copy)


def split_note(selection: Selection) -> str | None:
    """What a fetch says once when entries of its feed shared a key, if any did."""
    count = len(selection.split)
    if not count:
        return None
    shared = (
        "link" if all(k.startswith(("http://", "https://")) for k in selection.split.values()) else "guid"
    )
    return f"{count} entries share a {shared}: kept apart by {selection.split_by}"


def limit_note(missing: int, limit: int, sid: str) -> str | None:
    """What a fetch says when the source's LIMIT left MISSING entries of the feed that the
    archive does not hold."""
    if not missing:
        return None
    return (
        f"{missing} older entr{'ies' if missing != 1 else 'y'} of the feed are past the limit of {limit}"
        f" and not archived: `subsample backfill {sid}` takes them"
        f" (`subsample set {sid} limit 0` keeps every entry from now on)"
    )


def renamed_note(plan: Plan) -> str | None:
    """What a fetch's history says when posts came back under new guids, if any did."""
    count = len(plan.renamed) - plan.rejoined
    if not count:
        return None
    return (
        f"{count} post{'s' * (count != 1)} changed their guid (same link and title; kept as the same posts)"
    )


def gone_from_feed(keys: Iterable[str], in_feed: Collection[str] | None) -> set[str]:
    """Those of the archived KEYS the feed no longer holds (none if the feed was never read)."""
    if in_feed is None:
        return set()
    return {k for k in keys if k not in in_feed}

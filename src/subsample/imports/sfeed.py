"""sfeed: the feeds an sfeedrc names, and their TSV files under its sfeedpath.

A line of an sfeed file has 9 fields: UNIX timestamp, title, link, content, content-type
("html" or "plain"), id, author, enclosure, category ("|"-separated). In the content, "\\n",
"\\t" and "\\\\" stand for a newline, a tab and a backslash.
"""

from __future__ import annotations

import re
from pathlib import Path

from subsample.errors import UsageError
from subsample.imports import Imported, ImportedFeed, ImportedPost, epoch_to_iso, text

# feed "name" "url" ["base url" ["encoding"]] inside the feeds() function of the shell file.
_FEED = re.compile(r"""^\s*feed\s+(?:"([^"]*)"|'([^']*)')\s+(?:"([^"]*)"|'([^']*)')""", re.M)
_PATH = re.compile(r"""^\s*sfeedpath\s*=\s*(?:"([^"]*)"|'([^']*)'|(\S+))""", re.M)
_ESCAPE = re.compile(r"\\(.)|\\\Z")
_ESCAPED = {"n": "\n", "t": "\t", "\\": "\\"}


def default_sfeedrc() -> Path:
    return Path.home() / ".sfeed" / "sfeedrc"


def read(sfeedrc: Path) -> Imported:
    """Every feed an sfeedrc names, with the posts its TSV file holds.

    Raises:
        UsageError: SFEEDRC is missing or names no feed.
    """
    try:
        config = sfeedrc.read_text(encoding="utf-8", errors="replace")
    except OSError as e:
        raise UsageError(f"cannot read {sfeedrc}: {e.strerror}") from e
    feeds = [(m.group(1) or m.group(2) or "", m.group(3) or m.group(4) or "") for m in _FEED.finditer(config)]
    if not feeds:
        raise UsageError(f'{sfeedrc} names no feed (no line `feed "name" "url"`); is it an sfeedrc?')
    folder = _feeds_folder(config, sfeedrc)
    imported = Imported(source=f"sfeed {sfeedrc}")
    for name, url in feeds:
        feed = ImportedFeed(url, name or None)
        imported.feeds.append(feed)
        tsv = folder / name
        if not tsv.is_file():
            continue  # never updated yet: the subscription alone comes in
        with open(tsv, "rb") as f:
            for number, raw in enumerate(f, start=1):
                post = _post(raw.decode("utf-8", errors="replace").rstrip("\n"))
                if post is None:
                    imported.problems.append(f"{tsv}:{number}: not an sfeed line; skipped")
                else:
                    feed.posts.append(post)
    return imported


def _feeds_folder(config: str, sfeedrc: Path) -> Path:
    m = _PATH.search(config)
    value = (m.group(1) or m.group(2) or m.group(3)) if m else None
    if not value:
        return Path.home() / ".sfeed" / "feeds"
    value = value.replace("$HOME", str(Path.home())).replace("${HOME}", str(Path.home()))
    path = Path(value).expanduser()
    return path if path.is_absolute() else sfeedrc.parent / path


def unescape(field: str) -> str | None:
    """An sfeed content field as it was; None when it holds an escape sfeed never writes."""
    bad = False

    def one(m: re.Match[str]) -> str:
        nonlocal bad
        if m.group(1) is None or m.group(1) not in _ESCAPED:
            bad = True
            return ""
        return _ESCAPED[m.group(1)]

    out = _ESCAPE.sub(one, field)
    return None if bad else out


def _post(line: str) -> ImportedPost | None:
    fields = line.split("\t")
    if len(fields) < 6 or (fields[0] and not fields[0].isdigit()):
        return None
    fields += [""] * (9 - len(fields))
    timestamp, title, link, content, kind, id_, author, enclosure, category = fields[:9]
    body = unescape(content)
    if body is None:
        return None
    if kind == "plain" and body:
        import html

        body = "".join(f"<p>{html.escape(p)}</p>" for p in body.split("\n\n") if p.strip())
    return ImportedPost(
        id=text(id_),
        title=text(title),
        link=text(link),
        author=text(author),
        published=epoch_to_iso(timestamp),
        content=text(body),
        tags=[t for t in category.split("|") if t.strip()],
        enclosures=[{"url": enclosure, "type": None, "length": None}] if text(enclosure) else [],
    )

"""The user's sources.toml.

sources.toml belongs to the user: it is read with tomllib (fast, stdlib) and edited with
tomlkit, which keeps their comments, order and formatting through `add`, `set` and `remove`.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from subsample import urls
from subsample.archive.files import atomic_write, file_lock
from subsample.durations import format_duration, parse_duration
from subsample.errors import ConfigError, SourceNotFoundError, UsageError
from subsample.models import DEFAULT_INTERVAL, DEFAULT_LIMIT, FULLTEXT_MODES, SOURCE_TYPES, Source
from subsample.paths import Paths

_SLUG = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
SETTABLE_KEYS = (
    "url",
    "type",
    "what",
    "limit",
    "interval",
    "enabled",
    "title",
    "identity",
    "fulltext",
    "selector",
)


# -- validation ------------------------------------------------------------------------


def check_id(source_id: str) -> str:
    if not _SLUG.fullmatch(source_id):
        raise UsageError(
            f"bad source id {source_id!r}; use 1-64 lower-case letters, digits, '-' or '_'"
            ", starting with a letter or digit"
        )
    return source_id


def new_source_id(names: list[str], taken: set[str]) -> str:
    """An id for a source being imported: the first of NAMES (a title, a host) that makes a
    slug, else "feed", with -2, -3... where TAKEN already has it."""
    base = next((slug for slug in map(_slug, names) if slug), "feed")
    sid, i = base, 2
    while sid in taken:
        sid = f"{base}-{i}"
        i += 1
    return sid


def _slug(text: str) -> str:
    out = []
    for ch in text.lower():
        if ch.isascii() and ch.isalnum():
            out.append(ch)
        elif out and out[-1] != "-":
            out.append("-")
    return "".join(out).strip("-")[:40].strip("-")


def check_type(source_type: str) -> str:
    if source_type not in SOURCE_TYPES:
        raise UsageError(f"unknown source type {source_type!r}; known: {', '.join(SOURCE_TYPES)}")
    return source_type


def check_url(url: str, *, base: Path | None = None, must_exist: bool = True) -> str:
    """An http(s) URL (scheme and host in lower case), or a feed file as an absolute path
    (relative to BASE, else the working folder; it must exist unless MUST_EXIST is false).

    Raises:
        UsageError: neither a readable web URL nor a file.
    """
    url = url.strip()
    if not url:
        raise UsageError("empty URL; give an http(s) URL or a feed file")
    if any(ord(c) < 0x20 or c == "\x7f" for c in url):
        raise UsageError("bad URL: it holds control characters")
    if urls.is_web(url):
        try:
            return urls.normalize(url)
        except ValueError as e:
            raise UsageError(f"malformed URL {url!r}: {e}") from None
    try:
        parts = urlsplit(url)
    except ValueError:
        raise UsageError(f"malformed URL {url!r}") from None
    scheme = parts.scheme.lower()
    if scheme == "file":
        url = parts.path
    elif len(scheme) > 1:  # one letter would be a Windows drive
        raise UsageError(f"unsupported URL scheme {scheme!r}; use http, https or a file path")
    path = Path(url).expanduser()
    if not path.is_absolute():
        path = (base or Path.cwd()) / path
    if must_exist and not path.is_file():
        raise UsageError(f"{url!r} is neither an http(s) URL nor a readable file")
    return str(path.resolve())


MAX_LIMIT = 1_000_000
MAX_INTERVAL = 366 * 86400


def check_limit(limit: Any) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 0 <= limit <= MAX_LIMIT:
        raise UsageError(f"bad limit {limit!r}; use a whole number up to {MAX_LIMIT}, 0 for no limit")
    return limit


def check_interval(interval: Any) -> int:
    """Seconds in a duration such as '6h' (a whole number in sources.toml counts as seconds)."""
    if isinstance(interval, int) and not isinstance(interval, bool):
        interval = f"{interval}s"
    if not isinstance(interval, str):
        raise UsageError(f"bad interval {interval!r}; use a number and a unit, e.g. 30m, 6h, 1d")
    try:
        seconds = parse_duration(interval)
    except ValueError as e:
        raise UsageError(str(e)) from None
    if seconds > MAX_INTERVAL:
        raise UsageError(f"bad interval {interval!r}; the longest is {format_duration(MAX_INTERVAL)}")
    return seconds


def check_fulltext(mode: Any) -> str:
    if mode not in FULLTEXT_MODES:
        raise UsageError(f"bad fulltext {mode!r}; use one of {', '.join(FULLTEXT_MODES)}")
    return str(mode)


def check_selector(selector: Any) -> str | None:
    """A CSS selector lxml understands, or None (an empty one means none)."""
    if selector is None or selector == "":
        return None
    if not isinstance(selector, str):
        raise UsageError("selector must be a string")
    from cssselect import SelectorError
    from lxml.cssselect import CSSSelector

    try:
        CSSSelector(selector)
    except SelectorError as e:
        raise UsageError(f"bad CSS selector {selector!r}: {e}") from None
    return selector


def parse_bool(value: str) -> bool:
    v = value.strip().lower()
    if v in ("true", "yes", "on", "1"):
        return True
    if v in ("false", "no", "off", "0"):
        return False
    raise UsageError(f"bad value {value!r}; use true or false")


# -- reading ---------------------------------------------------------------------------


def load_sources(paths: Paths) -> dict[str, Source]:
    """Every source in sources.toml, in file order.

    Raises:
        ConfigError: the file is not valid TOML or holds an invalid source.
    """
    try:
        raw = paths.config_file.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as e:
        raise ConfigError(f"cannot read {paths.config_file}: {e.strerror}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ConfigError(f"{paths.config_file} is not valid TOML: {e}; fix it by hand") from None
    table = data.get("sources", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{paths.config_file}: 'sources' must be a table")
    sources = {}
    for sid, entry in table.items():
        try:
            sources[sid] = _source_from_table(sid, entry, paths.config_file.parent)
        except UsageError as e:
            raise ConfigError(f"{paths.config_file}: source {sid!r}: {e}") from None
    return sources


def _source_from_table(sid: str, entry: Any, folder: Path) -> Source:
    """A source as sources.toml has it, every value checked as `add` checks it."""
    if not isinstance(entry, dict):
        raise UsageError("must be a table")
    check_id(sid)
    url = entry.get("url")
    if not isinstance(url, str) or not url.strip():
        raise UsageError("needs a url")
    enabled = entry.get("enabled", True)
    if not isinstance(enabled, bool):
        raise UsageError("enabled must be true or false")
    title = entry.get("title")
    if title is not None and not isinstance(title, str):
        raise UsageError("title must be a string")
    source_type = entry.get("type", "rss")
    if not isinstance(source_type, str):
        raise UsageError("type must be a string")
    what = entry.get("what")
    if what is not None and not isinstance(what, str):
        raise UsageError("what must be a string")
    return Source(
        id=sid,
        type=check_type(source_type),
        url=_stored_url(url, folder),
        limit=check_limit(entry.get("limit", DEFAULT_LIMIT)),
        interval=check_interval(entry.get("interval", format_duration(DEFAULT_INTERVAL))),
        enabled=enabled,
        title=title,
        what=what,
        identity=check_identity(entry.get("identity", "guid")),
        fulltext=check_fulltext(entry.get("fulltext", "auto")),
        selector=check_selector(entry.get("selector")),
    )


def check_identity(value: Any) -> str:
    """VALUE when it names a way to tell posts apart.

    Raises:
        UsageError: it does not.
    """
    from subsample.models import IDENTITIES

    if value not in IDENTITIES:
        raise UsageError(f"bad identity {value!r}; use one of {', '.join(IDENTITIES)}")
    return str(value)


def _stored_url(url: str, folder: Path) -> str:
    """A url from sources.toml, checked as `add` checks it, except that a feed file may be
    missing for now (fetch says so) and a relative one is read from the file's folder."""
    return check_url(url, base=folder, must_exist=False)


def find_source(paths: Paths, source_id: str) -> Source | None:
    """The configured source, or None for one removed from sources.toml whose archive remains.

    Raises:
        SourceNotFoundError: neither a source nor an archive of that name.
    """
    source = load_sources(paths).get(source_id)
    if source is None and not paths.archive(source_id).exists():
        raise SourceNotFoundError(source_id)
    return source


def get_source(paths: Paths, source_id: str) -> Source:
    """Raises: SourceNotFoundError."""
    sources = load_sources(paths)
    if source_id not in sources:
        raise SourceNotFoundError(source_id)
    return sources[source_id]


# -- editing ---------------------------------------------------------------------------


_HEADER = """\
# subsample sources: one [sources.ID] table per source.
# Edit by hand or with `subsample add/set/remove`; comments and order are kept.
"""


@contextmanager
def edit_sources(paths: Paths) -> Iterator[Any]:
    """Yield the tomlkit document of sources.toml, written back atomically on success.

    A file that does not parse is reported and never overwritten.
    """
    import tomlkit

    lock = paths.data / "sources.lock"  # beside the data, not in the user's config folder
    paths.config_file.parent.mkdir(parents=True, exist_ok=True)
    with file_lock(lock):
        load_sources(paths)  # refuse to touch a file we could not read back
        try:
            text = paths.config_file.read_text(encoding="utf-8")
        except FileNotFoundError:
            text = _HEADER
        doc = tomlkit.parse(text)
        if "sources" not in doc:
            doc.add("sources", tomlkit.table(is_super_table=True))
        yield doc
        atomic_write(paths.config_file, tomlkit.dumps(doc).encode("utf-8"))


def add_source(paths: Paths, source: Source) -> None:
    """Raises: UsageError for a duplicate id."""
    add_sources(paths, [source])


def add_sources(paths: Paths, sources: list[Source]) -> None:
    """Add SOURCES in one write: all of them or, on a duplicate id, none.

    Raises:
        UsageError: an id exists already.
    """
    import tomlkit

    with edit_sources(paths) as doc:
        for source in sources:
            if source.id in doc["sources"]:
                raise UsageError(f"a source named {source.id!r} exists already; pick another id")
            entry = tomlkit.table()
            entry["type"] = source.type
            if source.what and source.what != source.url:  # kept so the type can be resolved again
                entry["what"] = source.what
            entry["url"] = source.url
            entry["limit"] = source.limit
            entry["interval"] = format_duration(source.interval)
            entry["enabled"] = source.enabled
            if source.title:
                entry["title"] = source.title
            if source.identity != "guid":
                entry["identity"] = source.identity
            if source.fulltext != "auto":  # written only when not the default
                entry["fulltext"] = source.fulltext
            if source.selector:
                entry["selector"] = source.selector
            doc["sources"][source.id] = entry


def remove_source(paths: Paths, source_id: str) -> None:
    with edit_sources(paths) as doc:
        if source_id not in doc["sources"]:
            raise SourceNotFoundError(source_id)
        del doc["sources"][source_id]


def set_value(paths: Paths, source_id: str, key: str, value: Any) -> None:
    """Set one already-validated key of a source."""
    set_values(paths, source_id, {key: value})


def set_values(paths: Paths, source_id: str, values: dict[str, Any]) -> None:
    """Set already-validated keys of a source in one write; None removes a key."""
    with edit_sources(paths) as doc:
        if source_id not in doc["sources"]:
            raise SourceNotFoundError(source_id)
        entry = doc["sources"][source_id]
        for key, value in values.items():
            if value is not None:
                entry[key] = value
            elif key in entry:
                del entry[key]


def validate_setting(key: str, value: str) -> Any:
    """VALUE as it goes into sources.toml, checked like `add` checks it."""
    if key == "url":
        return check_url(value)
    if key == "type":
        return check_type(value)
    if key == "limit":
        try:
            return check_limit(int(value))
        except ValueError:
            raise UsageError(f"bad limit {value!r}; use a whole number, 0 for no limit") from None
    if key == "interval":
        return format_duration(check_interval(value))
    if key == "enabled":
        return parse_bool(value)
    if key == "title":
        return value
    if key == "identity":
        return check_identity(value)
    if key == "fulltext":
        return check_fulltext(value)
    if key == "selector":
        return check_selector(value) or ""
    raise UsageError(f"unknown setting {key!r}; known: {', '.join(SETTABLE_KEYS)}")

"""Plain data passed between the core and the CLI."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from subsample import source_types

SOURCE_TYPES = source_types.NAMES  # the one table of types says which there are
DEFAULT_LIMIT = 50
DEFAULT_INTERVAL = 6 * 3600
IDENTITIES = ("guid", "link", "link+date", "hash")  # what makes two entries the same post
FULLTEXT_MODES = ("auto", "always", "never")  # when a post's page is read for its full text

# A post is one JSON object, the same shape on disk, in memory and in `--json` output.
Post = dict[str, Any]


@dataclass(frozen=True)
class Source:
    """One entry of sources.toml."""

    id: str
    type: str
    url: str
    limit: int = DEFAULT_LIMIT
    interval: int = DEFAULT_INTERVAL  # seconds
    enabled: bool = True
    title: str | None = None  # the user's own name for it; else the feed's title
    what: str | None = None  # what the user typed, when it is not the url itself (a page, r/python)
    identity: str = "guid"  # one of IDENTITIES: for feeds whose guids are unstable
    fulltext: str = "auto"  # read posts' pages: auto (teasers only), always, never
    selector: str | None = None  # a CSS selector for the article, instead of the extractor


@dataclass
class FetchResult:
    """What one fetch of one source did; the CLI turns a list of these into a summary."""

    source: str
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    seen: int = 0
    status: int | None = None
    not_modified: bool = False
    error: str | None = None
    notes: list[str] = field(default_factory=list)
    pages_read: int = 0  # full texts found this fetch
    pages_failed: int = 0
    pages_waiting: int = 0  # due, but over this fetch's cap or past its time for pages: read next time

    @property
    def ok(self) -> bool:
        return self.error is None

"""The one table of source types: for each, what a person may type (WHAT), the feed URL it
maps to, and what fetching it needs (request headers, a longer interval, advice on a 403).

The mappings are pure: WHAT -> a feed URL, or a Lookup naming the one page that knows it
(a YouTube @handle's channel page, a Mastodon account's WebFinger document) and the pure
function that reads the answer. fetch/resolve.py makes that request, at `add` time only.
`rss` is not mapped here: its WHAT is a feed, a page (discovery) or a file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import SplitResult, parse_qs, quote, urlencode, urlsplit

from subsample import __version__, urls


@dataclass(frozen=True)
class Sites:
    """Where the sites live; tests point these at loopback servers that answer as they do."""

    youtube: str = "https://www.youtube.com"
    webfinger_scheme: str = "https"  # WebFinger is asked of the account's own domain


@dataclass(frozen=True)
class Lookup:
    """WHAT names a feed that only a page can tell: fetch URL, and READ(body, url) gives the
    feed URL (or raises ValueError saying what the page lacked)."""

    url: str
    read: Callable[[bytes, str], str]
    what: str  # for messages: "the channel page", "WebFinger"
    # The feed to take, with a note, when the page cannot be reached at all (None: an error).
    fallback: str | None = None


@dataclass(frozen=True)
class SourceType:
    name: str
    forms: str  # the accepted forms, as a usage error lists them
    map: Callable[[str, Sites], str | Lookup]  # raises ValueError for a malformed WHAT
    default: str | None = None  # WHAT when none is given
    headers: Mapping[str, str] = field(default_factory=dict)  # sent with every fetch
    interval: int | None = None  # default interval, in seconds, when the site asks for patience
    on_forbidden: str | None = None  # what to try when the site answers 403


# -- youtube -------------------------------------------------------------------------

_CHANNEL_ID = re.compile(r"UC[A-Za-z0-9_-]{22}")
_PLAYLIST_ID = re.compile(r"(?:PL|UU|FL|OL|LL)[A-Za-z0-9_-]{10,64}")
_HANDLE = re.compile(r"@[A-Za-z0-9._-]{3,30}")
_YOUTUBE_HOSTS = ("youtube.com", "www.youtube.com", "m.youtube.com", "music.youtube.com")
YOUTUBE_FEEDS = "https://www.youtube.com/feeds/videos.xml"


def _youtube(what: str, sites: Sites) -> str | Lookup:
    if _CHANNEL_ID.fullmatch(what):
        return f"{YOUTUBE_FEEDS}?channel_id={what}"
    if _PLAYLIST_ID.fullmatch(what):
        return f"{YOUTUBE_FEEDS}?playlist_id={what}"
    if _HANDLE.fullmatch(what):
        return Lookup(f"{sites.youtube}/{quote(what, safe='@')}", youtube_feed_from_page, "the channel page")
    parts = _web_parts(what, _YOUTUBE_HOSTS)
    path = [p for p in parts.path.split("/") if p]
    playlist = parse_qs(parts.query).get("list", [""])[0]
    if path[:1] == ["playlist"] and _PLAYLIST_ID.fullmatch(playlist):
        return f"{YOUTUBE_FEEDS}?playlist_id={playlist}"
    if len(path) >= 2 and path[0] == "channel" and _CHANNEL_ID.fullmatch(path[1]):
        return f"{YOUTUBE_FEEDS}?channel_id={path[1]}"
    if path and _HANDLE.fullmatch(path[0]):
        return _youtube(path[0], sites)
    if len(path) >= 2 and path[0] in ("c", "user"):  # old custom URLs: the page knows the channel
        return Lookup(
            f"{sites.youtube}/{path[0]}/{quote(path[1])}", youtube_feed_from_page, "the channel page"
        )
    raise ValueError("not a YouTube channel or playlist")


def youtube_feed_from_page(body: bytes, url: str) -> str:
    """The channel feed of a YouTube channel page, from its canonical link."""
    from subsample.parse.discover import canonical_link

    canonical = canonical_link(body, url) or ""
    match = re.search(r"/channel/(UC[A-Za-z0-9_-]{22})", canonical)
    if not match:
        raise ValueError("the page has no canonical link to a channel")
    return f"{YOUTUBE_FEEDS}?channel_id={match.group(1)}"


# -- reddit --------------------------------------------------------------------------

_SUBREDDIT = re.compile(r"[A-Za-z0-9][A-Za-z0-9_]{1,20}(?:\+[A-Za-z0-9][A-Za-z0-9_]{1,20})*")
_REDDITOR = re.compile(r"[A-Za-z0-9_-]{3,20}")
_REDDIT_HOSTS = ("reddit.com", "www.reddit.com", "old.reddit.com", "new.reddit.com")


def _reddit(what: str, sites: Sites) -> str:
    path = what.strip("/")
    if urls.is_web(what):
        path = _web_parts(what, _REDDIT_HOSTS).path.strip("/")
    kind, _, name = path.partition("/")
    name = name.split("/")[0]
    if kind == "r" and _SUBREDDIT.fullmatch(name):
        return f"https://www.reddit.com/r/{name}/.rss"
    if kind in ("u", "user") and _REDDITOR.fullmatch(name):
        return f"https://www.reddit.com/user/{name}/submitted/.rss"
    raise ValueError("not a subreddit or a user")


# -- github --------------------------------------------------------------------------

_OWNER = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})")
_REPO = re.compile(r"[A-Za-z0-9._-]{1,100}")
_BRANCH = re.compile(r"[A-Za-z0-9._/-]{1,250}")


def _github(what: str, sites: Sites) -> str:
    path = what.strip("/")
    if urls.is_web(what):
        path = _web_parts(what, ("github.com", "www.github.com")).path.strip("/")
    path = path.removesuffix(".git")
    owner, _, rest = path.partition("/")
    if not _OWNER.fullmatch(owner):
        raise ValueError("not a GitHub owner")
    if not rest:
        return f"https://github.com/{owner}.atom"
    repo, _, rest = rest.partition("/")
    if not _REPO.fullmatch(repo) or repo in (".", ".."):
        raise ValueError("not a GitHub repository")
    base = f"https://github.com/{owner}/{repo}"
    if rest in ("", "releases"):
        return f"{base}/releases.atom"
    if rest == "tags":
        return f"{base}/tags.atom"
    if rest == "commits":
        return f"{base}/commits.atom"
    kind, _, branch = rest.partition("/")
    if kind in ("commits", "tree") and _BRANCH.fullmatch(branch) and ".." not in branch:
        return f"{base}/commits/{branch}.atom"
    raise ValueError("not releases, tags or commits of a repository")


# -- mastodon ------------------------------------------------------------------------

_HOST = r"(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+|localhost)(?::[0-9]{1,5})?"
_ACCOUNT = re.compile(rf"@?([A-Za-z0-9_.-]{{1,64}})@({_HOST})")
_TAG = re.compile(rf"#([^\s#@/]{{1,100}})@({_HOST})")


def _mastodon(what: str, sites: Sites) -> str | Lookup:
    if urls.is_web(what):  # a profile or a tag page: its host is the web host
        parts = urlsplit(what)
        path = parts.path.strip("/")
        if re.fullmatch(r"@[A-Za-z0-9_.-]{1,64}", path):
            return f"{parts.scheme}://{parts.netloc}/{path}.rss"
        if re.fullmatch(r"tags/[^\s/#@]{1,100}", path):
            return f"{parts.scheme}://{parts.netloc}/{quote(path)}.rss"
        raise ValueError("not a profile or tag page")
    if tag := _TAG.fullmatch(what):
        return f"https://{tag.group(2)}/tags/{quote(tag.group(1))}.rss"
    if account := _ACCOUNT.fullmatch(what):
        user, host = account.groups()
        # An account's domain need not be its server (@me@example.org, served at social.example.org):
        # WebFinger on the domain names the profile page.
        query = urlencode({"resource": f"acct:{user}@{host}"})
        return Lookup(
            f"{sites.webfinger_scheme}://{host}/.well-known/webfinger?{query}",
            lambda body, url: mastodon_feed_from_webfinger(body, user, host),
            "WebFinger",
            # Most accounts live on the server of their domain: its feed is the guess.
            fallback=mastodon_feed_url(user, host),
        )
    raise ValueError("not an account or a tag")


def mastodon_feed_url(user: str, web_host: str) -> str:
    return f"https://{web_host}/@{user}.rss"


def mastodon_feed_from_webfinger(body: bytes, user: str, host: str) -> str:
    """The account's feed from its WebFinger document: its profile page (`https://web/@name`)
    plus `.rss`."""
    try:
        doc = json.loads(body)
    except (ValueError, RecursionError):
        raise ValueError("the WebFinger answer is not JSON") from None
    links = doc.get("links") if isinstance(doc, dict) else None
    for link in links if isinstance(links, list) else []:
        if not isinstance(link, dict) or link.get("rel") != "http://webfinger.net/rel/profile-page":
            continue
        href = str(link.get("href") or "")
        parts = urlsplit(href)
        if urls.is_web(href) and re.fullmatch(r"/@[A-Za-z0-9_.-]{1,64}", parts.path):
            return f"{parts.scheme}://{parts.netloc}{parts.path}.rss"
    raise ValueError(f"WebFinger names no profile page for @{user}@{host}")


# -- the others ----------------------------------------------------------------------

_BSKY_HANDLE = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}")
_DID = re.compile(r"did:(?:plc:[a-z2-7]{24}|web:[A-Za-z0-9.-]+)")


def _bluesky(what: str, sites: Sites) -> str:
    name = what.removeprefix("@")
    if urls.is_web(what):
        path = _web_parts(what, ("bsky.app",)).path.strip("/").split("/")
        name = path[1] if len(path) >= 2 and path[0] == "profile" else ""
    if _BSKY_HANDLE.fullmatch(name) or _DID.fullmatch(name):
        return f"https://bsky.app/profile/{name.lower() if not name.startswith('did:') else name}/rss"
    raise ValueError("not a handle or a DID")


_SUBSTACK_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,62}")


def _substack(what: str, sites: Sites) -> str:
    host = what.lower()
    if urls.is_web(what):
        host = (urlsplit(what).hostname or "").lower()
    if _SUBSTACK_NAME.fullmatch(host):
        return f"https://{host}.substack.com/feed"
    if _BSKY_HANDLE.fullmatch(host):  # a custom domain, or name.substack.com
        return f"https://{host}/feed"
    raise ValueError("not a publication name or domain")


def _hackernews(what: str, sites: Sites) -> str:
    if what == "front":
        return "https://news.ycombinator.com/rss"
    raise ValueError("not a Hacker News feed")


def _lobsters(what: str, sites: Sites) -> str:
    if what == "front":
        return "https://lobste.rs/rss"
    if what == "newest":
        return "https://lobste.rs/newest.rss"
    if tag := re.fullmatch(r"t/([a-z0-9_-]{1,25}(?:,[a-z0-9_-]{1,25})*)", what):
        return f"https://lobste.rs/t/{tag.group(1)}.rss"
    raise ValueError("not a Lobsters feed")


def _web_parts(what: str, hosts: tuple[str, ...]) -> SplitResult:
    if not urls.is_web(what):
        raise ValueError("not a URL of the site")
    parts = urlsplit(what)
    if (parts.hostname or "").lower() not in hosts:
        raise ValueError(f"not a URL of {hosts[-1]}")
    return parts


# -- the table -----------------------------------------------------------------------

# Reddit answers 403 to many clients it does not know: this User-Agent follows its rules
# for API clients (a unique, descriptive name with a version), and it asks for patience.
_REDDIT_HEADERS = {"User-Agent": f"linux:subsample:{__version__} (feed archiver; by /u/subsample-archiver)"}

TYPES: dict[str, SourceType] = {
    t.name: t
    for t in (
        SourceType(
            "youtube", "UC… channel id, channel URL, @handle, PL… playlist id or playlist URL", _youtube
        ),
        SourceType(
            "reddit",
            "r/NAME, u/NAME or a subreddit URL",
            _reddit,
            headers=_REDDIT_HEADERS,
            interval=12 * 3600,
            on_forbidden="reddit refuses many clients; wait a day, or try `subsample set ID interval 1d`",
        ),
        SourceType(
            "github",
            "OWNER, OWNER/REPO, OWNER/REPO/tags, OWNER/REPO/commits[/BRANCH] or a GitHub URL",
            _github,
        ),
        SourceType("mastodon", "@USER@HOST, #TAG@HOST or a profile URL", _mastodon),
        SourceType("bluesky", "HANDLE (name.bsky.social), did:plc:… or a profile URL", _bluesky),
        SourceType("substack", "NAME, NAME.substack.com or a custom domain", _substack),
        SourceType("hackernews", "front", _hackernews, default="front"),
        SourceType("lobsters", "front, newest or t/TAG", _lobsters, default="front"),
    )
}

NAMES = ("rss", *TYPES)  # every type `add` takes; rss is the feed itself (or a page, or a file)


class BadWhatError(ValueError):
    """WHAT is not one of the type's accepted forms."""


def map_what(source_type: str, what: str | None, sites: Sites | None = None) -> str | Lookup:
    """The feed URL of WHAT for a typed source, or the Lookup that finds it.

    Raises:
        BadWhatError: WHAT is missing or malformed; the message names the accepted forms.
    """
    t = TYPES[source_type]
    what = (what or t.default or "").strip()
    try:
        if not what:
            raise ValueError("nothing given")
        return t.map(what, sites or Sites())
    except ValueError as e:
        shown = f"{what!r}" if what else "nothing"
        raise BadWhatError(f"bad {source_type} source {shown} ({e}); give {t.forms}") from None


def request_headers(source_type: str) -> dict[str, str]:
    """The headers a fetch of this type's feeds must send (the fetch pipeline adds them)."""
    t = TYPES.get(source_type)
    return dict(t.headers) if t else {}


def default_interval(source_type: str) -> int | None:
    t = TYPES.get(source_type)
    return t.interval if t else None


def forbidden_hint(source_type: str) -> str | None:
    """What to tell the user when this type's site answers 403, if it is known to."""
    t = TYPES.get(source_type)
    return t.on_forbidden if t else None

"""gallery --download: images fetched into a content-addressed store under the data folder.

Same discipline as feeds (timeouts, a size cap, http(s) only), plus: only image content
types are kept. media/urls.json maps each URL to its file, so stored images are skipped.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from subsample import urls
from subsample.archive.files import atomic_write, file_lock
from subsample.errors import FetchError
from subsample.paths import Paths

_EXT = {"image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif", "image/webp": ".webp",
        "image/avif": ".avif", "image/svg+xml": ".svg"}  # fmt: skip


def attach_stored(paths: Paths, images: list[dict[str, Any]]) -> None:
    """Set "path" on each image already in the media store."""
    try:
        known = json.loads((paths.media_dir / "urls.json").read_bytes())
    except (OSError, ValueError):
        return
    for img in images:
        name = known.get(img["url"]) if isinstance(known, dict) else None
        if isinstance(name, str) and (paths.media_dir / name).is_file():
            img["path"] = str(paths.media_dir / name)


def download_images(paths: Paths, images: list[dict[str, Any]], feed_url: str) -> tuple[int, list[str]]:
    """Store every image not stored yet; set each image's "path". Returns (downloaded, problems).

    A feed's image URLs (and their redirects) may not point into the local network unless the
    feed itself lives there: a hostile feed must not make us poke at a router or a metadata
    service.
    """
    from subsample.fetch import http as net

    refuse = net.stay_outside_unless(feed_url)

    urls_file = paths.media_dir / "urls.json"
    limits = net.Limits(deadline=30, max_bytes=16 * 1024 * 1024)
    session = net.Session()
    problems: list[str] = []
    downloaded = 0
    try:
        with file_lock(paths.media_dir / "media.lock"):
            try:
                known = json.loads(urls_file.read_bytes())
            except (OSError, ValueError):
                known = {}
            for img in images:
                url = img["url"]
                stored = known.get(url)
                if stored and (paths.media_dir / stored).is_file():
                    img["path"] = str(paths.media_dir / stored)
                    continue
                if not urls.is_web(url):
                    problems.append(f"{url[:80]}: not an http(s) URL")
                    continue
                try:
                    resp = net.get(session, url, limits=limits, accept_types=("image/",), refuse_host=refuse)
                    if resp.status != 200:
                        raise FetchError(f"HTTP {resp.status}")
                except FetchError as e:
                    problems.append(f"{url[:200]}: {e}")
                    continue
                ctype = resp.headers.get("content-type", "").split(";")[0].strip().lower()
                name = hashlib.sha256(resp.body).hexdigest() + _EXT.get(ctype, ".img")
                if not (paths.media_dir / name).exists():
                    atomic_write(paths.media_dir / name, resp.body)
                known[url] = name
                img["path"] = str(paths.media_dir / name)
                downloaded += 1
            atomic_write(urls_file, json.dumps(known, indent=1).encode())
    finally:
        session.close()  # (never raises)
    return downloaded, problems

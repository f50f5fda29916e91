"""`subsample export --site DIR`: every page of `serve` written as static files.

Links are relative (each page names the others from where it stands), so the folder reads
the same opened from disk, copied to a USB stick or put on any static host. The search box
is left out (it needs the server); downloaded images are copied into DIR/media.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

from subsample import core
from subsample.errors import StorageError
from subsample.paths import Paths
from subsample.show.web import pages


def _routes(paths: Paths) -> Iterator[str]:
    yield "/"
    for row in core.list_sources(paths):
        sid = row.source.id
        yield f"/sources/{sid}"
        for k in range(2, -(-row.posts // pages.PAGE_SIZE) + 1):
            yield f"/sources/{sid}/page/{k}"
        yield from (f"/sources/{sid}/{tab}" for tab in ("history", "gallery", "config", "rss", "json"))
        for p in core.list_posts(paths, sid).posts if row.posts else []:
            yield f"/posts/{p['n']}"
            for k in range(1, int(p.get("revisions") or 1)):
                yield f"/posts/{p['n']}/revision/{k}"


def export_site(paths: Paths, out: Path, now: datetime, progress: Callable[[int], None] | None = None) -> int:
    """Write the site into OUT; returns how many pages were written.

    Raises:
        StorageError: OUT cannot be written.
    """
    written = 0
    for route in _routes(paths):
        ctx = pages.Context(paths, now, pages.Links(site=True, here=route), site=True)
        try:
            page = pages.build(ctx, route)
        except pages.NotFound:
            continue  # a gallery of a source without archive, say
        _write(out / pages.site_file(route), page.body)
        written += 1
        if progress is not None:
            progress(written)
    _write(out / "static" / "style.css", pages.stylesheet())
    media = paths.media_dir
    if media.is_dir():
        for f in media.iterdir():
            if pages.MEDIA_NAME.fullmatch(f.name) and f.is_file():
                try:
                    (out / "media").mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(f, out / "media" / f.name)
                except OSError as e:
                    raise StorageError(f"cannot write {out / 'media' / f.name}: {e.strerror}") from None
    return written


def _write(path: Path, data: bytes) -> None:
    """A plain write: the site is output that can be written again, and an fsync per page
    would make a 100,000-post site take minutes."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    except OSError as e:
        raise StorageError(f"cannot write {path}: {e.strerror}") from None

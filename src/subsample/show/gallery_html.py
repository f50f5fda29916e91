"""The Gallery tab as a static HTML page: thumbnails linking to their posts, no script."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from subsample import urls
from subsample.text import one_line


def gallery_html(source_id: str, images: list[dict[str, Any]]) -> bytes:
    """A self-contained page; every feed value is escaped and only http(s) URLs are used."""
    cells = []
    for img in images:
        url = one_line(img["url"])
        if not urls.is_web(url):
            continue  # javascript:, data: and file: URLs never reach the page
        src = Path(img["path"]).as_uri() if img.get("path") else url
        caption = f"#{img['n']} {one_line(img.get('title'))}"
        alt = one_line(img.get("alt") or img.get("title") or "")
        cells.append(
            f'<figure><a href="{escape(url)}"><img src="{escape(src)}" alt="{escape(alt)}" '
            f'loading="lazy" referrerpolicy="no-referrer"></a><figcaption>{escape(caption)}</figcaption></figure>'
        )
    return (
        '<!doctype html>\n<html><head><meta charset="utf-8">'
        # No script may run, and images load from nowhere but the network over http(s).
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src http: https: file:; style-src 'unsafe-inline'\">"
        f"<title>Gallery of {escape(source_id)}</title><style>"
        "body{font-family:sans-serif;display:flex;flex-wrap:wrap;gap:1em}"
        "figure{width:220px;margin:0}img{max-width:220px;max-height:220px}</style></head><body>\n"
        + "\n".join(cells)
        + "\n</body></html>\n"
    ).encode()

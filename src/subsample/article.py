"""A post's HTML body as Markdown for the terminal, with links and images numbered.

html2text (maintained, pure Python, light to import) does the conversion; a tag callback
replaces each link by its text and a number, and each image by a numbered placeholder with
its alt text, so that every URL is listed once at the end and nothing is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from subsample.text import clean


@dataclass
class Body:
    markdown: str
    links: list[str] = field(default_factory=list)
    images: list[tuple[str, str | None]] = field(default_factory=list)


def html_to_markdown(markup: str) -> Body:
    import html2text

    body = Body(markdown="")
    anchors: list[bool] = []  # for each open <a>: does it get a number when it closes?

    def on_tag(h: Any, tag: str, attrs: dict[str, str | None], start: bool) -> bool | None:
        if tag == "a":
            if start:
                href = (attrs.get("href") or "").strip()
                numbered = bool(href) and not href.startswith("#")
                if numbered:
                    body.links.append(href)
                anchors.append(numbered)
            elif anchors and anchors.pop():
                h.o(f" [{len(body.links)}]")
            return True
        if tag == "img" and start:
            body.images.append(((attrs.get("src") or "").strip(), attrs.get("alt")))
            alt = " ".join((attrs.get("alt") or "").split())
            h.o(f"[image {len(body.images)}{': ' + alt if alt else ''}]")
            return True
        if tag == "sup" and start:
            h.o("^")
            return True
        if tag == "div" and start and "footnote" in (attrs.get("class") or ""):
            h.p()
            h.o("**Footnotes**")
            h.p()
            return True
        return None

    h = html2text.HTML2Text()
    h.body_width = 0  # rich wraps to the terminal
    h.unicode_snob = True
    h.pad_tables = False
    h.mark_code = False
    h.tag_callback = on_tag  # type: ignore[assignment]  # typed None upstream
    # Control characters go before (raw) and after (decoded from &#27; and the like).
    body.markdown = clean(h.handle(clean(markup))).strip()
    return body

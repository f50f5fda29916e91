"""A post's HTML body as rich renderables for the terminal, with links and images numbered.

The standard library's html.parser reads the HTML straight into rich Text: every link
becomes its text and a number, every image a numbered placeholder with its alt text, and
each URL is listed once at the end, so nothing is dropped. (It replaced html2text and
rich's Markdown renderer, whose Markdown parser alone took 50 ms to import: a sixth of every
`read`.) Feed text only ever reaches rich as Text, never as markup, and control characters
are removed before and after entities are decoded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.segment import Segment
from rich.text import Text

from subsample.text import clean


@dataclass
class Body:
    blocks: list[RenderableType] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    images: list[tuple[str, str | None]] = field(default_factory=list)

    def renderable(self) -> RenderableType:
        return _Blocks(self.blocks, tight=False)


def html_to_rich(markup: str) -> Body:
    reader = _Reader()
    reader.feed(clean(markup))
    reader.close()
    return reader.finish()


# -- what the reader builds ------------------------------------------------------------


class _Blocks:
    """Blocks one under another: a blank line between them, or none in a TIGHT list item."""

    def __init__(self, blocks: list[RenderableType], tight: bool) -> None:
        self.blocks, self.tight = blocks, tight

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for i, block in enumerate(self.blocks):
            if i and not self.tight:
                yield Segment.line()
            if isinstance(block, Text):
                yield from _paragraph(console, options, block)
            else:
                yield block


def _paragraph(console: Console, options: ConsoleOptions, text: Text) -> RenderResult:
    """TEXT wrapped, yielded line by line. (Given whole, rich renders a paragraph as one
    segment and splits it at each newline by copying the rest: quadratic, over a minute
    for a 10 MB paragraph; line by line it is a second or two.)"""
    for line in text.wrap(console, options.max_width, overflow="fold"):
        yield from line.render(console)
        yield Segment.line()


def _prefixed(
    console: Console, options: ConsoleOptions, content: RenderableType, first: str, rest: str, style: str = ""
) -> RenderResult:
    """CONTENT rendered narrower, each line after a prefix: FIRST on the first line, then REST."""
    width = max(options.max_width - len(first), 8)
    lines = console.render_lines(content, options.update(width=width), pad=False)
    for i, line in enumerate(lines):
        yield Segment(first if i == 0 else rest, console.get_style(style) if style else None)
        yield from line
        yield Segment.line()


class _List:
    def __init__(self, ordered: bool, start: int) -> None:
        self.ordered, self.start = ordered, start
        self.items: list[_Blocks] = []

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        digits = len(str(self.start + len(self.items) - 1))
        for i, item in enumerate(self.items):
            # As the seed page writes them: "  1. Hot atoms…", "  • radiators".
            marker = f"  {self.start + i:>{digits}}. " if self.ordered else "  • "
            yield from _prefixed(console, options, item, marker, " " * len(marker), style="bold")


class _Quote:
    def __init__(self, content: _Blocks) -> None:
        self.content = content

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield from _prefixed(console, options, self.content, "▌ ", "▌ ", style="dim")


class _Code:
    def __init__(self, code: str) -> None:
        self.code = code

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        text = Text(self.code, style="cyan")
        yield from _prefixed(console, options, text, "    ", "    ")


class AsciiSafeRule:
    """A horizontal rule that is "-" where the output cannot carry "─" (LANG=C): rich 15
    falls back to ASCII only for rules with a title, and writes "?" for the rest."""

    def __init__(self, style: str = "dim") -> None:
        self.style = style

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        from rich.rule import Rule

        yield Rule(characters="-" if options.ascii_only else "─", style=self.style)


# -- the reader --------------------------------------------------------------------------

_BLOCK = {
    "p", "div", "section", "article", "header", "footer", "main", "aside", "nav", "figure",
    "figcaption", "address", "details", "summary", "dl", "dt", "dd", "center", "form", "fieldset",
}  # fmt: skip
_HEADING = {
    "h1": "bold underline",
    "h2": "bold underline",
    "h3": "bold",
    "h4": "bold",
    "h5": "bold",
    "h6": "bold",
}
_INLINE = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "cite": "italic", "u": "underline",
    "ins": "underline", "s": "strike", "del": "strike", "strike": "strike", "code": "bold cyan",
    "kbd": "bold cyan", "samp": "bold cyan", "tt": "bold cyan", "mark": "reverse",
}  # fmt: skip
# Never article text. (noscript, iframe and object hold fallbacks, such as the <img> of a
# lazily loaded picture: shown, so that nothing is dropped and an unclosed one hides nothing.)
_SKIP = {"script", "style", "template", "head", "title"}
_SPACE = re.compile(r"\s+")


class _Container:
    """Where blocks go: the article itself, a list item, a quote or a table cell."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.blocks: list[RenderableType] = []
        self.text = Text()
        self.list: _List | None = None  # for a list: the list its items go into
        self.table: list[list[tuple[Text, bool]]] | None = None  # for a table: rows of (cell, is th)
        self.header = False  # for a cell: is it a th?
        self.last_char = ""  # of the paragraph being written

    @property
    def at_word_start(self) -> bool:
        """Does the paragraph being written end in a space or a line break, or is it empty?
        (Asked for every piece of text: looked up in O(1), as Text.plain joins the whole
        paragraph each time it is asked, which made a 10 MB paragraph take minutes.)"""
        return self.last_char in ("", " ", "\n")

    def append(self, text: str, style: str | None) -> None:
        if text:
            self.text.append(text, style=style)
            self.last_char = text[-1]

    def flush(self, style: str | None = None) -> None:
        """End the paragraph being written (styled as a whole with STYLE, for headings)."""
        text, self.text, self.last_char = self.text, Text(), ""
        text.rstrip()
        if text.plain.strip():
            if style:
                text.stylize(style)
            self.blocks.append(text)


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.body = Body()
        self.stack = [_Container("article")]
        self.styles: list[str] = []
        self.anchors: list[bool] = []  # for each open <a>: does it get a number when it closes?
        self.skipping = 0
        self.pre = 0
        self.footnotes_pending = False

    def _footnotes_heading(self) -> None:
        if self.footnotes_pending:
            self.footnotes_pending = False
            self.here.blocks.append(Text("Footnotes", style="bold"))

    @property
    def here(self) -> _Container:
        return self.stack[-1]

    # Text ---------------------------------------------------------------------------

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        data = clean(data)  # again: entities are decoded by now
        if self.footnotes_pending and data.strip():
            self._footnotes_heading()
        if not self.pre:
            data = _SPACE.sub(" ", data)
            if self.here.at_word_start:
                data = data.lstrip(" ")
        self.here.append(data, " ".join(self.styles) or None)

    def _append(self, text: str, style: str) -> None:
        self.here.append(text, style)

    # Tags ---------------------------------------------------------------------------

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skipping += 1
            return
        if self.skipping:
            return
        a = dict(attrs)
        if tag in _INLINE:
            self.styles.append(_INLINE[tag])
        elif tag == "a":
            href = (a.get("href") or "").strip()
            numbered = bool(href) and not href.startswith("#")
            if numbered:
                self.body.links.append(href)
            self.anchors.append(numbered)
        elif tag == "img":
            self.body.images.append(((a.get("src") or "").strip(), a.get("alt")))
            alt = " ".join(clean(a.get("alt") or "").split())
            self._append(f"[image {len(self.body.images)}{': ' + alt if alt else ''}]", "magenta")
        elif tag == "br":
            self._append("\n", "")
        elif tag == "sup":
            self._append("^", "")
        elif tag == "hr":
            self.here.flush()
            self.here.blocks.append(AsciiSafeRule())
            self._footnotes_heading()
        elif tag in _BLOCK or tag in _HEADING:
            self.here.flush()
            if tag == "div" and "footnote" in (a.get("class") or ""):
                # Named under the rule that usually opens it (WordPress, Pandoc, Hugo),
                # not above it: placed when its first rule or its content comes.
                self.footnotes_pending = True
            else:
                self._footnotes_heading()
        elif tag in ("ul", "ol"):
            self.here.flush()
            self._footnotes_heading()
            start = a.get("start") or ""
            container = _Container(tag)
            container.list = _List(tag == "ol", int(start) if start.isdigit() else 1)
            self.stack.append(container)
        elif tag == "li":
            if self.here.kind == "li":  # the last item was never closed
                self._close("li")
            if self.here.kind not in ("ul", "ol"):  # an item outside any list
                self.here.flush()
                container = _Container("ul")
                container.list = _List(False, 1)
                self.stack.append(container)
            self.stack.append(_Container("li"))
        elif tag == "blockquote":
            self.here.flush()
            self.stack.append(_Container("blockquote"))
        elif tag == "pre":
            self.here.flush()
            self.pre += 1
        elif tag == "table":
            self.here.flush()
            container = _Container("table")
            container.table = []
            self.stack.append(container)
        elif tag == "tr":
            if self.here.kind == "cell":  # the last cell was never closed
                self._close("cell")
            table = self._open("table")
            if table is not None and table.table is not None:
                table.table.append([])
        elif tag in ("td", "th"):
            if self.here.kind == "cell":
                self._close("cell")
            cell = _Container("cell")
            cell.header = tag == "th"
            self.stack.append(cell)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skipping = max(self.skipping - 1, 0)
            return
        if self.skipping:
            return
        if tag in _INLINE:
            if _INLINE[tag] in self.styles:
                del self.styles[len(self.styles) - 1 - self.styles[::-1].index(_INLINE[tag])]
        elif tag == "a":
            if self.anchors and self.anchors.pop():
                self._append(f" [{len(self.body.links)}]", "cyan")
        elif tag in _HEADING:
            self.here.flush(style=_HEADING[tag])
        elif tag in _BLOCK:
            self.here.flush()
        elif tag in ("ul", "ol", "li", "blockquote", "table"):
            self._close(tag)
        elif tag in ("td", "th"):
            self._close("cell")
        elif tag == "pre" and self.pre:
            self.pre -= 1
            code = self.here.text.plain.strip("\n").rstrip()
            self.here.text, self.here.last_char = Text(), ""
            if code:
                self.here.blocks.append(_Code(code))

    def _open(self, kind: str) -> _Container | None:
        return next((c for c in reversed(self.stack) if c.kind == kind), None)

    def _close(self, kind: str) -> None:
        """Close the innermost open KIND, and whatever was left open inside it."""
        if kind in ("ul", "ol"):
            kind = next((c.kind for c in reversed(self.stack) if c.kind in ("ul", "ol")), kind)
        if self._open(kind) is None:
            return
        while True:
            done = self.stack.pop()
            done.flush()
            self._attach(done)
            if done.kind == kind:
                return

    def _attach(self, done: _Container) -> None:
        parent = self.here
        if done.kind == "li":
            if parent.list is not None:
                parent.list.items.append(_Blocks(done.blocks, tight=True))
        elif done.kind in ("ul", "ol") and done.list is not None:
            if done.list.items:
                parent.blocks.append(done.list)
        elif done.kind == "blockquote":
            if done.blocks:
                parent.blocks.append(_Quote(_Blocks(done.blocks, tight=False)))
        elif done.kind == "cell":
            table = self._open("table")
            if table is not None and table.table is not None:
                if not table.table:  # a cell before any <tr>
                    table.table.append([])
                cell = Text("\n").join(b for b in done.blocks if isinstance(b, Text))
                table.table[-1].append((cell, done.header))
        elif done.kind == "table" and done.table:
            parent.blocks.append(_table(done.table))

    def finish(self) -> Body:
        while len(self.stack) > 1:
            done = self.stack.pop()
            done.flush()
            self._attach(done)
        self.here.flush()
        self.body.blocks = self.here.blocks
        return self.body


def _table(rows: list[list[tuple[Text, bool]]]) -> RenderableType:
    from rich import box
    from rich.table import Table

    rows = [row for row in rows if row]
    header = bool(rows) and all(is_th for _, is_th in rows[0])
    table = Table(box=box.SIMPLE, show_header=header, show_edge=False, header_style="bold", pad_edge=False)
    columns = max((len(row) for row in rows), default=0)
    for i in range(columns):
        table.add_column(rows[0][i][0] if header and i < len(rows[0]) else "")
    for row in rows[1:] if header else rows:
        cells: list[Any] = [cell for cell, _ in row]
        table.add_row(*cells, *([""] * (columns - len(cells))))
    return table

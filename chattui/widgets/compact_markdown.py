"""Markdown with fewer widgets per list item, drawn cell for cell like Textual's own.

Textual's Markdown widget lays out each list item as four widgets: a Horizontal holding a
MarkdownBullet and a Vertical holding the item's paragraph. A long reply is mostly lists,
and every widget costs CSS matching when it is mounted and a visit on every layout pass:
for a 6k-token reply, list items were more than half of its ~900 widgets
(bench/stream_render.py: 1.64 -> 1.35 s with one widget an item).

Here an item whose only block is a paragraph is one widget: that paragraph, indented by
the bullet's width (so it wraps in the same columns as in the Vertical), with the bullet
drawn into the indent of its first line in the bullet's own style. Any other item (nested
lists, several paragraphs, code) keeps Textual's layout. tests/app/test_chat.py compares
the rendered screen with Textual's Markdown.
"""

from __future__ import annotations

from dataclasses import replace

from rich.segment import Segment
from textual.color import Color
from textual.content import Content
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Markdown

from chattui.core.links import is_web_link
from chattui.widgets.compact_table import CompactTable
from chattui.widgets.textual_compat import (
    EagerMarkdown,
    MarkdownBullet,
    MarkdownBulletList,
    MarkdownListItem,
    MarkdownOrderedList,
    MarkdownOrderedListItem,
    MarkdownParagraph,
    adopt_paragraph,
    child_blocks,
    paragraph_source,
)


class CompactListItem(MarkdownParagraph):
    """A list item that is a single paragraph: the paragraph, with its bullet in its indent."""

    COMPONENT_CLASSES = MarkdownParagraph.COMPONENT_CLASSES | {"list-item--bullet"}
    DEFAULT_CSS = """
    CompactListItem > .list-item--bullet { color: $text-primary; }
    CompactListItem:light > .list-item--bullet { color: $text-secondary; }
    """
    """The colors of MarkdownBullet's DEFAULT_CSS."""

    def __init__(self, paragraph: MarkdownParagraph, symbol: str) -> None:
        super().__init__(*paragraph_source(paragraph))
        self.symbol = symbol
        self._indent = Content(symbol).cell_length
        self.styles.padding = (0, 0, 0, self._indent)
        adopt_paragraph(self, paragraph)

    def _bullet(self) -> Strip:
        """The bullet as MarkdownBullet draws it: in its color, on this widget's background."""
        color: Color | None
        try:
            color = self.get_component_styles("list-item--bullet").color
        except KeyError:  # styles not applied yet, or removed
            color = self.visual_style.foreground
        style = replace(self.visual_style, foreground=color).rich_style
        return Strip([Segment(self.symbol, style)], self._indent)

    def render_lines(self, crop: Region) -> list[Strip]:
        strips = super().render_lines(crop)
        if crop.y == 0 and strips and crop.x < self._indent:
            head = self._bullet().crop(crop.x, min(self._indent, crop.right))
            strips = [Strip.join([head, strips[0].crop(head.cell_length)]), *strips[1:]]
        return strips

    def get_selection(self, selection):
        found = super().get_selection(selection)
        if found is not None and selection.start is None:
            return f"{self.symbol}{found[0]}", found[1]
        return found


def _compact(list_block, symbols) -> list:
    """The list's rows: one CompactListItem for an item that is a single paragraph, else
    Textual's Horizontal(MarkdownBullet, Vertical(blocks))."""
    from textual.containers import Horizontal, Vertical

    rows: list[Widget] = []
    for block, symbol in zip([b for b in child_blocks(list_block) if isinstance(b, MarkdownListItem)], symbols):
        blocks = child_blocks(block)
        if len(blocks) == 1 and type(blocks[0]) is MarkdownParagraph:
            rows.append(CompactListItem(blocks[0], symbol))
        else:
            bullet = MarkdownBullet()
            bullet.symbol = symbol
            rows.append(Horizontal(bullet, Vertical(*blocks)))
    child_blocks(list_block).clear()
    return rows


class CompactBulletList(MarkdownBulletList):
    def compose(self):
        items = [b for b in child_blocks(self) if isinstance(b, MarkdownListItem)]
        yield from _compact(self, [item.bullet for item in items])


class CompactOrderedList(MarkdownOrderedList):
    def compose(self):  # the numbering of MarkdownOrderedList.compose
        suffix = ". "
        start, blocks = 1, child_blocks(self)
        if blocks and isinstance(blocks[0], MarkdownOrderedListItem):
            try:
                start = int(blocks[0].bullet)
            except ValueError:
                pass
        numbered = [(number, block) for number, block in enumerate(blocks, start)
                    if isinstance(block, MarkdownListItem)]
        symbol_size = max((len(f"{number}{suffix}") for number, _ in numbered), default=0)
        yield from _compact(self, [f"{number}{suffix}".rjust(symbol_size + 1) for number, _ in numbered])


class ChatMarkdown(EagerMarkdown):
    """The Markdown widget of a message: Textual's, with compact list items and one-widget
    tables (`compact_table`), and mounted empty (a reply about to stream into it) without a
    trip to a worker thread. A click opens only a web or mail link (`core.links`), as an
    HTML export links only those."""

    BLOCKS = {**Markdown.BLOCKS, "bullet_list_open": CompactBulletList,
              "ordered_list_open": CompactOrderedList, "table_open": CompactTable}

    def __init__(self, markdown: str | None = None, **kwargs) -> None:
        super().__init__(markdown, open_links=False, **kwargs)

    def on_markdown_link_clicked(self, event: Markdown.LinkClicked) -> None:
        """The model wrote the link, and its text may name another. markdown-it makes no
        link of a `file:` or `javascript:` URL; a scheme some program handles (`ssh:`, an
        editor's, a settings pane's) it does: that is shown, not opened."""
        if is_web_link(event.href):
            self.app.open_url(event.href)
        else:
            self.notify(f"Not opened (a reply's link opens only if it is a web or mail address): "
                        f"{event.href}", severity="warning")

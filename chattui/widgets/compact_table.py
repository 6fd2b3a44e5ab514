"""A Markdown table as one widget, drawn cell for cell like Textual's own.

Textual's MarkdownTable holds a MarkdownTableContent: a grid container with one Static per
cell and keylines between them, so a two-row table of two columns is six widgets, each
matched against the stylesheet when it is mounted and placed by the grid on every layout
pass. In a long reply that was about half the cost of mounting a screen of blocks, and the
frame that builds the screen a fast reply ends on was its longest.

`TableGrid` lays the cells out with the grid's own rules (auto columns, expanded to the
width or shrunk down to their longest words, rows as tall as their tallest cell, one
column of gutter each way) and draws them, and the keylines, into its own lines.
tests/app/test_markdown_tables.py compares the rendered screen with Textual's Markdown.
Selecting text in it selects the lines as drawn; hovering a cell shows its text as the
cell's tooltip did.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style as RichStyle
from textual.canvas import Rectangle
from textual.content import Content
from textual.css.scalar import Scalar
from textual.css.styles import RulesMap
from textual.css.types import TextOverflow
from textual.events import MouseMove
from textual.geometry import Offset, Size
from textual.strip import Strip
from textual.style import Style
from textual.visual import Visual
from textual.widget import Widget
from textual.widgets import Markdown

from chattui.widgets.textual_compat import TableInPlace, canvas_strips, resolve_lengths, table_cells

CELL_PAD = 1
"""Columns of padding each side of a cell's text (Textual's `padding: 0 1`)."""


@dataclass(frozen=True)
class Grid:
    """Where the cells go, inside the keylines: each column's (x, width) and row's (y, height)."""

    columns: list[tuple[int, int]]
    rows: list[tuple[int, int]]

    @property
    def height(self) -> int:
        y, height = self.rows[-1] if self.rows else (0, 0)
        return y + height + 2  # the keylines above and below


class TableGrid(Widget):
    """The header and rows of a Markdown table, laid out and drawn as one widget."""

    DEFAULT_CSS = """
    TableGrid {
        width: 1fr;
        height: auto;
        text-overflow: ellipsis;
        keyline: thin $foreground 20%;
    }
    TableGrid > .table-grid--header { color: $primary; }
    """
    """MarkdownTableContent's rules, its cells' (`text-overflow`) and its headers' colour."""
    COMPONENT_CLASSES = {"table-grid--header"}

    def __init__(self, headers: list[Content], rows: list[list[Content]]) -> None:
        super().__init__()
        self.headers, self.rows = headers, rows
        self._grids: dict[int, Grid] = {}
        self._drawn: tuple[tuple, list[Strip]] | None = None

    def update(self, headers: list[Content], rows: list[list[Content]]) -> None:
        """New cells (the table grew while its reply streamed)."""
        self.headers, self.rows = headers, rows
        self._grids, self._drawn = {}, None
        self.refresh(layout=True)

    def _cells(self) -> list[list[Content]]:
        """The rows of cells, the header's first, each as wide as the header."""
        width = len(self.headers)
        return [self.headers] + [(row + [Content("")] * width)[:width] for row in self.rows if row]

    def grid(self, width: int) -> Grid:
        """The columns and rows at this content width, as Textual's grid places them."""
        if (grid := self._grids.get(width)) is None:
            viewport = self.app.size if self.is_attached else Size(width, 0)
            grid = self._grids[width] = _grid(self._cells(), width, self.styles.text_overflow, viewport)
        return grid

    def get_content_width(self, container: Size, viewport: Size) -> int:
        columns = self.grid(container.width).columns
        return columns[-1][0] + columns[-1][1] + 2 if columns else 0

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return self.grid(width).height if width else 0

    def render_line(self, y: int) -> Strip:
        lines = self._lines()
        line = lines[y] if y < len(lines) else Strip.blank(self.size.width, self.rich_style)
        selection = self.text_selection
        if selection is not None and (span := selection.get_span(y)) is not None:
            line = _highlighted(line, span, self.screen.get_component_rich_style("screen--selection"))
        return line

    def _lines(self) -> list[Strip]:
        """The table's lines at its current size (the keylines, the cells drawn over them)."""
        width = self.size.width
        header_style = self.get_visual_style("table-grid--header")
        key = (width, self.visual_style, header_style, self.styles.keyline, self.background_colors)
        if self._drawn is not None and self._drawn[0] == key:
            return self._drawn[1]
        grid = self.grid(width)
        lines = self._keylines(grid, width)
        for row, ((y, height), cells) in enumerate(zip(grid.rows, self._cells())):
            style = header_style if row == 0 else self.visual_style
            for (x, column_width), cell in zip(grid.columns, cells):
                block = self._cell(cell, column_width, height, style, bottom=row == 0)
                for offset, strip in enumerate(block, 1 + y):
                    lines[offset] = _overlay(lines[offset], strip, 1 + x)
        self._drawn = (key, lines)
        return lines

    def _keylines(self, grid: Grid, width: int) -> list[Strip]:
        """A box around every cell, in the keyline's colour over the widget's background."""
        line_type, color = self.styles.keyline
        color = self.background_colors[0] + color
        boxes = [Rectangle(Offset(x, y), column_width + 2, height + 2, color, line_type)
                 for y, height in grid.rows for x, column_width in grid.columns]
        return canvas_strips(width, grid.height, boxes, self.rich_style)

    def _cell(self, cell: Content, width: int, height: int, style: Style, bottom: bool) -> list[Strip]:
        """A cell's lines: its text wrapped within the padding, on the cell's full height
        (a header's at the bottom, as `content-align: left bottom` puts it). A column
        narrower than the padding, in a table shrunk far below its width, shows what fits
        of it: Textual's cell draws its padding in full and pushes the rest of the line
        out of the table, one column for each such cell."""
        inner = max(0, width - 2 * CELL_PAD)
        rich = style.rich_style
        strips = Visual.to_strips(self, cell, inner, height, style, pad=True)[:height] if inner else []
        blank = Strip.blank(inner, rich)
        fill = [blank] * (height - len(strips))
        strips = fill + strips if bottom else strips + fill
        pad = Strip.blank(CELL_PAD, rich)
        return [Strip.join([pad, strip, pad]).crop(0, width) for strip in strips]

    def get_selection(self, selection):
        """What the selection covers of the table's lines, as drawn."""
        text = "\n".join(strip.text for strip in self._lines())
        return selection.extract(text), "\n"

    def on_mouse_move(self, event: MouseMove) -> None:
        """The cell under the pointer as the tooltip (Textual's cells have it): its Content,
        never a str, which a tooltip would parse as markup (a reply's `[/]` raised)."""
        grid = self.grid(self.size.width)
        row = next((r for r, (y, h) in enumerate(grid.rows) if y < event.y <= y + h), None)
        column = next((c for c, (x, w) in enumerate(grid.columns) if x < event.x <= x + w), None)
        cell = None if row is None or column is None else self._cells()[row][column]
        self.tooltip = cell if cell is not None and cell.plain else None

    async def action_link(self, href: str) -> None:
        """A link in a cell was clicked: as Textual's table cells pass it on."""
        self.post_message(Markdown.LinkClicked(self.query_ancestor(Markdown), href))


def _grid(cells: list[list[Content]], width: int, overflow: TextOverflow, viewport: Size) -> Grid:
    """Textual's GridLayout with `grid-columns: auto`, `grid-gutter: 1 1`, a keyline, and
    MarkdownTableContent's expand (to the width), shrink and auto minimum (longest words)."""
    if not cells or not cells[0]:
        return Grid([], [])
    inner = Size(max(0, width - 2), 0)
    rules: RulesMap = {"text_overflow": overflow}
    columns_of = list(zip(*cells))
    natural = [max(cell.get_optimal_width(rules, inner.width) for cell in column) + 2 * CELL_PAD
               for column in columns_of]
    minimums = [max([1] + [cell.get_minimal_width(rules) + 2 * CELL_PAD for cell in column])
                for column in columns_of]
    columns = resolve_lengths([Scalar.from_number(n) for n in natural], inner.width, 1, inner, viewport,
                              expand=True, shrink=True, minimums=minimums)
    heights = [max(_height(cell, w - 2 * CELL_PAD, rules) for cell, (_, w) in zip(row, columns))
               for row in cells]
    rows, y = [], 0
    for height in heights:
        rows.append((y, height))
        y += height + 1
    return Grid(columns, rows)


def _height(cell: Content, width: int, rules: RulesMap) -> int:
    """A cell's lines at this width (a Static's content height: none when it has no width)."""
    return cell.get_height(rules, width) if width > 0 else 0


def _overlay(line: Strip, strip: Strip, x: int) -> Strip:
    """`line` with `strip` drawn over it from column `x`."""
    return Strip.join([line.crop(0, x), strip, line.crop(x + strip.cell_length, line.cell_length)])


def _highlighted(line: Strip, span: tuple[int, int], style: RichStyle) -> Strip:
    """`line` with columns `span` (end -1: to the end) in the selection's style."""
    start, end = span
    end = line.cell_length if end == -1 else end
    part = line.crop(start, end)
    selected = Strip([Segment(text, (old or RichStyle()) + style) for text, old, _ in part], part.cell_length)
    return Strip.join([line.crop(0, start), selected, line.crop(end, line.cell_length)])


class CompactTable(TableInPlace):
    """Textual's MarkdownTable block (its margin, its light-theme background) holding one
    TableGrid; a streamed update of it updates the grid's cells in place."""

    def compose(self):
        yield TableGrid(*table_cells(self))

    def updated(self, headers: list[Content], rows: list[list[Content]]) -> None:
        for grid in self.query(TableGrid):
            grid.update(headers, rows)

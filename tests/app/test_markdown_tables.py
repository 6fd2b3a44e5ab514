"""ChatMarkdown's tables (one TableGrid widget each) draw exactly what Textual's Markdown draws."""

from __future__ import annotations

import pytest
from textual.geometry import Offset
from textual.selection import Selection
from textual.widgets import Markdown

from chattui.widgets.compact_markdown import ChatMarkdown
from chattui.widgets.compact_table import TableGrid
from tests.app.markdown_screens import OneMarkdown, drawn, screen_of
from tests.app.pilot import settled_screenshot

TABLES = """Intro with a table.

| Provider | Cached input | Notes |
|:---|---:|:---:|
| OpenAI | **50%** off | automatic prefix caching above 1024 tokens, no code change needed at all |
| Anthropic | `cache_control` | writes cost 25% more; reads 90% less; see [docs](https://example.invalid/a) |
| Gemini | | implicit and explicit caches |
| x | y |

| only |
|---|
| one column with a [link](https://example.invalid/z) and *emphasis* |

| item | value |
|---|---|
| caching | 0 |

Tail paragraph.
"""

WIDE = """| a | b | c | d | e | f |
|---|---|---|---|---|---|
| supercalifragilisticexpialidocious_identifier_name | 2 | 3 | 4 | 5 | 6 |
| 1 | two words here | | four | five | six six six six |
"""


@pytest.mark.parametrize("text, theme, size, switch_to", [
    (TABLES, "textual-dark", (120, 40), None),  # columns expanded to the width
    (TABLES, "textual-light", (50, 50), None),  # the notes wrap, every row as tall as its tallest cell
    (TABLES, "textual-dark", (30, 70), "textual-light"),  # shrunk: words cut with an ellipsis
    (WIDE, "textual-dark", (100, 20), None),
    (WIDE, "textual-light", (70, 20), None),  # a long word shrunk to the minimums of the others
])
async def test_tables_draw_every_cell_like_textual_markdown(text, theme, size, switch_to):
    textual, textual_widgets = await screen_of(Markdown, text, theme, size, switch_to)
    compact, compact_widgets = await screen_of(ChatMarkdown, text, theme, size, switch_to)
    assert compact == textual  # characters, colours and styles of every cell
    assert compact_widgets < textual_widgets * 0.5


async def test_a_table_shrunk_below_its_padding_keeps_its_keylines_in_line():
    """Six columns in 24 cells: some columns are narrower than a cell's padding. Textual's
    cells then push the rest of their line out of the table; here every line keeps the
    table's width and its bars stand under the top border's junctions."""
    app = OneMarkdown(ChatMarkdown, WIDE)
    async with app.run_test(size=(24, 20)) as pilot:
        await pilot.pause()
        grid = app.screen.query_one(TableGrid)
        width, lines = grid.size.width, [grid.render_line(y).text for y in range(grid.size.height)]
    junctions = [x for x, char in enumerate(lines[0]) if char in "┌┬┐"]
    assert len(junctions) == 7 and {len(line) for line in lines} == {width}
    for line in lines[1::2]:  # the rows of text, between the rows of keylines
        assert [x for x, char in enumerate(line) if char == "│"] == junctions
    assert "…" in lines[3]  # the long word, cut


async def test_a_streamed_table_grows_in_place_and_ends_as_textual_draws_it():
    header, rows = "| item | value |\n|---|---|\n", ["| caching | 0 |\n", "| streaming, a longer cell | 7 |\n"]
    app = OneMarkdown(ChatMarkdown, "")
    async with app.run_test(size=(60, 14)) as pilot:
        markdown = app.screen.query_one(ChatMarkdown)
        await markdown.append("Before.\n\n" + header + rows[0])
        await pilot.pause()
        grid = app.screen.query_one(TableGrid)
        assert "caching" in grid.render_line(3).text
        await markdown.append(rows[1])
        await markdown.append("\nAfter.\n")
        await settled_screenshot(pilot)
        compact = drawn(app.export_screenshot(title="markdown"))
        assert app.screen.query_one(TableGrid) is grid and len(grid.rows) == 2  # the same widget, updated
    textual, _ = await screen_of(Markdown, "Before.\n\n" + header + "".join(rows) + "\nAfter.\n",
                                 "textual-dark", (60, 14))
    assert compact == textual


async def test_selecting_in_a_table_copies_what_it_shows_and_highlights_it():
    app = OneMarkdown(ChatMarkdown, TABLES)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        grid = app.screen.query("TableGrid").last(TableGrid)  # item | value
        plain = grid.render_line(3).text
        app.screen.selections = {grid: Selection(Offset(2, 3), Offset(9, 3))}
        await pilot.pause()
        assert app.screen.get_selected_text() == "caching"
        selected = grid.render_line(3)
        styled = {segment.text: segment.style for segment in selected if segment.text.strip()}
        assert selected.text == plain and styled["caching"] != styled.get("0")


async def test_hovering_a_cell_shows_its_text_and_a_link_in_a_cell_is_followed():
    app = OneMarkdown(ChatMarkdown, TABLES)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        grids = list(app.screen.query(TableGrid))
        await pilot.hover(grids[0], offset=(3, 3))  # OpenAI's row, first column
        assert grids[0].tooltip is not None and grids[0].tooltip.plain == "OpenAI"
        await pilot.hover(grids[0], offset=(0, 0))  # a keyline
        assert grids[0].tooltip is None
        only = grids[1]
        line = only.render_line(3).text
        await pilot.click(only, offset=(line.index("link") + 1, 3))
        await pilot.pause()
        assert app.clicked == ["https://example.invalid/z"]


async def test_a_cells_tooltip_shows_its_text_literally_even_when_it_looks_like_markup():
    """A reply's table cell is data: its tooltip shows `[/]` and `[@click=app.quit]` as
    typed (a tooltip given a str parses it as markup: `[/]` raised, a click tag acted)."""
    from textual.widgets import Tooltip

    hostile = r"[/] and [@click=app.quit]quit[/] and \[b]"
    table = f"| head |\n|---|\n| {hostile} |\n"
    app = OneMarkdown(ChatMarkdown, table)
    app.TOOLTIP_DELAY = 0.05
    async with app.run_test(size=(80, 20), tooltips=True) as pilot:
        await pilot.pause()
        grid = app.screen.query_one(TableGrid)
        await pilot.hover(grid, offset=(3, 3))
        tooltip = app.screen.query_one(Tooltip)
        for _ in range(40):
            if tooltip.display:
                break
            await pilot.pause(0.05)
        assert tooltip.display
        shown = " ".join(strip.text for strip in tooltip.render_lines(tooltip.region.reset_offset)).split()
        assert " ".join(shown) == "[/] and [@click=app.quit]quit[/] and [b]"  # \[ is Markdown's escape
        assert grid.render_line(3).text.strip(" │") == " ".join(shown)
        await pilot.click(tooltip)
        assert app.is_running

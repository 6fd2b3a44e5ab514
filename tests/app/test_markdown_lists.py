"""ChatMarkdown (one widget per simple list item) draws exactly what Textual's Markdown draws."""

from __future__ import annotations

import pytest
from textual.widgets import Markdown

from chattui.widgets.compact_markdown import ChatMarkdown, CompactListItem
from tests.app.markdown_screens import OneMarkdown, screen_of

TEXT = """Intro with **bold** and `code`.

- first point
- second point, with `inline code` and a tail long enough to wrap at the edge of a narrow terminal
- third point and a [link](https://example.invalid/x)

1. one
2. two with *emphasis*
3. three
4. four
5. five
6. six
7. seven
8. eight
9. nine
10. ten, one column wider

- outer
  - nested one
  - nested two
- item with two paragraphs

  its second paragraph
- item with code:

  ```python
  x = 1
  ```

Tail paragraph.
"""


@pytest.mark.parametrize("theme, size, switch_to", [
    ("textual-dark", (100, 60), None),
    ("textual-light", (44, 80), None),
    ("textual-dark", (70, 70), "textual-light"),
])
async def test_compact_list_items_draw_every_cell_like_textual_markdown(theme, size, switch_to):
    textual, textual_widgets = await screen_of(Markdown, TEXT, theme, size, switch_to)
    compact, compact_widgets = await screen_of(ChatMarkdown, TEXT, theme, size, switch_to)
    assert compact == textual  # characters, colours and styles of every cell
    assert compact_widgets < textual_widgets * 0.6


async def test_only_items_that_are_one_paragraph_are_compact():
    app = OneMarkdown(ChatMarkdown, TEXT)
    async with app.run_test(size=(100, 60)) as pilot:
        await pilot.pause()
        compact = [item.symbol for item in app.screen.query(CompactListItem)]
        assert compact[:3] == ["• ", "• ", "• "] and compact[3:5] == ["  1. ", "  2. "]
        assert len(compact) == 3 + 10 + 2  # the nested items, not the ones holding more blocks

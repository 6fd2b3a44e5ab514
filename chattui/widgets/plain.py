"""Data is text, never markup: the one way chattui turns text it did not write (messages,
replies, server errors, file names, titles, persona and theme files) into what it shows.

`plain()` makes a Textual `Content` (never parsed as markup, so `[/]` or
`[@click=app.quit]x[/]` show as typed and never act) and `plain_text()` a Rich `Text` for
widgets that take Rich renderables (DataTable cells, OptionList prompts). Both go through
`visible()` first (chattui/core/visible.py): a control character would reach the terminal
as is (Textual strips only a few); it is shown as a visible symbol instead (ESC as ␛).
"""

from __future__ import annotations

import re

from rich.text import Text
from textual.content import Content
from chattui.core.visible import visible
from chattui.widgets.textual_compat import ShownInput

__all__ = ["SPACE", "PlainInput", "plain", "plain_text", "quoted", "visible"]


def plain(text: object) -> Content:
    """Data as Textual content: shown exactly, never parsed as markup."""
    return Content(visible(text))


def plain_text(text: object, style: str = "") -> Text:
    """Data as a Rich Text (for DataTable cells and OptionList prompts): never markup."""
    return Text(visible(text), style=style)


SPACE = "␣"
"""Stands for each space of a run of spaces in a quoted command (wrapping hides runs)."""


def quoted(command: str) -> str:
    """A command as it will run, quoted so that nothing can hide: leading or trailing
    spaces show inside the quotes, control and invisible characters as escapes (Python's
    repr), and each space of a run of two or more as ␣ (a wrapped line swallows them)."""
    return re.sub(" {2,}", lambda run: SPACE * len(run.group()), repr(command))


class PlainInput(ShownInput):
    """A one-line Input that may hold data (a command's output, a stored title): line breaks
    show as ␤ and control characters as their symbols, one for one so the cursor stays
    right; the value itself is kept exactly. (Input draws a line break as is: the rest of
    the text spilled over the rows below.)"""

    def shown(self, value: str) -> str:
        return visible(value).replace("\n", "␤")

"""One Markdown widget in an app, and its settled screenshot: for comparing chattui's
ChatMarkdown with Textual's Markdown cell for cell."""

from __future__ import annotations

import re

from textual.app import App, ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Markdown

from tests.app.pilot import settled_screenshot


class OneMarkdown(App):
    def __init__(self, widget: type[Markdown], text: str, theme: str = "textual-dark") -> None:
        super().__init__()
        self.widget, self.text, self.start_theme = widget, text, theme
        self.clicked: list[str] = []

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield self.widget(self.text)

    def on_mount(self) -> None:
        self.theme = self.start_theme

    def on_markdown_link_clicked(self, message: Markdown.LinkClicked) -> None:
        self.clicked.append(message.href)


async def screen_of(widget: type[Markdown], text: str, theme: str, size: tuple[int, int],
                    switch_to: str | None = None) -> tuple[str, int]:
    """The screenshot (`drawn`) once settled, after a switch to another theme if asked, and
    the number of widgets on the screen."""
    app = OneMarkdown(widget, text, theme)
    async with app.run_test(size=size) as pilot:
        before = await settled_screenshot(pilot)
        if switch_to:
            app.theme = switch_to
            await settled_screenshot(pilot, unlike=before)
        svg = app.export_screenshot(title="markdown")
        widgets = len(app.screen.query("*"))
    return drawn(svg), widgets


def drawn(svg: str) -> str:
    """The screenshot without what draws nothing: its terminal's id, rectangles 0 cells wide
    (Textual's grid leaves some where a cell's text ends)."""
    return re.sub(r'<rect [^>]*width="0"[^>]*/>', "", re.sub(r"terminal-\d+", "terminal", svg))

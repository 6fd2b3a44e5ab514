"""A small yes/no dialog."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.content import Content
from textual.widgets import Button, Label

from chattui.widgets.plain import plain
from chattui.screens import DIALOG_CSS


class Confirm(ModalScreen[bool]):
    """Ask one question; dismisses with True (yes) or False (no, Esc)."""
    CSS_PATH = DIALOG_CSS

    BINDINGS = [Binding("escape", "answer(False)", "No"), Binding("y", "answer(True)", "Yes"),
                Binding("n", "answer(False)", "No")]

    def __init__(self, question: str | Content, yes: str = "Yes", no: str = "No") -> None:
        """`question` is shown as written: a string is never parsed as markup."""
        super().__init__()
        self.question, self.yes, self.no = question, yes, no

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.question if isinstance(self.question, Content) else plain(self.question))
            with Horizontal():
                yield Button(plain(f"{self.no} (n)"), id="no")
                yield Button(plain(f"{self.yes} (y)"), id="yes", variant="warning")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)

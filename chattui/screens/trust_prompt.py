"""The start-up question for an untrusted working directory (chattui.trust): what its `.env`
and `.chattui/` would change, and a deliberate choice. No single-key answer: text typed right
after start-up must never trust a directory by accident."""

from __future__ import annotations

from typing import Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label

from chattui.screens import DIALOG_CSS
from chattui.widgets.plain import plain


class TrustPrompt(ModalScreen[bool]):
    """Dismisses with True once the user chose to trust the directory (and it was recorded)."""
    CSS_PATH = DIALOG_CSS

    BINDINGS = [Binding("escape", "not_now", "Not now")]

    def __init__(self, summary: str, allow: Callable[[], None], ignore: Callable[[], None]) -> None:
        super().__init__()
        self.summary, self._allow, self._ignore = summary, allow, ignore

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(plain(self.summary))  # file names and contents: text, never markup
            with Horizontal():
                yield Button("Not now", id="not-now")
                yield Button("Trust this directory", id="trust", variant="warning")

    def on_mount(self) -> None:
        self.query_one("#not-now", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "trust":
            try:
                self._allow()
            except OSError as exc:
                self.app.notify(f"Not trusted: {exc}", severity="error")
                self.dismiss(False)
                return
            self.app.notify("Trusted. Restart chattui to use this directory's settings.",
                            timeout=10)
            self.dismiss(True)
        else:
            self.action_not_now()

    def action_not_now(self) -> None:
        try:
            self._ignore()
        except OSError:
            pass
        self.dismiss(False)

"""Status bar, two lines: the last turn's tokens, cost and any miss cause; under it the
session's figures, the cache's warm/cold countdown and keep-warm. Two lines, so that at
120 columns neither pushes the other out."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.reactive import reactive
from textual.widgets import Label

from chattui.widgets.plain import plain


class StatusBar(Vertical):
    turn: reactive[str] = reactive("")
    """Figures of the last turn (see core.report.turn_line); until the conversation is read
    (the start screen), nothing."""
    session: reactive[str] = reactive("")
    """Running figures of the conversation (see core.glance.session_line)."""

    def compose(self) -> ComposeResult:
        yield Label(plain(self.turn), id="turn")
        yield Label(plain(self.session), id="session")

    def watch_turn(self, text: str) -> None:
        self.remove_class("-warning")
        if self.is_mounted:
            self.query_one("#turn", Label).update(plain(text))

    def warn(self, text: str) -> None:
        """Show a warning where the turn's figures go, until the next turn."""
        self.turn = text
        self.add_class("-warning")

    def watch_session(self, text: str) -> None:
        if self.is_mounted:
            self.query_one("#session", Label).update(plain(text))

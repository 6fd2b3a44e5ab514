"""Status bar: the last turn's tokens and cost on the left, the session's on the right."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.widgets import Label


class StatusBar(Horizontal):
    DEFAULT_CSS = """
    StatusBar { height: 1; background: $panel; color: $text; padding: 0 1; }
    StatusBar > #turn { width: 1fr; }
    StatusBar > #session { width: auto; color: $text-muted; }
    StatusBar.-warning > #turn { color: $warning; }
    """

    turn: reactive[str] = reactive("no turns yet")
    """Figures of the last turn (see core.report.turn_line)."""
    session: reactive[str] = reactive("")
    """Running figures of the conversation (see core.glance.session_line)."""

    def compose(self) -> ComposeResult:
        yield Label(self.turn, id="turn")
        yield Label(self.session, id="session")

    def watch_turn(self, text: str) -> None:
        self.remove_class("-warning")
        if self.is_mounted:
            self.query_one("#turn", Label).update(text)

    def warn(self, text: str) -> None:
        """Show a warning where the turn's figures go, until the next turn."""
        self.turn = text
        self.add_class("-warning")

    def watch_session(self, text: str) -> None:
        if self.is_mounted:
            self.query_one("#session", Label).update(text)

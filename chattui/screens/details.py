"""The details panel: what the last turn cost and why, the cache's state, cost per turn."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label, Sparkline, Static

from chattui.core import glance
from chattui.core.chat import ChatSession
from chattui.core.models import CHAT
from chattui.core.pricing import format_usd
from chattui.store.reports import totals_by


class DetailsScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q", "app.pop_screen", "Close", id="close-details")]

    def __init__(self, session: ChatSession) -> None:
        super().__init__()
        self.session = session

    def compose(self) -> ComposeResult:
        turns = self.session.turns()
        with Vertical():
            yield Static("\n".join(glance.details(self.session)), id="figures", markup=False)
            yield Label("Cost per turn")
            yield Sparkline(glance.cost_per_turn(turns), id="chart")
            yield DataTable(id="turns", zebra_stripes=True, cursor_type="row")
            yield Label("All conversations, by day and by model (chattui stats has more)")
            with Horizontal(id="spend"):
                yield DataTable(id="by-day", zebra_stripes=True)
                yield DataTable(id="by-model", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("#", "model", "persona", "status", "prompt", "cached", "write", "out", "cost")
        for number, turn in enumerate(self.session.turns(), 1):
            u = turn.usage
            status = turn.status if turn.kind == CHAT else f"{turn.kind}: {turn.status}"
            table.add_row(number, turn.meta.model, turn.meta.persona or "", status,
                          *(_n(v) for v in (u.input_total, u.cache_read, u.cache_write, u.output)),
                          "cost ?" if turn.cost_usd is None else format_usd(turn.cost_usd))
        table.move_cursor(row=table.row_count - 1)
        for by in ("day", "model"):
            spend = self.query_one(f"#by-{by}", DataTable)
            spend.add_columns(by, "turns", "cost", "input", "cached", "hit", "out")
            spend.add_rows(glance.spend_rows(totals_by(self.session.store, by)))


def _n(value: int | None) -> str:
    return "?" if value is None else f"{value:,}"

"""The details panel: what the last turn cost and why, the cache's state, cost per turn,
and spend with cache savings per day and per model (charts and tables).

Everything scrolls in one column and every table chooses its columns by the width it has,
so nothing is cut off at 80×24 or wider; the charts are redrawn to the width on resize."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label, Static

from chattui.core import charts, glance
from chattui.core.chat import ChatSession
from chattui.core.models import CHAT
from chattui.core.pricing import format_usd
from chattui.store.spend import collect
from chattui.widgets.plain import plain, plain_text
from chattui.screens import DIALOG_CSS

_TURN_COLUMNS = ("#", "model", "persona", "status", "prompt", "cached", "write", "out", "cost")
_NARROW_TURN = ("#", "model", "status", "prompt", "cached", "out", "cost")
_SPEND_COLUMNS = ("turns", "cost", "input", "cached", "hit", "out")
_NARROW_SPEND = ("turns", "cost", "cached", "hit", "out")
_CHART_TURNS = 20
_WIDE = 96
"""Inner width from which the tables show every column."""



class DetailsScreen(ModalScreen[None]):
    CSS_PATH = DIALOG_CSS
    BINDINGS = [Binding("escape,q", "app.pop_screen", "Close", id="close-details")]

    def __init__(self, session: ChatSession) -> None:
        super().__init__()
        self.session = session
        self._width = 0

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(plain("\n".join(glance.details(self.session))), id="figures")
            yield Label(f"Cost per turn (the last {_CHART_TURNS} at most)")
            yield Static("", id="chart", classes="chart", markup=False)
            yield DataTable(id="turns", zebra_stripes=True, cursor_type="row")
            yield Label("All conversations (chattui stats has more)")
            yield Static("", id="chart-day", classes="chart", markup=False)
            yield DataTable(id="by-day", zebra_stripes=True)
            yield Static("", id="chart-model", classes="chart", markup=False)
            yield DataTable(id="by-model", zebra_stripes=True)

    def on_mount(self) -> None:
        data = collect(self.session.store, ("day", "model"), None, self.session.prices)
        self._spend = data["groups"]
        self._fill(self._inner_width())

    def on_resize(self) -> None:
        width = self._inner_width()
        if width != self._width:
            self._fill(width)

    def _inner_width(self) -> int:
        return max(30, min(110, self.app.size.width) - 6)

    def _fill(self, width: int) -> None:
        """Tables with the columns that fit `width`, charts drawn to it."""
        self._width = width
        turns = self.session.turns()
        self._turn_table(turns, width)
        per_turn = glance.turn_points(turns, self.session.prices)[-_CHART_TURNS:]
        self.query_one("#chart", Static).update(Text(charts.render(per_turn, "turn", width, 12)))
        for by in ("day", "model"):
            entries = self._spend[by]
            chart = charts.render(charts.points(entries, by), by, width, 14)
            self.query_one(f"#chart-{by}", Static).update(Text(chart))
            self._spend_table(by, entries, width)

    def _turn_table(self, turns, width: int) -> None:
        table = self.query_one("#turns", DataTable)
        table.clear(columns=True)
        columns = _TURN_COLUMNS if width >= _WIDE else _NARROW_TURN
        table.add_columns(*columns)
        for number, turn in enumerate(turns, 1):
            u = turn.usage
            status = turn.status if turn.kind == CHAT else f"{turn.kind}: {turn.status}"
            approx = "≈" if u.estimated and turn.cost_usd is not None else ""
            cells = {"#": number, "model": plain_text(turn.meta.model),
                     "persona": plain_text(turn.meta.persona or ""), "status": plain_text(status),
                     "prompt": _n(u.input_total), "cached": _n(u.cache_read),
                     "write": _n(u.cache_write), "out": _n(u.output),
                     "cost": "cost ?" if turn.cost_usd is None else approx + format_usd(turn.cost_usd)}
            table.add_row(*(cells[c] for c in columns))
        table.move_cursor(row=table.row_count - 1)

    def _spend_table(self, by: str, entries, width: int) -> None:
        table = self.query_one(f"#by-{by}", DataTable)
        table.clear(columns=True)
        columns = _SPEND_COLUMNS if width >= _WIDE else _NARROW_SPEND
        table.add_columns(by, *columns, "saved")
        for row in glance.spend_rows(entries):
            table.add_row(plain_text(str(row["key"])), *(row[c] for c in columns), row["saved"])


def _n(value: int | None) -> str:
    return "?" if value is None else f"{value:,}"

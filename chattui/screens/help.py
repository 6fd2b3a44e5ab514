"""The keys: every binding of the app and its screens with its CURRENT key (after the
`[keys]` remaps in config.toml), what it does and its id (the name to remap it by)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from textual.app import ComposeResult
from textual.binding import Binding, BindingsMap
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label

from chattui.widgets.plain import plain_text
from chattui.widgets.textual_compat import bindings_of
from chattui.screens import DIALOG_CSS


@dataclass(frozen=True)
class KeyRow:
    where: str
    keys: str
    description: str
    binding_id: str


def key_rows(app, places: Iterable[tuple[str, BindingsMap]]) -> list[KeyRow]:
    """One row per binding (its keys joined), the app's keymap applied, in `places` order."""
    rows = []
    for where, bindings in places:
        bindings = bindings.copy()
        if app.keymap:
            bindings.apply_keymap(app.keymap)
        grouped: dict[tuple[str, str], list[Binding]] = {}
        for _key, binding in bindings:
            if binding.system:
                continue
            grouped.setdefault((binding.id or "", binding.action), []).append(binding)
        for (binding_id, action), group in grouped.items():
            keys = ", ".join(dict.fromkeys(app.get_key_display(b) for b in group))
            description = group[0].description or group[0].tooltip or action.replace("_", " ")
            rows.append(KeyRow(where, keys, description, binding_id or "-"))
    return rows


def current_keys(app, binding_id: str) -> str | None:
    """The key(s) that run app binding `binding_id` now, as the footer shows them."""
    rows = key_rows(app, [("everywhere", bindings_of(app))])
    return next((row.keys for row in rows if row.binding_id == binding_id), None)


def screen_places(app) -> list[tuple[str, BindingsMap]]:
    """Where chattui's bindings live: the app (everywhere), the chat screen (with its
    persona hotkeys), the conversations screen."""
    from chattui.screens.conversations import ConversationsScreen
    from chattui.screens.main import MainScreen

    main = next((s for s in app.screen_stack if isinstance(s, MainScreen)), None)
    places = [("everywhere", bindings_of(app)),
              ("chat", bindings_of(main) if main else BindingsMap(MainScreen.BINDINGS)),
              ("conversations", BindingsMap(ConversationsScreen.BINDINGS))]
    return places


class HelpScreen(ModalScreen[None]):
    """The key table; Esc (or the help key again) closes it."""
    CSS_PATH = DIALOG_CSS

    BINDINGS = [Binding("escape,q,f12,question_mark", "close", "Close", id="close-help")]

    def __init__(self, rows: list[KeyRow]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Keys", classes="title")
            yield Label("Remap any key by its id in config.toml, e.g. [keys] retry-turn = \"f11\". "
                        "Ctrl+P searches every command.", classes="hint", markup=False)
            yield DataTable(cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Key", "Does", "Where", "Id")
        for row in self.rows:
            table.add_row(*(plain_text(cell) for cell in (row.keys, row.description, row.where,
                                                    row.binding_id)))
        table.focus()

    def action_close(self) -> None:
        self.dismiss(None)

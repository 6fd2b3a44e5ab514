"""The persona sidebar: each persona's key, prefix size, cacheability and fingerprint;
broken files shown with their file, line and reason."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option


@dataclass(frozen=True)
class PersonaRow:
    """One line of the sidebar, prepared by the screen from core data."""

    name: str
    key: str | None
    detail: str
    """e.g. `1,812 tok · cacheable (≥1024)` or the broken file's problem."""
    fingerprint: str | None = None
    cacheable: bool = True
    broken: bool = False
    servers: tuple[str, ...] = ()
    """Its MCP servers' states, e.g. `mcp time: 2 tools` (shown for the current persona)."""


class PersonaList(OptionList):
    DEFAULT_CSS = """
    PersonaList { width: 40; border: none; border-right: vkey $foreground 20%; padding: 0 1; }
    PersonaList:focus { border-right: vkey $primary; }
    """

    @dataclass
    class Selected(Message):
        """The user chose a persona in the sidebar."""

        persona_list: PersonaList
        name: str

        @property
        def control(self) -> PersonaList:
            return self.persona_list

    def show(self, rows: list[PersonaRow], current: str | None) -> None:
        """Replace the rows; the current persona is marked and highlighted."""
        self.clear_options()
        self.add_options(Option(_render(row, row.name == current), id=row.name, disabled=row.broken)
                         for row in rows)
        names = [row.name for row in rows]
        if current in names:
            self.highlighted = names.index(current)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.post_message(self.Selected(self, event.option.id or ""))


def _render(row: PersonaRow, current: bool) -> Text:
    text = Text()
    text.append("● " if current else "  ", style="bold")
    text.append(row.name, style="bold" if not row.broken else "bold red")
    if row.key:
        text.append(f"  {row.key}", style="dim")
    detail_style = "red" if row.broken else ("green" if row.cacheable else "yellow")
    text.append(f"\n  {row.detail}", style=detail_style)
    if row.fingerprint:
        text.append(f"\n  #{row.fingerprint}", style="dim")
    for line in row.servers:
        text.append(f"\n  {line}", style="red" if ": failed" in line else "cyan")
    return text


def hotkey_binding(hotkey: str | None) -> str | None:
    """The key a persona's `hotkey` binds: digits 1–9 → F1–F9 (alt+digit does not survive
    tmux and many terminals; function keys do), anything else is a Textual key name."""
    if not hotkey:
        return None
    return f"f{hotkey}" if hotkey.isdigit() and 1 <= int(hotkey) <= 12 else hotkey


def persona_rows(library, provider: str, model: str,
                 servers: dict | None = None, current=None) -> list[PersonaRow]:
    """Sidebar rows for a PersonaLibrary, with cacheability for the current model;
    `servers`: persona name -> its MCP servers' state lines; `current`: the current persona
    as requests carry it (its MCP servers' tools merged in)."""
    rows = []
    by_key = sorted(library.personas, key=lambda p: (not (p.hotkey or "").isdigit(),
                                                     int(p.hotkey) if (p.hotkey or "").isdigit() else 0, p.name))
    for persona in by_key:
        if current is not None and current.name == persona.name:
            persona = current
        ok, _minimum, detail = persona.cacheability(provider, model)
        key = hotkey_binding(persona.hotkey)
        rows.append(PersonaRow(persona.name, key.upper() if key else None, detail,
                               persona.fingerprint(), ok,
                               servers=(servers or {}).get(persona.name, ())))
    for broken in library.broken:
        rows.append(PersonaRow(broken.name, None, str(broken.problem), broken=True))
    return rows

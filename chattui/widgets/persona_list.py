"""The persona sidebar: each persona's key, prefix size, cacheability and fingerprint;
broken files shown with their file, line and reason. A persona from the working
directory's `.chattui/` is marked `(./.chattui)`, and says so when it overrides a built-in:
a cloned repository must not pass its persona off as chattui's own."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rich.text import Text
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from chattui.widgets.plain import visible


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
    origin: str | None = None
    """Where a persona not of chattui's own or the user's config comes from (`./.chattui`)."""
    servers: tuple[str, ...] = ()
    """Its MCP servers' states, e.g. `mcp time: 2 tools` (shown for the current persona)."""


WORKING_DIR = "./.chattui"


class PersonaList(OptionList):
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
    text.append(visible(row.name), style="bold" if not row.broken else "bold red")
    if row.origin:
        text.append(f" ({visible(row.origin)})", style="bold yellow")
    if row.key:
        text.append(f"  {visible(row.key)}", style="dim")
    detail_style = "red" if row.broken else ("green" if row.cacheable else "yellow")
    text.append(f"\n  {visible(row.detail)}", style=detail_style)
    if row.fingerprint:
        text.append(f"\n  #{row.fingerprint}", style="dim")
    for line in row.servers:
        text.append(f"\n  {visible(line)}", style="red" if ": failed" in line else "cyan")
    return text


def hotkey_binding(hotkey: str | None) -> str | None:
    """The key a persona's `hotkey` binds: digits 1–9 → F1–F9 (alt+digit does not survive
    tmux and many terminals; function keys do), anything else is a Textual key name."""
    if not hotkey:
        return None
    return f"f{hotkey}" if hotkey.isdigit() and 1 <= int(hotkey) <= 12 else hotkey


def persona_rows(library, provider: str, model: str, cwd: Path | None = None,
                 servers: dict | None = None, current=None, counted: bool = True) -> list[PersonaRow]:
    """Sidebar rows for a PersonaLibrary, with cacheability for the current model; those
    from `<cwd>/.chattui/` marked as such; `servers`: persona name -> its MCP servers' state
    lines; `current`: the current persona as requests carry it (MCP tools merged in).
    `counted=False`: `…` for the size and the fingerprint (the first frame: counting may
    load the tokenizer)."""
    rows = []
    held = {name: hotkey for hotkey, name in library.hotkeys.items()}  # a shared key: one holds it
    by_key = sorted(library.personas, key=lambda p: (*_key_order(held.get(p.name)), p.name))
    for persona in by_key:
        if current is not None and current.name == persona.name:
            persona = current
        ok, _minimum, detail = persona.cacheability(provider, model) if counted else (True, 0, "…")
        key = hotkey_binding(held.get(persona.name))
        origin = _origin(persona.path, cwd)
        if origin and persona.name in _builtin_names():
            detail = f"overrides the built-in {persona.name} · {detail}"
        rows.append(PersonaRow(persona.name, key.upper() if key else None, detail,
                               persona.fingerprint() if counted else "…", ok, origin=origin,
                               servers=(servers or {}).get(persona.name, ())))
    for broken in library.broken:
        rows.append(PersonaRow(broken.name, None, str(broken.problem), broken=True,
                               origin=_origin(broken.path, cwd)))
    return rows


def _key_order(hotkey: str | None) -> tuple[bool, int]:
    """Digit hotkeys first, in number order; then the other keys, and no key."""
    if hotkey is not None and hotkey.isdigit():
        return False, int(hotkey)
    return True, 0


def _origin(path: Path | None, cwd: Path | None) -> str | None:
    """`./.chattui` for a file under `<cwd>/.chattui/`, else None."""
    if path is None or cwd is None:
        return None
    try:
        Path(path).resolve().relative_to((Path(cwd) / ".chattui").resolve())
    except (ValueError, OSError):
        return None
    return WORKING_DIR


@lru_cache(maxsize=1)
def _builtin_names() -> frozenset[str]:
    """The names of the personas shipped with chattui."""
    from chattui.core.personas import BUILTIN_DIR, load_persona_file

    return frozenset(load_persona_file(path, builtin=True).name
                     for path in sorted(BUILTIN_DIR.glob("*.md")))

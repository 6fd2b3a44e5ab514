"""The export dialog: a file name and a format (Markdown, JSON, HTML), written atomically.

The format follows the file name's extension as it is typed, and choosing a format changes
the extension. API keys never come out (core.export redacts every piece of text); an HTML
page takes the colours of the theme the app shows. A file that cannot be written leaves
nothing behind (write_atomic) and the dialog stays open with the reason.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Iterable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, RadioButton, RadioSet

from chattui.core.export import RENDERERS, write_atomic
from chattui.core.structured import formats_by_reply
from chattui.widgets.plain import plain
from chattui.screens import DIALOG_CSS

FORMATS = {"md": "Markdown", "json": "JSON (lossless, re-importable)", "html": "HTML (one page)"}
SUFFIXES = {".md": "md", ".markdown": "md", ".json": "json", ".html": "html", ".htm": "html"}


def default_name(conversation_id: str, fmt: str = "md", today: datetime | None = None) -> str:
    """`chattui-<id>-<yyyymmdd>.<fmt>`."""
    return f"chattui-{conversation_id}-{(today or datetime.now()):%Y%m%d}.{fmt}"


def format_of(name: str) -> str | None:
    """The format a file name's extension asks for, or None."""
    return SUFFIXES.get(Path(name).suffix.lower())


def export_conversation(store, conversation_id: str, path: Path, fmt: str,
                        secrets: Iterable[str | None] = (), theme: dict[str, str] | None = None) -> int:
    """Render a stored conversation and write it atomically; how many messages it holds.
    KeyError for an unknown id, OSError when the file cannot be written."""
    conversation = store.get_conversation(conversation_id)
    if conversation is None:
        raise KeyError(conversation_id)
    messages, turns = store.messages(conversation_id), store.turns(conversation_id)
    options: dict = {"secrets": tuple(secrets),
                     "structured": tuple(formats_by_reply(store, turns))}  # replies as data
    if fmt == "html" and theme:
        options["theme"] = theme
    write_atomic(path, RENDERERS[fmt](conversation, messages, turns, **options))
    return len(messages)


class ExportScreen(ModalScreen[Path | None]):
    """Ask where and how to export one conversation; dismisses with the path written
    (None when cancelled)."""
    CSS_PATH = DIALOG_CSS

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="cancel-export")]

    def __init__(self, store, conversation_id: str, title: str | None, cwd: Path,
                 secrets: Iterable[str | None] = ()) -> None:
        super().__init__()
        self.store = store
        self.conversation_id = conversation_id
        self.conversation_title = title or "Untitled conversation"
        self.cwd = Path(cwd)
        self.secrets = tuple(s for s in secrets if s)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(plain(f"Export “{self.conversation_title}”"), classes="title")
            yield Input(default_name(self.conversation_id), id="path")
            yield Label(plain(f"Relative names are written in {self.cwd}"), classes="hint")
            with RadioSet(id="format"):
                for fmt, label in FORMATS.items():
                    yield RadioButton(label, value=fmt == "md", name=fmt)
            yield Label("", id="error", markup=False)
            with Horizontal():
                yield Button("Cancel (esc)", id="cancel")
                yield Button("Export", id="export", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#error").display = False
        self.query_one("#path", Input).focus()

    @property
    def format(self) -> str:
        pressed = self.query_one(RadioSet).pressed_button
        return pressed.name if pressed is not None and pressed.name else "md"

    @property
    def path(self) -> Path:
        return self.cwd / Path(self.query_one("#path", Input).value.strip()).expanduser()

    @on(Input.Changed, "#path")
    def _name_changed(self, event: Input.Changed) -> None:
        fmt = format_of(event.value)
        if fmt and fmt != self.format:
            for button in self.query(RadioButton):
                if button.name == fmt:
                    button.value = True

    @on(RadioSet.Changed)
    def _format_chosen(self, event: RadioSet.Changed) -> None:
        path_input = self.query_one("#path", Input)
        name = path_input.value.strip()
        fmt = event.pressed.name or "md"
        if name and format_of(name) != fmt:
            stem = name[: -len(Path(name).suffix)] if format_of(name) else name
            path_input.value = f"{stem}.{fmt}"

    @on(Input.Submitted, "#path")
    @on(Button.Pressed, "#export")
    def _export(self) -> None:
        """Export, once the file name makes a path; a file already there only if the user
        says to replace it (it was replaced without a word)."""
        from chattui.screens.confirm import Confirm

        if not self.query_one("#path", Input).value.strip():
            self._show_error("Give a file name.")
            return
        try:
            path = self.path
            exists = path.is_file()
        except (RuntimeError, ValueError) as exc:  # `~name` for no such user: the app stopped
            self._show_error(f"Not exported: {exc}")
            return
        if not exists:
            self._write(path)
            return
        question = f"{path} exists. Replace it with this conversation?"
        self.app.push_screen(Confirm(question, yes="Replace", no="Keep it"),
                             lambda replace: self._write(path) if replace else None)

    def _write(self, path: Path) -> None:
        from chattui.themes import html_colours

        fmt = self.format
        try:
            count = export_conversation(self.store, self.conversation_id, path, fmt, self.secrets,
                                        html_colours(self.app) if fmt == "html" else None)
        except (OSError, KeyError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            if isinstance(exc, KeyError):
                reason = "the conversation is no longer stored"
            self._show_error(f"Not exported: {reason} ({path})")
            self.app.notify(f"{path}: {reason}", title="Export failed", severity="error")
            return
        self.app.notify(f"{count} messages as {fmt} → {path}", title="Exported")
        self.dismiss(path)

    def _show_error(self, text: str) -> None:
        error = self.query_one("#error", Label)
        error.update(plain(text))
        error.display = True

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

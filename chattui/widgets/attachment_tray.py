"""Images waiting to go with the next message: a chip each (`🖼 cat.png 214 KB ×`) above
the composer; pressing a chip removes it. Hidden while empty, so the layout is unchanged."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.widgets import Button

from chattui.core.attachments import Attachment
from chattui.widgets.plain import plain


class AttachmentTray(Horizontal):
    pending: reactive[tuple[Attachment, ...]] = reactive((), recompose=True)
    """The attachments the next message carries, in order."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.display = False

    def compose(self) -> ComposeResult:
        for index, attachment in enumerate(self.pending):
            yield Button(plain(f"{attachment.label} ×"), name=str(index), classes="chip",
                         compact=True, tooltip=plain(f"{attachment.ref}\nPress to remove"))

    def watch_pending(self, pending: tuple[Attachment, ...]) -> None:
        self.display = bool(pending)

    def add(self, attachment: Attachment) -> None:
        self.pending = (*self.pending, attachment)

    def take(self) -> tuple[Attachment, ...]:
        """The pending attachments, leaving none."""
        taken, self.pending = self.pending, ()
        return taken

    def restore(self, attachments: tuple[Attachment, ...]) -> None:
        """Put back attachments whose message was not stored (before any added since)."""
        self.pending = (*attachments, *self.pending)

    @on(Button.Pressed, ".chip")
    def _remove(self, event: Button.Pressed) -> None:
        event.stop()
        index = int(event.button.name or 0)
        self.pending = self.pending[:index] + self.pending[index + 1:]

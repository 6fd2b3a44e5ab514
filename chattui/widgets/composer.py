"""The multi-line composer: Enter sends, Ctrl+J inserts a newline, End in an empty
composer resumes following the reply (the log's End does the same)."""

from __future__ import annotations

from dataclasses import dataclass

from textual import events
from textual.message import Message

from chattui.core.visible import visible
from chattui.widgets.textual_compat import KeysFirstTextArea


class Composer(KeysFirstTextArea):
    @dataclass
    class Submitted(Message):
        """The user pressed Enter (on any draft: the screen decides whether it sends)."""

        composer: Composer
        text: str

        @property
        def control(self) -> Composer:
            return self.composer

    def __init__(self, **kwargs) -> None:
        super().__init__(soft_wrap=True, show_line_numbers=False, tab_behavior="focus", **kwargs)
        self.border_title = "Message"

    def load_text(self, text: str) -> None:
        """Text put in the composer whole (a restored draft, an earlier message to edit, the
        editor's file, what was typed on the start screen), its control characters shown
        (ESC as ␛): drawn as they were, a stored or imported message's escape sequences
        reached the terminal. Keys cannot type one."""
        super().load_text(visible(text.replace("\r\n", "\n")))

    def on_paste(self, event: events.Paste) -> None:
        """A paste's control characters are shown too (BEL as ␇; its ESCs came as ␛,
        chattui.widgets.pasted_escapes); its line breaks stay line breaks."""
        shown = visible(event.text.replace("\r\n", "\n").replace("\r", "\n"))
        if shown == event.text or self.read_only:
            return  # Textual's own paste
        event.prevent_default()
        self.move_cursor(self.replace(shown, *self.selection).end_location)

    def take(self, sent: str) -> None:
        """Clear what was sent (`sent`, the text Enter submitted), keeping what was typed
        after it while the send was on its way (the screen may wait before it sends)."""
        rest = self.text[len(sent):] if self.text.startswith(sent) else ""
        self.clear()
        if rest:
            self.insert(rest)

    async def key_first(self, event: events.Key) -> bool:
        if event.key == "enter":
            self.post_message(self.Submitted(self, self.text))  # the screen decides if it sends
            return True
        if event.key == "end" and not self.text:  # nothing to edit: End follows the reply
            await self.screen.run_action("follow")
            return True
        if event.key == "ctrl+j":
            self.insert("\n")
            return True
        return False

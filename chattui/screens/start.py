"""The first frame of `chattui`: the chat screen's frame (header, an empty sidebar and log,
the composer, the status bar, the footer) drawn before the store, the personas and the
session exist, so the composer is there to type in while the rest is built (issue #19:
start-up near a bare Textual app). It imports nothing of core, the store or the chat
screen; ChatApp swaps in the chat screen, with what was typed here, once it is built.

Its header and footer are drawings of Textual's: one line of text each, styled like them.
Textual's Footer composes a widget per key, twice (once empty, then once the bindings are
known): 40 ms of the 150 this frame took, for keys that act only on the chat screen."""

from __future__ import annotations

import asyncio

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widget import Widget

from chattui.screens.chat_keys import CHAT_BINDINGS
from chattui.widgets.composer import Composer
from chattui.widgets.plain import plain
from chattui.widgets.status_bar import StatusBar

_KEY_STYLE = "bold $footer-key-foreground on $footer-key-background"
_DESCRIPTION_STYLE = "$footer-description-foreground"


class StartHeader(Widget):
    """Textual's Header as it first shows: the icon in its 8 cells, the app's title centred
    between it and the clock's 10."""

    def render(self) -> Content:
        title = plain(self.app.title)
        left = max(0, (self.size.width - 8 - 10 - title.cell_length) // 2)
        return Content.assemble(" ⭘" + " " * 6, " " * left, title)


class StartFooter(Widget):
    """Textual's Footer as a line: the screen's and the app's keys (the palette's key, at
    the right of the real one, shows with the chat screen)."""

    def render(self) -> Content:
        shown: dict[str, Binding] = {}  # one per action, as Textual's Footer: the first of its keys
        for _node, binding, _enabled, _tooltip in self.screen.active_bindings.values():
            if binding.show:
                shown.setdefault(binding.action, binding)
        return Content.assemble(*(part for binding in shown.values() for part in (
            (f" {self.app.get_key_display(binding)} ", _KEY_STYLE),
            (f"{binding.description} ", _DESCRIPTION_STYLE))))


class StartComposer(Composer):
    """The composer of the start screen. Enter takes the text, as a send does, for the chat
    screen to send once it is up (taken as the key is handled: the swap that waits for this
    composer's keys has it)."""

    to_send = ""

    async def key_first(self, event: events.Key) -> bool:
        if event.key == "enter":
            if self.text.strip():
                self.to_send = f"{self.to_send}\n{self.text}" if self.to_send else self.text
                self.clear()
            return True
        return await super().key_first(event)


class StartScreen(Screen):
    AUTO_FOCUS = "#composer"
    BINDINGS = CHAT_BINDINGS
    """Shown, not acted on: the footer matches the chat screen's."""

    def compose(self) -> ComposeResult:
        yield StartHeader()
        with Horizontal():
            yield Vertical(classes="persona-placeholder")
            with Vertical():
                yield Vertical(classes="log-placeholder")
                yield StartComposer(id="composer")
        yield StatusBar()
        yield StartFooter()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The chat screen's keys wait for it (None: shown, but Textual does not run them)."""
        return None if action in _CHAT_ACTIONS else True

    async def typed(self) -> tuple[str, str]:
        """What is in the composer and what was sent with Enter, once the composer has
        handled every key already sent to it (the app forwards keys to the focused widget's
        queue: a callback queued after them runs after them)."""
        composer = self.query_one(StartComposer)
        handled = asyncio.get_running_loop().create_future()
        composer.call_later(handled.set_result, None)
        await handled
        return composer.text, composer.to_send


_CHAT_ACTIONS = {binding.action for binding in CHAT_BINDINGS if isinstance(binding, Binding)}

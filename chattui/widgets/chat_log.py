"""The scrolling conversation. It follows a streaming reply to its last line; scrolling
up pauses that, and End (or scrolling back to the bottom) resumes it.

A long history is mounted a page at a time, newest first: opening a conversation of
thousands of messages mounts only the latest few; reaching the top (or the button there)
mounts the page before it, keeping the reading position.
"""

from __future__ import annotations

from typing import Callable, Sequence

from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import Button

from chattui.widgets.message_view import MessageView

FIRST_PAGE = 12
"""Messages mounted when a conversation opens: enough to fill a tall terminal. Mounting
a Markdown message costs ~40 ms of layout, so more would delay the first frame."""
HISTORY_PAGE = 40
"""Messages mounted each time the user reaches the top."""
Build = Callable[[object], list[Widget]]


class ChatLog(VerticalScroll, can_focus=True):
    DEFAULT_CSS = """
    ChatLog { height: 1fr; padding: 1 1 0 1; scrollbar-size-vertical: 1; }
    ChatLog > #earlier { width: 1fr; margin: 0 0 1 0; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._earlier: list = []
        """Stored messages not mounted yet (oldest first)."""
        self._build: Build = lambda item: []

    def on_mount(self) -> None:
        self.anchor()

    async def show_history(self, items: Sequence, build: Build, page: int = FIRST_PAGE) -> None:
        """Replace the log with `items`, mounting only the latest `page` of them."""
        await self.remove_children()
        self._build = build
        self._earlier = list(items[:-page]) if len(items) > page else []
        widgets = [w for item in items[-page:] for w in build(item)]
        with self.app.batch_update():
            await self.mount_all(widgets)
            await self._update_earlier_button()
        self.follow()

    async def show_earlier(self, page: int = HISTORY_PAGE) -> int:
        """Mount the page before the first one shown; how many messages it added."""
        if not self._earlier:
            return 0
        items, self._earlier = self._earlier[-page:], self._earlier[:-page]
        widgets = [w for item in items for w in self._build(item)]
        anchor = next((c for c in self.children if c.id != "earlier"), None)
        height_before = self.virtual_size.height
        with self.app.batch_update():
            await self.mount_all(widgets, before=anchor) if anchor else await self.mount_all(widgets)
            await self._update_earlier_button()
        self.call_after_refresh(self._keep_position, height_before)
        return len(items)

    def _keep_position(self, height_before: int) -> None:
        self.scroll_to(y=self.scroll_y + self.virtual_size.height - height_before, animate=False)

    async def _update_earlier_button(self) -> None:
        for button in self.query("#earlier"):
            await button.remove()
        if self._earlier:
            label = f"▲ {len(self._earlier):,} earlier messages (scroll up or press to show)"
            await self.mount(Button(label, id="earlier"), before=0)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "earlier":
            event.stop()
            self.run_worker(self.show_earlier(), exclusive=True, group="earlier")

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        if new <= 0 < old and self._earlier:  # reached the top by scrolling
            self.run_worker(self.show_earlier(), exclusive=True, group="earlier")

    async def add(self, role: str, content: str = "", status: str | None = None,
                  error: str | None = None) -> MessageView:
        view = MessageView(role, content, status, error)
        await self.mount(view)
        return view

    async def add_notice(self, text: str) -> MessageView:
        return await self.add("notice", text)

    def follow(self) -> None:
        """Jump to the end and keep following new text."""
        self.anchor()
        self._anchor_released = False
        self.scroll_end(animate=False, immediate=True)

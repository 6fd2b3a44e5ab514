"""The scrolling conversation. It follows a streaming reply to its last line; scrolling
up pauses that, and End (or scrolling back to the bottom) resumes it."""

from __future__ import annotations

from textual.containers import VerticalScroll

from chattui.widgets.message_view import MessageView


class ChatLog(VerticalScroll, can_focus=True):
    DEFAULT_CSS = """
    ChatLog { height: 1fr; padding: 1 1 0 1; scrollbar-size-vertical: 1; }
    """

    def on_mount(self) -> None:
        self.anchor()

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

"""The scrolling conversation. It follows a streaming reply to its last line; scrolling
up pauses that, and End (or scrolling back to the bottom) resumes it.

A long history is mounted a page at a time, newest first: opening a conversation of
thousands of messages mounts only the latest few; reaching the top (or the button there)
mounts the page before it, keeping the reading position. The caller may hand over only the
latest stored messages with a `load_earlier` callback: older ones are then read from the
store page by page too. Of the first page, only the messages that fill the screen are
mounted before the first frame; the rest follow right after it.
"""

from __future__ import annotations

from typing import Callable, Sequence

from textual import events
from textual.dom import DOMNode
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Button

from chattui.core.codeblocks import code_blocks, copied_line
from chattui.widgets.message_view import MessageView
from chattui.widgets.reply_stream import call_when_drawn, unshelve_near
from chattui.widgets.textual_compat import anchor_in_place, anchor_released, follow_anchor

FIRST_PAGE = 12
"""Messages mounted when a conversation opens: enough to fill a tall terminal. Mounting
a Markdown message costs ~40 ms of layout, so more would delay the first frame."""
HISTORY_PAGE = 40
"""Messages mounted each time the user reaches the top."""
FILL_SCREENS = 2
"""Before the first frame, mount the latest messages estimated to fill this many screens."""
Build = Callable[[object], list[Widget]]
LoadEarlier = Callable[[int], list]
"""Reads up to n stored messages before the ones handed over so far (oldest first)."""


SELECTABLE = ("user", "assistant", "summary")
"""Roles of the messages that up/down (and a click) select in the log."""


class ChatLog(VerticalScroll, can_focus=True):
    """The messages; with the focus, up/down select one (highlighted) for the screen's
    actions (copy …), and a printable key goes back to the composer with that key."""

    BINDINGS = [
        Binding("up", "select_message(-1)", "Previous", id="select-previous-message", show=False),
        Binding("down", "select_message(1)", "Next", id="select-next-message", show=False),
        Binding("ctrl+c", "copy_message", "Copy", id="copy-message"),
        Binding("ctrl+k", "copy_code_block", "Copy code", id="copy-code-block"),
        Binding("ctrl+e", "screen.edit_message", "Edit", id="edit-message"),
        Binding("ctrl+r", "screen.regenerate_reply", "Regenerate", id="regenerate-reply"),
        Binding("left", "screen.switch_reply(-1)", "‹ reply", id="previous-reply", show=False),
        Binding("right", "screen.switch_reply(1)", "reply ›", id="next-reply", show=False),
    ]

    class TypedAway(Message):
        """A printable key pressed in the log: it belongs in the composer."""

        def __init__(self, character: str) -> None:
            super().__init__()
            self.character = character

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._earlier: list = []
        """Stored messages not mounted yet (oldest first)."""
        self._build: Build = lambda item: []
        self._load_earlier: LoadEarlier | None = None
        self._unloaded = 0
        """Stored messages before `_earlier` not read from the store yet."""
        self.selected: MessageView | None = None
        """The message up/down (or a click) picked, while the log has the focus."""
        self._block = -1
        """The selected message's code block Ctrl+K copied last (the next press copies the next)."""

    def on_mount(self) -> None:
        self.anchor()

    # selection

    def selectable(self) -> list[MessageView]:
        return [v for v in self.query_children(MessageView) if v.role in SELECTABLE]

    def select(self, view: MessageView | None) -> None:
        """Highlight `view` (None: no message) and bring it into sight."""
        if self.selected is not None:
            self.selected.remove_class("-selected")
        self.selected, self._block = view, -1
        if view is None:
            return
        view.add_class("-selected")
        views = self.selectable()
        if views and view is not views[-1]:
            self.anchor(False)  # reading an earlier message: new text must not pull away
        self.scroll_to_widget(view, animate=False, top=view.outer_size.height > self.size.height)

    def action_select_message(self, step: int) -> None:
        views = self.selectable()
        if not views:
            return
        if self.selected not in views:
            self.select(views[-1])
            return
        index = max(0, min(len(views) - 1, views.index(self.selected) + step))
        self.select(views[index])

    def on_focus(self) -> None:
        if self.selected is None or not self.selected.is_attached:
            self.action_select_message(0)

    def on_blur(self) -> None:
        if not self.is_anchored:  # anchored again, but released: the bottom (or End) resumes following
            anchor_in_place(self)
        if self.selected is not None:
            self.selected.remove_class("-selected")
            self.selected = None

    def on_click(self, event: events.Click) -> None:
        widget: DOMNode | None = event.widget
        while widget is not None and widget is not self and not isinstance(widget, MessageView):
            widget = widget.parent
        if isinstance(widget, MessageView) and widget.role in SELECTABLE:
            if not self.has_focus:
                self.focus()
            self.select(widget)

    # copying (OSC 52: works over SSH and in tmux)

    def copy(self, text: str, what: str = "") -> None:
        self.app.copy_to_clipboard(text)
        self.app.notify(copied_line(text, what), timeout=3)

    def action_copy_message(self) -> None:
        """The text selected with the mouse, if any; else the whole selected message."""
        if marked := self.screen.get_selected_text():
            self.copy(marked, "selection")
        elif self.selected is not None:
            self.copy(self.selected.text, "message")

    def action_copy_code_block(self) -> None:
        """The selected message's next code block (the first after the last one copied)."""
        blocks = code_blocks(self.selected.text) if self.selected is not None else []
        if not blocks:
            self.app.notify("No code block in this message.", severity="warning", timeout=3)
            return
        self._block = (self._block + 1) % len(blocks)
        self.copy(blocks[self._block], f"code block {self._block + 1}/{len(blocks)}")

    def on_key(self, event: events.Key) -> None:
        """A printable key with no binding here goes to the composer, never lost."""
        if not event.is_printable or not event.character or event.key in self.screen.active_bindings:
            return
        event.stop()
        event.prevent_default()
        self.post_message(self.TypedAway(event.character))

    async def show_history(self, items: Sequence, build: Build, page: int = FIRST_PAGE,
                           load_earlier: LoadEarlier | None = None, unloaded: int = 0) -> None:
        """Replace the log with `items`, mounting only the latest `page` of them: those that
        fill the screen now, the rest of the page once that frame is drawn. `load_earlier`
        reads the `unloaded` stored messages before `items` when they are asked for."""
        await self.remove_children()
        self.selected = None
        self._build = build
        self._load_earlier, self._unloaded = load_earlier, unloaded if load_earlier else 0
        self._earlier = list(items[:-page]) if len(items) > page else []
        latest = [build(item) for item in items[-page:]]
        first = _filling(latest, self.app.size.width, FILL_SCREENS * self.app.size.height)
        self._earlier += list(items[-page:][:len(latest) - first])
        with self.app.batch_update():
            await self.mount_all([w for widgets in latest[len(latest) - first:] for w in widgets])
            await self._update_earlier_button()
        self.follow()
        if self.has_focus:  # still choosing messages: on the last one again
            self.action_select_message(0)
        if rest := len(latest) - first:
            call_when_drawn(self, self._fill_page, rest, self._earlier)

    def _fill_page(self, count: int, earlier: list) -> None:
        """After the first frame: mount the rest of the first page (unless the log changed)."""
        if earlier is self._earlier:
            self.run_worker(self.show_earlier(count), exclusive=True, group="earlier")

    async def show_earlier(self, page: int = HISTORY_PAGE) -> int:
        """Mount the page before the first one shown; how many messages it added."""
        if len(self._earlier) < page and self._unloaded and self._load_earlier is not None:
            read = self._load_earlier(page - len(self._earlier))
            self._earlier[:0] = read
            self._unloaded = max(0, self._unloaded - len(read)) if read else 0
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
        if self.is_anchored and not anchor_released(self):
            return  # following the end: it stays in view by itself
        self.scroll_to(y=self.scroll_y + self.virtual_size.height - height_before, animate=False)

    @property
    def earlier_count(self) -> int:
        """Stored messages before the first one mounted."""
        return len(self._earlier) + self._unloaded

    async def _update_earlier_button(self) -> None:
        for button in self.query("#earlier"):
            await button.remove()
        if self.earlier_count:
            label = f"▲ {self.earlier_count:,} earlier messages (scroll up or press to show)"
            await self.mount(Button(label, id="earlier"), before=0)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "earlier":
            event.stop()
            self.run_worker(self.show_earlier(), exclusive=True, group="earlier")

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        unshelve_near(self, new)  # before the frame is drawn: chunks shelved out of sight come back
        if new <= 0 < old and self.earlier_count:  # reached the top by scrolling
            self.run_worker(self.show_earlier(), exclusive=True, group="earlier")

    async def add(self, role: str, content: str = "", status: str | None = None,
                  error: str | None = None, attachments: tuple = ()) -> MessageView:
        view = MessageView(role, content, status, error, attachments)
        await self.mount(view)
        return view

    async def add_notice(self, text: str) -> MessageView:
        return await self.add("notice", text)

    def follow(self) -> None:
        """Jump to the end and keep following new text."""
        follow_anchor(self)
        self.scroll_end(animate=False, immediate=True)


def _filling(messages: list[list[Widget]], width: int, rows: int) -> int:
    """How many of the latest `messages` (each the widgets built for one) are estimated to
    fill `rows` rows at `width` columns (all of them when they do not)."""
    total = 0
    for count, widgets in enumerate(reversed(messages), 1):
        total += sum(w.estimated_rows(width) if isinstance(w, MessageView) else 4 for w in widgets)
        if total >= rows:
            return count
    return len(messages)

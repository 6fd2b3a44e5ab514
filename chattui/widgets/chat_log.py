"""The scrolling conversation. It follows a streaming reply to its last line; scrolling
up pauses that, and End (or scrolling back to the bottom) resumes it.

A stored history of any length is kept as rows (the stored messages, plain data, with a
height each: measured once shown, estimated from the text before) and only the rows near
the ones on screen are mounted (chattui/widgets/log_window.py says which); a spacer above
and one below stand in for the rest, so the scroll range and the scrollbar are the whole
conversation's. Scrolling mounts the rows coming into sight and unmounts those far away,
keeping the row at the top of the screen where it was. Messages added after the history
(the turns of this session, notices) follow the bottom spacer and stay mounted.

For other code: `show_message(id)` mounts a stored message (scrolling to it) and returns
its view; `view_of(id)` is the view when mounted; `latest_view(roles)` the last message's.
Opening a conversation mounts the latest rows that fill the screen, before the first frame;
the rows before the page handed over (`load_earlier`) are read once that frame is drawn.
"""

from __future__ import annotations

import asyncio
import gc
import sys
from typing import Any, Callable, Sequence

from textual import events
from textual.dom import DOMNode
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widget import Widget

from chattui.core.codeblocks import code_blocks, copied_line
from chattui.widgets.log_window import Heights, covers, filling, window
from chattui.widgets.message_view import MessageView, estimated_rows
from chattui.widgets.drawn import call_when_drawn
from chattui.widgets.textual_compat import (anchor_in_place, follow_anchor, following,
                                           release_line_caches)

HISTORY_PAGE = 40
"""Messages read from the store before the first frame (the rest is read right after it)."""
FILL_SCREENS = 2
"""Before the first frame, mount the latest messages estimated to fill this many screens."""
COLLECT_AFTER_ROWS = 20
"""A full garbage collection after this many rows are unmounted: a widget tree is a web of
reference cycles, and the app's collector thresholds (chattui/app.py) let the garbage of a
long scroll pile up to gigabytes before one comes by itself."""
TOOL_CARD_ROWS = 6
"""A tool call card's estimated height (border, name, arguments, result, margin)."""
Build = Callable[[Any], list[Widget]]
"""Makes the widgets of one of the rows the log is given (a stored message, for the app)."""
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
        """A key pressed in the log that belongs in the composer (a printable one, and the
        keys typed after it before the composer had the focus)."""

        def __init__(self, key: str, character: str | None) -> None:
            super().__init__()
            self.key, self.character = key, character

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._rows: list = []
        """The stored messages of the history (oldest first), mounted or not."""
        self._heights = Heights()
        self._mounted: dict[int, list[Widget]] = {}
        """The widgets built for each mounted row (the rows of `_window`)."""
        self._window = range(0)
        self._spacers: tuple[Widget, Widget] | None = None
        self._build: Build = lambda item: []
        self._load_earlier: LoadEarlier | None = None
        self._width = 0
        self._lock = asyncio.Lock()
        self._moving = self._dirty = False
        self._unmounted = 0
        """Rows unmounted since the last garbage collection."""
        self.selected: MessageView | None = None
        """The message up/down (or a click) picked, while the log has the focus."""
        self._block = -1
        """The selected message's code block Ctrl+K copied last (the next press copies the next)."""
        self._typing_away = False
        """A key went to the composer: the keys queued here behind it follow it there."""

    def on_mount(self) -> None:
        self.anchor()

    # selection

    def selectable(self) -> list[MessageView]:
        """The selectable messages mounted now, in order."""
        return [v for v in self.query_children(MessageView) if v.role in SELECTABLE]

    def select(self, view: MessageView | None) -> None:
        """Highlight `view` (None: no message) and bring it into sight."""
        if self.selected is not None:
            self.selected.remove_class("-selected")
        self.selected, self._block = view, -1
        if view is None:
            return
        view.add_class("-selected")
        if self._entry(view) != self._entries()[-1]:
            self.anchor(False)  # reading an earlier message: new text must not pull away
        self.scroll_to_widget(view, animate=False, top=view.outer_size.height > self.size.height)

    def _entries(self) -> list:
        """Every selectable message in order: a history row's index, or a later message's view."""
        rows = [i for i, item in enumerate(self._rows) if _role(item) in SELECTABLE
                and not getattr(item, "inactive", False)]
        return rows + [v for v in self._tail(MessageView) if v.role in SELECTABLE]

    def _entry(self, view: MessageView) -> int | MessageView:
        return next((i for i, widgets in self._mounted.items() if view in widgets), view)

    async def action_select_message(self, step: int) -> None:
        if step < 0:
            await self._read_earlier()  # up past the first row read
        entries = self._entries()
        if not entries:
            return
        current = self._entry(self.selected) if self.selected is not None and self.selected.is_attached else None
        if current not in entries:  # none selected, or scrolled out of sight: start from the screen
            shown = [e for e in entries if not isinstance(e, int) or e in self._mounted and self._on_screen(e)]
            target = entries[-1] if following(self) or not shown else shown[0 if step > 0 else -1]
        else:
            target = entries[max(0, min(len(entries) - 1, entries.index(current) + step))]
        view = target if isinstance(target, MessageView) else await self._show_row(target)
        if view is not None:
            self.select(view)

    def _on_screen(self, row: int) -> bool:
        view = _view_in(self._mounted.get(row, []))
        return view is not None and self.scrollable_content_region.overlaps(view.region)

    async def on_focus(self) -> None:
        self._typing_away = False
        if self.selected is None or not self.selected.is_attached:
            await self.action_select_message(0)

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
        """A printable key with no binding here goes to the composer, never lost; so do the
        keys after it that were typed before the focus got there (a fast typist's Enter)."""
        if not self._typing_away and (not event.is_printable or not event.character
                                      or event.key in self.screen.active_bindings):
            return
        event.stop()
        event.prevent_default()
        self._typing_away = True
        self.post_message(self.TypedAway(event.key, event.character))

    def keep_keys(self) -> None:
        """A key handed away was the screen's to act on here (a search hit's n): the log
        keeps the keys that follow."""
        self._typing_away = False

    def on_descendant_focus(self) -> None:
        self._typing_away = False  # a tool card's keys are its own

    def action_scroll_home(self) -> None:
        """To the first message at once (an animation would mount every row on its way)."""
        self.anchor(False)
        self.run_worker(self._home(), group="log-window")

    async def _home(self) -> None:
        await self._read_earlier()
        self.scroll_home(animate=False, immediate=True)

    def action_scroll_end(self) -> None:
        self.follow()

    # finding messages

    def view_of(self, message_id: int) -> MessageView | None:
        """The mounted view of stored message `message_id` (None: not mounted or not shown)."""
        return next((v for v in self.query_children(MessageView) if v.message_id == message_id), None)

    async def show_message(self, message_id: int) -> MessageView | None:
        """Mount stored message `message_id` (scrolling the log to it when it is not mounted)
        and return its view; None when the log does not show it (a tool result, a replaced
        reply, another conversation)."""
        if (view := self.view_of(message_id)) is not None:
            return view
        await self._read_earlier()
        row = next((i for i, item in enumerate(self._rows) if getattr(item, "id", None) == message_id), None)
        return None if row is None else await self._show_row(row)

    async def cut_from(self, message_id: int) -> None:
        """Take message `message_id` and everything after it off the log (a reply asked again
        streams where it was; the conversation is shown afresh once it has come)."""
        async with self._lock:
            tail = self._tail()
            row = next((i for i, item in enumerate(self._rows) if getattr(item, "id", None) == message_id), None)
            if row is None:  # one of this session's messages, after the history
                view = next((w for w in tail if isinstance(w, MessageView) and w.message_id == message_id), None)
                gone = tail[tail.index(view):] if view is not None else []
            else:
                gone = [w for r in sorted(self._mounted) if r >= row for w in self._mounted.pop(r)]
                gone += tail
                self._rows = self._rows[:row]
                self._heights = Heights(self._heights[i] for i in range(row))
                self._window = range(min(self._window.start, row), min(self._window.stop, row))
            if self.selected in gone:
                self.selected = None
            await self.remove_children([w for w in gone if w.is_attached])
            self._size_spacers()
        self.follow()

    def latest_view(self, roles: Sequence[str] = ("user", "assistant")) -> MessageView | None:
        """The view of the log's last message of one of `roles`, when it is mounted."""
        later = [v for v in self._tail(MessageView) if v.role in roles]
        if later:
            return later[-1]
        row = next((i for i in reversed(range(len(self._rows))) if _role(self._rows[i]) in roles
                    and not getattr(self._rows[i], "inactive", False)), None)
        return None if row is None else _view_in(self._mounted.get(row, []))

    # the history's rows

    async def show_history(self, items: Sequence, build: Build,
                           load_earlier: LoadEarlier | None = None, unloaded: int = 0) -> None:
        """Replace the log with the rows `items` (stored messages, oldest first; `build` makes
        each one's widgets) and show the latest. `load_earlier` reads the `unloaded` stored
        messages before `items`; that happens once the first frame is drawn."""
        await self.remove_children()
        self.selected = None
        self._build, self._rows, self._mounted = build, list(items), {}
        self._width = self._text_width()
        self._heights = Heights(_estimate(item, self._width) for item in self._rows)
        self._window = filling(self._heights, FILL_SCREENS * self.app.size.height)
        widgets = [w for i in self._window for w in self._built(i)]
        self._spacers = (Widget(classes="log-spacer"), Widget(classes="log-spacer"))
        with self.app.batch_update():
            await self.mount_all([self._spacers[0], *widgets, self._spacers[1]])
            self._size_spacers()
        self.follow()
        if self.has_focus:  # still choosing messages: on the last one again
            await self.action_select_message(0)
        self._load_earlier = load_earlier if unloaded else None
        if self._load_earlier is not None:
            call_when_drawn(self, lambda rows: self.run_worker(self._read_earlier(rows)), self._rows)
        call_when_drawn(self, self._schedule_window)

    async def _read_earlier(self, rows: list | None = None) -> None:
        """After the first frame (or when asked for first): read the rest of the history
        (plain rows, a few MB for thousands of messages) and put it above, keeping the
        reading position."""
        async with self._lock:  # not while the window moves
            top = self.scroll_y
            added = self._insert_earlier(rows)
            if not added:
                return
            for _ in range(10):  # until the scroll range has grown (a frame, unless very busy)
                await _drawn(self)
                if self.max_scroll_y >= top + added:
                    break
            if following(self):
                self.scroll_end(animate=False, immediate=True)
            else:
                self.scroll_to(y=top + added, animate=False, immediate=True, force=True)
        self._schedule_window()

    def _insert_earlier(self, rows: list | None) -> int:
        """Read the rows before the first one and put them above; their height."""
        load_earlier, self._load_earlier = self._load_earlier, None
        if load_earlier is None or rows is not None and rows is not self._rows:
            return 0  # read already, or another conversation since
        read: list = []
        while page := load_earlier(1000):
            read[:0] = page
        added = [_estimate(item, self._width) for item in read]
        self._rows[:0] = read
        self._heights.insert(0, added)
        shift = len(read)
        self._mounted = {i + shift: widgets for i, widgets in self._mounted.items()}
        self._window = range(self._window.start + shift, self._window.stop + shift)
        self._size_spacers()
        return sum(added)

    def _built(self, row: int) -> list[Widget]:
        self._mounted[row] = widgets = self._build(self._rows[row])
        return widgets

    def _text_width(self) -> int:
        return self.scrollable_content_region.width or self.app.size.width

    def _size_spacers(self) -> None:
        if self._spacers is not None:
            above, below = self._spacers
            above.styles.height = self._heights.top(self._window.start)
            below.styles.height = self._heights.span(self._window.stop, len(self._rows))

    def _tail(self, kind: type[Widget] = Widget) -> list:
        """The widgets after the history (this session's messages, notices), of `kind`."""
        if self._spacers is None or not self._spacers[1].is_attached:
            return list(self.query_children(kind))
        children = list(self.children)
        return [w for w in children[children.index(self._spacers[1]) + 1:] if isinstance(w, kind)]

    def _measure(self) -> None:
        """Take the laid-out heights of the mounted rows (from each row's top to the next's)."""
        if self._spacers is None:
            return
        tops: list[tuple[int, int]] = []
        for row in self._window:
            widgets = [w for w in self._mounted.get(row, []) if w.is_attached]
            if widgets and not widgets[0].size.height:
                return  # not laid out yet
            if widgets:
                tops.append((row, widgets[0].virtual_region.y))
        bottom = self._spacers[1].virtual_region.y
        for (row, y), (_, below) in zip(tops, [*tops[1:], (self._window.stop, bottom)]):
            self._heights.set(row, below - y)
            # a row with nothing shown (a replaced reply) sits between two: it is 0 rows
        for row in self._window:
            if not any(w.is_attached for w in self._mounted.get(row, [])):
                self._heights.set(row, 0)

    def _schedule_window(self) -> None:
        """Mount the rows coming into sight (and unmount far ones) soon, once for a burst."""
        self._dirty = True
        if not self._moving and self._rows and self.is_attached:
            self._moving = True
            self.run_worker(self._keep_window(), group="log-window")

    async def _keep_window(self) -> None:
        try:
            while self._dirty:
                self._dirty = False
                await self._move_window()
        finally:
            self._moving = False

    async def _show_row(self, row: int) -> MessageView | None:
        """Mount history row `row`, scrolled to its top, and return its view."""
        if row not in self._mounted:
            self.anchor(False)  # jumping away from the end: stop following it
            self.scroll_to(y=self._heights.top(row), animate=False, immediate=True, force=True)
            await self._move_window(row)
        return _view_in(self._mounted.get(row, []))

    async def _move_window(self, row: int | None = None) -> None:
        """Mount the rows near the scroll position (or near row `row`) and unmount the rest,
        keeping the row at the top of the screen where it is (estimates become heights)."""
        async with self._lock:
            if self._spacers is None or not self._spacers[1].is_attached:
                return
            self._measure()
            viewport = self.scrollable_content_region.height or self.app.size.height
            top = self._heights.top(row) if row is not None else self.scroll_y
            if covers(self._window, self._heights, top, viewport, viewport // 2):
                return
            anchor = self._heights.index_at(top)
            offset = top - self._heights.top(anchor)
            new = window(self._heights, top, viewport, viewport)
            jump = new.start >= self._window.stop or new.stop <= self._window.start
            if jump:  # what is on screen first; the rows around it once that is drawn
                new = window(self._heights, top, viewport, 0)
                call_when_drawn(self, self._schedule_window)
            await self._remount(new)
            await _drawn(self)
            self._collect_unmounted()
            self._measure()
            self._size_spacers()
            if row is None and following(self):
                return  # following the end: it stays in view by itself
            await _drawn(self)
            self.scroll_to(y=self._heights.top(anchor) + offset, animate=False, immediate=True, force=True)

    async def _remount(self, new: range) -> None:
        old, (above_spacer, below_spacer) = self._window, self._spacers or (None, None)
        leaving = [row for row in old if row not in new]
        for row in leaving:
            if self.selected is not None and self.selected in self._mounted.get(row, []):
                self.selected.remove_class("-selected")  # up/down start from the screen
                self.selected = None
        gone = [w for row in leaving for w in self._mounted.pop(row, [])]
        above = [w for row in range(new.start, min(new.stop, old.start)) for w in self._built(row)]
        below = [w for row in range(max(new.start, old.stop), new.stop) for w in self._built(row)]
        self._window = new
        with self.app.batch_update():
            await self.remove_children([w for w in gone if w.is_attached])
            self._unmounted += len(leaving)
            if leaving:
                release_line_caches()  # else Textual keeps their rendered lines alive
            if above:
                await self.mount_all(above, after=above_spacer)
            if below:
                await self.mount_all(below, before=below_spacer)
            self._size_spacers()

    def _collect_unmounted(self) -> None:
        """Once enough rows were unmounted, a full collection (their widgets are cycles):
        after the rows that replace them are drawn, so it never delays that frame."""
        if self._unmounted >= COLLECT_AFTER_ROWS:
            self._unmounted = 0
            gc.collect()

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        # before the frame is drawn: chunks shelved out of sight come back (none can be before
        # a reply has streamed, and importing the stream's Markdown then would delay the first frame)
        if (stream := sys.modules.get("chattui.widgets.lazy_chunks")) is not None:
            stream.unshelve_near(self, new)
        if self._rows:
            self._schedule_window()

    def on_resize(self, event: events.Resize) -> None:
        if self._rows and self._text_width() != self._width:  # rows read from now on are
            self._width = self._text_width()  # estimated at this width; mounted ones measured
            self._schedule_window()

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


def _role(item: object) -> str:
    return getattr(item, "role", "")


def _view_in(widgets: list[Widget]) -> MessageView | None:
    return next((w for w in widgets if isinstance(w, MessageView) and w.is_attached), None)


def _estimate(item: object, width: int) -> int:
    """A stored message's rows in the log before it is laid out (tool calls: a card each)."""
    if getattr(item, "inactive", False):
        return 0
    rows = estimated_rows(getattr(item, "content", "") or "", width, bool(getattr(item, "error", None)))
    return rows + TOOL_CARD_ROWS * len(getattr(item, "tool_calls", ()) or ())


async def _drawn(node: Widget) -> None:
    """Wait for the next layout pass and frame (at most a second)."""
    drawn = asyncio.Event()
    call_when_drawn(node, drawn.set)
    try:
        await asyncio.wait_for(drawn.wait(), 1.0)
    except asyncio.TimeoutError:
        pass

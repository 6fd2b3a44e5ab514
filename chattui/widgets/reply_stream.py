"""Stream a reply into Markdown widgets, a chunk of blocks at a time, a frame at a time.

bench/stream_render.py measures all of this (a 6k-token reply, 1,000 fragments, as fast
as the client reads); the figures are from there.

* Chunks. Textual re-arranges every block of a growing Markdown widget on each layout
  pass, so once the text streamed into one widget holds `BLOCKS_PER_CHUNK` blocks, the
  text goes on in a fresh Markdown widget. It moves on only where a plain paragraph
  begins (`block_chunks.block_boundary`): a paragraph's top margin is 0, so the chunks'
  margins add up to what one widget's collapse to, and the reply renders row for row like
  a single Markdown.
* Frames. One loop appends what has arrived, about `FRAME_ROWS` rows of it (estimated
  from the text, fitted to the time its frames take, `FRAME_BUDGET`; rows, not
  characters: a table, a fence or a list costs by the rows it takes on screen), then
  waits for the layout pass (and frame) that asked for; a backlog is drawn over several
  frames instead of one long one.
  (Textual's MarkdownStream starts the next append at once, holding a batch update, so
  the screen starved.)
* Turns with the reader. A server faster than the screen never lets the socket run dry,
  so the reader (which calls `write`, then `pace`) would hold the event loop to the end
  of the reply and no frame would be drawn. Once it has kept a frame from being drawn for
  its slot (what an append and its frame leave of `FRAME_BUDGET`, no less than they took),
  it waits for the next frame; the append loop lets it read again before the next append.
  While it is faster than the screen, an append takes only `READER_FRAME_ROWS`: the rest
  backs up, to be skipped (lazy chunks).
* Pinned heights. A finished chunk's height is fixed at what its content measured, once a
  layout pass has measured all of it (two passes: nested blocks are sized a pass later; a
  height pinned earlier clipped the chunk), so layout no longer measures its blocks.
* Shelving. The compositor still places every widget of every chunk on each pass, on
  screen or not (~40 ms a frame by the end of a long reply). A finished chunk well out of
  sight is hidden (`display: none`) behind a `ChunkStub` of the same height; scrolling near
  it puts it back before the frame is drawn (ChatLog calls `unshelve_near`).
* Lazy chunks. A reply that arrives faster than it is drawn (the benchmark's: all of it
  in half a second) leaves a backlog; the chunk being drawn and whole chunks with more
  than a screen of text after them (estimated, `LAZY_MARGIN`), and the blocks of the
  first chunk in sight that are out of sight too, would be out of sight before they were
  drawn, so they are mounted as a `LazyChunk`: the source and an estimated height, no
  blocks. Scrolling near one builds it (ChatLog calls `unshelve_near`), keeping the rows
  on screen where they are; one left in sight by its estimate is built when the reply
  ends. Only what will be on screen is drawn, and memory grows with the text.
* Garbage collection. While a reply streams, only the youngest generation is collected:
  the older ones' 40-50 ms pauses were the longest frames.
"""

from __future__ import annotations

import asyncio
import gc
import time
from weakref import WeakKeyDictionary

from textual.widget import Widget
from textual.widgets import Markdown

from chattui.widgets.block_chunks import BLOCKS_PER_CHUNK, after_blocks, block_boundary
from chattui.widgets.compact_markdown import ChatMarkdown
from chattui.widgets.drawn import call_when_drawn
from chattui.widgets.lazy_chunks import (
    ChunkStub, LazyChunk, estimated_chunk_rows, lazy_groups, pin_height, shelve_far, unshelve_near,
)
from chattui.widgets.plain import visible

FRAME_BUDGET = 0.09
"""Seconds between two frames the stream aims at: an append, its frame and the reader's turn."""
READ_SLOT = 0.03
"""Seconds the reader may keep a frame from being drawn (a server faster than the screen:
its socket always has data) before it waits for the next frame, at first; then what an
append and its frame leave of `FRAME_BUDGET`, but no less than they took, between these
bounds:"""
MIN_READ_SLOT, MAX_READ_SLOT = 0.025, 0.25
FRAME_ROWS = 12
"""About how many rows of text (`estimated_chunk_rows`) the first frame appends; then
fitted to the time its frames take (`FRAME_BUDGET`), between these bounds. The rest waits
for the next frame: a backlog appended at once made one long frame (the last screen of a
fast reply, a table, fences and lists, 776 characters, took 110-150 ms on a loaded machine,
when the budget was counted in characters)."""
MIN_FRAME_ROWS, MAX_FRAME_ROWS = 4, 60
TAIL_SHARE = 1.5
"""At the end of a reply, a tail of up to this share of a frame's rows more is taken with
the frame (`_budget`)."""
READER_FRAME_ROWS = 5
"""What a frame appends while the reader is faster than the screen (most of it will be out
of sight, lazy, by the next frame): the reader gets the rest of the frame's time."""
FRAME_TIMEOUT = 0.5
"""The longest wait for a frame between two appends (a safety net: one always comes)."""

GC_RELEASE_SECONDS = 1.0
"""How long after a reply ends the older GC generations wait (past its last frames)."""
_GC_HELD = 1_000_000
LAZY_MARGIN = 0.1
"""A whole chunk of the backlog is lazy when more than the screen's rows, and this share of
them again (estimated from the text), follow it: it would be out of sight once drawn."""


class ReplyStream:
    """`write()` fragments as they arrive, `stop()` at the end (flushes what is pending).

    Like Markdown's own MarkdownStream, fragments that arrive while the widget is busy are
    appended together; unlike it, one loop serves all the chunks of the reply, and a frame
    is drawn after every append (Textual's stream holds a batch update while an append
    mounts its blocks and starts the next one at once, so the screen starved; and a new
    chunk used to be flushed and started without a frame in between)."""

    def __init__(self, container: Widget, first: Markdown, blocks_per_chunk: int = BLOCKS_PER_CHUNK) -> None:
        self.container = container
        self.blocks_per_chunk = blocks_per_chunk
        self.markdown = first
        self._chunk = ""
        """The text written to the current chunk, arrived or not (for finding boundaries)."""
        self._pending = [""]
        """Text not appended yet: for the current Markdown widget, then one per chunk to come."""
        self._finished: list[tuple[Markdown, int]] = []
        """Chunks complete but not measured yet, and the layout passes they have seen."""
        self._pinned: list[Markdown] = []
        self._ready = asyncio.Event()
        self._drawn = asyncio.Event()
        """Set after each frame the loop waited for (and when it ends): the reader goes on."""
        self._paused = asyncio.Event()
        """Set when the reader waits for a frame again (its turn is over), or stops."""
        self._frame_at = time.perf_counter()
        """When the last frame was drawn (or the reader's turn began)."""
        self._reader_waits = False
        """The reader waits for a frame: it is faster than the screen."""
        self._rows = FRAME_ROWS
        """Rows of text the next append takes (`_fit_budget`)."""
        self._read_slot = READ_SLOT
        """How long the reader may keep the next frame from being drawn (`_fit_budget`)."""
        self._stopping = False
        hold_full_collections(container.app)
        self._task: asyncio.Task | None = asyncio.create_task(self._run())

    async def write(self, fragment: str) -> None:
        fragment = visible(fragment)  # an escape sequence in a reply never reaches the terminal
        self._chunk += fragment
        self._pending[-1] += fragment
        if (full := after_blocks(self._chunk, self.blocks_per_chunk)) is not None:
            appended = len(self._chunk) - len(self._pending[-1])
            cut = block_boundary(self._chunk, max(full, appended))  # in what is not appended yet
            if cut is not None:
                self._pending[-1], rest = (self._pending[-1][:cut - appended],
                                           self._pending[-1][cut - appended:])
                self._chunk = rest
                self._pending.append(rest)
        self._ready.set()
        await self.pace()

    async def pace(self) -> None:
        """Called by the reader after each event. A server faster than the screen never
        lets the socket run dry, so the reader would hold the event loop to the end: once
        no frame has been drawn for `READ_SLOT`, it waits for the next one. The reader and
        the screen then take turns, and what arrives faster than it is drawn backs up, to be
        mounted lazily (`_skip_out_of_sight`)."""
        if time.perf_counter() - self._frame_at < self._read_slot:
            return
        if self._task is None or self._task.done():
            await asyncio.sleep(0)
        elif self._pending[0] or len(self._pending) > 1:  # the append loop draws the frame
            self._drawn.clear()
            self._reader_waits = True
            self._ready.set()
            self._paused.set()
            try:
                await _wait(self._drawn, FRAME_TIMEOUT)
            finally:  # also when the reader is cancelled (Esc) while it waits
                self._reader_waits = False
        else:  # nothing to append (thinking streams): a frame of whatever changed
            await self._next_frame()
        self._frame_at = max(self._frame_at, time.perf_counter())  # a full turn from here

    async def _run(self) -> None:
        try:
            while True:
                self._drawn.set()
                await self._ready.wait()
                self._ready.clear()
                while self._pending[0] or len(self._pending) > 1:
                    started = time.perf_counter()
                    await asyncio.shield(self._append())
                    await self._frame()
                    self._frame_at = time.perf_counter()
                    self._fit_budget(self._frame_at - started)
                    await self._reader_turn()
                if self._stopping:
                    self._build_in_sight()
                    return
        except asyncio.CancelledError:  # stopped without a flush (the view went away)
            pass
        finally:
            self._drawn.set()

    def _build_in_sight(self) -> None:
        """The reply is drawn: build a lazy chunk that its estimated height left in sight."""
        log = self.container.parent
        if isinstance(log, Widget) and any(isinstance(node, LazyChunk) for node in self.container.children):
            call_when_drawn(log, unshelve_near, log, None, 0)

    async def _reader_turn(self) -> None:
        """After a frame: let a waiting reader read (for `READ_SLOT`) before the next append,
        which then sees what it read."""
        if not self._reader_waits or self._stopping:
            return
        self._paused.clear()
        self._drawn.set()
        await _wait(self._paused, 2 * self._read_slot)

    def _fit_budget(self, spent: float) -> None:
        """After an append and its frame, which took `spent`: while the reader is faster
        than the screen, give it what is left of `FRAME_BUDGET` (its appends take only
        `READER_FRAME_ROWS`); otherwise fit the rows the next append takes to
        `FRAME_BUDGET`. Part of a frame's time does not grow with the text appended (the
        layout and render of a screen of blocks), so the fit scales the rows by the
        budget's ratio to the time spent (the fixed point is a frame of `FRAME_BUDGET`):
        the tail left when a fast reply ends was drawn in six frames where two would do."""
        if self._reader_waits:  # at least as long as drawing took: on a slow machine the
            # frames grow longer, rather than the reader starving and the reply taking longer
            slot = max(FRAME_BUDGET - spent, spent)
            self._read_slot = min(MAX_READ_SLOT, max(MIN_READ_SLOT, slot))
            return
        factor = min(2.0, max(0.5, FRAME_BUDGET / max(spent, 0.001)))
        self._rows = round(min(MAX_FRAME_ROWS, max(MIN_FRAME_ROWS, self._rows * factor)))

    async def _frame(self) -> None:
        """Wait for the layout pass (and the frame drawn with it) that the last append asked
        for, or for the screen to be idle when it asked for none. Not for the screen to
        settle: Textual asks for a second pass when it has sized new widgets, which the next
        append may as well share."""
        if await self._next_frame():
            self._settle()

    async def _next_frame(self) -> bool:
        """Wait for the next layout pass, or for the screen to be idle (False: timed out,
        or not on a running screen)."""
        drawn = asyncio.Event()
        try:
            signal = self.container.screen.screen_layout_refresh_signal
            signal.subscribe(self.container, lambda screen: drawn.set(), immediate=True)
        except Exception:  # noqa: BLE001 - not on a running screen (any more)
            return False
        try:
            if self.container.call_after_refresh(drawn.set):
                await _wait(drawn, FRAME_TIMEOUT)
        finally:
            signal.unsubscribe(self.container)
        return drawn.is_set()

    def _settle(self) -> None:
        """After a layout pass: pin the height of chunks finished two passes ago (blocks
        nested in a new block, list items and table cells, are measured a pass later),
        correct a pinned height that no longer fits, shelve chunks far out of sight."""
        finished, self._finished = self._finished, []
        for chunk, passes in finished:
            if passes:
                pin_height(chunk)
                self._pinned.append(chunk)
            else:
                self._finished.append((chunk, passes + 1))
        for chunk in self._pinned:
            if chunk.display and chunk.virtual_size.height != chunk.size.height:
                pin_height(chunk)
        shelve_far(self.container)

    async def _append(self) -> None:
        """Append what is pending, up to about `_rows` rows for one frame (less while the
        reader is faster than the screen): to the current chunk, then each next chunk's
        text into a new Markdown widget. Whole chunks that would be out of sight once the
        rest is drawn are mounted lazily instead. Text that arrives meanwhile waits for the
        next frame."""
        first = True
        with self.container.app.batch_update():
            await self._skip_out_of_sight()
            budget = self._budget()
            chunks = len(self._pending)
            while True:
                text, self._pending[0] = _take(self._pending[0], budget, first)
                first = False
                if text:
                    budget -= len(text)
                    await self.markdown.append(text)
                chunks -= 1
                if self._pending[0] or not chunks or budget <= 0:
                    return  # what is left does not fit in this frame, or arrived meanwhile
                self._pending.pop(0)
                self._finished.append((self.markdown, 0))
                after: Widget = self.markdown
                lazy = self._lazy_chunks(self._width())
                chunks -= len(lazy)
                stub, self.markdown = ChunkStub(), ChatMarkdown()
                stub.display = False
                await self.container.mount_all([stub, *lazy, self.markdown], after=after)

    def _budget(self) -> int:
        """Characters this append takes: the text of `READER_FRAME_ROWS` rows while the
        reader is faster than the screen, else of the fitted `_rows`; at the end of the
        reply, all of a tail of at most `TAIL_SHARE` of that (a frame of its own costs the
        layout and render of a screen for a few more lines)."""
        rows = READER_FRAME_ROWS if self._reader_waits else self._rows
        width, text = self._width(), "".join(self._pending)
        if self._stopping and estimated_chunk_rows(text, width) <= rows * TAIL_SHARE:
            return len(text)
        return _chars_within_rows(text[:(rows + 1) * width], width, rows)

    async def _skip_out_of_sight(self) -> None:
        """When more than a screen of text follows the current chunk, it would be out of
        sight once that is drawn: mount it (what it shows and the rest of its text) and the
        whole chunks after it that are out of sight too as lazy chunks, and go on with a new
        Markdown widget at the first chunk that will be in sight."""
        if len(self._pending) < 2:
            return
        width = self._width()
        if sum(estimated_chunk_rows(text, width) for text in self._pending[1:]) <= self._keep_rows():
            return
        shown = self.markdown.source
        self._pending[0] = shown + self._pending[0]
        lazy = self._lazy_chunks(width)
        if not shown:  # nothing drawn yet: the widget takes the first chunk in sight
            await self.container.mount_all(lazy, before=self.markdown)
            return
        old, self.markdown = self.markdown, ChatMarkdown()
        await self.container.mount_all([*lazy, self.markdown], before=old)
        await old.remove()

    def _lazy_chunks(self, width: int) -> list[LazyChunk]:
        """Take the whole chunks at the head of the backlog that more than a screen of text
        follows (`LAZY_MARGIN`): they would be out of sight before they were drawn."""
        texts: list[str] = []
        keep = self._keep_rows()
        rows = [estimated_chunk_rows(text, width) for text in self._pending]
        behind = sum(rows[1:])
        while len(self._pending) > 1 and behind > keep:
            texts.append(self._pending.pop(0))
            rows.pop(0)
            behind -= rows[0]
        head = self._pending[0]
        last = len(self._pending) == 1
        if texts and (not last or self._chunk == head):  # the head is not drawn yet either
            cut = _last_cut(head, width, keep - behind)  # its blocks out of sight: lazy too
            if cut:
                texts.append(head[:cut])
                self._pending[0] = head[cut:]
                if last:
                    self._chunk = self._pending[0]
        return lazy_groups(texts, width)

    def _keep_rows(self) -> float:
        """Estimated rows of text after a chunk that put it out of sight."""
        return self._screen_rows() * (1 + LAZY_MARGIN)

    def _width(self) -> int:
        """Columns the reply's text is laid out in (before its first layout: the log's)."""
        log = self.container.parent
        log_width = log.scrollable_content_region.width if isinstance(log, Widget) else 0
        return self.markdown.size.width or self.container.size.width or log_width or 80

    def _screen_rows(self) -> int:
        """Rows of the reply on screen at most: the log's visible height."""
        log = self.container.parent
        if isinstance(log, Widget) and log.scrollable_content_region.height:
            return log.scrollable_content_region.height
        return self.container.app.size.height

    async def stop(self) -> None:
        """Append (and draw) what is still pending, then end the stream."""
        if self._task is not None:
            self._stopping = True
            self._paused.set()
            self._ready.set()
            await self._task
            self._task = None
            release_full_collections(self.container.app)


def _last_cut(text: str, width: int, rows: float) -> int:
    """The last `block_boundary` in `text` after which more than `rows` estimated rows
    follow (0: none)."""
    best, at = 0, 0
    while (found := block_boundary(text, at + 1)) is not None:
        if estimated_chunk_rows(text[found:], width) <= rows:
            break
        best = at = found
    return best


def _chars_within_rows(text: str, width: int, rows: float) -> int:
    """How much of `text` (whole lines, at least one) takes at most `rows` estimated rows."""
    taken, used = 0, 0
    for line in text.splitlines(keepends=True):
        used += estimated_chunk_rows(line.rstrip("\n"), width)
        if used > rows and taken:
            break
        taken += len(line)
    return taken


async def _wait(event: asyncio.Event, timeout: float) -> None:
    """Wait for `event`, at most `timeout` seconds."""
    try:
        await asyncio.wait_for(event.wait(), timeout)
    except asyncio.TimeoutError:
        pass


def _take(text: str, budget: int, first: bool) -> tuple[str, str]:
    """Split off the head of `text` that fits in `budget` characters and the rest: after a
    blank line if there is one (a block cut in two is built twice), else after a line (the
    first ones after the budget when this is the frame's `first` take)."""
    if len(text) <= budget:
        return text, ""
    blank = text.rfind("\n\n", 0, budget)
    cut = blank + 2 if blank >= 0 else text.rfind("\n", 0, budget) + 1
    if not cut and first:
        cut = text.find("\n", budget) + 1 or len(text)
    return text[:cut], text[cut:]


_gc_saved: tuple[int, int, int] | None = None
_gc_holds: WeakKeyDictionary = WeakKeyDictionary()
"""Replies streaming in each app (an app that ends mid-reply takes its count with it)."""


def hold_full_collections(app) -> None:
    """While a reply streams, collect only the youngest generation."""
    global _gc_saved
    _gc_holds[app] = _gc_holds.get(app, 0) + 1
    young, middle, old = gc.get_threshold()
    if middle != _GC_HELD:
        _gc_saved = (young, middle, old)
    gc.set_threshold(young, _GC_HELD, _GC_HELD)


def release_full_collections(app) -> None:
    """The reply is over: collect as usual again, once its last frames are drawn."""
    _gc_holds[app] = max(0, _gc_holds.get(app, 0) - 1)

    def release() -> None:
        if not _gc_holds.get(app) and _gc_saved is not None and gc.get_threshold()[1] == _GC_HELD:
            gc.set_threshold(*_gc_saved)

    try:
        app.set_timer(GC_RELEASE_SECONDS, release)
    except Exception:  # noqa: BLE001 - the app is not running any more: release now
        release()

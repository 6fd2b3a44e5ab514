"""The chunks of a long reply out of sight: shelved (hidden behind a stub of the same
height) or lazy (never built: the source and an estimated height), and put back or built
when scrolled near. reply_stream.py explains why."""

from __future__ import annotations

from typing import TypeGuard

from textual.app import RenderResult
from textual.widget import Widget
from textual.widgets import Markdown

from chattui.widgets.compact_markdown import ChatMarkdown
from chattui.widgets.plain import plain
from chattui.widgets.drawn import call_when_drawn
from chattui.widgets.textual_compat import following

MEASURE_PASSES = 4
"""Layout passes after a lazy chunk is built in which its pinned height is checked again."""

SHELF_MARGIN = 4
"""Rows a finished chunk must be out of sight by before it is shelved."""


class ChunkStub(Widget):
    """Stands in for a shelved chunk (just after it): the same height, nothing inside."""

    DEFAULT_CSS = "ChunkStub { width: 1fr; height: 1; }"

    def render(self) -> str:
        return ""


class LazyChunk(ChatMarkdown):
    """Finished chunks that were never in sight: their source and an estimated height, no
    blocks until `build()` (when scrolled near)."""

    def __init__(self, texts: list[str], width: int) -> None:
        super().__init__()
        self.texts = texts
        self.lazy_source: str | None = "".join(texts)
        self.estimate(width)

    @property
    def source(self) -> str:
        return self.lazy_source if self.lazy_source is not None else super().source

    def render(self) -> RenderResult:
        """Until built, its source as plain text: where one shows (a reply streamed faster
        than it is drawn, a fast scroll), a glimpse of the text rather than blank rows."""
        if self.lazy_source is not None:
            return plain(self.lazy_source)
        return super().render()

    def estimate(self, width: int) -> None:
        """Estimate the height again (the width changed) while not built."""
        if self.lazy_source is not None:
            self.styles.height = estimated_chunk_rows(self.lazy_source, width)

    def build(self, log: Widget) -> None:
        """Mount the blocks (within the estimated height); once a layout pass has measured
        them, pin the height, and scroll `log` by the change when the chunk lies above the
        top of the screen, in the same frame: the rows on screen stay where they are."""
        parent = self.parent
        if self.lazy_source is None or not isinstance(parent, Widget):
            return
        if len(self.texts) > 1:  # one chunk at a time: split, then build the near ones
            width = self.size.width
            self.lazy_source = None
            parent.mount(*[LazyChunk([text], width) for text in self.texts], before=self)
            self.remove()
            call_when_drawn(log, unshelve_near, log)
            return
        source, self.lazy_source = self.lazy_source, None
        self.refresh()  # no more plain text under the blocks
        blocks_mounted = self.update(source)

        def measured(passes: int) -> None:
            if not self.is_mounted:
                return
            if self.virtual_size.height:
                estimate = self.outer_size.height
                above = parent.virtual_region.y + self.virtual_region.bottom <= log.scroll_y
                pin_height(self)
                change = self.virtual_size.height + self.styles.gutter.height - estimate
                if above and change and not following(log):  # following: the end stays put
                    log.scroll_to(y=log.scroll_y + change, animate=False, immediate=True)
            if passes:  # nested blocks (list items, table cells) are sized passes later
                call_when_drawn(self, measured, passes - 1)

        async def measure_once_mounted() -> None:  # (under load the blocks took frames)
            await blocks_mounted
            call_when_drawn(self, lambda: call_when_drawn(self, measured, MEASURE_PASSES))

        self.call_later(measure_once_mounted)


LAZY_GROUP = 8
"""Chunks one LazyChunk widget holds (each widget costs ~1.5 ms to mount)."""


def lazy_groups(texts: list[str], width: int) -> list[LazyChunk]:
    """Lazy chunks for `texts` (chunks of one reply, in order), `LAZY_GROUP` to a widget."""
    return [LazyChunk(texts[at:at + LAZY_GROUP], width) for at in range(0, len(texts), LAZY_GROUP)]


def unbuilt(widget: Widget) -> TypeGuard[LazyChunk]:
    """A lazy chunk whose blocks are not built yet."""
    return isinstance(widget, LazyChunk) and widget.lazy_source is not None


def estimated_chunk_rows(source: str, width: int) -> int:
    """Rows a chunk of Markdown should take at `width` columns: a source line each, wrapped."""
    width = max(1, width - 2)
    return sum(len(line) // width + 1 for line in source.split("\n"))


def pin_height(widget: Widget) -> None:
    """Fix a finished chunk's height at the height of its content in the last layout pass
    (undone on resize): layout then no longer measures its blocks. Only once that pass has
    measured everything appended (a stale height clipped the chunk)."""
    if widget.is_mounted and widget.virtual_size.height:
        widget.styles.height = widget.virtual_size.height + widget.styles.gutter.height


def _stub_of(chunk: Widget) -> ChunkStub | None:
    """A finished chunk's stub: the widget just after it."""
    parent = chunk.parent
    if parent is None:
        return None
    nodes = parent.children
    index = nodes.index(chunk) + 1
    after = nodes[index] if index < len(nodes) else None
    return after if isinstance(after, ChunkStub) else None


def shelve(chunk: Widget) -> bool:
    """Hide a finished chunk behind its stub, at the height its content was last laid out at."""
    stub = _stub_of(chunk)
    if unbuilt(chunk):
        return False  # as cheap as its stub already
    height = chunk.virtual_size.height + chunk.styles.gutter.height if chunk.virtual_size.height else 0
    if stub is None or not chunk.display or not height:
        return False
    stub.styles.height = height
    stub.display = True
    chunk.display = False
    return True


def unshelve(chunk: Widget) -> None:
    if stub := _stub_of(chunk):
        stub.display = False
    chunk.display = True


def shelve_far(container: Widget) -> int:
    """While the log follows the end of `container` (a message), shelve its finished chunks
    that lie out of sight above the visible rows, by the heights of the last layout pass
    (no lookup in the widget map, which is stale while blocks are being mounted)."""
    log = container.parent
    if not isinstance(log, Widget) or not following(log) or log.children[-1] is not container:
        return 0
    keep = log.scrollable_content_region.height + SHELF_MARGIN  # out of sight by a margin
    chunks = list(container.query_children(Markdown))
    below, shelved = 0, 0
    for chunk in reversed(chunks):
        if below > keep and chunk.display and shelve(chunk):
            shelved += 1
        if chunk.display:
            below += chunk.outer_size.height
        else:
            stub = _stub_of(chunk)
            below += stub.outer_size.height if stub is not None else 0
    return shelved


def unshelve_near(log: Widget, scroll_y: float | None = None, screens: float = 1) -> int:
    """Put back (or build) every shelved (or lazy) chunk within `screens` screens of the
    rows of `log` shown at `scroll_y` (its scroll position, by default): called as it
    scrolls, before the frame is drawn. Positions are taken in the log's content (the
    layout's, which does not move with the scroll position that is about to change)."""
    height = log.scrollable_content_region.height
    top = log.scroll_y if scroll_y is None else scroll_y
    near_top, near_bottom = top - screens * height, top + (1 + screens) * height
    count = 0

    def near(node: Widget, view: Widget) -> bool:
        region, view_y = node.virtual_region, view.virtual_region.y
        return view_y + region.y < near_bottom and view_y + region.bottom > near_top

    for view in log.children:
        for lazy in list(view.children):  # building a group mounts its chunks
            if unbuilt(lazy) and near(lazy, view):
                lazy.build(log)
                count += 1
        stubs = [node for node in view.children if isinstance(node, ChunkStub) and node.display]
        for stub in stubs:
            if near(stub, view):
                index = view.children.index(stub)
                unshelve(view.children[index - 1])
                count += 1
    return count


def unpin_heights(container: Widget) -> None:
    """The width changed: let every chunk measure itself again, then pin all but the last."""
    chunks = list(container.query_children(Markdown))
    for chunk in chunks:
        unshelve(chunk)
        if unbuilt(chunk):
            chunk.estimate(container.size.width)
        else:
            chunk.styles.height = "auto"
    for chunk in chunks[:-1]:
        if not unbuilt(chunk):
            call_when_drawn(container, pin_height, chunk)


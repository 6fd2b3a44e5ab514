"""Stream a reply into Markdown widgets through Markdown's own MarkdownStream, a chunk at a time.

Textual re-arranges every block of a growing Markdown widget on each layout pass, so a
long reply gets slower with every block. Once the text streamed into one widget holds
about `BLOCKS_PER_CHUNK` blocks (blank-line separated), the next fragment that starts at a safe block boundary goes to a
fresh Markdown widget, and the finished one has its height pinned, so layout no longer
measures it. The text and its rendering are unchanged; bench/stream_render.py measures it.

Textual's MarkdownStream holds a batch update while an append mounts its blocks and starts
the next append at once, so the screen only redrew between bursts; PacedMarkdownStream
is the same loop with one frame between appends (worst gap 340 -> 207 ms, wall 1.5 -> 1.3 s).
"""

from __future__ import annotations

import asyncio
import re

from textual.widget import Widget
from textual.widgets import Markdown
from textual.widgets._markdown import MarkdownStream

FRAME_SECONDS = 1 / 30

BLOCKS_PER_CHUNK = 20
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")


def block_boundary(text: str, start: int = 0) -> int | None:
    """The last index in `text` (at or after `start`) where a new top-level Markdown block
    may begin without changing how the text renders: after a blank line, outside a code
    fence, before a line that is neither indented (a continuation) nor a table row."""
    best, in_fence, offset = None, False, 0
    lines = text.split("\n")
    for number, line in enumerate(lines[:-1]):
        if _FENCE.match(line):
            in_fence = not in_fence
        offset += len(line) + 1
        following = lines[number + 1]
        if (not in_fence and number and not line.strip() and following
                and not following[0].isspace() and not following.startswith("|")
                and offset >= start):
            best = offset
    return best


class PacedMarkdownStream(MarkdownStream):
    """Markdown.get_stream()'s MarkdownStream, but a frame is drawn between two appends:
    each append holds a batch update, and back-to-back appends starved the screen."""

    async def _run(self) -> None:
        try:
            while await self._new_markup.wait():
                new_markdown = "".join(self._pending)
                self._pending.clear()
                self._new_markup.clear()
                await asyncio.shield(self.markdown_widget.append(new_markdown))
                await asyncio.sleep(FRAME_SECONDS)
        except asyncio.CancelledError:
            pass
        if rest := "".join(self._pending):
            await self.markdown_widget.append(rest)


def _stream_for(markdown: Markdown) -> MarkdownStream:
    stream = PacedMarkdownStream(markdown)
    stream.start()
    return stream


class ReplyStream:
    """`write()` fragments as they arrive, `stop()` at the end (flushes what is pending)."""

    def __init__(self, container: Widget, first: Markdown, blocks_per_chunk: int = BLOCKS_PER_CHUNK) -> None:
        self.container = container
        self.blocks_per_chunk = blocks_per_chunk
        self.markdown = first
        self._stream = _stream_for(first)
        self._chunk = ""
        """The text written to the current Markdown widget (for finding boundaries)."""

    async def write(self, fragment: str) -> None:
        start = len(self._chunk)
        self._chunk += fragment
        cut = None
        if self._chunk.count("\n\n") >= self.blocks_per_chunk:  # blocks written, not mounted:
            cut = block_boundary(self._chunk, start)           # the same split at any speed
        if cut is None:
            await self._stream.write(fragment)
            return
        await self._stream.write(self._chunk[start:cut])
        await self._next_chunk(self._chunk[cut:])

    async def _next_chunk(self, text: str) -> None:
        await self._stream.stop()
        finished = self.markdown
        self.markdown = Markdown()
        await self.container.mount(self.markdown, after=finished)
        self.container.call_after_refresh(pin_height, finished)
        self._stream = _stream_for(self.markdown)
        self._chunk = text
        await self._stream.write(text)

    async def stop(self) -> None:
        await self._stream.stop()


def pin_height(widget: Widget) -> None:
    """Fix a finished chunk's height at what it measures now (undone on resize)."""
    if widget.is_mounted and widget.outer_size.height:
        widget.styles.height = widget.outer_size.height


def unpin_heights(container: Widget) -> None:
    """The width changed: let every chunk measure itself again, then pin all but the last."""
    chunks = list(container.query_children(Markdown))
    for chunk in chunks:
        chunk.styles.height = "auto"
    for chunk in chunks[:-1]:
        container.call_after_refresh(pin_height, chunk)

"""A reply that arrives faster than it can be drawn: its end is drawn, the chunks that
would be out of sight before they were drawn are built only when scrolled near."""

from __future__ import annotations

from textual.widgets import Markdown

from chattui.emulator import Reply
from chattui.widgets.chat_log import ChatLog
from chattui.widgets.reply_stream import LazyChunk

from tests.app.pilot import wait_until


def _first_chunk(view) -> Markdown:
    return view.query_children(Markdown).first()


async def test_a_backlogged_reply_draws_its_end_and_builds_its_beginning_when_scrolled_to(app_for):
    text = Reply.long_markdown(chunks=1, approx_tokens=6000).text
    app = app_for()
    async with app.run_test(size=(100, 40)) as pilot:
        log = app.screen.query_one(ChatLog)
        log.follow()
        view = await log.add("assistant", status="streaming")
        stream = view.stream()
        for piece in Reply(text=text, chunks=600).pieces():  # all in before the first frame
            await stream.write(piece)
        await stream.stop()
        await pilot.pause()
        assert view.text == text  # every chunk's source, built or not
        lazy = list(view.query_children(LazyChunk))
        assert lazy and all(chunk.lazy_source is not None and not chunk.children for chunk in lazy)
        last = view.query_children(Markdown).last()
        assert not isinstance(last, LazyChunk) and last.children  # the end is drawn
        assert await wait_until(pilot, lambda: log.scroll_y == log.max_scroll_y
                                and last.region.overlaps(log.region))

        log.scroll_home(animate=False)

        def beginning_shown() -> bool:
            first = _first_chunk(view)
            return (bool(first.children) and first.region.overlaps(log.region)
                    and first.children[0].render().plain == "A long emulated answer"
                    and first.size.height == first.virtual_size.height)

        assert await wait_until(pilot, beginning_shown)
        first = _first_chunk(view)
        assert first.children[0].render().plain == "A long emulated answer"  # its heading, on screen
        assert first.size.height == first.virtual_size.height  # as tall as its content
        assert view.text == text

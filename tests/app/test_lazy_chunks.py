"""A reply that arrives faster than it can be drawn: its end is drawn, the chunks that
would be out of sight before they were drawn are built only when scrolled near."""

from __future__ import annotations

from textual.widgets import Markdown

from chattui.emulator import Reply
from chattui.widgets.chat_log import ChatLog
from chattui.widgets.lazy_chunks import LazyChunk, estimated_chunk_rows, unbuilt

from tests.app.pilot import wait_until


def _first_chunk(view) -> Markdown:
    return view.query_children(Markdown).first()


async def _streamed(app, text: str, chunks: int, after_piece=lambda view: None):
    """Stream `text` in `chunks` pieces into a new reply of the log that follows the end, as
    fast as the stream takes them (`after_piece(view)` after each); the log and the view."""
    log = app.screen.query_one(ChatLog)
    log.follow()
    view = await log.add("assistant", status="streaming")
    stream = view.stream()
    for piece in Reply(text=text, chunks=chunks).pieces():
        await stream.write(piece)
        after_piece(view)
    await stream.stop()
    return log, view


def _read_slot(monkeypatch, seconds: float) -> None:
    """How long the reader may keep a frame from being drawn (every bound of it)."""
    import chattui.widgets.reply_stream as reply_stream

    for name in ("READ_SLOT", "MIN_READ_SLOT", "MAX_READ_SLOT"):
        monkeypatch.setattr(reply_stream, name, seconds)


async def test_a_backlogged_reply_draws_its_end_and_builds_its_beginning_when_scrolled_to(app_for):
    text = Reply.long_markdown(chunks=1, approx_tokens=6000).text
    app = app_for()
    async with app.run_test(size=(100, 40)) as pilot:
        log, view = await _streamed(app, text, 600)  # all in before the first frame
        await pilot.pause()
        assert view.text == text  # every chunk's source, built or not
        lazy = list(view.query_children(LazyChunk))
        assert lazy and all(chunk.lazy_source is not None and not chunk.children for chunk in lazy)
        assert lazy[0].render().plain == lazy[0].lazy_source  # where one shows: its text, literally
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


def _built_text(view) -> str:
    """The reply's text in built Markdown widgets (what is drawn), not in lazy ones."""
    return "".join(chunk.source for chunk in view.query_children(Markdown) if not unbuilt(chunk))


async def test_a_reader_faster_than_the_screen_lets_frames_be_drawn_while_it_reads(app_for, monkeypatch):
    """The reader never waits on its own (its socket always has data): the stream makes it
    wait for a frame once it has kept one from being drawn for READ_SLOT (0 here: at once)."""
    _read_slot(monkeypatch, 0.0)
    text = Reply.long_markdown(chunks=1, approx_tokens=600).text
    app = app_for()
    async with app.run_test(size=(100, 40)):
        drawn_while_reading: list[int] = []  # no other await: only the stream lets the loop turn
        _, view = await _streamed(app, text, 30,
                                  lambda view: drawn_while_reading.append(len(_built_text(view))))
        assert 0 < drawn_while_reading[len(drawn_while_reading) // 2] < len(text)  # drawn as it came
        assert drawn_while_reading == sorted(drawn_while_reading)
        assert view.text == text


async def test_a_backlog_of_more_than_a_screen_builds_only_what_is_in_sight(app_for, monkeypatch):
    """All of a long reply arrives before the first frame: everything out of sight above
    the last screen is mounted lazily (whole chunks, and the out-of-sight blocks of the
    first chunk in sight), the rows on screen are built, and the text is exact."""
    _read_slot(monkeypatch, 60.0)  # the reader never waits for a frame
    text = Reply.long_markdown(chunks=1, approx_tokens=3000).text
    app = app_for()
    async with app.run_test(size=(100, 30)) as pilot:
        log, view = await _streamed(app, text, 300)
        assert view.text == text  # every chunk's source, built or not
        built = _built_text(view)
        assert text.endswith(built) and len(built) < len(text) / 2  # only the end was built
        rows = log.scrollable_content_region.height
        assert await wait_until(pilot, lambda: view.size.width > 0)  # laid out (in one frame)
        assert estimated_chunk_rows(built, view.size.width) < 2 * rows  # about a screen of it
        assert await wait_until(pilot, lambda: log.scroll_y == log.max_scroll_y)

        def in_sight_built() -> bool:
            shown = [chunk for chunk in view.query_children(Markdown) if chunk.region.overlaps(log.region)]
            return bool(shown) and not any(unbuilt(chunk) for chunk in shown)

        assert await wait_until(pilot, in_sight_built)  # no estimated blank rows on screen
        last = view.query_children(Markdown).last()
        assert last.source.rstrip().endswith(text.rstrip().splitlines()[-1])


def test_an_unbuilt_chunk_shows_markup_like_text_literally():
    source = "How do I close a tag with [/] in Rich? [@click=app.quit]x[/]\n"
    chunk = LazyChunk([source], 80)
    assert chunk.render().plain == source  # shown as it came: no markup, no action


async def test_the_last_lines_of_a_reply_come_with_the_frame_before_them_not_in_one_of_their_own(
        app_for, monkeypatch):
    """A reply's end is drawn at once when what is left is a little more than one frame's
    text (a frame of its own costs the layout and render of a screen, for a few lines): no
    frame the stream waits for shows a part of it."""
    import chattui.widgets.reply_stream as reply_stream

    _read_slot(monkeypatch, 60.0)  # the reader never waits: all of it is pending at stop()
    text = "A short paragraph of a reply.\n\n" * 7
    frames = _record_frames(monkeypatch)
    app = app_for()
    async with app.run_test(size=(100, 40)) as pilot:
        await _laid_out(pilot, app)  # the rows are counted at the log's width
        log, view = await _streamed(app, text, 20)
        rows = estimated_chunk_rows(text, _columns(log, view))
        assert reply_stream.FRAME_ROWS < rows <= reply_stream.FRAME_ROWS * reply_stream.TAIL_SHARE
        assert frames == [text]  # one frame, the whole reply in it
        assert view.text == text


async def test_a_frame_takes_rows_of_text_not_characters(app_for, monkeypatch):
    """A frame's budget counts the rows the text takes on screen: the last screen of a fast
    reply (a table, fences and lists, 776 characters) appended at once took 110-150 ms on a
    loaded machine, where a budget of characters let it into one frame."""
    import chattui.widgets.reply_stream as reply_stream

    _read_slot(monkeypatch, 60.0)  # all of it is pending at stop(): only the end is drawn
    text = Reply.long_markdown(chunks=1, approx_tokens=1500).text
    frames = _record_frames(monkeypatch)
    app = app_for()
    async with app.run_test(size=(100, 40)) as pilot:
        await _laid_out(pilot, app)
        log, view = await _streamed(app, text, 20)
        drawn = [now[len(before):] if now.startswith(before) else now
                 for before, now in zip(["", *frames], frames)]
        assert len(drawn) >= 2 and "".join(drawn).endswith(text[-200:])
        assert estimated_chunk_rows(drawn[0], _columns(log, view)) <= reply_stream.FRAME_ROWS
        assert len(drawn[0]) < 400  # (what 12 rows of prose hold at this width: ~650)
        assert view.text == text


async def _laid_out(pilot, app) -> None:
    """Wait for the chat's first layout (the stream counts rows at the log's width)."""
    log = app.screen.query_one(ChatLog)
    assert await wait_until(pilot, lambda: log.scrollable_content_region.width > 40)


def _columns(log, view) -> int:
    """The columns the stream counted rows at: the reply's once it is laid out, before that
    the log's (a stream that never waited for a frame may end before the reply's layout)."""
    return view.size.width or log.scrollable_content_region.width


def _record_frames(monkeypatch) -> list[str]:
    """The reply's built text at each frame its stream waits for (filled as they come)."""
    import chattui.widgets.reply_stream as reply_stream

    frames: list[str] = []
    wait_for_frame = reply_stream.ReplyStream._frame

    async def frame(stream) -> None:
        frames.append(_built_text(stream.container))
        await wait_for_frame(stream)

    monkeypatch.setattr(reply_stream.ReplyStream, "_frame", frame)
    return frames


async def test_the_log_keeps_its_width_when_a_reply_outgrows_the_screen(app_for):
    """The scrollbar's column is kept from the start: text laid out before a reply outgrows
    the screen is not wrapped again (nor every block of the reply measured again) when the
    scrollbar shows up."""
    app = app_for()
    async with app.run_test(size=(100, 30)) as pilot:
        log = app.screen.query_one(ChatLog)
        user = await log.add("user", "A question, wrapped at the log's width. " * 4)
        assert await wait_until(pilot, lambda: user.size.width > 0)  # laid out
        assert log.max_scroll_y == 0
        width, user_width = log.scrollable_content_region.width, user.size.width
        await _streamed(app, Reply.long_markdown(chunks=1, approx_tokens=1500).text, 40)
        assert await wait_until(pilot, lambda: log.max_scroll_y > 0)
        assert (log.scrollable_content_region.width, user.size.width) == (width, user_width)

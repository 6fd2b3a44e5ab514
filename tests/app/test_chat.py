"""The core loop as a user meets it: send, watch it stream, stop, fail, retry, resume."""

from __future__ import annotations

import pytest

from chattui.core.pricing import format_usd
from chattui.emulator import Fault, Reply
from chattui.store import Store
from chattui.widgets.chat_log import ChatLog
from chattui.widgets.composer import Composer
from chattui.widgets.lazy_chunks import LazyChunk

from tests.app.pilot import API_KEY, asked, estimate_for, send, settle, status_bar, views, wait_until

MARKDOWN = "# Plan\n\n- step **one**\n- step two\n\n```python\nprint('hi')\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"


async def test_reply_streams_as_markdown_and_the_turn_is_stored_with_usage_and_cost(app_for, emulator):
    emulator.queue(Reply(text=MARKDOWN, chunks=12))
    app = app_for()
    async with app.run_test(size=(100, 40)) as pilot:
        await send(pilot, "make a plan")
        await settle(pilot)
        user, reply = views(app)
        assert user.text == "make a plan"
        assert reply.text == MARKDOWN and reply.status == "complete"
        blocks = {cls.__name__ for b in reply.markdown.query("*") for cls in type(b).__mro__}
        assert {"MarkdownH1", "MarkdownBulletList", "MarkdownFence", "MarkdownTable"} <= blocks

        turn = app.session.turns()[-1]
        sent = emulator.requests[-1]
        usage = sent.usage
        assert turn.usage.input_total == usage["prompt_tokens"] > 0
        assert turn.usage.output == usage["completion_tokens"]
        assert turn.usage.cache_read == usage["prompt_tokens_details"]["cached_tokens"]
        assert turn.cost_usd is not None and turn.cost_usd > 0
        bar = status_bar(app)
        assert bar.turn.startswith(f"prompt {turn.usage.input_total:,} · cached 0 (0%) · write 0 · out {turn.usage.output:,}")
        assert bar.session.startswith(f"session {format_usd(turn.cost_usd)} · 1 turn · hit 0%")
        assert bar.session.endswith("· never written")  # too short for the cache minimum

    reopened = Store(app.session.store.path)
    messages = reopened.messages(turn.conversation_id)
    assert [(m.role, m.content) for m in messages] == [("user", "make a plan"), ("assistant", MARKDOWN)]


async def test_second_turn_resends_history_and_shows_cache_hits(app_for, emulator):
    long_question = "Explain this log line by line. " * 200  # well past OpenAI's 1,024 minimum
    app = app_for()
    async with app.run_test() as pilot:
        await send(pilot, long_question)
        await settle(pilot)
        await send(pilot, "and shorter?")
        await settle(pilot)
        first, second = app.session.turns()
        body = emulator.requests[-1].json
        assert [m["role"] for m in body["messages"]] == ["system", "user", "assistant", "user"]
        assert body["messages"][0]["content"] == app.session.persona.system
        assert body["stream_options"] == {"include_usage": True}
        assert second.usage.cache_read and second.usage.cache_read % 128 == 0
        assert f"cached {second.usage.cache_read:,}" in status_bar(app).turn
        assert status_bar(app).session.startswith(
            f"session {format_usd(first.cost_usd + second.cost_usd)} · 2 turns · hit ")


async def test_escape_stops_the_reply_and_keeps_what_arrived(app_for, emulator):
    emulator.freeze_clock()  # the stream goes on only as the test moves the clock
    emulator.queue(Fault(chunks_per_second=40, reply=Reply(text="word " * 400, chunks=400)))
    app = app_for()
    async with app.run_test() as pilot:
        await send(pilot, "talk slowly")
        reply = views(app)[-1]
        assert await wait_until(pilot, lambda: asked(emulator))  # its clock runs from here
        emulator.advance(0.25)  # ten chunks
        assert await wait_until(pilot, lambda: len(reply.text) > 20)
        await pilot.press("escape")
        await settle(pilot)
        shown = reply.text
        assert 20 < len(shown) < len("word " * 400)
        assert reply.status == "stopped"
        assert "stopped" in str(reply.query_one(".role").render())
        turn = app.session.turns()[-1]
        assert turn.status == "stopped" and turn.usage.estimated
        assert "≈" in status_bar(app).turn
    stored = Store(app.session.store.path).messages(turn.conversation_id)[-1]
    assert stored.content == shown and stored.status == "stopped"


async def test_continue_restores_the_conversation(app_for, emulator):
    app = app_for()
    async with app.run_test() as pilot:
        await send(pilot, "first question")
        await settle(pilot)
        before = [(v.role, v.text) for v in views(app)]
        bar_before = status_bar(app).turn

    again = app_for(continue_last=True)
    async with again.run_test() as pilot:
        await pilot.pause()
        assert [(v.role, v.text) for v in views(again)] == before
        assert status_bar(again).turn == bar_before
        await send(pilot, "follow-up")
        await settle(pilot)
        assert [m["content"] for m in emulator.requests[-1].json["messages"]][1:3] == [
            before[0][1], before[1][1]]


async def test_rate_limit_then_retry_key_answers_the_same_question(app_for, emulator):
    emulator.queue(Fault.rate_limit(retry_after=0, times=3))  # outlasts the SDK's 2 retries
    app = app_for()
    async with app.run_test() as pilot:
        await send(pilot, "are you there?")
        await settle(pilot)
        user, failed = views(app)
        assert failed.status == "failed" and "Rate limited (429)" in failed.error
        assert "ctrl+r" in failed.error
        assert len(emulator.requests) == 3  # the SDK's own retries ran first
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert views(app)[-1].status == "complete"
        retried = emulator.requests[-1].json["messages"][1:]
        assert retried == [{"role": "user", "content": "are you there?"}]
        failed_turn, retried_turn = app.session.turns()
        assert (failed_turn.status, retried_turn.status) == ("failed", "complete")
        assert failed_turn.cost_usd == 0 and failed_turn.usage.input_total == 0  # not billed
        assert status_bar(app).session.startswith(f"session {format_usd(retried_turn.cost_usd)} · 2 turns")


async def test_server_errors_and_unknown_model_read_clearly(app_for, emulator):
    emulator.queue(Fault.server_error(times=3))
    app = app_for()
    async with app.run_test() as pilot:
        await send(pilot, "hello")
        await settle(pilot)
        assert "server failed (500)" in views(app)[-1].error

    emulator.models = {"gpt-4.1-mini"}
    app = app_for(model="gpt-nope")
    async with app.run_test() as pilot:
        await send(pilot, "hello")
        await settle(pilot)
        assert "Model 'gpt-nope' or endpoint not found (404)" in views(app)[-1].error


async def test_dropped_connection_keeps_the_partial_reply(app_for, emulator):
    emulator.queue(Fault(drop_after=5, reply=Reply(text="one two three four five six seven eight", chunks=8)))
    app = app_for()
    async with app.run_test() as pilot:
        await send(pilot, "go")
        await settle(pilot)
        reply = views(app)[-1]
        assert reply.status == "failed" and "dropped mid-reply" in reply.error
        assert reply.text.startswith("one two") and "eight" not in reply.text
        assert app.session.messages()[-1].content == reply.text


async def test_rejected_key_is_never_shown_or_stored(app_for, emulator, tmp_path):
    emulator.queue(Fault(status=401, message=f"Incorrect API key provided: {API_KEY}."))
    app = app_for()
    async with app.run_test() as pilot:
        await send(pilot, "hi")
        await settle(pilot)
        error = views(app)[-1].error
        assert "API key was rejected (401)" in error and API_KEY not in error
        screen_text = app.export_screenshot()
        assert API_KEY not in screen_text and "SECRETSECRET" not in screen_text
    database = b"".join(p.read_bytes() for p in (tmp_path / "data").iterdir())
    assert b"SECRETSECRET" not in database


async def test_no_api_key_opens_explains_and_keeps_the_draft(app_for):
    app = app_for(environ={"OPENAI_API_KEY": ""}, base_url="https://api.openai.com/v1")
    async with app.run_test() as pilot:
        await pilot.pause()
        notice = views(app)[-1]
        assert notice.role == "notice" and "Set OPENAI_API_KEY" in notice.text
        await send(pilot, "my precious draft")
        await pilot.pause()
        assert app.screen.query_one(Composer).text == "my precious draft"
        assert app.session.turns() == []


async def test_composer_shows_a_marked_estimate_before_sending(app_for):
    app = app_for()
    async with app.run_test() as pilot:
        empty = app.screen.query_one(Composer).border_subtitle  # shown from the first frame
        subtitle = await estimate_for(pilot, "How many tokens is this?")
        assert empty.startswith("≈") and subtitle != empty
        assert subtitle.startswith("≈") and subtitle.endswith(" (estimate)")
        assert "tok · below the 1,024 cache minimum · ≈$" in subtitle


async def test_view_follows_a_long_reply_to_its_last_line(app_for, emulator):
    emulator.queue(Reply.long_markdown(chunks=300, approx_tokens=2000))
    app = app_for()
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "long please")
        await settle(pilot)
        log = app.screen.query_one(ChatLog)
        await wait_until(pilot, lambda: log.max_scroll_y > 50 and log.scroll_y == log.max_scroll_y)
        assert log.max_scroll_y > 50
        assert log.scroll_y == log.max_scroll_y


@pytest.mark.parametrize("width", [80, 92, 120])
async def test_scrolling_up_pauses_following_and_end_resumes(app_for, emulator, width):
    """End follows the reply again, to its last row, once the chunks scrolled past are
    built (building one above the screen moved the log by its change in height, and that
    scroll released the anchor End had just set: the log stopped a row short, not following)."""
    emulator.freeze_clock()  # the stream goes on only as the test moves the clock
    emulator.queue(Fault(chunks_per_second=60, reply=Reply.long_markdown(chunks=120, approx_tokens=1500)))
    app = app_for()
    async with app.run_test(size=(width, 24)) as pilot:
        await send(pilot, "long please")
        log = app.screen.query_one(ChatLog)
        assert await wait_until(pilot, lambda: asked(emulator))  # its clock runs from here
        emulator.advance(1.0)  # half the reply
        assert await wait_until(pilot, lambda: log.max_scroll_y > 20)
        log.focus()
        await pilot.press("home")
        emulator.advance(10)  # the rest streams in after the user scrolled up
        await settle(pilot)
        assert log.scroll_y == 0 < log.max_scroll_y  # stayed where the user put it
        await pilot.press("end")
        await wait_until(pilot, lambda: log.scroll_y == log.max_scroll_y)
        assert log.scroll_y == log.max_scroll_y
        log.scroll_home(animate=False)
        await pilot.pause()
        app.screen.query_one(Composer).focus()  # where the user usually is
        await pilot.press("end")
        await wait_until(pilot, lambda: log.scroll_y == log.max_scroll_y)
        assert log.scroll_y == log.max_scroll_y


async def test_a_multi_line_message_is_shown_and_sent_exactly_as_typed(app_for, emulator):
    app = app_for()
    async with app.run_test() as pilot:
        composer = app.screen.query_one(Composer)
        composer.text = "line one"
        composer.move_cursor(composer.document.end)
        await pilot.press("ctrl+j", *"line two", "enter")
        await settle(pilot)
        user = views(app)[0]
        assert user.text == "line one\nline two"
        assert str(user.query_one(".plain").render()).splitlines() == ["line one", "line two"]
        assert emulator.requests[-1].json["messages"][-1]["content"] == "line one\nline two"


async def test_scrolling_back_up_a_long_reply_shows_its_beginning(app_for, emulator):
    from textual.widgets import Markdown

    reply_text = Reply.long_markdown(chunks=400, approx_tokens=3000).text
    emulator.queue(Reply(text=reply_text, chunks=400))
    app = app_for()
    async with app.run_test(size=(100, 40)) as pilot:
        await send(pilot, "long please")
        await settle(pilot)
        log = app.screen.query_one(ChatLog)
        reply = views(app)[-1]
        first = reply.query_children(Markdown).first()
        # out of sight while the reply streamed on: shelved, or never built (lazy)
        assert not first.display or (isinstance(first, LazyChunk) and not first.children)
        log.scroll_home(animate=False)

        def beginning_shown() -> bool:
            first = reply.query_children(Markdown).first()  # a lazy group is built as new chunks
            return (first.display and bool(first.children) and first.region.overlaps(log.region)
                    and first.size.height == first.virtual_size.height)

        await wait_until(pilot, beginning_shown)
        first = reply.query_children(Markdown).first()
        assert first.display and first.region.overlaps(log.region)
        assert first.children[0].render().plain == "A long emulated answer"  # its heading, on screen
        assert first.size.height == first.virtual_size.height  # as tall as its content


async def test_a_long_reply_streams_in_chunks_that_render_like_one_markdown(app_for, emulator):
    from textual.widgets import Markdown

    from chattui.widgets.lazy_chunks import unshelve

    reply_text = Reply.long_markdown(chunks=400, approx_tokens=3000).text
    emulator.queue(Reply(text=reply_text, chunks=400))
    app = app_for()
    async with app.run_test(size=(100, 40)) as pilot:
        await send(pilot, "long please")
        await settle(pilot)
        reply = views(app)[-1]
        log = app.screen.query_one(ChatLog)
        assert reply.text == reply_text  # the chunks never in sight (lazy) included
        while lazy := [c for c in reply.query_children(LazyChunk) if c.lazy_source is not None]:
            for chunk in lazy:  # build them all, as scrolling to each would
                chunk.build(log)
            await pilot.pause()
        chunks = list(reply.query_children(Markdown))
        assert len(chunks) > 2 and reply.text == reply_text
        whole = Markdown(reply_text)  # Textual's own, one widget, as wide as the chunks
        await reply.mount(whole)
        await pilot.pause()
        for chunk in chunks:  # chunks far out of sight were shelved: show them all
            unshelve(chunk)

        def textual_block(block) -> str:  # a compact list is still Textual's list
            return next(cls.__name__ for cls in type(block).__mro__ if cls.__module__.startswith("textual"))

        def blocks_and_rows() -> tuple[list[str], list[str], int, int]:
            return ([textual_block(block) for chunk in chunks for block in chunk.children],
                    [textual_block(block) for block in whole.children],
                    sum(chunk.outer_size.height for chunk in chunks), whole.outer_size.height)

        await wait_until(pilot, lambda: (parts := blocks_and_rows())[0] == parts[1]
                         and parts[2] == parts[3])
        streamed = [textual_block(block) for chunk in chunks for block in chunk.children]
        assert streamed == [textual_block(block) for block in whole.children]
        # the same rows: a chunk starts where a block's top margin is 0, so the margins
        # between two chunks add up to what they collapse to in one widget
        assert sum(chunk.outer_size.height for chunk in chunks) == whole.outer_size.height
        await whole.remove()

        wide = {chunk: chunk.size.width for chunk in chunks}
        await pilot.resize_terminal(70, 40)  # pinned heights are measured again
        await wait_until(pilot, lambda: all(chunk.size.width < wide[chunk] and chunk.virtual_size.height
                                            == chunk.size.height for chunk in chunks))
        for chunk in chunks:
            assert chunk.virtual_size.height == chunk.size.height  # nothing clipped or padded


async def test_text_typed_after_enter_while_the_send_waits_stays_in_the_composer(app_for, emulator):
    import asyncio

    emulator.queue(Reply(text="the reply"))
    app = app_for()
    async with app.run_test(size=(100, 30)) as pilot:
        waiting, ping = asyncio.Event(), asyncio.Event()

        async def ping_done() -> None:  # a keep-warm ping in flight: the send waits for it
            waiting.set()
            await ping.wait()

        app.screen._ping_done = ping_done  # type: ignore[method-assign]
        composer = app.screen.query_one(Composer)
        composer.text = "hello"
        composer.post_message(Composer.Submitted(composer, "hello"))  # Enter (press would wait for it)
        await waiting.wait()
        composer.move_cursor(composer.document.end)
        composer.insert("next one")  # typed on while the send waits
        ping.set()
        await settle(pilot)
        assert [(v.role, v.text) for v in views(app)] == [("user", "hello"), ("assistant", "the reply")]
        assert composer.text == "next one"


async def test_a_rate_limit_the_sdk_waits_out_is_said_and_esc_stops_the_wait(app_for, emulator):
    import time

    emulator.queue(Fault.rate_limit(retry_after=1), Reply(text="Here now."))
    app = app_for()
    async with app.run_test() as pilot:
        await send(pilot, "are you there?")
        assert await wait_until(pilot, lambda: status_bar(app).turn ==
                                "⚠ rate limited (429): retrying in 1 s (Esc stops)")
        await settle(pilot)  # the SDK asked again after the server's 1 s, silently before
        assert views(app)[-1].text == "Here now." and len(emulator.requests) == 2
        assert status_bar(app).turn.startswith("prompt ")

        emulator.queue(Fault.rate_limit(retry_after=30))
        await send(pilot, "and again?")
        assert await wait_until(pilot, lambda: "retrying in 30 s" in status_bar(app).turn)
        started = time.monotonic()
        await pilot.press("escape")
        await settle(pilot)
        assert time.monotonic() - started < 5 and views(app)[-1].status == "stopped"
        assert len(emulator.requests) == 3  # not asked again

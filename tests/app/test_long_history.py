"""A long conversation: only the messages near the screen are mounted, whatever its length;
the rest are rows with heights (spacers above and below), mounted as they come into sight."""

from __future__ import annotations

from chattui.core.models import ToolCall, TurnMeta, TurnResult
from chattui.core.usage import Usage
from chattui.store import Store, database_path
from chattui.widgets.textual_compat import batch_open
from chattui.widgets.chat_log import ChatLog
from chattui.widgets.message_view import MessageView
from chattui.widgets.tool_call import ToolCallCard
from tests.app.pilot import settle, status_bar, views, wait_until

MOUNTED_AT_MOST = 40
"""Message widgets a 100x30 log may hold at any time, for any length of history."""


def seed(settings, pairs: int, lines: int = 1) -> str:
    store = Store(database_path(settings.data_dir))
    conversation = store.create_conversation("openai", "gpt-4.1-mini", "assistant")
    for n in range(pairs):
        user = store.add_user_message(conversation.id, f"question {n}")
        turn = store.start_turn(conversation.id, user.id, TurnMeta("openai", "gpt-4.1-mini"))
        answer = "\n\n".join([f"answer **{n}**"] + [f"line {i}" for i in range(1, lines)])
        store.finish_turn(turn, TurnResult("complete", answer,
                                           Usage(input_total=10 + n, output=5), 0.0001))
    store.close()
    return conversation.id


def chat_views(app):
    return [v for v in views(app) if v.role in ("user", "assistant")]


def on_screen(log: ChatLog, view: MessageView) -> bool:
    return view.is_attached and view.region.area > 0 and log.scrollable_content_region.overlaps(view.region)


def shown_texts(app) -> list[str]:
    log = app.screen.query_one(ChatLog)
    return [v.text for v in chat_views(app) if on_screen(log, v)]


async def test_a_long_conversation_mounts_only_the_messages_near_the_screen_and_home_reaches_the_first(
        settings_for, app_for):
    seed(settings_for(), 1000)  # 2,000 messages
    app = app_for(continue_last=True)
    async with app.run_test(size=(100, 30)) as pilot:
        log = app.screen.query_one(ChatLog)
        assert await wait_until(pilot, lambda: "answer **999**" in shown_texts(app))
        assert await wait_until(pilot, lambda: " · 1,000 turns · " in status_bar(app).session
                                or " · 1000 turns · " in status_bar(app).session, timeout=15)
        await settle(pilot)
        assert len(views(app)) <= MOUNTED_AT_MOST
        assert log.scroll_y == log.max_scroll_y  # opened on the latest message
        assert log.virtual_size.height > 2000 * 2  # the scroll range is the whole conversation's

        log.focus()
        await pilot.press("home")
        assert await wait_until(pilot, lambda: "question 0" in shown_texts(app), timeout=10)
        await settle(pilot)
        assert shown_texts(app)[0] == "question 0" and log.scroll_y == 0
        assert len(views(app)) <= MOUNTED_AT_MOST
        await pilot.press("down")  # the last message, selected, is far away: start from the screen
        assert await wait_until(pilot, lambda: [v.text for v in views(app) if v.has_class("-selected")]
                                == ["question 0"])

        await pilot.press("end")
        assert await wait_until(pilot, lambda: "answer **999**" in shown_texts(app), timeout=10)
        await settle(pilot)
        assert len(views(app)) <= MOUNTED_AT_MOST


async def test_selection_goes_on_past_the_mounted_messages(settings_for, app_for):
    seed(settings_for(), 300)
    app = app_for(continue_last=True)
    async with app.run_test(size=(100, 30)) as pilot:
        log = app.screen.query_one(ChatLog)
        assert await wait_until(pilot, lambda: "answer **299**" in shown_texts(app))
        await settle(pilot)
        mounted = len(chat_views(app))
        await pilot.press("ctrl+up")
        expected = [t for n in range(299, 299 - mounted - 10, -1) for t in (f"answer **{n}**", f"question {n}")]
        for text in expected:
            selected = [v for v in views(app) if v.has_class("-selected")]
            assert [v.text for v in selected] == [text] and log.selected is selected[0]
            assert await wait_until(pilot, lambda: on_screen(log, selected[0]))
            await pilot.press("up")
        assert len(views(app)) <= MOUNTED_AT_MOST
        await pilot.press("down")  # and back down
        assert [v.text for v in views(app) if v.has_class("-selected")] == [expected[-1]]


async def test_the_first_frame_shows_the_latest_messages(settings_for, app_for):
    seed(settings_for(), 30, lines=6)  # answers of 11 rows: a few fill the screen
    app = app_for(continue_last=True)
    first_frame: list[list[str]] = []
    original = app._display

    def display(screen, update) -> None:  # what the first frame that draws the log shows
        original(screen, update)
        if update is not None and not batch_open(app) and not first_frame and chat_views(app):
            log = app.screen.query_one(ChatLog)
            filled = log.virtual_size.height >= log.scrollable_content_region.height
            first_frame.append(([v.text for v in chat_views(app)], filled))

    app._display = display
    async with app.run_test(size=(100, 30)) as pilot:
        log = app.screen.query_one(ChatLog)
        assert await wait_until(pilot, lambda: any(t.startswith("answer **29**") for t in shown_texts(app)))
        assert await wait_until(pilot, lambda: log.scroll_y == log.max_scroll_y)
    texts, filled = first_frame[0]
    shown = [text.split("\n")[0] for text in texts]
    assert filled and 2 <= len(shown) < 12 and shown[-1] == "answer **29**"  # enough to fill it
    assert shown == [v for pair in zip([f"question {n}" for n in range(30)],
                                       [f"answer **{n}**" for n in range(30)]) for v in pair][-len(shown):]


async def test_scrolling_up_shows_every_earlier_message_in_order(settings_for, app_for):
    settings = settings_for()
    store = Store(database_path(settings.data_dir))
    conversation = store.create_conversation("openai", "gpt-4.1-mini", "assistant")
    expected = []
    for n in range(80):
        user = store.add_user_message(conversation.id, f"question {n}")
        turn = store.start_turn(conversation.id, user.id, TurnMeta("openai", "gpt-4.1-mini"))
        calls = (ToolCall(f"call-{n}", "lookup", "{}"),) if n == 3 else ()
        store.finish_turn(turn, TurnResult("complete", f"answer **{n}**",
                                           Usage(input_total=10 + n, output=5), 0.0001, tool_calls=calls))
        expected += [f"question {n}", f"answer **{n}**"]
        if calls:  # answered: the card shows its result, wherever it is mounted
            store.add_tool_result(conversation.id, calls[0], "looked up")
    store.close()
    app = app_for(continue_last=True)
    async with app.run_test(size=(100, 30)) as pilot:
        log = app.screen.query_one(ChatLog)
        assert await wait_until(pilot, lambda: "answer **79**" in shown_texts(app))
        assert await wait_until(pilot, lambda: log.virtual_size.height > 2 * 160)  # all rows read
        await settle(pilot)
        seen: list[str] = []
        cards = []
        while True:
            seen[:0] = [t for t in shown_texts(app) if t not in seen]
            cards += [c for c in log.query(ToolCallCard) if c.call.id == "call-3"]
            assert len(views(app)) <= MOUNTED_AT_MOST
            if log.scroll_y == 0:
                break
            log.scroll_to(y=max(0, log.scroll_y - 10), animate=False)  # the wheel, a few times
            await settle(pilot)
        assert seen == expected
        assert cards and cards[-1].result == "looked up"


async def test_jumps_across_a_long_conversation_show_the_rows_there_and_let_the_gone_ones_go(
        settings_for, app_for):
    """A scrollbar drag to the middle, Home, End and Home again: each shows the messages at
    that place; few are mounted at any time; the removed widgets' rendered lines are not
    kept (Textual's styles-cache memo would keep them: Textualize/textual#6665)."""
    import gc
    import re

    from textual.strip import Strip

    seed(settings_for(), 1000, lines=3)  # 2,000 messages
    app = app_for(continue_last=True)
    async with app.run_test(size=(100, 30)) as pilot:
        log = app.screen.query_one(ChatLog)
        assert await wait_until(pilot, lambda: "answer **999**" in [t.split("\n")[0] for t in shown_texts(app)])
        assert await wait_until(pilot, lambda: log.virtual_size.height > 2000 * 2, timeout=15)
        await settle(pilot)
        log.focus()
        gc.collect()
        lines_at_start = sum(1 for o in gc.get_objects() if type(o) is Strip)

        bottom = log.max_scroll_y
        for step in range(40, 0, -1):  # a drag of the scrollbar, from the end to the start
            log.scroll_to(y=bottom * step / 40, animate=False)
            await settle(pilot)
            assert len(views(app)) <= MOUNTED_AT_MOST
            if step == 20:
                middle = [int(re.search(r"\d+", t).group()) for t in shown_texts(app)]
                assert middle and all(300 <= n <= 700 for n in middle)

        for key, expected in (("end", "answer **999**"), ("home", "question 0")):
            await pilot.press(key)
            assert await wait_until(pilot, lambda: expected in [t.split("\n")[0] for t in shown_texts(app)],
                                    timeout=10)
            await settle(pilot)
            assert len(views(app)) <= MOUNTED_AT_MOST
        assert shown_texts(app)[0] == "question 0" and log.scroll_y == 0
        gc.collect()
        lines_now = sum(1 for o in gc.get_objects() if type(o) is Strip)
        assert lines_now < 3 * lines_at_start  # without the release: 6x here (each gone widget's lines)


async def test_a_reopened_history_is_priced_in_a_thread_while_the_keys_still_work(
        settings_for, app_for, monkeypatch):
    """Pricing every turn and counting every message of a long history (1-2 s for 5,000
    messages) runs off the UI thread: typed keys show meanwhile, then the figures come."""
    import threading

    from chattui.core import glance
    from chattui.widgets.composer import Composer

    seed(settings_for(), 300)
    warm, started, release, ran_on_ui_thread = glance.warm_figures, threading.Event(), threading.Event(), []

    def slow_warm(*args) -> None:
        ran_on_ui_thread.append(threading.current_thread() is threading.main_thread())
        started.set()
        release.wait(10)
        warm(*args)

    monkeypatch.setattr(glance, "warm_figures", slow_warm)
    app = app_for(continue_last=True)
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            assert await wait_until(pilot, started.is_set)
            await pilot.press("h", "i")
            composer = app.screen.query_one(Composer)
            assert await wait_until(pilot, lambda: composer.text == "hi")  # while the pricing runs
            assert status_bar(app).turn == "pricing this conversation's turns…"
            assert " tok" not in str(composer.border_subtitle)  # its estimate waits for the count too
            release.set()
            assert await wait_until(pilot, lambda: " · 300 turns · " in status_bar(app).session)
            assert await wait_until(pilot, lambda: " tok" in str(composer.border_subtitle))
            assert status_bar(app).turn.startswith("prompt ")  # the last turn's figures
            assert ran_on_ui_thread == [False]
    finally:
        release.set()


async def test_home_typed_right_behind_ctrl_up_goes_to_the_log(settings_for, app_for):
    """Keys that arrive together (typed while the app was busy) act in order: Ctrl+Up puts
    the focus in the log before Home is handled, so Home reaches the first message."""
    from textual import events

    seed(settings_for(), 60)
    app = app_for(continue_last=True)
    async with app.run_test(size=(100, 30)) as pilot:
        assert await wait_until(pilot, lambda: " · 60 turns · " in status_bar(app).session)
        await settle(pilot)
        assert "question 0" not in shown_texts(app)
        for key in ("ctrl+up", "home"):
            app.post_message(events.Key(key, None))
        assert await wait_until(pilot, lambda: "question 0" in shown_texts(app))
        assert app.screen.query_one(ChatLog).has_focus

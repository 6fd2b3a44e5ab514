"""A long conversation opens on its latest messages; earlier ones come when asked for."""

from __future__ import annotations

from textual.widgets import Button

from chattui.core.models import ToolCall, TurnMeta, TurnResult
from chattui.core.usage import Usage
from chattui.store import Store, database_path
from chattui.widgets.textual_compat import batch_open
from chattui.widgets.chat_log import FIRST_PAGE, HISTORY_PAGE, ChatLog
from chattui.widgets.tool_call import ToolCallCard
from tests.app.pilot import settle, status_bar, views, wait_until


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


async def test_only_the_latest_page_is_mounted_and_earlier_pages_load_on_demand(settings_for, app_for):
    seed(settings_for(), 300)  # 600 messages
    app = app_for(continue_last=True)
    async with app.run_test(size=(100, 30)) as pilot:
        # what fills the screen comes first, the rest of the first page right after
        assert await wait_until(pilot, lambda: len(chat_views(app)) >= FIRST_PAGE)
        await pilot.pause()
        log = app.screen.query_one(ChatLog)
        texts = [v.text for v in views(app) if v.role in ("user", "assistant")]
        assert len(texts) == FIRST_PAGE and texts[-1] == "answer **299**"
        assert log.scroll_y == log.max_scroll_y  # opened on the latest message
        button = log.query_one("#earlier", Button)
        assert str(button.label).startswith(f"▲ {600 - FIRST_PAGE:,} earlier messages")

        button.press()
        shown = FIRST_PAGE + HISTORY_PAGE
        assert await wait_until(pilot, lambda: len(chat_views(app)) >= shown)
        await settle(pilot)  # the page's worker is done and its position kept
        texts = [v.text for v in views(app) if v.role in ("user", "assistant")]
        assert len(texts) == shown and texts[0] == f"question {300 - shown // 2}"
        assert log.scroll_y > 0  # the reading position stayed where it was

        log.scroll_home(animate=False)  # reaching the top loads the next page by itself
        assert await wait_until(pilot, lambda: len(chat_views(app)) >= FIRST_PAGE + 2 * HISTORY_PAGE)
        assert len([v for v in views(app) if v.role == "user"]) == (FIRST_PAGE + 2 * HISTORY_PAGE) // 2
        assert " · 300 turns · " in status_bar(app).session  # figures cover the whole conversation


async def test_the_first_frame_shows_the_latest_messages_and_the_page_fills_in_above(settings_for, app_for):
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
        assert await wait_until(pilot, lambda: len(chat_views(app)) >= FIRST_PAGE)
        log = app.screen.query_one(ChatLog)
        assert await wait_until(pilot, lambda: log.scroll_y == log.max_scroll_y)
    texts, filled = first_frame[0]
    shown = [text.split("\n")[0] for text in texts]
    assert filled and 2 <= len(shown) < FIRST_PAGE and shown[-1] == "answer **29**"  # enough to fill it
    assert shown == [v for pair in zip([f"question {n}" for n in range(30)],
                                       [f"answer **{n}**" for n in range(30)]) for v in pair][-len(shown):]


async def test_scrolling_up_reads_every_earlier_page_from_the_store_in_order(settings_for, app_for):
    settings = settings_for()
    store = Store(database_path(settings.data_dir))
    conversation = store.create_conversation("openai", "gpt-4.1-mini", "assistant")
    expected = []
    for n in range(40):
        user = store.add_user_message(conversation.id, f"question {n}")
        turn = store.start_turn(conversation.id, user.id, TurnMeta("openai", "gpt-4.1-mini"))
        calls = (ToolCall(f"call-{n}", "lookup", "{}"),) if n == 3 else ()
        store.finish_turn(turn, TurnResult("complete", f"answer **{n}**",
                                           Usage(input_total=10 + n, output=5), 0.0001, tool_calls=calls))
        expected += [f"question {n}", f"answer **{n}**"]
        if calls:  # answered: the card shows its result, on whatever page it is read
            store.add_tool_result(conversation.id, calls[0], "looked up")
    store.close()
    app = app_for(continue_last=True)
    async with app.run_test(size=(100, 30)) as pilot:
        log = app.screen.query_one(ChatLog)
        assert await wait_until(pilot, lambda: len(chat_views(app)) >= FIRST_PAGE)
        while log.earlier_count:
            shown = len(chat_views(app))
            log.scroll_home(animate=False)
            assert await wait_until(pilot, lambda: len(chat_views(app)) > shown, timeout=15)
            await settle(pilot)  # the page's worker is done…
            await wait_until(pilot, lambda: log.scroll_y > 0)  # …and the reading position kept
        assert [v.text for v in chat_views(app)] == expected
        card = log.query_one(ToolCallCard)
        assert card.call.id == "call-3" and card.result == "looked up"
        assert not log.query("#earlier")


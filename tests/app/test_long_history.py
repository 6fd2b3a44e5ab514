"""A long conversation opens on its latest messages; earlier ones come when asked for."""

from __future__ import annotations

from textual.widgets import Button

from chattui.core.models import TurnMeta, TurnResult
from chattui.core.usage import Usage
from chattui.store import Store, database_path
from chattui.widgets.chat_log import FIRST_PAGE, HISTORY_PAGE, ChatLog
from tests.app.pilot import status_bar, views, wait_until


def seed(settings, pairs: int) -> str:
    store = Store(database_path(settings.data_dir))
    conversation = store.create_conversation("openai", "gpt-4.1-mini", "assistant")
    for n in range(pairs):
        user = store.add_user_message(conversation.id, f"question {n}")
        turn = store.start_turn(conversation.id, user.id, TurnMeta("openai", "gpt-4.1-mini"))
        store.finish_turn(turn, TurnResult("complete", f"answer **{n}**",
                                           Usage(input_total=10 + n, output=5), 0.0001))
    store.close()
    return conversation.id


def chat_views(app):
    return [v for v in views(app) if v.role in ("user", "assistant")]


async def test_only_the_latest_page_is_mounted_and_earlier_pages_load_on_demand(settings_for, app_for):
    seed(settings_for(), 300)  # 600 messages
    app = app_for(continue_last=True)
    async with app.run_test(size=(100, 30)) as pilot:
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
        await pilot.pause(0.1)  # the scroll position is restored after the next refresh
        texts = [v.text for v in views(app) if v.role in ("user", "assistant")]
        assert len(texts) == shown and texts[0] == f"question {300 - shown // 2}"
        assert log.scroll_y > 0  # the reading position stayed where it was

        log.scroll_home(animate=False)  # reaching the top loads the next page by itself
        assert await wait_until(pilot, lambda: len(chat_views(app)) >= FIRST_PAGE + 2 * HISTORY_PAGE)
        assert len([v for v in views(app) if v.role == "user"]) == (FIRST_PAGE + 2 * HISTORY_PAGE) // 2
        assert " · 300 turns · " in status_bar(app).session  # figures cover the whole conversation

"""A second window on the same data dir, as the user meets it: a reply streaming in the other
window is shown as such and never re-asked; a conversation deleted in the other window is
reported, the draft is kept and nothing crashes."""

from __future__ import annotations

from chattui.core.models import STREAMING, TurnMeta
from chattui.store import Store, database_path
from chattui.widgets.composer import Composer
from tests.app.pilot import send, settle, views, wait_until
from tests.app.test_conversations_ui import seed

META = TurnMeta("openai", "gpt-4.1-mini", "127.0.0.1", "assistant", "fp-test", "chat")


async def test_a_reply_streaming_in_another_window_is_shown_and_not_asked_again(
        app_for, emulator, tmp_path):
    window_a = Store(database_path(tmp_path / "data"))  # open, streaming: the first window
    c = window_a.create_conversation("openai", "gpt-4.1-mini", "assistant", "full", "127.0.0.1")
    user = window_a.add_user_message(c.id, "a long question")
    turn = window_a.start_turn(c.id, user.id, META)
    window_a.save_partial(turn, "The first half")
    app = app_for(conversation=c.id)
    try:
        async with app.run_test(size=(120, 30)) as pilot:
            await settle(pilot)
            reply = views(app)[-1]
            assert reply.status.startswith("streaming in another window (pid ")
            assert not any("cut short" in v.text for v in views(app) if v.role == "notice")
            asked = len(emulator.requests)
            await pilot.press("ctrl+r")
            await settle(pilot)
            assert len(emulator.requests) == asked  # not sent (nor billed) a second time
            assert "streaming in this conversation in another chattui window" in views(app)[-1].text
        assert window_a.get_turn(turn.id).status == STREAMING
    finally:
        window_a.close()


async def test_persona_switch_after_the_conversation_was_deleted_elsewhere(app_for, tmp_path):
    cid = seed(tmp_path / "data", [("hello", "hi there", 0.001)])
    app = app_for(conversation=cid)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        other = Store(database_path(tmp_path / "data"))  # window B deletes it
        other.delete_conversation(cid)
        other.close()
        app.screen.query_one(Composer).text = "my half-written draft"
        await pilot.press("f2")
        await settle(pilot)
        assert app.is_running and app.session.persona.name == "support"
        assert "deleted in another window" in views(app)[-1].text
        assert app.screen.query_one(Composer).text == "my half-written draft"
        await send(pilot, "my half-written draft")  # starts a new conversation
        await settle(pilot)
        assert app.session.conversation is not None and app.session.conversation.id != cid
        assert views(app)[-1].status == "complete"


async def test_sending_after_the_conversation_was_deleted_elsewhere_keeps_the_draft(app_for, tmp_path):
    cid = seed(tmp_path / "data", [("hello", "hi there", 0.001)])
    app = app_for(conversation=cid)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        other = Store(database_path(tmp_path / "data"))
        other.delete_conversation(cid)
        other.close()
        await send(pilot, "a question worth keeping")
        await settle(pilot)
        assert app.is_running
        assert await wait_until(pilot, lambda: "deleted in another window" in views(app)[-1].text)
        assert app.screen.query_one(Composer).text == "a question worth keeping"
        assert app.session.conversation is None


async def test_the_conversations_screen_says_a_conversation_went_in_another_window(app_for, tmp_path):
    from textual.widgets import Input

    from chattui.screens.conversations import ConversationsScreen
    from tests.app.test_conversations_ui import open_screen, row_keys, select

    data = tmp_path / "data"
    kept, branched, deleted, busy = (seed(data, [(q, "ok", 0.001)]) for q in ("k", "b", "d", "busy"))
    window_b = Store(database_path(data))
    user = window_b.add_user_message(busy, "a long question")
    window_b.save_partial(window_b.start_turn(busy, user.id, META), "The first half")
    app = app_for(conversation=kept)
    try:
        async with app.run_test(size=(120, 30)) as pilot:
            await open_screen(pilot)
            for doomed, keys in ((branched, ("f5",)), (deleted, ("delete", "y"))):
                await select(pilot, doomed)
                window_b.delete_conversation(doomed)  # after this window listed it
                for key in keys:  # KeyError in a worker stopped the app
                    await pilot.press(key)
                    await pilot.pause()
                await app.workers.wait_for_complete()
                await pilot.pause()
                assert app.is_running and isinstance(app.screen, ConversationsScreen)
                assert "deleted in another window" in list(app._notifications)[-1].message
                assert doomed not in row_keys(app)
            await select(pilot, busy)
            await pilot.press("delete")  # its reply, streaming in window B, would be lost
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert "streaming into it in another window" in list(app._notifications)[-1].message
            assert app.session.store.get_conversation(busy) is not None
            await select(pilot, kept)
            window_b.delete_conversation(kept)
            await pilot.press("f2")
            await pilot.pause()
            app.screen.query_one(Input).value = "renamed"
            await pilot.press("enter")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert app.is_running and "deleted in another window" in list(app._notifications)[-1].message
    finally:
        window_b.close()

"""A full disk loses nothing on screen and says so (SQLite's max_page_count gives a real
"database or disk is full" error)."""

from __future__ import annotations

from chattui.emulator import Reply
from chattui.widgets.composer import Composer
from tests.app.pilot import send, settle, views, wait_until


def fill_up(store, spare_pages: int = 0) -> None:
    store.db.execute("VACUUM")  # free pages (a migration that dropped a table) would take writes
    pages = store.db.execute("PRAGMA page_count").fetchone()[0]
    store.db.execute(f"PRAGMA max_page_count = {pages + spare_pages}")


async def test_a_message_that_cannot_be_stored_is_not_sent_and_stays_in_the_composer(app_for, emulator):
    app = app_for()
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "first")
        await settle(pilot)
        sent_before = len(emulator.requests)
        fill_up(app.session.store)
        await send(pilot, "my long second message " * 400)
        await settle(pilot)
        assert "full" in views(app)[-1].text and views(app)[-1].role == "notice"
        assert app.screen.query_one(Composer).text == "my long second message " * 400
        assert len(emulator.requests) == sent_before  # nothing went out unstored


async def test_a_reply_that_cannot_be_stored_stays_on_screen_with_a_warning(app_for, emulator):
    long_reply = "A paragraph of the reply that will not fit on the disk. " * 300
    emulator.queue(Reply(text=long_reply, chunks=50))
    app = app_for()
    async with app.run_test(size=(120, 40)) as pilot:
        notified = await ask_into_a_full_disk(pilot, app)
        assert views(app)[-1].text == long_reply  # what arrived is on screen
        assert any("could not be saved" in message for message in notified)
        stored = app.session.messages()
        assert [m.role for m in stored][:1] == ["user"]  # the question was committed first


async def ask_into_a_full_disk(pilot, app) -> list[str]:
    """Send "hi" with room for the question only, not the reply; the notifications shown."""
    notified: list[str] = []
    app.notify = lambda message, **kw: notified.append(message)  # type: ignore[method-assign]
    pilot.app.screen.query_one(Composer).text = "hi"
    fill_up(app.session.store, spare_pages=2)  # room for the question, not the reply
    await pilot.press("enter")
    await settle(pilot)
    return notified


def room_again(store) -> None:
    store.db.execute("PRAGMA max_page_count = 1073741823")


async def test_a_reply_that_did_not_fit_is_kept_and_written_once_there_is_room(app_for, emulator):
    long_reply = "A paragraph of the reply that will not fit on the disk. " * 300
    emulator.queue(Reply(text=long_reply, chunks=50))
    app = app_for()
    async with app.run_test(size=(120, 40)) as pilot:
        notified = await ask_into_a_full_disk(pilot, app)
        assert any("kept in memory" in message for message in notified)
        assert app.session.messages()[-1].content != long_reply  # not on disk yet
        room_again(app.session.store)  # space returns
        assert await wait_until(pilot, lambda: app.session.messages()[-1].content == long_reply,
                                timeout=10)
        assert app.session.turns()[-1].status == "complete"
        assert any("now saved" in message for message in notified)


async def test_the_next_message_writes_the_reply_that_did_not_fit_first(app_for, emulator):
    long_reply = "Another reply too long for the space left. " * 300
    emulator.queue(Reply(text=long_reply, chunks=40))
    app = app_for()
    async with app.run_test(size=(120, 40)) as pilot:
        app.session.unsaved_retry_seconds = 3600  # no timer: only the next write saves it
        await ask_into_a_full_disk(pilot, app)
        room_again(app.session.store)
        await send(pilot, "and then?")
        await settle(pilot)
        stored = app.session.messages()
        assert [m.content for m in stored if m.role == "assistant"][0] == long_reply
        assert [m.content for m in stored if m.role == "user"] == ["hi", "and then?"]

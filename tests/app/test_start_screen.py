"""`chattui` draws the chat screen's frame first (the start screen) and builds the chat
once it is on screen: what is typed or sent there meanwhile reaches the chat, nothing
else acts before it is up, and the frame shows the keys the chat screen will have."""

from __future__ import annotations

from chattui.app import start_app
from chattui.emulator import Reply
from chattui.screens.main import MainScreen
from chattui.screens.start import StartFooter, StartHeader, StartScreen
from chattui.widgets.composer import Composer
from tests.app.pilot import send, settle, views, wait_until


def held_start(settings, cwd):
    """start_app's app, its chat built only when the test calls the returned function."""
    app = start_app(settings, cwd=cwd)
    build, held = app._finish_start, []
    app._finish_start = lambda: held.append(True)  # type: ignore[method-assign]
    return app, build, held


async def test_text_typed_and_sent_on_the_start_screen_reaches_the_chat(settings_for, tmp_path, emulator):
    app, build, held = held_start(settings_for(), tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        assert await wait_until(pilot, lambda: held)
        assert isinstance(app.screen, StartScreen) and not app.assembled
        await pilot.press(*"hello [b]x[/b]", "enter", *"and more [/] [@click=app.quit]x[/]")
        assert app.screen.query_one(Composer).text == "and more [/] [@click=app.quit]x[/]"  # Enter took the text
        emulator.queue(Reply(text="a reply to the early message"))
        build()
        assert await wait_until(pilot, lambda: isinstance(app.screen, MainScreen))
        await settle(pilot)
        assert [(v.role, v.text) for v in views(app)] == [
            ("user", "hello [b]x[/b]"), ("assistant", "a reply to the early message")]
        assert app.screen.query_one(Composer).text == "and more [/] [@click=app.quit]x[/]"
        assert app.screen.query_one(Composer).has_focus and app.is_running
        assert StartScreen not in [type(s) for s in app.screen_stack]


async def test_a_draft_the_user_had_not_seen_is_not_sent_with_what_was_typed(settings_for, app_for,
                                                                             tmp_path, emulator):
    first = app_for()
    async with first.run_test(size=(100, 30)) as pilot:
        emulator.queue(Reply(text="hi"))
        await send(pilot, "hello")
        await settle(pilot)
        conversation = first.session.conversation.id
        first.session.store.save_draft(conversation, "a draft from before")
    app, build, held = held_start(settings_for(conversation=conversation), tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        assert await wait_until(pilot, lambda: held)
        await pilot.press(*"typed early", "enter")
        build()
        assert await wait_until(pilot, lambda: isinstance(app.screen, MainScreen))
        await settle(pilot)
        assert app.screen.query_one(Composer).text == "a draft from before\ntyped early"
        assert [v.text for v in views(app) if v.role == "user"] == ["hello"]


async def test_only_quit_acts_before_the_chat_is_up_and_the_frame_shows_its_keys(settings_for, tmp_path):
    app, build, held = held_start(settings_for(), tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        assert await wait_until(pilot, lambda: held)
        footer = str(app.screen.query_one(StartFooter).render())
        for key in ("esc Stop", "^n New chat", "^b Personas", "^t Details", "^q Quit",
                    "^g Conversations", "f12 Keys"):
            assert key in footer
        assert footer.count("Keys") == 1  # one entry per action (f12 and ? both show help)
        assert "chattui" in str(app.screen.query_one(StartHeader).render())
        for key in ("f12", "ctrl+g", "ctrl+p", "ctrl+n", "ctrl+b", "end", "escape", "ctrl+t"):
            await pilot.press(key)
        await pilot.pause()
        assert [type(s) for s in app.screen_stack][1:] == [StartScreen]
        assert app.screen.query_one(Composer).has_focus
        await pilot.press("ctrl+q")
        assert await wait_until(pilot, lambda: not app.is_running)
    assert not app.assembled  # quit before the chat was built: nothing was opened


async def test_a_message_sent_before_the_chat_is_up_without_an_api_key_stays_in_the_composer(
        settings_for, tmp_path):
    settings = settings_for(environ={"OPENAI_API_KEY": ""}, base_url="https://api.openai.com/v1")
    app, build, held = held_start(settings, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        assert await wait_until(pilot, lambda: held)
        await pilot.press(*"my precious words", "enter", *"and these")
        build()
        assert await wait_until(pilot, lambda: isinstance(app.screen, MainScreen))
        await settle(pilot)
        assert app.screen.query_one(Composer).text == "my precious words\nand these"
        assert "Set OPENAI_API_KEY" in views(app)[-1].text and app.session.turns() == []


async def test_a_directory_to_trust_is_asked_about_in_the_first_frame_not_after_typing(
        settings_for, tmp_path):
    from chattui.screens.trust_prompt import TrustPrompt

    (tmp_path / ".env").write_text("OPENAI_BASE_URL=http://other-host/v1\n")
    app = start_app(settings_for(trusted=False), cwd=tmp_path)
    assert app.assembled  # built before the first frame: the question comes first
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, TrustPrompt)
        assert StartScreen not in [type(s) for s in app.screen_stack]


async def test_the_start_screens_first_frame_is_drawn_whole(settings_for, tmp_path):
    """Its first layout comes after Textual's start-up batch: one laid out inside the batch
    was never drawn (Textual draws nothing while a batch is open), and the frames after it
    repainted only what changed, so the composer showed 15-30 ms after the rest."""
    from textual._compositor import LayoutUpdate

    app, _build, held = held_start(settings_for(), tmp_path)
    layouts: list[bool] = []  # each start screen layout: drawn (no batch open)?
    display = app._display

    def recorded(screen, update) -> None:
        if isinstance(screen, StartScreen) and isinstance(update, LayoutUpdate):
            layouts.append(not app._batch_count)
        display(screen, update)

    app._display = recorded  # type: ignore[method-assign]
    async with app.run_test(size=(100, 30)) as pilot:
        assert await wait_until(pilot, lambda: held)
        assert layouts and layouts[0]

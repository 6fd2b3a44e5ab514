"""Keys: `[keys]` in config.toml remaps bindings by id, and the help screen shows the
keys as they are now."""

from __future__ import annotations

from textual.widgets import DataTable

from chattui.emulator import Fault, Reply
from chattui.screens.conversations import ConversationsScreen
from chattui.screens.help import HelpScreen
from chattui.screens.main import MainScreen
from chattui.widgets.chat_footer import ChatFooter
from chattui.widgets.chat_log import ChatLog
from chattui.widgets.composer import Composer
from tests.app.pilot import asked, palette_has_results, send, settle, views, wait_until

REMAPS = '[keys]\nstop-reply = "ctrl+c"\nretry-turn = "f13"\nshow-conversations = "f14"\n'


def help_rows(app) -> list[tuple[str, str, str, str]]:
    """(keys, description, where, id) as the help screen lists them."""
    table = app.screen.query_one(DataTable)
    return [tuple(str(cell) for cell in table.get_row_at(i)) for i in range(table.row_count)]


def by_id(app) -> dict[str, tuple[str, str, str]]:
    return {row[3]: row[:3] for row in help_rows(app) if row[3] != "-"}


async def test_remapped_keys_work_the_old_ones_do_not_and_help_shows_them(app_for, emulator, tmp_path):
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "config.toml").write_text(REMAPS)
    emulator.freeze_clock()  # the stream goes on only as the test moves the clock
    emulator.queue(Fault(chunks_per_second=40, reply=Reply(text="word " * 400, chunks=400)))
    app = app_for()
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "talk slowly")
        reply = views(app)[-1]
        assert await wait_until(pilot, lambda: asked(emulator))  # its clock runs from here
        emulator.advance(0.25)  # ten chunks
        assert await wait_until(pilot, lambda: len(reply.text) > 20)
        await pilot.press("escape")  # no longer stops: the reply goes on streaming
        emulator.advance(0.25)
        assert await wait_until(pilot, lambda: len(reply.text) > 70)
        assert app.session.busy
        await pilot.press("ctrl+c")  # the composer has the focus, and ctrl+c still stops
        await settle(pilot)
        assert app.session.turns()[-1].status == "stopped"

        await pilot.press("ctrl+r")  # no longer retries
        await settle(pilot)
        assert len(app.session.turns()) == 1
        await pilot.press("f13")
        await settle(pilot)
        turns = app.session.turns()
        assert len(turns) == 2 and turns[1].user_message_id == turns[0].user_message_id
        assert turns[1].status == "complete"

        await pilot.press("ctrl+g")  # no longer the conversations screen
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        await pilot.press("f14")
        await pilot.pause()
        assert isinstance(app.screen, ConversationsScreen)
        await pilot.press("escape")
        await pilot.pause()

        await pilot.press("f12")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        rows = by_id(app)
        assert rows["stop-reply"] == ("^c", "Stop", "chat")
        assert rows["retry-turn"] == ("f13", "Retry", "chat")
        assert rows["show-conversations"] == ("f14", "Conversations", "everywhere")
        assert rows["new-conversation"] == ("^n", "New chat", "chat")  # the others keep theirs
        assert rows["rename-conversation"] == ("f2", "Rename", "conversations")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)


async def test_help_lists_every_binding_by_id_and_the_persona_hotkeys(app_for):
    app = app_for()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f12")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        rows = by_id(app)
        every = MainScreen.BINDINGS + app.BINDINGS + ConversationsScreen.BINDINGS
        assert {b.id for b in every} <= set(rows)
        assert rows["show-conversations"][0] == "^g" and rows["export-conversation"][0] == "^s"
        assert rows["show-help"][0] == "f12, ?"
        hotkeys = [(keys, does) for keys, does, where, binding_id in help_rows(app)
                   if where == "chat" and binding_id == "-" and keys.startswith("f")]
        assert ("f2", "support") in hotkeys and ("f1", "assistant") in hotkeys
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)


async def test_question_mark_types_in_the_composer_and_opens_help_elsewhere(app_for):
    app = app_for()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen) and app.screen.query_one(Composer).text == "?"
        app.screen.query_one(ChatLog).focus()
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)


async def test_the_palette_opens_the_keys(app_for):
    app = app_for()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Keys")
        assert await wait_until(pilot, lambda: palette_has_results(app))
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)


def footer_text(app) -> str:
    """The chat screen's footer as drawn: each key and what it does."""
    return " ".join(str(key.render()) for key in app.screen.query_one(ChatFooter).children)


async def test_the_footer_follows_the_focus_and_is_rebuilt_only_when_its_keys_change(app_for, emulator):
    emulator.queue(Reply(text="An answer."))
    app = app_for()
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "hello")
        await settle(pilot)
        footer = app.screen.query_one(ChatFooter)
        assert "Quit" in footer_text(app) and "Copy" not in footer_text(app)
        drawn = list(footer.children)
        app.screen.refresh_bindings()  # as on a focus change that leaves the same keys
        await settle(pilot)
        assert list(footer.children) == drawn  # Textual's Footer built them all again

        await pilot.press("ctrl+up")  # the log takes the focus: its keys show
        assert await wait_until(pilot, lambda: "Copy" in footer_text(app))
        app.screen.query_one(Composer).focus()
        assert await wait_until(pilot, lambda: "Copy" not in footer_text(app))


async def test_each_footer_key_is_styled_once_as_the_footer_is_rebuilt(app_for, monkeypatch):
    app = app_for()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        styled: dict[int, int] = {}
        apply = app.stylesheet.apply

        def counting_apply(node, **kwargs):
            if type(node).__name__ == "FooterKey":
                styled[id(node)] = styled.get(id(node), 0) + 1
            return apply(node, **kwargs)

        monkeypatch.setattr(app.stylesheet, "apply", counting_apply)
        await pilot.press("ctrl+up")  # the log takes the focus: the footer is rebuilt with its keys
        assert await wait_until(pilot, lambda: "Copy" in footer_text(app))
        keys = list(app.screen.query_one(ChatFooter).children)
        palette = [key for key in keys if key.has_class("-command-palette")]
        bound = [key for key in keys if key not in palette]  # to the footer's compact
        assert bound and [styled.get(id(key)) for key in bound] == [1] * len(bound)
        assert not any(key.has_class("-compact") for key in bound)  # as the footer: not compact
        assert [key.has_class("-compact") for key in palette] == [True]  # its own, as Textual's
        assert "^c Copy" in footer_text(app)

"""The conversations screen as a user meets it: the list, search, open, rename, branch,
delete (and the stored responses on the server)."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable, Input, OptionList

from chattui.core.models import COMPLETE, TurnMeta, TurnResult
from chattui.core.usage import Usage
from chattui.screens.confirm import Confirm
from chattui.screens.conversations import HIT_STYLE, ConversationsScreen, RenameScreen
from chattui.screens.main import MainScreen
from chattui.store import Store, database_path
from tests.app.pilot import palette_has_results, send, settle, views, wait_until

META = TurnMeta("openai", "gpt-4.1-mini", "127.0.0.1", "assistant", "fp-test", "chat")


def seed(data_dir: Path, exchanges, *, title: str | None = None, persona: str = "assistant",
         model: str = "gpt-4.1-mini", at: float | None = None) -> str:
    """A stored conversation of (question, reply, cost) exchanges, as the app writes them;
    `at` fixes every timestamp (for snapshots)."""
    store = Store(database_path(data_dir))
    try:
        conversation = store.create_conversation("openai", model, persona, "full", "127.0.0.1")
        for question, reply, cost in exchanges:
            user = store.add_user_message(conversation.id, question)
            turn = store.start_turn(conversation.id, user.id, META)
            store.finish_turn(turn, TurnResult(
                COMPLETE, reply, Usage(input_total=120, cache_read=0, cache_write_5m=0, output=30),
                cost, finish_reason="stop", first_token_ms=100.0, duration_ms=400.0))
        if title:
            store.rename_conversation(conversation.id, title)
        if at is not None:
            with store.db:
                store.db.execute("UPDATE conversations SET created_at = ?, updated_at = ? WHERE id = ?",
                                 (at, at, conversation.id))
                store.db.execute("UPDATE messages SET created_at = ? WHERE conversation_id = ?",
                                 (at, conversation.id))
                store.db.execute("UPDATE turns SET started_at = ?, finished_at = ? WHERE conversation_id = ?",
                                 (at, at, conversation.id))
        return conversation.id
    finally:
        store.close()


def table(app) -> DataTable:
    return app.screen.query_one("#conversations", DataTable)


def rows(app) -> list[list[str]]:
    grid = table(app)
    return [[str(cell) for cell in grid.get_row_at(i)] for i in range(grid.row_count)]


def row_keys(app) -> list[str]:
    return [row.key.value for row in table(app).ordered_rows]


async def open_screen(pilot) -> ConversationsScreen:
    await pilot.press("ctrl+g")
    await pilot.pause()
    assert isinstance(pilot.app.screen, ConversationsScreen)
    return pilot.app.screen


async def select(pilot, conversation_id: str) -> None:
    grid = table(pilot.app)
    grid.focus()
    grid.move_cursor(row=grid.get_row_index(conversation_id))
    await pilot.pause()


async def test_the_list_is_ordered_by_activity_with_titles_personas_turns_and_costs(app_for, tmp_path):
    data = tmp_path / "data"
    oldest = seed(data, [("bread?", "flour, water", 0.0012)], title="Bread")
    unpriced = seed(data, [("local model?", "yes", None)], persona="chef", model="my-local-model")
    newest = seed(data, [("plan a trip", "ok", 0.5), ("and back", "sure", 0.75)])
    app = app_for(conversation=oldest)
    async with app.run_test(size=(120, 30)) as pilot:
        await open_screen(pilot)
        assert row_keys(app) == [newest, unpriced, oldest]
        titles = [row[1] for row in rows(app)]
        assert titles == ["plan a trip", "local model?", "▶ Bread"]  # ▶ = open in the chat
        assert [row[2:] for row in rows(app)] == [
            ["assistant", "gpt-4.1-mini", "2", "$1.25"],
            ["chef", "my-local-model", "1", "cost ?"],
            ["assistant", "gpt-4.1-mini", "1", "$0.001200"],
        ]
        assert table(app).cursor_row == 2  # the open conversation is selected
        assert app.screen.query_one("#search", Input).has_focus
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


async def test_search_highlights_the_hits_and_enter_opens_that_conversation(app_for, tmp_path):
    data = tmp_path / "data"
    seed(data, [("how do I bake sourdough bread", "Use a starter.", 0.001)])
    wanted = seed(data, [("tell me about axolotl habitats", "The Axolotl lives in lakes.", 0.002)])
    seed(data, [("something else entirely", "indeed", 0.001)])
    app = app_for()
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await open_screen(pilot)
        await pilot.press(*"axolotl")
        hits = screen.query_one("#hits", OptionList)
        assert not hits.display  # debounced: nothing runs while typing
        assert await wait_until(pilot, lambda: hits.display and hits.option_count == 2)
        assert hits.display and not table(app).display
        assert hits.option_count == 2
        for index in range(2):
            prompt = hits.get_option_at_index(index).prompt
            marked = [prompt.plain[s.start:s.end] for s in prompt.spans if str(s.style) == HIT_STYLE]
            assert [word.lower() for word in marked] == ["axolotl"]
            assert prompt.plain.startswith("tell me about axolotl habitats")  # the title line
        assert "2 matching messages" in str(screen.query_one("#info").render())

        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        assert app.session.conversation.id == wanted
        assert [v.text for v in views(app) if v.role in ("user", "assistant")] == [
            "tell me about axolotl habitats", "The Axolotl lives in lakes."]
        assert "tell me about axolotl habitats" in app.sub_title


async def test_a_chosen_conversation_goes_on_in_the_chat(app_for, emulator, tmp_path):
    data = tmp_path / "data"
    first = seed(data, [("first question", "first answer", 0.001)])
    seed(data, [("second question", "second answer", 0.001)])
    app = app_for()
    async with app.run_test(size=(120, 30)) as pilot:
        await open_screen(pilot)
        await select(pilot, first)
        await pilot.press("enter")
        await pilot.pause()
        assert app.session.conversation.id == first
        await send(pilot, "and a follow-up")
        await settle(pilot)
        body = emulator.requests[-1].json
        assert [m["content"] for m in body["messages"] if m["role"] == "user"] == [
            "first question", "and a follow-up"]
        assert len(app.session.store.messages(first)) == 4


async def test_rename_changes_the_title_in_the_list_the_store_and_the_header(app_for, tmp_path):
    data = tmp_path / "data"
    target = seed(data, [("bread?", "flour", 0.001)])
    other = seed(data, [("other", "thing", 0.001)])
    app = app_for(conversation=target)
    async with app.run_test(size=(120, 30)) as pilot:
        await open_screen(pilot)
        await select(pilot, target)
        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(app.screen, RenameScreen)
        field = app.screen.query_one(Input)
        assert field.value == "bread?"
        field.value = "  Sourdough   notes "
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ConversationsScreen)
        assert app.session.store.get_conversation(target).title == "Sourdough notes"
        assert app.session.store.get_conversation(other).title == "other"
        assert rows(app)[table(app).get_row_index(target)][1] == "▶ Sourdough notes"
        await pilot.press("escape")
        assert "Sourdough notes" in app.sub_title

        await open_screen(pilot)  # Esc in the rename dialog changes nothing
        await select(pilot, other)
        await pilot.press("f2")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert app.session.store.get_conversation(other).title == "other"


async def test_delete_asks_first_and_removes_it_from_the_store(app_for, tmp_path):
    data = tmp_path / "data"
    kept = seed(data, [("keep me", "ok", 0.001)])
    doomed = seed(data, [("delete me", "ok", 0.001)])
    app = app_for(conversation=doomed)
    async with app.run_test(size=(120, 30)) as pilot:
        await open_screen(pilot)
        await select(pilot, doomed)
        await pilot.press("delete")
        await pilot.pause()
        assert isinstance(app.screen, Confirm) and "delete me" in app.screen.question
        await pilot.press("n")
        await pilot.pause()
        assert app.session.store.get_conversation(doomed) is not None
        assert row_keys(app) == [doomed, kept]

        await pilot.press("f8")
        await pilot.pause()
        await pilot.press("y")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, ConversationsScreen)  # no second question: no stored responses
        assert app.session.store.get_conversation(doomed) is None
        assert app.session.store.messages(doomed) == [] and app.session.store.turns(doomed) == []
        assert row_keys(app) == [kept]
        # it was open: the chat starts a new conversation
        assert app.session.conversation is None
        assert [v for v in views(app) if v.role in ("user", "assistant")] == []


async def chained_conversation(pilot) -> list[str]:
    for text in ("remember 7", "and 8"):
        await send(pilot, text)
        await settle(pilot)
    return [t.response_id for t in pilot.app.session.turns()]


def deletes(emulator) -> list[str]:
    return [r.path for r in emulator.requests if r.method == "DELETE"]


async def test_deleting_a_chained_conversation_can_delete_its_responses_on_the_server(app_for, emulator):
    app = app_for(mode="chained")
    async with app.run_test(size=(120, 30)) as pilot:
        response_ids = await chained_conversation(pilot)
        assert len(response_ids) == 2 and all(response_ids)
        await open_screen(pilot)
        await pilot.press("f8")
        await pilot.pause()
        await pilot.press("y")  # delete the conversation
        await pilot.pause()
        assert isinstance(app.screen, Confirm) and "2 response(s)" in app.screen.question
        await pilot.press("y")  # and its responses on the server
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert deletes(emulator) == [f"/v1/responses/{rid}" for rid in response_ids]
        assert all(r.status == 200 for r in emulator.requests if r.method == "DELETE")
        assert app.session.store.list_conversations() == []


async def test_declining_the_server_delete_sends_nothing(app_for, emulator):
    app = app_for(mode="chained")
    async with app.run_test(size=(120, 30)) as pilot:
        await chained_conversation(pilot)
        await open_screen(pilot)
        await pilot.press("f8")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, Confirm)
        await pilot.press("n")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert deletes(emulator) == []
        assert app.session.store.list_conversations() == []  # deleted locally all the same


async def test_a_branch_shares_its_responses_so_deleting_it_offers_nothing(app_for, emulator):
    app = app_for(mode="chained")
    async with app.run_test(size=(120, 30)) as pilot:
        await chained_conversation(pilot)
        origin = app.session.conversation.id
        await open_screen(pilot)
        await pilot.press("f5")
        await app.workers.wait_for_complete()
        await pilot.pause()
        branch = next(k for k in row_keys(app) if k != origin)
        assert table(app).cursor_row == table(app).get_row_index(branch)
        await pilot.press("f8")
        await pilot.pause()
        await pilot.press("y")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, ConversationsScreen)  # the origin still uses them
        assert deletes(emulator) == [] and row_keys(app) == [origin]


async def test_branch_creates_a_copy_that_opens_with_the_same_messages(app_for, tmp_path):
    data = tmp_path / "data"
    source = seed(data, [("q1", "a1", 0.001), ("q2", "a2", 0.002)], title="Trip")
    app = app_for()
    async with app.run_test(size=(120, 30)) as pilot:
        await open_screen(pilot)
        await pilot.press("f5")
        await app.workers.wait_for_complete()
        await pilot.pause()
        store = app.session.store
        branch = next(k for k in row_keys(app) if k != source)
        assert store.get_conversation(branch).title == "Trip (branch)"
        assert [(m.role, m.content) for m in store.messages(branch)] == [
            (m.role, m.content) for m in store.messages(source)]
        assert [t.cost_usd for t in store.turns(branch)] == [0.001, 0.002]
        assert rows(app)[table(app).cursor_row][1] == "Trip (branch)"
        await pilot.press("enter")
        await pilot.pause()
        assert app.session.conversation.id == branch
        assert [v.text for v in views(app) if v.role in ("user", "assistant")] == ["q1", "a1", "q2", "a2"]


async def test_the_palette_opens_the_conversations_screen(app_for, tmp_path):
    seed(tmp_path / "data", [("hello", "hi", 0.001)])
    app = app_for()
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Conversations")
        assert await wait_until(pilot, lambda: palette_has_results(app))
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ConversationsScreen)
        assert len(row_keys(app)) == 1


async def test_opening_a_chained_conversation_switches_to_its_mode(app_for, emulator):
    first = app_for(mode="chained")
    async with first.run_test(size=(120, 30)) as pilot:
        response_ids = await chained_conversation(pilot)
        chained = first.session.conversation.id
    app = app_for()  # a new full-mode chat
    async with app.run_test(size=(120, 30)) as pilot:
        await send(pilot, "a full-mode question")
        await settle(pilot)
        assert app.session.mode == "full"
        await open_screen(pilot)
        await select(pilot, chained)
        await pilot.press("enter")
        await pilot.pause()
        assert app.session.mode == "chained" and app.session.provider.api == "responses"
        assert "chained" in app.sub_title
        await send(pilot, "and 9")
        await settle(pilot)
        body = emulator.requests[-1].json
        assert emulator.requests[-1].path == "/v1/responses"
        assert body["previous_response_id"] == response_ids[-1]
        assert body["input"] == [{"role": "user", "content": "and 9"}]

"""Reopening a conversation restores everything that shaped its requests (issue 13): the
persona as the exact stored bytes, provider, model, base URL; flags win and say so; a changed
or missing persona file waits for the user's choice. Asserted on the bytes the emulator got."""

from __future__ import annotations

import json

from chattui.widgets.composer import Composer
from tests.app.pilot import main_screen, send, settle, status_bar, views, wait_until

ANTHROPIC = {"ANTHROPIC_API_KEY": "sk-ant-test-000000000000"}


def system_bytes(record) -> bytes:
    """The exact bytes of the request's system message (Chat Completions or Messages)."""
    body = json.loads(record.body)
    system = body["system"] if "system" in body else body["messages"][0]
    raw = json.dumps(system, separators=(",", ":"), ensure_ascii=False).encode()
    assert raw in record.body, "the SDK serialised the system prompt differently"
    return raw


async def three_turns(app) -> None:
    async with app.run_test(size=(140, 40)) as pilot:
        for text in ("one", "two", "three"):
            await send(pilot, text)
            await settle(pilot)


def notices(app) -> str:
    return "\n".join(v.text for v in views(app) if v.role == "notice")


async def test_continue_restores_the_persona_and_the_cache_hits(app_for, emulator):
    await three_turns(app_for(persona="styleguide"))
    third = emulator.requests[-1]
    app = app_for(continue_last=True)  # started with the default persona in the settings
    async with app.run_test(size=(140, 40)) as pilot:
        assert app.session.persona.name == "styleguide"
        assert " · styleguide · " in app.sub_title
        await send(pilot, "four")
        await settle(pilot)
        fourth = emulator.requests[-1]
        assert system_bytes(fourth) == system_bytes(third)
        persona_tokens = app.session.persona.prefix_tokens().n
        assert fourth.usage["prompt_tokens_details"]["cached_tokens"] >= persona_tokens
        assert "cached " in status_bar(app).turn and "cached 0" not in status_bar(app).turn


async def test_a_flag_wins_and_says_what_it_costs_before_the_send(app_for, emulator):
    first = app_for(persona="styleguide")
    await three_turns(first)
    app = app_for(conversation=first.session.conversation.id, persona="assistant")
    async with app.run_test(size=(140, 40)) as pilot:
        line = status_bar(app).turn
        assert "--persona assistant replaces styleguide: the cache starts cold" in line
        assert "--persona assistant replaces styleguide" in notices(app)
        await send(pilot, "four")
        await settle(pilot)
        assert json.loads(emulator.requests[-1].body)["messages"][0]["content"] == app.session.persona.system
        assert app.session.persona.name == "assistant"


def persona_file(tmp_path, text: str):
    folder = tmp_path / ".chattui" / "personas"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "mine.md"
    path.write_text(f'+++\nname = "mine"\n+++\n{text}\n')
    return path


async def test_an_edited_persona_file_waits_for_a_choice_and_the_stored_bytes_go_on(app_for, emulator, tmp_path):
    path = persona_file(tmp_path, "Be brief.")
    async with app_for(persona="mine").run_test(size=(140, 40)) as pilot:
        await send(pilot, "hi")
        await settle(pilot)
    first = emulator.requests[-1]
    path.write_text('+++\nname = "mine"\n+++\nBe very brief and polite.\n')
    app = app_for(continue_last=True)
    async with app.run_test(size=(140, 40)) as pilot:
        line = status_bar(app).turn
        assert "Persona file mine changed since this conversation used it: system prompt" in line
        assert "Keep the stored prefix (cache hits) or use the file?" in line
        await send(pilot, "again")
        await settle(pilot)
        assert emulator.requests[-1] is first, "nothing is sent before the choice"
        assert main_screen(app).query_one(Composer).text == "again"  # the draft stays
        await main_screen(app).run_action("keep_stored_prefix")
        await send(pilot, "again")
        await settle(pilot)
        assert system_bytes(emulator.requests[-1]) == system_bytes(first)


async def test_taking_the_new_file_sends_it(app_for, emulator, tmp_path):
    path = persona_file(tmp_path, "Be brief.")
    async with app_for(persona="mine").run_test(size=(140, 40)) as pilot:
        await send(pilot, "hi")
        await settle(pilot)
    path.write_text('+++\nname = "mine"\n+++\nBe very brief.\n')
    app = app_for(continue_last=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await main_screen(app).run_action("take_persona_file")
        assert "persona file mine changed: next turn misses the cache" in status_bar(app).turn
        await send(pilot, "again")
        await settle(pilot)
        assert json.loads(emulator.requests[-1].body)["messages"][0]["content"] == "Be very brief.\n"


async def test_a_deleted_persona_reopens_with_its_stored_bytes_once_chosen(app_for, emulator, tmp_path):
    path = persona_file(tmp_path, "Answer in haiku.")
    async with app_for(persona="mine").run_test(size=(140, 40)) as pilot:
        await send(pilot, "hi")
        await settle(pilot)
    first = emulator.requests[-1]
    path.unlink()
    app = app_for(continue_last=True)
    async with app.run_test(size=(140, 40)) as pilot:
        assert "Persona 'mine' no longer exists" in status_bar(app).turn
        assert " · mine · " in app.sub_title  # never silently the default persona
        await send(pilot, "again")
        await settle(pilot)
        assert emulator.requests[-1] is first
        await main_screen(app).run_action("keep_stored_prefix")
        await send(pilot, "again")
        await settle(pilot)
        assert system_bytes(emulator.requests[-1]) == system_bytes(first)


async def test_ctrl_g_opens_a_conversation_with_its_own_provider_and_persona(app_for, emulator):
    anthropic = app_for(environ=ANTHROPIC, provider="anthropic", model="claude-sonnet-5",
                        persona="styleguide", base_url=emulator.base_url)
    await three_turns(anthropic)
    third = emulator.requests[-1]
    conversation_id = anthropic.session.conversation.id
    app = app_for(environ=ANTHROPIC, persona="assistant")  # an OpenAI session, another persona
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("ctrl+g")
        await pilot.pause()
        assert await app.open_conversation(conversation_id)
        await pilot.pause()
        assert (app.session.provider_name, app.session.model) == ("anthropic", "claude-sonnet-5")
        assert "claude-sonnet-5 → 127.0.0.1 · styleguide" in app.sub_title
        estimate = main_screen(app).query_one(Composer).border_subtitle  # at once, no typing
        assert estimate.split(" · ")[0].lstrip("≈") == f"{app.session.estimate('').n:,} tok"
        await send(pilot, "four")
        await settle(pilot)
        fourth = emulator.requests[-1]
        assert fourth.path.startswith("/v1/messages")
        assert system_bytes(fourth) == system_bytes(third)
        assert fourth.usage["cache_read_input_tokens"] >= app.session.persona.prefix_tokens().n * 0.9
        assert "cached 0" not in status_bar(app).turn


async def test_a_provider_without_a_key_is_named_and_the_history_reads(app_for, emulator):
    anthropic = app_for(environ=ANTHROPIC, provider="anthropic", model="claude-sonnet-5",
                        base_url=emulator.base_url)
    async with anthropic.run_test(size=(140, 40)) as pilot:
        await send(pilot, "remember me")
        await settle(pilot)
    app = app_for(environ={"ANTHROPIC_API_KEY": ""}, continue_last=True)
    async with app.run_test(size=(140, 40)) as pilot:
        assert "This conversation uses anthropic: Set ANTHROPIC_API_KEY" in notices(app)
        assert any(v.role == "user" and v.text == "remember me" for v in views(app))
        assert app.session.provider_name == "anthropic"


async def test_the_estimate_follows_a_persona_switch_at_once(app_for):
    app = app_for()
    async with app.run_test(size=(140, 40)) as pilot:
        composer = main_screen(app).query_one(Composer)
        before = composer.border_subtitle
        await main_screen(app).run_action("switch_persona('styleguide')")
        assert composer.border_subtitle != before  # no typing, no debounce wait
        assert composer.border_subtitle.split(" · ")[0].lstrip("≈") == f"{app.session.estimate('').n:,} tok"


def estimate_tokens(app) -> int:
    """The composer's pre-send prompt figure, e.g. `≈1,234 tok · …` -> 1234."""
    line = main_screen(app).query_one(Composer).border_subtitle
    return int(line.split(" tok")[0].lstrip("≈").replace(",", ""))


async def test_the_estimate_counts_an_image_as_soon_as_it_is_attached(app_for, tmp_path):
    from tests.image_files import write

    write(tmp_path / "cat.png")
    app = app_for()
    async with app.run_test(size=(140, 40)) as pilot:
        before = estimate_tokens(app)
        await send(pilot, "/image cat.png")
        await pilot.pause()
        assert estimate_tokens(app) == before + 765
        assert "(estimate)" in main_screen(app).query_one(Composer).border_subtitle


async def test_the_estimate_drops_at_once_when_a_summary_replaces_the_history(app_for, emulator):
    from chattui.emulator import Reply
    from tests.app.test_compaction import chat, wait_for_dialog

    app = app_for()
    async with app.run_test(size=(140, 40)) as pilot:
        await chat(pilot, 3)
        before = estimate_tokens(app)
        emulator.queue(Reply(text="- short summary"))
        await pilot.press("ctrl+o")
        await wait_for_dialog(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert estimate_tokens(app) == app.session.estimate("").n < before


async def test_a_model_that_no_longer_exists_waits_for_a_model_choice(app_for, emulator):
    from tests.app.test_switch_model import pick

    async with app_for(model="gpt-retired-1", persona="styleguide").run_test(size=(140, 40)) as pilot:
        await send(pilot, "hi")
        await settle(pilot)
    first = emulator.requests[-1]
    emulator.retire("gpt-retired-1")  # the provider withdrew it
    app = app_for(continue_last=True)
    async with app.run_test(size=(140, 40)) as pilot:
        gone = "Model 'gpt-retired-1' no longer exists on openai: choose a model (F11, palette: Switch model…)"
        assert await wait_until(pilot, lambda: gone in notices(app))
        assert "Its models list does not name it; the history still reads." in notices(app)
        assert status_bar(app).turn == f"⚠ {gone} before sending. Its models list does not name it; the history still reads."
        assert app.session.model == "gpt-retired-1"  # never silently the default model
        assert " · styleguide · " in app.sub_title
        assert any(v.role == "user" and v.text == "hi" for v in views(app))  # the history reads
        await send(pilot, "again")
        await settle(pilot)
        assert [r for r in emulator.requests if r.path.endswith("/chat/completions")][-1] is first
        assert main_screen(app).query_one(Composer).text == "again"  # the draft stays
        await pilot.press("f11")
        await pick(pilot, "openai · gpt-4.1-mini")
        await pilot.press("y")
        await settle(pilot)
        await send(pilot, "again")
        await settle(pilot)
        sent = emulator.requests[-1]
        assert sent.path.endswith("/chat/completions") and sent.json["model"] == "gpt-4.1-mini"
        assert system_bytes(sent) == system_bytes(first)  # the persona's bytes go on
        assert any(v.role == "assistant" for v in views(app)[-1:])


async def test_an_unanswered_models_list_never_holds_the_conversation(app_for, emulator):
    async with app_for(model="gpt-retired-1").run_test(size=(140, 40)) as pilot:
        await send(pilot, "hi")
        await settle(pilot)
    emulator.stop()  # offline now: the model is assumed to exist
    app = app_for(continue_last=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()
        assert app.session.choice is None
        assert "no longer exists" not in notices(app)


async def test_an_unknown_provider_waits_until_switch_model_picks_a_known_one(app_for, emulator, tmp_path):
    from chattui.store import Store, database_path
    from tests.app.test_switch_model import pick

    store = Store(database_path(tmp_path / "data"))
    conversation = store.create_conversation("mistral", "mistral-large", "assistant", "full", "127.0.0.1")
    store.add_user_message(conversation.id, "bonjour")
    store.close()
    app = app_for(continue_last=True)
    async with app.run_test(size=(140, 40)) as pilot:
        said = "This conversation used provider 'mistral', which chattui no longer knows"
        assert said in status_bar(app).turn and said in notices(app)
        assert any(v.role == "user" and v.text == "bonjour" for v in views(app))
        await send(pilot, "encore")
        await settle(pilot)
        assert not any(r.method == "POST" for r in emulator.requests)
        await pilot.press("f11")
        await pick(pilot, "openai · gpt-4.1-mini")
        await pilot.press("y")
        await settle(pilot)
        await send(pilot, "encore")
        await settle(pilot)
        sent = emulator.requests[-1].json
        assert sent["model"] == "gpt-4.1-mini"
        assert [m["content"] for m in sent["messages"] if m["role"] == "user"] == ["bonjour", "encore"]

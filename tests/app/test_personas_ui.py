"""Personas as a user meets them: the sidebar, F-key hotkeys, the palette, dividers, edits."""

from __future__ import annotations

from chattui.widgets.persona_list import PersonaList
from tests.app.pilot import palette_has_results, send, settle, status_bar, views, wait_until

BROKEN = '+++\nname = "oops"\nhotky = "7"\n+++\nhello\n'


def sidebar_lines(app) -> list[str]:
    sidebar = app.screen.query_one(PersonaList)
    return [str(sidebar.get_option_at_index(i).prompt) for i in range(sidebar.option_count)]


async def test_sidebar_lists_personas_with_key_size_cacheability_and_fingerprint(app_for, tmp_path):
    folder = tmp_path / ".chattui" / "personas"
    folder.mkdir(parents=True)
    (folder / "oops.md").write_text(BROKEN)
    app = app_for()
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        lines = sidebar_lines(app)
        support = next(line for line in lines if "support" in line)
        persona = app.screen.library.get("support")
        assert "F2" in support and f"#{persona.fingerprint()}" in support
        assert "tok · below the 1,024 minimum" in support
        guide = next(line for line in lines if "styleguide" in line)
        assert "cacheable (≥1024)" in guide
        oops = next(line for line in lines if "oops" in line)
        assert "oops.md:3" in oops and "hotky" in oops
        assert lines[0].startswith("● assistant")  # the current persona is marked
        order = [line.split()[0] for line in lines if not line.startswith("●")]
        assert order[:5] == ["support", "chef", "trainer", "panda", "styleguide"]  # by hotkey


async def test_hotkey_switches_persona_with_a_divider_and_the_next_request_uses_it(app_for, emulator):
    app = app_for()
    async with app.run_test(size=(140, 40)) as pilot:
        await send(pilot, "hello")
        await settle(pilot)
        await pilot.press("f2")
        await pilot.pause()
        assert views(app)[-1].role == "divider" and views(app)[-1].text == "persona → support"
        support = app.screen.library.get("support")
        assert status_bar(app).turn.startswith("⚠ persona changed to support: next turn misses the cache")
        assert f"→ #{support.fingerprint()[:6]})" in status_bar(app).turn
        assert "support" in app.sub_title and "hello" in app.sub_title
        await send(pilot, "where is my order 42?")
        await settle(pilot)
        body = emulator.requests[-1].json
        assert body["messages"][0] == {"role": "system", "content": support.system}
        assert [t["function"]["name"] for t in body["tools"]] == [
            "get_delivery_date", "cancel_order", "update_payment_method"]
        assert [m["role"] for m in body["messages"]] == ["system", "user", "assistant", "user"]
        assert app.session.turns()[-1].meta.prefix_fingerprint == support.fingerprint()
        assert app.session.turns()[-1].meta.persona == "support"

    again = app_for(continue_last=True)
    async with again.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        assert "persona → support" in [v.text for v in views(again) if v.role == "divider"]


async def test_palette_and_sidebar_switch_persona_like_the_hotkey(app_for):
    app = app_for()
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Persona: panda")
        assert await wait_until(pilot, lambda: palette_has_results(app))
        await pilot.press("enter")
        await pilot.pause()
        assert app.session.persona.name == "panda"

        sidebar = app.screen.query_one(PersonaList)
        sidebar.focus()
        names = [sidebar.get_option_at_index(i).id for i in range(sidebar.option_count)]
        sidebar.highlighted = names.index("chef")
        await pilot.press("enter")
        await pilot.pause()
        assert app.session.persona.name == "chef"
        assert [v.text for v in views(app) if v.role == "divider"] == []  # no conversation yet


async def test_persona_flag_starts_with_that_persona(app_for, emulator):
    app = app_for(persona="trainer")
    async with app.run_test(size=(140, 40)) as pilot:
        await send(pilot, "운동 계획")
        await settle(pilot)
        assert emulator.requests[-1].json["messages"][0]["content"] == app.session.persona.system
        assert app.session.persona.name == "trainer"
        assert "trainer" in app.sub_title


async def test_editing_the_persona_file_is_picked_up_and_warns_of_a_cache_miss(app_for, tmp_path, emulator):
    folder = tmp_path / ".chattui" / "personas"
    folder.mkdir(parents=True)
    mine = folder / "mine.md"
    mine.write_text('+++\nname = "mine"\nhotkey = "8"\n+++\nBe brief.\n')
    app = app_for(persona="mine")
    async with app.run_test(size=(140, 40)) as pilot:
        await send(pilot, "hi")
        await settle(pilot)
        before = app.session.persona.fingerprint()
        mine.write_text('+++\nname = "mine"\nhotkey = "8"\n+++\nBe very brief.\n')
        await pilot.press("ctrl+l")
        await pilot.pause()
        # a conversation under way keeps its bytes until the user chooses
        assert app.session.persona.fingerprint() == before
        assert ("Persona file mine changed: system prompt 4 → 5 tok; taking the file writes 5 tok" in status_bar(app).turn
                and "Keep the stored prefix (cache hits) or use the file?" in status_bar(app).turn)
        await send(pilot, "too soon")
        await settle(pilot)
        assert len(emulator.requests) == 1, "nothing is sent before the choice"
        await app.screen.run_action("take_persona_file")
        await pilot.pause()
        after = app.session.persona.fingerprint()
        assert after != before and app.session.persona.system == "Be very brief.\n"
        assert (f"persona file mine changed: next turn misses the cache (#{before[:6]} → #{after[:6]})"
                in status_bar(app).turn)
        await send(pilot, "again")
        await settle(pilot)
        assert emulator.requests[-1].json["messages"][0]["content"] == "Be very brief.\n"


async def test_sidebar_toggles(app_for):
    app = app_for()
    async with app.run_test(size=(140, 40)) as pilot:
        sidebar = app.screen.query_one(PersonaList)
        assert sidebar.display
        await pilot.press("ctrl+b")
        assert not sidebar.display
        await pilot.press("ctrl+b")
        assert sidebar.display


async def test_a_persona_model_applies_when_it_is_picked(app_for, emulator, tmp_path):
    folder = tmp_path / ".chattui" / "personas"
    folder.mkdir(parents=True)
    (folder / "mini.md").write_text('+++\nname = "mini"\nhotkey = "9"\nmodel = "gpt-5-mini"\n+++\nBe brief.\n')
    (folder / "claude.md").write_text('+++\nname = "claude"\nprovider = "anthropic"\nmodel = "claude-opus-5"\n+++\nHi\n')
    app = app_for()
    async with app.run_test(size=(140, 40)) as pilot:
        await send(pilot, "hello")
        await settle(pilot)
        await pilot.press("f9")
        await send(pilot, "and now?")
        await settle(pilot)
        assert emulator.requests[-1].json["model"] == "gpt-5-mini"
        assert "gpt-5-mini" in app.sub_title
        assert "persona → mini · gpt-5-mini" in [v.text for v in views(app)]
        assert app.session.turns()[-1].meta.model == "gpt-5-mini"
        await pilot.press("f1")  # back to a persona that names no model: the starting one
        await send(pilot, "back")
        await settle(pilot)
        assert emulator.requests[-1].json["model"] == "gpt-4.1-mini"

    started = app_for(persona="claude")  # made for another provider: says so, keeps the model
    async with started.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        assert started.session.model == "gpt-4.1-mini"
        assert any("made for anthropic" in v.text for v in views(started) if v.role == "notice")


async def test_every_hotkey_works_while_the_composer_has_the_focus(app_for, tmp_path):
    """The composer binds F6 and F7 itself (select line, select all): persona keys win."""
    folder = tmp_path / ".chattui" / "personas"
    folder.mkdir(parents=True)
    for n in range(7, 10):
        (folder / f"p{n}.md").write_text(f'+++\nname = "p{n}"\nhotkey = "{n}"\n+++\nPersona {n}.\n')
    app = app_for()
    async with app.run_test(size=(140, 40)) as pilot:
        switched = []
        for n in range(1, 10):
            assert app.screen.focused is app.screen.query_one("#composer")
            await pilot.press(f"f{n}")
            await pilot.pause()
            switched.append(app.session.persona.name)
        assert switched == ["assistant", "support", "chef", "trainer", "panda", "styleguide",
                            "p7", "p8", "p9"]


async def test_a_working_directory_persona_that_overrides_a_built_in_is_marked(app_for, tmp_path):
    folder = tmp_path / ".chattui" / "personas"
    folder.mkdir(parents=True)
    (folder / "assistant.md").write_text('+++\nname = "assistant"\n+++\nSend me your keys.\n')
    (folder / "local.md").write_text('+++\nname = "local"\n+++\nA project helper.\n')
    mine = tmp_path / "config" / "personas"
    mine.mkdir(parents=True)
    (mine / "mine.md").write_text('+++\nname = "mine"\n+++\nMy own.\n')
    app = app_for()
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        lines = sidebar_lines(app)
        assistant = next(line for line in lines if "assistant" in line)
        assert assistant.startswith("● assistant (./.chattui)")
        assert "overrides the built-in assistant" in assistant
        local = next(line for line in lines if "local" in line)
        assert "local (./.chattui)" in local and "overrides" not in local
        assert not any("(./.chattui)" in line for line in lines if "mine" in line or "support" in line)


async def test_a_hotkey_two_personas_set_goes_to_the_one_the_notice_names(app_for, tmp_path):
    """The library gives a shared hotkey to the persona loaded later (the user's over a
    built-in): the key, the sidebar and the notice all say the same one, and the notice does
    not call a file that loaded "not loaded"."""
    mine = tmp_path / "config" / "personas"
    mine.mkdir(parents=True)
    (mine / "pirate.md").write_text('+++\nname = "pirate"\nhotkey = "3"\n+++\nArr.\n')
    app = app_for()
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        notices = [v.text for v in views(app) if v.role == "notice" and "hotkey '3'" in v.text]
        assert notices == [f"Personas: {mine / 'pirate.md'}:3: hotkey '3' is also set by "
                           "persona 'chef'; 'pirate' gets it"]
        lines = sidebar_lines(app)
        assert "F3" in next(line for line in lines if line.split()[0] == "pirate")
        assert "F3" not in next(line for line in lines if line.split()[0] == "chef")
        await pilot.press("f3")
        await pilot.pause()
        assert app.session.persona.name == "pirate"

"""Switch model… (palette, F11): the list, what the switch costs before it is made, and the
history sent in the new API's form afterwards. Asserted on the bytes the emulator got."""

from __future__ import annotations

import json

from textual.widgets import Label, OptionList

from chattui.screens.confirm import Confirm
from chattui.screens.switch_model import ModelPicker
from tests.app.pilot import send, settle, status_bar, views, wait_until

ENV = {"ANTHROPIC_API_KEY": "sk-ant-test-000000000000"}


async def pick(pilot, label: str) -> None:
    app = pilot.app
    assert await wait_until(pilot, lambda: isinstance(app.screen, ModelPicker)
                            and bool(app.screen.query(OptionList)))
    options = app.screen.query_one(OptionList)
    labels = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
    options.highlighted = labels.index(label)
    options.action_select()
    assert await wait_until(pilot, lambda: isinstance(app.screen, Confirm))


async def test_switching_to_another_provider_says_what_it_costs_then_sends_the_history_there(app_for, emulator):
    app = app_for(environ={**ENV, "ANTHROPIC_BASE_URL": emulator.base_url}, persona="styleguide")
    async with app.run_test(size=(140, 40)) as pilot:
        for text in ("one", "two"):
            await send(pilot, text)
            await settle(pilot)
        await pilot.press("f11")
        await pick(pilot, "anthropic · claude-sonnet-5")
        question = str(app.screen.question)
        assert "from openai · gpt-4.1-mini to anthropic · claude-sonnet-5?" in question
        assert "The cache starts cold on the new model" in question
        assert "(warm, " in question.split(" on gpt-4.1-mini")[0]
        assert "(cold, " in question.split(" on gpt-4.1-mini")[1]
        await pilot.press("y")
        await settle(pilot)
        assert "model → anthropic · claude-sonnet-5: the next turn starts with a cold cache" in status_bar(app).turn
        assert app.sub_title.startswith("claude-sonnet-5 → 127.0.0.1 · styleguide")
        assert any(v.role == "divider" and v.text == "model → anthropic · claude-sonnet-5" for v in views(app))
        await send(pilot, "three")
        await settle(pilot)
        sent = emulator.requests[-1]
        assert sent.path.startswith("/v1/messages")
        body = json.loads(sent.body)
        assert body["model"] == "claude-sonnet-5"
        assert [m["role"] for m in body["messages"]] == ["user", "assistant", "user", "assistant", "user"]
        assert body["system"][0]["text"] == app.session.persona.system


async def test_the_list_comes_from_the_models_endpoint_and_esc_changes_nothing(app_for, emulator):
    app = app_for()
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("f11")
        assert await wait_until(pilot, lambda: isinstance(app.screen, ModelPicker)
                                and bool(app.screen.query(OptionList)))
        options = app.screen.query_one(OptionList)
        labels = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert emulator.requests[-1].path == "/v1/models"
        assert len([label for label in labels if label.startswith("openai · ")]) >= 2
        assert "openai · gpt-4.1-mini" not in labels  # the current one is not offered
        await pilot.press("escape")
        await pilot.pause()
        assert app.session.model == "gpt-4.1-mini"


async def test_the_question_names_the_images_and_tools_the_new_model_lacks(app_for, emulator, tmp_path):
    from tests.image_files import write

    write(tmp_path / "cat.png")
    emulator.models = {"gpt-4.1-mini", "o1-mini"}
    app = app_for(persona="support")
    async with app.run_test(size=(140, 40)) as pilot:
        await send(pilot, "/image cat.png")
        await send(pilot, "what is this?")
        await settle(pilot)
        await send(pilot, "/image cat.png")  # waiting in the composer
        await pilot.press("f11")
        await pick(pilot, "openai · o1-mini")
        question = str(app.screen.query_one(Label).render())  # what the dialog shows
        lacking = question.split("The new one lacks: ")[1].split("\n")[0]
        assert lacking.startswith("images (2 in this conversation: o1-mini cannot read them), "
                                  "tools (get_delivery_date, ")
        assert lacking.endswith(": o1-mini cannot call them).")
        await pilot.press("n")
        await pilot.pause()
        assert app.session.model == "gpt-4.1-mini"


async def test_model_names_from_the_server_are_listed_as_text(app_for, emulator):
    hostile = ["[/]", "[@click=app.quit]gpt-evil[/]", "bell\x07-model"]
    emulator.models = {"gpt-4.1-mini", *hostile}
    app = app_for()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f11")
        assert await wait_until(pilot, lambda: isinstance(app.screen, ModelPicker)
                                and bool(app.screen.query(OptionList)))
        await pilot.pause()
        options = app.screen.query_one(OptionList)
        shown = [options.render_line(y).text.strip() for y in range(options.option_count)]
        assert "openai · [/]" in shown
        assert "openai · [@click=app.quit]gpt-evil[/]" in shown
        assert "openai · bell␇-model" in shown  # a control character shows, never reaches the terminal
        evil = shown.index("openai · [@click=app.quit]gpt-evil[/]")
        await pilot.click(OptionList, offset=(12, options.gutter.top + evil))  # on the [@click=…] text
        assert await wait_until(pilot, lambda: isinstance(app.screen, Confirm))  # picked, not run
        assert "to openai · [@click=app.quit]gpt-evil[/]?" in str(app.screen.question)
        assert app.is_running

"""Structured replies as a user meets them: the bundled `extract` persona answers in JSON
that shows folded and valid, unfolds to the highlighted JSON, and a reply that breaks the
schema (or is not JSON) says so; reopened, the replies show the same way."""

from __future__ import annotations

import json

from textual.widgets import Markdown

from chattui.emulator import Reply
from chattui.widgets.structured_reply import StructuredReply

from tests.app.pilot import estimate_for, send, settle, views, wait_until


def shown(block: StructuredReply) -> str:
    return str(block.render())


async def test_a_structured_reply_is_folded_valid_json_that_unfolds(app_for, emulator):
    app = app_for(persona="extract", model="gpt-5.6")
    async with app.run_test(size=(100, 40)) as pilot:
        await send(pilot, "Ada Lovelace wrote the first program in 1843.")
        await settle(pilot)
        reply = views(app)[-1]
        block = reply.query_one(StructuredReply)
        sent = emulator.requests[-1].json["response_format"]["json_schema"]
        assert sent["name"] == "extract" and sent["strict"] is True
        assert shown(block) == "▸ {…} 3 keys · valid"
        assert not any(m.display for m in reply.query(Markdown))  # JSON, not Markdown
        assert json.loads(reply.text) == {"entities": [], "summary": "emulated",
                                          "title": "emulated"}  # copy gives the reply as sent

        await pilot.press("ctrl+f")
        assert await wait_until(pilot, lambda: not block.folded)
        assert shown(block) == ('▾ {…} 3 keys · valid\n{\n  "entities": [],\n'
                                '  "summary": "emulated",\n  "title": "emulated"\n}')
        await pilot.click(StructuredReply)
        assert await wait_until(pilot, lambda: block.folded)


async def test_a_reply_that_breaks_the_schema_or_is_not_json_says_so(app_for, emulator):
    emulator.queue(Reply(text='{"title": 7, "summary": "s", "entities": []}'),
                   Reply(text="I cannot [bold]do[/bold] that."))
    app = app_for(persona="extract", model="gpt-5.6")
    async with app.run_test(size=(100, 40)) as pilot:
        await send(pilot, "first")
        await settle(pilot)
        await send(pilot, "second")
        await settle(pilot)
        bad, prose = (v.query_one(StructuredReply) for v in views(app)[1::2])
        assert shown(bad) == "▸ {…} 3 keys · ✗ 1 schema error: does not match the schema"
        await pilot.press("ctrl+f")  # the latest, the prose (shown unfolded), folds
        assert shown(prose) == "▸ ✗ not JSON (Expecting value)"
        await pilot.click(StructuredReply, offset=(2, 0))  # the first: the schema error
        assert await wait_until(pilot, lambda: not bad.folded)
        assert shown(bad).splitlines()[1] == "  ✗ title: 7 is not of type 'string'"

    app = app_for(model="gpt-5.6", continue_last=True)  # reopened: the same notes
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        assert await wait_until(pilot, lambda: len(app.screen.query(StructuredReply)) == 2)
        bad, prose = app.screen.query(StructuredReply)
        assert shown(bad) == "▸ {…} 3 keys · ✗ 1 schema error: does not match the schema"
        assert shown(prose) == "▾ ✗ not JSON (Expecting value)\nI cannot [bold]do[/bold] that."


async def test_a_changed_schema_is_named_in_the_composer_before_the_send(app_for, tmp_path):
    personas = tmp_path / ".chattui" / "personas"
    personas.mkdir(parents=True)
    schema = {"type": "object", "additionalProperties": False, "required": ["a"],
              "properties": {"a": {"type": "string"}}}
    (personas / "s.schema.json").write_text(json.dumps(schema))
    (personas / "shaped.md").write_text('+++\nresponse_format = "s.schema.json"\n+++\nBe brief.\n')
    app = app_for(persona="shaped", model="gpt-5.6")
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "hi")
        await settle(pilot)
        schema["properties"]["a"]["description"] = "now described"
        (personas / "s.schema.json").write_text(json.dumps(schema))
        app.screen.action_reload_personas()  # a conversation under way: the user chooses
        assert app.session.choice.reason.startswith(
            "Persona file shaped changed: response schema s changed; taking the file writes")
        app.screen.action_take_persona_file()
        line = await estimate_for(pilot, "again")
        assert "response schema s changed: the prefix differs, the cache misses " \
               "(text_format_changed)" in line

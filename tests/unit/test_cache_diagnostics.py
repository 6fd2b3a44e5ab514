"""Providers' own cache diagnostics: asked for with the previous response's id, stored on
the turn, and used in the miss cause (real SDKs against the emulator)."""

from __future__ import annotations

from functools import partial

import pytest

from chattui.core import insight
from chattui.core.personas import Persona
from chattui.emulator import Reply
from tests.unit.sessions import emulated_session, ignore

LONG = "You answer questions about this text.\n" + "ctx " * 1500
READER = Persona(name="reader", system=LONG)
EDITOR = Persona(name="editor", system=LONG + "\nAlso fix the grammar.")


@pytest.fixture
def session_for(emulator, tmp_path):
    return partial(emulated_session, emulator, tmp_path, persona=READER)


async def test_anthropic_requests_name_the_previous_message_and_a_clean_turn_has_no_verdict(
        session_for, emulator):
    session = session_for("anthropic", "claude-sonnet-5")
    emulator.queue(Reply(text="One."), Reply(text="Two."))
    await session.send("first", ignore)
    await session.send("second", ignore)

    first, second = emulator.requests
    assert "diagnostics" not in first.json
    assert second.json["diagnostics"] == {"previous_message_id": session.turns()[0].response_id}
    assert second.headers["anthropic-beta"] == "cache-diagnosis-2026-04-07"
    assert session.turns()[1].cache_diagnosis is None
    assert session.turns()[1].usage.cache_read >= session.turns()[0].usage.input_total


async def test_anthropic_diagnosis_of_a_persona_switch_is_stored_and_added_to_the_cause(
        session_for, emulator):
    session = session_for("anthropic", "claude-sonnet-5")
    emulator.queue(Reply(text="One."), Reply(text="Two."))
    await session.send("first", ignore)
    session.switch_persona(EDITOR)
    await session.send("second", ignore)

    before, after = session.turns()
    assert after.cache_diagnosis == "system_changed"
    assert after.cache_missed_tokens == before.usage.input_total
    cause = insight.miss_cause(before, after)
    assert cause.code == insight.PERSONA_CHANGED
    assert cause.text == (f"persona changed (reader → editor); the provider says: system prompt "
                          f"changed ({before.usage.input_total:,} tokens not reused)")


async def test_a_miss_only_the_provider_can_explain_takes_its_words(session_for, emulator):
    session = session_for("anthropic", "claude-sonnet-5")
    emulator.queue(Reply(text="One."), Reply(text="Two."), Reply(text="Three."))
    await session.send("first question " + "word " * 300, ignore)
    await session.send("second", ignore)
    first_id = session.messages()[0].id
    session.store.db.execute("UPDATE messages SET content = content || ' (edited)' WHERE id = ?",
                             (first_id,))
    session.store.db.commit()
    await session.send("third", ignore)

    previous, last = session.turns()[1:]
    assert last.cache_diagnosis == "messages_changed" and last.cache_missed_tokens > 0
    cause = insight.miss_cause(previous, last)
    assert cause.code == insight.HISTORY_REWRITTEN
    assert cause.text == (f"earlier messages changed ({last.cache_missed_tokens:,} tokens not "
                          "reused) (the provider's diagnosis)")


async def test_responses_on_gpt_5_6_get_a_verdict_every_turn(session_for, emulator):
    # one prompt_cache_key for both personas (by default it follows the prefix, and the
    # provider would name the key's change first), so the provider names the tools change
    session = session_for("openai", "gpt-5.6", api="responses",
                          persona=Persona(name="reader", system=LONG, prompt_cache_key="shared"))
    emulator.queue(Reply(text="One."), Reply(text="Two."), Reply(text="Three."))
    await session.send("first", ignore)
    await session.send("second", ignore)
    session.switch_persona(Persona(name="tooled", system=LONG, tools=_lookup_tool(),
                                   prompt_cache_key="shared"))
    await session.send("third", ignore)

    bodies = [r.json for r in emulator.requests]
    assert "prompt_cache_options" not in bodies[0]
    assert bodies[1]["prompt_cache_options"] == {
        "comparison_response_id": session.turns()[0].response_id}
    verdicts = [t.cache_diagnosis for t in session.turns()]
    assert verdicts == [None, "cache_hit", "tools_changed"]
    assert insight.miss_cause(*session.turns()[1:]).text.endswith(
        f"the provider says: tools changed ({session.turns()[1].usage.input_total:,} tokens "
        "not reused)")


async def test_older_openai_models_are_not_asked_for_diagnostics(session_for, emulator):
    session = session_for("openai", "gpt-4.1-mini", api="responses")
    emulator.queue(Reply(text="One."), Reply(text="Two."))
    await session.send("first", ignore)
    await session.send("second", ignore)

    assert all("prompt_cache_options" not in r.json for r in emulator.requests)
    assert [t.cache_diagnosis for t in session.turns()] == [None, None]


async def test_a_comparison_the_server_no_longer_has_is_recorded_but_explains_nothing(
        session_for, emulator):
    session = session_for("anthropic", "claude-sonnet-5")
    emulator.queue(Reply(text="One."), Reply(text="Two."))
    await session.send("first", ignore)
    emulator.snapshots._items.clear()  # the server forgot the earlier request
    await session.send("second", ignore)

    before, after = session.turns()
    assert after.cache_diagnosis == "previous_not_found"
    assert insight.diagnosed(after) is None


def _lookup_tool():
    from chattui.core.tools import Tool

    return (Tool("lookup", "Look a word up.",
                 {"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]}),)

"""OpenAI's `prompt_cache_key`: one per persona prefix by default, a persona's own or one
per conversation on request, stored with the turn, resent after a reopen, and a change
named before the send (real openai SDK against the emulator)."""

from __future__ import annotations

from functools import partial

from pathlib import Path

import pytest

from chattui.core import cache_key, insight, prefix
from chattui.core.chat import ChatSession
from chattui.core.personas import Persona, parse_persona
from chattui.core.reopen import stored_persona
from chattui.emulator import Reply
from tests.unit.sessions import emulated_session, ignore

LONG = "You answer questions about this text.\n" + "ctx " * 1500
READER = Persona(name="reader", system=LONG)


@pytest.fixture
def session_for(emulator, tmp_path):
    return partial(emulated_session, emulator, tmp_path, persona=READER)


def stored_key(session: ChatSession, turn_index: int = -1) -> str | None:
    body = session.store.get_prefix(session.turns()[turn_index].meta.prefix_hash)
    return prefix.read_body(body).get("prompt_cache_key")


@pytest.mark.parametrize("api", ["chat", "responses"])
async def test_every_request_of_a_persona_sends_its_prefix_key_and_hits(session_for, emulator, api):
    session = session_for(api=api)
    emulator.queue(Reply(text="One."), Reply(text="Two."), Reply(text="Three."))
    await session.send("first", ignore)
    await session.send("second", ignore)
    other = session_for(api=api, store=session.store)  # another conversation, same persona
    await other.send("elsewhere", ignore)

    expected = f"chattui-{READER.fingerprint()}"
    assert [r.json["prompt_cache_key"] for r in emulator.requests] == [expected] * 3
    assert f'"prompt_cache_key":"{expected}"'.encode() in emulator.requests[0].body
    details = "prompt_tokens_details" if api == "chat" else "input_tokens_details"
    assert emulator.requests[1].usage[details]["cached_tokens"] > 0
    assert emulator.requests[2].usage[details]["cached_tokens"] > 0  # shared routing
    assert stored_key(session, 0) == stored_key(session, 1) == expected


@pytest.mark.parametrize("api", ["chat", "responses"])
async def test_a_persona_names_its_own_key_or_one_per_conversation(session_for, emulator, api):
    emulator.queue(Reply(text="One."), Reply(text="Two."))
    own = session_for(api=api, persona=Persona(name="shop", system=LONG, prompt_cache_key="shop-42"))
    await own.send("hi", ignore)
    per_conversation = Persona(name="solo", system=LONG, prompt_cache_key=cache_key.PER_CONVERSATION)
    solo = session_for(api=api, persona=per_conversation, store=own.store)
    await solo.send("hi", ignore)

    first, second = (r.json["prompt_cache_key"] for r in emulator.requests)
    assert first == "shop-42"
    assert second == f"chattui-conv-{solo.conversation.id}"
    assert stored_key(solo) == second


async def test_a_changed_key_misses_and_is_named_before_and_after_the_send(session_for, emulator):
    session = session_for(api="responses")
    emulator.queue(Reply(text="One."), Reply(text="Two."))
    await session.send("first", ignore)
    assert session.cache_key_change() is None
    session.refresh_persona(Persona(name="reader", system=LONG, prompt_cache_key="moved"))

    note = session.cache_key_change()
    assert note == (f"prompt_cache_key changed (chattui-{READER.fingerprint()} → moved): "
                    "OpenAI routes to another cache")
    await session.send("second", ignore)
    assert emulator.requests[1].json["prompt_cache_key"] == "moved"
    assert emulator.requests[1].usage["input_tokens_details"]["cached_tokens"] == 0
    before, after = session.turns()
    assert after.cache_diagnosis == "prompt_cache_key_changed"
    cause = insight.miss_cause(before, after)
    assert cause.code == insight.KEY_CHANGED
    assert cause.text == (f"prompt_cache_key changed (another cache routing) "
                          f"({after.cache_missed_tokens:,} tokens not reused) (the provider's diagnosis)")


async def test_without_a_provider_diagnosis_chattui_names_the_changed_key_itself(
        session_for, emulator):
    from chattui.core import glance

    session = session_for(api="chat", model="gpt-4.1")  # Chat Completions: no diagnostics
    emulator.queue(Reply(text="One."), Reply(text="Two."))
    await session.send("first", ignore)
    session.refresh_persona(Persona(name="reader", system=LONG, prompt_cache_key="moved"))
    await session.send("second", ignore)

    before, after = session.turns()
    assert after.cache_diagnosis is None and after.usage.cache_read == 0
    assert insight.miss_cause(before, after).code == insight.UNKNOWN_CAUSE  # the turns alone
    assert glance.miss_line(session.turns(), session) == (
        f"⚠ miss: prompt_cache_key changed (chattui-{READER.fingerprint()} → moved): "
        "OpenAI routes to another cache")


@pytest.mark.parametrize("provider, persona_key, sent", [
    ("anthropic", None, None), ("anthropic", "mine", None),
    ("openai-compatible", None, None), ("openai-compatible", "mine", "mine"),
])
async def test_other_servers_get_a_key_only_when_they_speak_openai_and_the_persona_asks(
        session_for, emulator, provider, persona_key, sent):
    model = "claude-sonnet-5" if provider == "anthropic" else "llama-3"
    session = session_for(provider, model, persona=Persona(name="p", system=LONG,
                                                           prompt_cache_key=persona_key))
    emulator.queue(Reply(text="One."))
    await session.send("hi", ignore)
    assert emulator.requests[-1].json.get("prompt_cache_key") == sent
    assert stored_key(session) == sent


async def test_a_reopened_conversation_sends_the_stored_key(session_for, emulator):
    per_conversation = Persona(name="solo", system=LONG, prompt_cache_key=cache_key.PER_CONVERSATION)
    session = session_for(persona=per_conversation)
    emulator.queue(Reply(text="One."), Reply(text="Two."))
    await session.send("first", ignore)
    turn = session.store.last_sent_turn(session.conversation.id)

    rebuilt = stored_persona(session.store, turn, None)
    again = session_for(persona=rebuilt, store=session.store)
    again.conversation = session.conversation
    await again.send("second", ignore)
    keys = [r.json["prompt_cache_key"] for r in emulator.requests]
    assert keys == [f"chattui-conv-{session.conversation.id}"] * 2


def test_front_matter_takes_a_key_without_spaces():
    persona = parse_persona('+++\nprompt_cache_key = "conversation"\n+++\nHi', Path("p.md"))
    assert persona.prompt_cache_key == "conversation"
    broken = parse_persona('+++\nprompt_cache_key = "two words"\n+++\nHi', Path("p.md"))
    assert "prompt_cache_key" in broken.problem.message

"""Explicit breakpoints and TTLs on GPT-5.6+: a persona's `cache_ttl` "30m"/"12h" becomes
`prompt_cache_options` and `prompt_cache_breakpoint` parts; writes come back in
`cache_write_tokens` and entries live for the TTL (real openai SDK against the emulator)."""

from __future__ import annotations

import json

import openai
import pytest

from chattui.core.chat import ChatSession
from chattui.core.personas import Persona
from chattui.emulator import Reply
from chattui.providers.registry import make_provider
from chattui.store import Store

LONG = "You answer questions about this text.\n" + "ctx " * 1500
MARK = {"mode": "explicit", "ttl": "12h"}


async def ignore(text: str) -> None:
    pass


@pytest.fixture
def session_for(emulator, tmp_path):
    def build(model: str = "gpt-5.6", api: str = "chat", ttl: str | None = "12h") -> ChatSession:
        adapter = make_provider("openai", "sk-test-key", emulator.openai_base_url, api=api)
        return ChatSession(Store(tmp_path / f"{api}.db"), adapter, provider_name="openai",
                           model=model, persona=Persona(name="guide", system=LONG, cache_ttl=ttl))

    return build


async def test_chat_marks_the_system_prompt_and_the_latest_turn_and_lives_twelve_hours(
        session_for, emulator):
    session = session_for()
    emulator.queue(Reply(text="One."), Reply(text="Two."))
    await session.send("first", ignore)
    emulator.advance(11 * 3600)  # far beyond the implicit cache's 10 minutes
    await session.send("second", ignore)

    first, second = (r.json for r in emulator.requests)
    assert first["prompt_cache_options"] == MARK
    assert "prompt_cache_retention" not in first
    assert first["messages"][0] == {"role": "system", "content": [
        {"type": "text", "text": LONG, "prompt_cache_breakpoint": MARK}]}
    assert second["messages"][-1] == {"role": "user", "content": [
        {"type": "text", "text": "second", "prompt_cache_breakpoint": MARK}]}
    assert second["messages"][1] == {"role": "user", "content": "first"}  # one mark: the latest
    assert b'"prompt_cache_breakpoint"' in emulator.requests[0].body
    one, two = session.turns()
    assert one.usage.cache_write > 0 and one.usage.cache_read == 0
    assert two.usage.cache_read >= one.usage.cache_write
    assert emulator.requests[0].usage["prompt_tokens_details"]["cache_write_tokens"] == one.usage.cache_write


async def test_responses_marks_the_latest_input_and_keeps_the_comparison(session_for, emulator):
    session = session_for(api="responses", ttl="30m")
    emulator.queue(Reply(text="One."), Reply(text="Two."))
    await session.send("first", ignore)
    emulator.advance(20 * 60)
    await session.send("second", ignore)

    first, second = (r.json for r in emulator.requests)
    assert first["prompt_cache_options"] == {"mode": "explicit", "ttl": "30m"}
    assert second["prompt_cache_options"] == {"mode": "explicit", "ttl": "30m",
                                              "comparison_response_id": session.turns()[0].response_id}
    assert second["input"][-1] == {"role": "user", "content": [
        {"type": "input_text", "text": "second",
         "prompt_cache_breakpoint": {"mode": "explicit", "ttl": "30m"}}]}
    # instructions take no breakpoint: the system prompt is the first input item instead
    assert "instructions" not in first and "instructions" not in second
    system = {"role": "developer", "content": [
        {"type": "input_text", "text": LONG,
         "prompt_cache_breakpoint": {"mode": "explicit", "ttl": "30m"}}]}
    assert first["input"][0] == second["input"][0] == system
    assert emulator.requests[1].usage["input_tokens_details"]["cached_tokens"] > 0
    assert session.turns()[0].usage.cache_write > 0


@pytest.mark.parametrize("model, ttl", [("gpt-4.1", "12h"), ("gpt-5.6", "1h"), ("gpt-5.6", None)])
async def test_older_models_and_other_ttls_keep_implicit_caching(session_for, emulator, model, ttl):
    session = session_for(model=model, ttl=ttl)
    emulator.queue(Reply(text="One."))
    await session.send("first", ignore)
    sent = emulator.requests[-1].json
    assert "prompt_cache_options" not in sent
    assert sent["messages"][0] == {"role": "system", "content": LONG}
    assert "prompt_cache_breakpoint" not in json.dumps(sent)


async def test_the_emulator_caches_nothing_in_explicit_mode_without_a_breakpoint(
        openai_client, emulator):
    messages = [{"role": "system", "content": LONG}, {"role": "user", "content": "hi"}]
    for _ in range(2):
        emulator.queue(Reply(text="ok"))
        await openai_client.chat.completions.create(
            model="gpt-5.6", messages=messages, prompt_cache_options={"mode": "explicit", "ttl": "30m"})
        details = emulator.requests[-1].usage["prompt_tokens_details"]
        assert (details["cached_tokens"], details["cache_write_tokens"]) == (0, 0)


async def test_the_emulator_refuses_retention_with_a_ttl_and_more_than_four_breakpoints(
        openai_client, emulator):
    part = {"type": "text", "text": "x", "prompt_cache_breakpoint": {"mode": "explicit"}}
    with pytest.raises(openai.BadRequestError, match="prompt_cache_retention"):
        await openai_client.chat.completions.create(
            model="gpt-5.6", messages=[{"role": "user", "content": "hi"}],
            prompt_cache_options={"ttl": "12h"}, prompt_cache_retention="24h")
    with pytest.raises(openai.BadRequestError, match="At most 4"):
        await openai_client.chat.completions.create(
            model="gpt-5.6", messages=[{"role": "user", "content": [part] * 5}])


@pytest.mark.parametrize("model, ttl, left", [
    ("gpt-5.6", "12h", "warm · 11:00:00 left"), ("gpt-5.6", "30m", "warm · 30:00 left"),
    ("gpt-4.1", "12h", "cold (expired"),  # older models: the implicit cache's 10 minutes
])
async def test_the_countdown_follows_the_ttl_in_force(session_for, emulator, model, ttl, left):
    from chattui.core import glance

    session = session_for(model=model, ttl=ttl)
    emulator.queue(Reply(text="One."))
    await session.send("first", ignore)
    turns = session.turns()
    written = turns[-1].finished_at
    now = written + (3600 if ttl == "12h" else 0)
    assert glance.cache_line(session, turns, now).startswith(left)

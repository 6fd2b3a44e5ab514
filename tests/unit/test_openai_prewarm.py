"""OpenAI keep-warm with Responses' `prompt_cache_options.prewarm`, the system prompt as a
breakpointed input item on the Responses API, and the TTL in force (30m/12h) in the
countdown, the miss wording and keep-warm's plan (real openai SDK against the emulator)."""

from __future__ import annotations

import json
from dataclasses import replace

import openai
import pytest

from chattui.core import glance, insight
from chattui.core.chaining import CHAINED
from chattui.core.chat import ChatSession
from chattui.core.keepwarm import KeepWarm, Policy
from chattui.core.personas import Persona
from chattui.core.pricing import price
from chattui.emulator import Reply
from chattui.providers.registry import make_provider
from chattui.store import Store
from tests.unit.sessions import ignore

LONG = "You answer questions about this text.\n" + "ctx " * 1500
MODEL = "gpt-5.6"
TWELVE = {"mode": "explicit", "ttl": "12h"}
RESULT = "row " * 400
SYSTEM = {"role": "developer", "content": [
    {"type": "input_text", "text": LONG, "prompt_cache_breakpoint": TWELVE}]}


@pytest.fixture
def chained(emulator, tmp_path):
    """A chained (Responses API) session on `model` with a persona of TTL `ttl`."""
    def build(model: str = MODEL, ttl: str | None = "12h", **persona: object) -> ChatSession:
        adapter = make_provider("openai", "sk-test-key", emulator.openai_base_url, api="responses")
        return ChatSession(Store(tmp_path / "r.db"), adapter, provider_name="openai", model=model,
                           mode=CHAINED, persona=Persona(name="guide", system=LONG,
                                                         cache_ttl=ttl, **persona))

    return build


def marked(text: str) -> dict[str, object]:
    return {"role": "user", "content": [
        {"type": "input_text", "text": text, "prompt_cache_breakpoint": TWELVE}]}


async def test_a_chain_sends_the_system_prompt_once_as_its_first_item_with_a_breakpoint(
        chained, emulator):
    session = chained()
    emulator.queue(Reply(text="One."), Reply(text="Two."))
    await session.send("first", ignore)
    await session.send("second", ignore)

    first, second = (r.json for r in emulator.requests)
    assert "instructions" not in first and "instructions" not in second
    assert first["input"] == [SYSTEM, marked("first")]
    assert first["prompt_cache_options"] == TWELVE
    # the chain holds the system item already: only the new input, with its breakpoint
    assert second["previous_response_id"] == session.turns()[0].response_id
    assert second["input"] == [marked("second")]
    assert json.dumps(second).count("prompt_cache_breakpoint") == 1
    assert "prompt_cache_retention" not in first and "prompt_cache_retention" not in second
    one, two = session.turns()
    assert one.usage.cache_write > 0 and two.usage.cache_read >= one.usage.cache_write


async def test_a_chain_starts_afresh_when_the_system_prompt_moves(chained, emulator):
    session = chained()
    emulator.queue(Reply(text="One."), Reply(text="Two."))
    await session.send("first", ignore)
    session.persona = Persona(name="guide", system=LONG, cache_ttl=None)  # back to instructions

    await session.send("second", ignore)

    second = emulator.requests[-1].json
    assert "previous_response_id" not in second  # the old chain would keep the system item
    assert second["instructions"] == LONG
    assert [item["role"] for item in second["input"]] == ["user", "assistant", "user"]


async def test_older_models_keep_instructions_and_chain_as_before(chained, emulator):
    session = chained(model="gpt-4.1")
    emulator.queue(Reply(text="One."), Reply(text="Two."))
    await session.send("first", ignore)
    await session.send("second", ignore)

    second = emulator.requests[-1].json
    assert second["instructions"] == LONG and second["input"] == [
        {"role": "user", "content": "second"}]
    assert second["previous_response_id"] == session.turns()[0].response_id


async def test_a_persona_s_retention_param_never_goes_with_a_ttl(chained, emulator):
    session = chained(params={"prompt_cache_retention": "24h"})
    emulator.queue(Reply(text="One."))
    await session.send("first", ignore)
    assert "prompt_cache_retention" not in emulator.requests[-1].json
    assert emulator.requests[-1].json["prompt_cache_options"]["ttl"] == "12h"


async def test_a_prewarm_ping_resends_the_request_generates_nothing_and_is_priced(
        chained, emulator):
    session = chained()
    emulator.queue(Reply(text="One."), Reply(text="Two."))
    await session.send("first", ignore)
    keeper = KeepWarm(session, Policy(enabled=True, max_pings=3))

    outcome = await keeper.ping()

    turn_body, ping_body = (r.json for r in emulator.requests)
    assert ping_body["prompt_cache_options"] == {**TWELVE, "prewarm": True}
    assert b'"prewarm":true' in emulator.requests[1].body.replace(b" ", b"")
    assert {k: v for k, v in ping_body.items() if k != "prompt_cache_options"} == {
        k: v for k, v in turn_body.items() if k != "prompt_cache_options"}
    assert emulator.requests[1].usage["output_tokens"] == 0
    ping = outcome.turn
    assert ping.kind == "ping" and ping.status == "complete" and ping.usage.output == 0
    assert ping.usage.cache_read == session.turns()[0].usage.cache_write > 0
    assert ping.cost_usd == price(ping.usage, MODEL, "openai").usd > 0
    assert [m.role for m in session.messages()] == ["user", "assistant"]  # nothing shown or kept
    summary = insight.session_summary(session.turns())
    assert (summary.pings, summary.ping_cost_usd) == (1, ping.cost_usd)
    assert summary.cost_usd == pytest.approx(session.turns()[0].cost_usd + ping.cost_usd)
    assert "pings 1 $" in summary.text

    await session.send("second", ignore)  # the queued reply was not used by the ping
    assert session.messages()[-1].content == "Two."
    assert emulator.requests[-1].json["previous_response_id"] == session.turns()[0].response_id


async def test_keep_warm_plans_a_ping_before_the_twelve_hours_run_out(chained, emulator):
    session = chained()
    emulator.queue(Reply(text="One."))
    await session.send("first", ignore)
    written = session.turns()[0].finished_at

    plan = KeepWarm(session, Policy(enabled=True)).plan(now=written)

    assert plan.at == pytest.approx(written + 12 * 3600 - 30)
    assert plan.ping_cost is not None and plan.saving > plan.ping_cost
    assert plan.text(now=written) == "keep-warm 0/6 · next 11:59:30"


@pytest.mark.parametrize("model, api, reason", [
    ("gpt-4.1", "responses", "keep-warm: not available on openai gpt-4.1 (prewarm needs GPT-5.6+)"),
    (MODEL, "chat", "keep-warm: not available on openai in full mode (prewarm needs chained mode)"),
])
async def test_no_prewarm_without_responses_on_gpt_5_6(emulator, tmp_path, model, api, reason):
    adapter = make_provider("openai", "sk-test-key", emulator.openai_base_url, api=api)
    session = ChatSession(Store(tmp_path / "x.db"), adapter, provider_name="openai", model=model,
                          mode=CHAINED if api == "responses" else "full",
                          persona=Persona(name="guide", system=LONG, cache_ttl="12h"))
    emulator.queue(Reply(text="One."))
    await session.send("first", ignore)
    keeper = KeepWarm(session, Policy(enabled=True))

    assert keeper.plan().reason == reason
    assert await keeper.ping() is None and len(emulator.requests) == 1


async def test_the_emulator_prewarms_without_output_and_the_next_request_hits(
        openai_client, emulator):
    system = {"role": "developer", "content": [
        {"type": "input_text", "text": LONG, "prompt_cache_breakpoint": {"mode": "explicit"}}]}
    options = {"mode": "explicit", "ttl": "12h"}

    warm = await openai_client.responses.create(
        model=MODEL, input=[system], prompt_cache_options={**options, "prewarm": True})
    emulator.advance(11 * 3600)
    emulator.queue(Reply(text="Hit."))
    real = await openai_client.responses.create(
        model=MODEL, input=[system, {"role": "user", "content": "hi"}],
        prompt_cache_options=options)

    assert warm.output == [] and warm.usage.output_tokens == 0
    assert warm.usage.input_tokens_details.cache_write_tokens > 0
    assert warm.usage.input_tokens_details.cached_tokens == 0
    assert real.output_text == "Hit."
    assert real.usage.input_tokens_details.cached_tokens == \
        warm.usage.input_tokens_details.cache_write_tokens
    with pytest.raises(openai.BadRequestError, match="prewarm"):
        await openai_client.responses.create(
            model="gpt-4.1", input="hi", prompt_cache_options={"prewarm": True})


async def test_the_countdown_and_the_miss_wording_follow_the_twelve_hours(chained, emulator):
    session = chained()
    emulator.queue(Reply(text="One."), Reply(text="Two."), Reply(text="Three."))
    await session.send("first", ignore)
    written = session.turns()[0].finished_at
    assert glance.cache_line(session, session.turns(), written + 3600) == "warm · 11:00:00 left"

    emulator.advance(11 * 3600)  # the implicit cache's 10 minutes are long gone
    await session.send("second", ignore)
    assert glance.miss_line(session.turns(), session) is None
    assert session.turns()[-1].usage.cache_read > 0

    emulator.advance(13 * 3600)
    await session.send("third", ignore)
    *earlier, last = session.turns()
    assert last.usage.cache_read == 0
    # the emulator's clock moved 13 h, the stored wall-clock times did not: shift the start
    turns = [*earlier, replace(last, started_at=last.started_at + 13 * 3600)]
    assert glance.miss_line(turns, session).startswith("⚠ miss: TTL expired (idle 13 h > 12 h)")
    assert glance.miss_line(turns).startswith("⚠ miss: TTL expired (idle 13 h > 10 min)")


@pytest.mark.parametrize("mode", [CHAINED, "full"])
async def test_a_tool_result_carries_the_latest_breakpoint_and_the_prefix_still_hits(
        chained, emulator, mode):
    from chattui.emulator import ToolCall

    session = chained()
    session.mode = mode
    emulator.queue(Reply(tool_calls=[ToolCall("lookup", {"q": "x"}, id="call_1")]),
                   Reply(text="Found."), Reply(text="Three."))
    await session.send("look it up", ignore)
    await session.answer_tools([(session.pending_tool_calls()[0], RESULT)], ignore)
    await session.send("thanks", ignore)

    tools_body, last_body = emulator.requests[1].json, emulator.requests[2].json
    result = {"type": "function_call_output", "call_id": "call_1", "output": [
        {"type": "input_text", "text": RESULT, "prompt_cache_breakpoint": TWELVE}]}
    assert tools_body["input"][-1] == result
    assert json.dumps(tools_body).count("prompt_cache_breakpoint") == (1 if mode == CHAINED else 2)
    if mode == "full":  # later turns send the result as the plain string it is stored as
        assert {"type": "function_call_output", "call_id": "call_1", "output": RESULT} in \
            last_body["input"]
    first, second, third = session.turns()
    assert second.usage.cache_read >= first.usage.cache_write > 0
    # the whole previous prompt, the (long) tool result included, in 128-token steps
    assert third.usage.cache_read == second.usage.input_total // 128 * 128
    assert third.usage.cache_read > first.usage.input_total + 300


async def test_after_compaction_the_new_chain_starts_with_the_system_item_again(chained, emulator):
    from chattui.core.compaction import compact_chain

    session = chained()
    emulator.queue(Reply(text="One."), Reply(text="Two."))
    await session.send("first", ignore)
    await compact_chain(session)
    await session.send("second", ignore)

    compact_body, after = emulator.requests[1].json, emulator.requests[2].json
    assert "instructions" not in compact_body  # the chain it compacts holds the system item
    assert compact_body["previous_response_id"] == session.turns()[0].response_id
    assert "previous_response_id" not in after
    assert after["input"][0] == SYSTEM and after["input"][-1] == marked("second")
    assert [item.get("type") for item in after["input"][1:-1]][-1] == "compaction"

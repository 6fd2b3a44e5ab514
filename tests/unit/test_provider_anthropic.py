"""AnthropicProvider through the real anthropic SDK against the emulator."""

from __future__ import annotations

import json
import subprocess
import sys

import httpx2
import pytest

from chattui.core.reasoning import ReasoningBlock
from chattui.core.events import (
    Finished, ReasoningDelta, ReasoningDone, ResponseId, TextDelta, ToolCallDelta, UsageReported,
)
from chattui.core.models import ToolCall as StoredCall
from chattui.core.request import ChatMessage, ChatRequest
from chattui.core.tools import Tool, to_anthropic
from chattui.emulator import Fault, Reply, ToolCall
from chattui.emulator.cache import strip_markers
from chattui.providers.anthropic import AnthropicProvider, breakpoints
from chattui.core.provider import ProviderError
from chattui.providers.registry import make_provider
from tests.stream_events import calls_of, collect, text_of, usage_of, user

MODEL = "claude-sonnet-5"  # the emulator's minimum cacheable prefix: 1,024 tokens
LONG_SYSTEM = "ctx " * 1500
FIVE_MINUTES = {"type": "ephemeral"}
LOOKUP = Tool("lookup", "Look a word up.",
              {"properties": {"q": {"type": "string"}}, "required": ["q"], "type": "object"})


@pytest.fixture
async def provider(emulator):
    adapter = AnthropicProvider("anthropic", "sk-ant-test", emulator.base_url, max_retries=0)
    yield adapter
    await adapter.aclose()


def marked(body: dict) -> list[str]:
    """Where the breakpoints are: "tool:<name>", "system", "m<index>:<block type>"."""
    out = [f"tool:{t['name']}" for t in body.get("tools", []) if "cache_control" in t]
    out += ["system" for b in body.get("system", []) if "cache_control" in b]
    for i, message in enumerate(body["messages"]):
        out += [f"m{i}:{b['type']}" for b in message["content"] if "cache_control" in b]
    return out


async def test_text_usage_counts_cache_reads_and_writes_into_the_input_total(provider, emulator):
    emulator.queue(Reply(text="Hello from Claude.", chunks=3))
    events = await collect(provider, ChatRequest(MODEL, (user("Hi"),), system=LONG_SYSTEM))

    assert isinstance(events[0], ResponseId) and events[0].id.startswith("msg_")
    assert [e.text for e in events if isinstance(e, TextDelta)] == ["Hello ", "from C", "laude."]
    assert events[-1] == Finished("stop")
    wire = emulator.requests[-1].usage
    usage = usage_of(events)
    assert usage.input_total == (wire["input_tokens"] + wire["cache_read_input_tokens"]
                                 + wire["cache_creation_input_tokens"])
    assert usage.cache_write_5m == wire["cache_creation_input_tokens"] > 1024
    assert usage.cache_write_1h == 0 and usage.cache_read == 0
    assert usage.output == wire["output_tokens"] > 1  # message_delta's count, not message_start's
    sent = emulator.requests[-1].json
    assert sent["system"] == [{"type": "text", "text": LONG_SYSTEM, "cache_control": FIVE_MINUTES}]
    assert sent["max_tokens"] == 4096 and sent["stream"] is True
    assert emulator.requests[-1].headers["anthropic-version"] == "2026-10-21"


async def test_ten_turns_read_more_of_the_cache_every_turn(provider, emulator):
    history: list[ChatMessage] = []
    reads, totals, bodies = [], [], []
    for turn in range(10):
        emulator.queue(Reply(text=f"Answer number {turn}: " + "words " * 20))
        history.append(user(f"Question {turn}?"))
        events = await collect(provider, ChatRequest(MODEL, tuple(history), system=LONG_SYSTEM))
        history.append(ChatMessage("assistant", text_of(events)))
        sent = emulator.requests[-1].json
        assert breakpoints(sent) <= 4
        previous_user = [f"m{2 * turn - 2}:text"] if turn else []
        assert marked(sent) == ["system", *previous_user, f"m{2 * turn}:text"]
        roles = [m["role"] for m in sent["messages"]]
        assert roles == ["user", "assistant"] * turn + ["user"]
        usage = usage_of(events)
        reads.append(usage.cache_read)
        totals.append(usage.input_total)
        bodies.append(sent)

    assert reads[0] == 0
    assert all(a < b for a, b in zip(reads, reads[1:]))
    # each turn reads exactly what the previous turn wrote: its whole prompt
    assert reads[1:] == totals[:-1]
    # the same history renders the same content every turn; only the markers move
    for before, after in zip(bodies, bodies[1:]):
        n = len(before["messages"])
        assert strip_markers(after["messages"][:n]) == strip_markers(before["messages"])
        assert after["system"] == before["system"]


async def test_previous_user_breakpoint_survives_a_tool_heavy_turn(provider, emulator):
    """12 tool calls + 12 results put 24 blocks between the turns: beyond the 20-block
    lookback of the rolling breakpoint, so only breakpoint 3 finds the previous entry."""
    calls = [ToolCall("lookup", {"q": f"word {i}"}, id=f"toolu_{i:02}") for i in range(12)]
    emulator.queue(Reply(text="Looking up.", tool_calls=calls), Reply(text="Done."))
    question = user("Look up twelve words. " + "please " * 700)
    first = await collect(provider, ChatRequest(MODEL, (question,), tools=(LOOKUP,)))
    assert sorted(calls_of(first)) == list(range(12))

    stored = tuple(StoredCall(i, n, a) for i, n, a in calls_of(first).values())
    history = (question, ChatMessage("assistant", "Looking up.", stored),
               *(ChatMessage("tool", f"meaning {i}", tool_call_id=f"toolu_{i:02}")
                 for i in range(12)))
    second = await collect(provider, ChatRequest(MODEL, history, tools=(LOOKUP,)))
    sent = emulator.requests[-1].json
    assert usage_of(second).cache_read == usage_of(first).input_total
    assert marked(sent) == ["tool:lookup", "m0:text", "m2:tool_result"]
    assert len(sent["messages"][1]["content"]) + len(sent["messages"][2]["content"]) == 25


@pytest.mark.parametrize(("ttl", "marker"), [
    (None, FIVE_MINUTES), ("5m", FIVE_MINUTES), ("1h", {"type": "ephemeral", "ttl": "1h"})])
async def test_cache_ttl_picks_the_write_bucket(provider, emulator, ttl, marker):
    request = ChatRequest(MODEL, (user("Hi"),), system=LONG_SYSTEM, cache_ttl=ttl)
    usage = usage_of(await collect(provider, request))

    sent = emulator.requests[-1].json
    assert sent["system"][0]["cache_control"] == marker
    assert sent["messages"][0]["content"][-1]["cache_control"] == marker
    if ttl == "1h":
        assert usage.cache_write_1h > 1024 and usage.cache_write_5m == 0
    else:
        assert usage.cache_write_5m > 1024 and usage.cache_write_1h == 0
    again = usage_of(await collect(provider, request))
    assert again.cache_read == usage.input_total and again.cache_write == 0


async def test_a_short_prompt_is_not_cached_and_not_an_error(provider, emulator):
    request = ChatRequest(MODEL, (user("Hi"),), system="Be brief.")
    for _ in range(2):
        events = await collect(provider, request)
        usage = usage_of(events)
        assert (usage.cache_read, usage.cache_write_5m, usage.cache_write_1h) == (0, 0, 0)
        assert usage.input_total == emulator.requests[-1].usage["input_tokens"] > 0
        assert events[-1] == Finished("stop")
    assert breakpoints(emulator.requests[-1].json) == 2


async def test_sampling_params_are_dropped_and_named(provider, emulator):
    params = {"temperature": 0.3, "top_k": 5, "max_tokens": 300, "stop_sequences": ["END"],
              "metadata": {"user_id": "u1"}, "top_p": 0.9}
    request = ChatRequest(MODEL, (user("Hi"),), params=params)
    assert provider.dropped_params(request) == ["temperature", "top_k", "top_p"]
    assert provider.request_notice(request) == (
        "temperature, top_k and top_p are not supported by the Anthropic API version "
        "2026-10-21; ignored")
    one = ChatRequest(MODEL, (user("Hi"),), params={"temperature": 1})
    assert provider.request_notice(one) == (
        "temperature is not supported by the Anthropic API version 2026-10-21; ignored")
    assert provider.request_notice(ChatRequest(MODEL, (user("Hi"),))) is None

    events = await collect(provider, request)  # the emulator 400s on any of the three
    assert events[-1] == Finished("stop")
    sent = emulator.requests[-1].json
    assert not {"temperature", "top_p", "top_k"} & set(sent)
    assert sent["max_tokens"] == 300 and sent["stop_sequences"] == ["END"]
    assert sent["metadata"] == {"user_id": "u1"}


async def test_unknown_params_go_through_extra_body(provider, emulator):
    body = provider.body(ChatRequest(MODEL, (user("Hi"),), params={"future_flag": True}))
    assert body["extra_body"] == {"future_flag": True} and "future_flag" not in body
    await collect(provider, ChatRequest(MODEL, (user("Hi"),), params={"future_flag": True}))
    assert emulator.requests[-1].json["future_flag"] is True


async def test_tool_use_round_trip_merges_results_into_one_user_message(provider, emulator):
    emulator.queue(
        Reply(text="Checking.", tool_calls=[ToolCall("lookup", {"q": "tides"}, id="toolu_a"),
                                            ToolCall("lookup", {"q": "moon"}, id="toolu_b")]),
        Reply(text="High tide at six."))
    events = await collect(provider, ChatRequest(MODEL, (user("Tides?"),), tools=(LOOKUP,)))

    sent = emulator.requests[-1].json
    assert sent["tools"] == [{**to_anthropic([LOOKUP])[0], "cache_control": FIVE_MINUTES}]
    assert "system" not in sent
    assert text_of(events) == "Checking." and events[-1] == Finished("tool_calls")
    calls = calls_of(events)
    assert [c[:2] for c in calls.values()] == [["toolu_a", "lookup"], ["toolu_b", "lookup"]]
    assert [json.loads(c[2]) for c in calls.values()] == [{"q": "tides"}, {"q": "moon"}]
    assert sum(1 for e in events if isinstance(e, ToolCallDelta) and e.arguments) > 2

    stored = tuple(StoredCall(i, n, a) for i, n, a in calls.values())
    history = (user("Tides?"), ChatMessage("assistant", "Checking.", stored),
               ChatMessage("tool", "06:00", tool_call_id="toolu_a", name="lookup"),
               ChatMessage("tool", "full", tool_call_id="toolu_b", name="lookup"),
               user("And the moon?"))
    events = await collect(provider, ChatRequest(MODEL, history, tools=(LOOKUP,)))
    assert text_of(events) == "High tide at six."
    assert strip_markers(emulator.requests[-1].json["messages"]) == [
        {"role": "user", "content": [{"type": "text", "text": "Tides?"}]},
        {"role": "assistant", "content": [
            {"type": "text", "text": "Checking."},
            {"type": "tool_use", "id": "toolu_a", "name": "lookup", "input": {"q": "tides"}},
            {"type": "tool_use", "id": "toolu_b", "name": "lookup", "input": {"q": "moon"}}]},
        {"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": "toolu_a", "content": "06:00"},
            {"type": "tool_result", "tool_use_id": "toolu_b", "content": "full"},
            {"type": "text", "text": "And the moon?"}]}]
    assert marked(emulator.requests[-1].json) == ["tool:lookup", "m0:text", "m2:text"]


def test_message_conversion_edge_cases():
    provider = AnthropicProvider("anthropic", "k")
    calls_only = ChatMessage("assistant", "", (StoredCall("t1", "lookup", ""),
                                               StoredCall("t2", "lookup", '{"q": "cut'),
                                               StoredCall("t3", "lookup", "[1]")))
    body = provider.body(ChatRequest(MODEL, (user("a"), calls_only), system="S"))
    assert body["messages"][1]["content"] == [
        {"type": "tool_use", "id": "t1", "name": "lookup", "input": {}},
        {"type": "tool_use", "id": "t2", "name": "lookup", "input": {"arguments": '{"q": "cut'}},
        {"type": "tool_use", "id": "t3", "name": "lookup", "input": {"arguments": [1]},
         "cache_control": FIVE_MINUTES}]
    # two user turns in a row (a failed reply between them was dropped) still alternate
    body = provider.body(ChatRequest(MODEL, (user("a"), user("b"))))
    assert [m["role"] for m in body["messages"]] == ["user"]
    assert [b["text"] for b in body["messages"][0]["content"]] == ["a", "b"]
    assert "tools" not in body and "system" not in body and breakpoints(body) == 1
    assert breakpoints({**body, "cache_control": FIVE_MINUTES}) == 2
    with pytest.raises(ValueError):
        provider.body(ChatRequest(MODEL, (user("a"),), cache_ttl="2h"))


@pytest.mark.parametrize(("fault", "kind", "status"), [
    (Fault.rate_limit(retry_after=3), "rate_limit", 429),
    (Fault.server_error(), "server", 500),
    (Fault.unauthorized(), "auth", 401),
    (Fault(status=529), "server", 529),
])
async def test_status_faults_map_to_kinds(provider, emulator, fault, kind, status):
    emulator.queue(fault)
    with pytest.raises(ProviderError) as caught:
        await collect(provider, ChatRequest(MODEL, (user("Hi"),)))

    assert (caught.value.kind, caught.value.status) == (kind, status)
    if kind == "rate_limit":
        assert caught.value.retry_after == 3


async def test_drop_mid_stream_keeps_the_partial_text(provider, emulator):
    emulator.queue(Fault(drop_after=5, reply=Reply(text="alpha beta gamma delta")))
    events = []
    with pytest.raises(ProviderError) as caught:
        async for event in provider.stream(ChatRequest(MODEL, (user("Hi"),))):
            events.append(event)

    assert caught.value.kind == "connection" and "partial" in caught.value.message
    # frames: message_start, block_start, ping, delta, delta | dropped
    assert text_of(events) == "alpha beta "
    assert not any(isinstance(e, (UsageReported, Finished)) for e in events)


async def test_a_rejected_request_is_a_bad_request(provider, emulator):
    bad = ChatRequest(MODEL, (user("Hi"),), params={"max_tokens": -1})
    with pytest.raises(ProviderError) as caught:
        await collect(provider, bad)
    assert caught.value.kind == "bad_request" and "max_tokens" in caught.value.message


# -- events the emulator does not produce: the real SDK over an in-process transport --

def _sse(*events: dict) -> bytes:
    return b"".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n".encode() for e in events)


def _scripted(payload: bytes) -> AnthropicProvider:
    from anthropic import AsyncAnthropic

    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, content=payload,
                               headers={"content-type": "text/event-stream"})

    provider = AnthropicProvider("anthropic", "k")
    provider._client = AsyncAnthropic(api_key="k", base_url="http://test", max_retries=0,
                                      http_client=httpx2.AsyncClient(
                                          transport=httpx2.MockTransport(handler)))
    return provider


START = {"type": "message_start", "message": {
    "id": "msg_1", "type": "message", "role": "assistant", "model": MODEL, "content": [],
    "stop_reason": None, "stop_sequence": None,
    "usage": {"input_tokens": 10, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 2000,
              "output_tokens": 1}}}


async def test_thinking_deltas_and_delta_usage_overrides():
    provider = _scripted(_sse(
        START,
        {"type": "content_block_start", "index": 0,
         "content_block": {"type": "thinking", "thinking": "", "signature": ""}},
        {"type": "content_block_delta", "index": 0,
         "delta": {"type": "thinking_delta", "thinking": "Let me think."}},
        {"type": "content_block_delta", "index": 0,
         "delta": {"type": "signature_delta", "signature": "sig"}},
        {"type": "content_block_stop", "index": 0},
        {"type": "content_block_start", "index": 1, "content_block": {"type": "text", "text": ""}},
        {"type": "content_block_delta", "index": 1, "delta": {"type": "text_delta", "text": "Hi"}},
        {"type": "content_block_stop", "index": 1},
        {"type": "message_delta", "delta": {"stop_reason": "max_tokens", "stop_sequence": None},
         "usage": {"output_tokens": 42, "input_tokens": 12, "cache_read_input_tokens": None}},
        {"type": "message_stop"}))
    events = await collect(provider, ChatRequest(MODEL, (user("Hi"),)))

    signed = {"type": "thinking", "thinking": "Let me think.", "signature": "sig"}
    assert events[:4] == [ResponseId("msg_1"), ReasoningDelta("Let me think."),
                          ReasoningDone(ReasoningBlock("thinking", "Let me think.", signed)),
                          TextDelta("Hi")]
    usage = events[4].usage
    # input_tokens overwritten by the delta, the null cache read keeps message_start's value
    assert (usage.input_total, usage.cache_read, usage.output) == (2012, 2000, 42)
    assert events[5] == Finished("max_tokens")


async def test_an_error_event_mid_stream():
    provider = _scripted(_sse(
        START,
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Par"}},
        {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}))
    events = []
    with pytest.raises(ProviderError) as caught:
        async for event in provider.stream(ChatRequest(MODEL, (user("Hi"),))):
            events.append(event)

    assert events == [ResponseId("msg_1"), TextDelta("Par")]
    assert caught.value.kind == "server" and "Overloaded" in caught.value.message


async def test_malformed_events_are_skipped_and_the_reply_goes_on():
    """The adapter reads the events as JSON (no SDK model per event): odd shapes a proxy
    might send are skipped, not a crash that ends the reply."""
    provider = _scripted(_sse(
        START,
        {"type": "content_block_start", "index": 0, "content_block": None},
        {"type": "content_block_stop", "index": [0]},  # an index that cannot be a key
        {"type": "content_block_delta", "index": 0, "delta": "text"},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": 7}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Still "}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "here."}},
        {"type": "message_delta", "delta": None, "usage": {"output_tokens": 3}},
        {"type": "message_stop"}))
    events = await collect(provider, ChatRequest(MODEL, (user("Hi"),)))

    assert text_of(events) == "Still here."
    assert usage_of(events).output == 3 and events[-1] == Finished(None)


async def test_a_stream_that_ends_without_message_stop():
    provider = _scripted(_sse(START))
    with pytest.raises(ProviderError) as caught:
        await collect(provider, ChatRequest(MODEL, (user("Hi"),)))
    assert caught.value.kind == "connection"


def test_registry_builds_the_adapter_without_importing_the_sdk():
    provider = make_provider("anthropic", "k", "http://x")
    assert isinstance(provider, AnthropicProvider) and provider.name == "anthropic"
    code = ("import sys; from chattui.providers.registry import make_provider; "
            "make_provider('anthropic', 'k'); "
            "assert 'anthropic' not in sys.modules, 'the SDK was imported'")
    subprocess.run([sys.executable, "-c", code], check=True)

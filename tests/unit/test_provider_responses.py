"""OpenAIResponsesProvider through the real openai SDK against the emulator."""

from __future__ import annotations

import json
import subprocess
import sys

import httpx2
import pytest

from chattui.core.events import (
    Finished, ReasoningDelta, ReasoningDone, ResponseId, TextDelta, ToolCallDelta, UsageReported,
)
from chattui.core.models import ToolCall as StoredCall
from chattui.core.request import ChatMessage, ChatRequest
from chattui.core.tools import Tool, to_responses
from chattui.emulator import Fault, Reply, ToolCall
from chattui.core.provider import ProviderError
from chattui.providers.openai_responses import OpenAIResponsesProvider
from chattui.providers.registry import make_provider
from tests.stream_events import calls_of, collect, text_of, usage_of, user

MODEL = "gpt-4.1-mini"
LONG_SYSTEM = "ctx " * 1500  # ≈1,500 tokens: above OpenAI's 1,024-token caching minimum
LOOKUP = Tool("lookup", "Look a word up.",
              {"properties": {"q": {"type": "string"}}, "required": ["q"], "type": "object"})


@pytest.fixture
async def provider(emulator):
    adapter = OpenAIResponsesProvider("openai", "sk-test", emulator.openai_base_url,
                                      max_retries=0)
    yield adapter
    await adapter.aclose()


async def test_text_stream_usage_and_cached_tokens_on_the_second_turn(provider, emulator):
    emulator.queue(Reply(text="First answer here.", chunks=3), Reply(text="Second."))
    first = ChatRequest("gpt-5.6", (user("Hi"),), system=LONG_SYSTEM)
    events = await collect(provider, first)

    assert isinstance(events[0], ResponseId) and events[0].id.startswith("resp_")
    assert [e.text for e in events if isinstance(e, TextDelta)] == ["First ", "answer", " here."]
    assert events[-1] == Finished("stop")
    wire = emulator.requests[-1].usage
    usage = usage_of(events)
    assert usage.input_total == wire["input_tokens"] > 1500
    assert usage.output == wire["output_tokens"] and usage.cache_read == 0
    assert usage.cache_write_5m == wire["input_tokens_details"]["cache_write_tokens"] > 1024

    second = ChatRequest("gpt-5.6", (user("Hi"), ChatMessage("assistant", "First answer here."),
                                     user("And then?")), system=LONG_SYSTEM)
    usage2 = usage_of(await collect(provider, second))
    assert usage2.cache_read == emulator.requests[-1].usage["input_tokens_details"]["cached_tokens"]
    assert usage2.cache_read >= 1408 and usage2.cache_read % 128 == 0
    assert usage2.input_total > usage.input_total


async def test_full_history_body_and_params(provider, emulator):
    emulator.queue(Reply(text="ok"))
    request = ChatRequest(MODEL, (user("Hi"), ChatMessage("assistant", "Hello!"), user("Bye")),
                          system="Be terse.", params={"max_tokens": 300, "temperature": 0.2})
    await collect(provider, request)

    sent = emulator.requests[-1].json
    assert sent["instructions"] == "Be terse." and sent["store"] is True and sent["stream"] is True
    assert sent["input"] == [{"role": "user", "content": "Hi"},
                             {"role": "assistant", "content": "Hello!"},
                             {"role": "user", "content": "Bye"}]
    assert sent["max_output_tokens"] == 300 and "max_tokens" not in sent
    assert sent["temperature"] == 0.2
    assert "tools" not in sent and "previous_response_id" not in sent


async def test_chained_turns_resend_instructions_and_only_new_input(provider, emulator):
    emulator.queue(Reply(text="One."), Reply(text="Two."), Reply(text="Three."))
    events = await collect(provider, ChatRequest(MODEL, (user("First?"),), system=LONG_SYSTEM))
    previous = events[0].id
    prompts, outputs = [usage_of(events).input_total], [usage_of(events).output]
    for question in ("Second?", "Third?"):
        events = await collect(provider, ChatRequest(
            MODEL, (user(question),), system=LONG_SYSTEM, previous_response_id=previous))
        sent = emulator.requests[-1].json
        assert sent["previous_response_id"] == previous
        assert sent["input"] == [{"role": "user", "content": question}]
        prompts.append(usage_of(events).input_total)
        outputs.append(usage_of(events).output)
        assert usage_of(events).cache_read >= 1408  # the chain's prefix is cached
        previous = events[0].id

    bodies = [r.body for r in emulator.requests[-3:]]
    instructions = json.dumps(LONG_SYSTEM).encode()
    assert all(b"\"instructions\":" + instructions in body for body in bodies)
    # the server prepends the stored chain: each prompt holds the previous prompt and reply
    assert prompts[1] > prompts[0] + outputs[0] and prompts[2] > prompts[1] + outputs[1]


async def test_unknown_previous_response_is_its_own_kind(provider, emulator):
    request = ChatRequest(MODEL, (user("Hi"),), previous_response_id="resp_gone")
    with pytest.raises(ProviderError) as caught:
        await collect(provider, request)

    assert caught.value.kind == "previous_response_not_found"
    assert caught.value.status == 400
    assert "resp_gone" in caught.value.message


async def test_store_false_is_sent_and_cannot_be_chained(emulator):
    provider = OpenAIResponsesProvider("openai", "k", emulator.openai_base_url, max_retries=0,
                                       store=False)
    try:
        events = await collect(provider, ChatRequest(MODEL, (user("Hi"),)))
        assert emulator.requests[-1].json["store"] is False

        with pytest.raises(ProviderError) as caught:
            await collect(provider, ChatRequest(MODEL, (user("More"),),
                                                previous_response_id=events[0].id))
        assert caught.value.kind == "previous_response_not_found"
    finally:
        await provider.aclose()


async def test_tool_call_round_trip(provider, emulator):
    emulator.queue(
        Reply(text="Let me check.", tool_calls=[ToolCall("lookup", {"q": "tides"}, id="call_9"),
                                                ToolCall("lookup", {"q": "moon"}, id="call_10")]),
        Reply(text="High tide at six."))
    first = ChatRequest(MODEL, (user("Tides?"),), tools=(LOOKUP,))
    events = await collect(provider, first)

    assert emulator.requests[-1].json["tools"] == to_responses([LOOKUP])
    assert text_of(events) == "Let me check."
    calls = calls_of(events)
    assert calls == {0: ["call_9", "lookup", '{"q":"tides"}'],
                     1: ["call_10", "lookup", '{"q":"moon"}']}
    assert sum(1 for e in events if isinstance(e, ToolCallDelta) and e.arguments) > 2  # streamed
    assert events[-1] == Finished("tool_calls")

    stored = tuple(StoredCall(i, n, a) for i, n, a in calls.values())
    history = (user("Tides?"), ChatMessage("assistant", "Let me check.", stored),
               ChatMessage("tool", "06:00", tool_call_id="call_9", name="lookup"),
               ChatMessage("tool", "full", tool_call_id="call_10", name="lookup"))
    events = await collect(provider, ChatRequest(MODEL, history, tools=(LOOKUP,)))
    assert text_of(events) == "High tide at six." and events[-1] == Finished("stop")
    assert emulator.requests[-1].json["input"] == [
        {"role": "user", "content": "Tides?"},
        {"role": "assistant", "content": "Let me check."},
        {"type": "function_call", "call_id": "call_9", "name": "lookup",
         "arguments": '{"q":"tides"}'},
        {"type": "function_call", "call_id": "call_10", "name": "lookup",
         "arguments": '{"q":"moon"}'},
        {"type": "function_call_output", "call_id": "call_9", "output": "06:00"},
        {"type": "function_call_output", "call_id": "call_10", "output": "full"}]


async def test_chained_tool_result_and_call_without_text(provider, emulator):
    emulator.queue(Reply(tool_calls=[ToolCall("lookup", {"q": "x"}, id="call_1")]),
                   Reply(text="Done."))
    events = await collect(provider, ChatRequest(MODEL, (user("Go"),), tools=(LOOKUP,)))
    assert text_of(events) == "" and calls_of(events)[0][:2] == ["call_1", "lookup"]

    result = ChatMessage("tool", "found", tool_call_id="call_1", name="lookup")
    await collect(provider, ChatRequest(MODEL, (result,), tools=(LOOKUP,),
                                        previous_response_id=events[0].id))
    sent = emulator.requests[-1].json
    assert sent["input"] == [{"type": "function_call_output", "call_id": "call_1",
                              "output": "found"}]
    # an assistant turn of calls only renders no empty message item
    body = OpenAIResponsesProvider("openai", "k").body(ChatRequest(
        MODEL, (ChatMessage("assistant", "", (StoredCall("c", "lookup", "{}"),)),)))
    assert body["input"] == [{"type": "function_call", "call_id": "c", "name": "lookup",
                              "arguments": "{}"}]


async def test_incomplete_reply_reports_usage_and_its_reason(provider, emulator):
    emulator.queue(Reply(text="one two three four five six seven eight nine ten"))
    events = await collect(provider, ChatRequest(MODEL, (user("Count"),),
                                                 params={"max_tokens": 3}))

    assert events[-1] == Finished("max_output_tokens")
    assert usage_of(events).output == emulator.requests[-1].usage["output_tokens"] <= 3
    assert text_of(events)


@pytest.mark.parametrize(("fault", "kind", "status"), [
    (Fault.rate_limit(retry_after=7), "rate_limit", 429),
    (Fault.server_error(), "server", 500),
    (Fault.unauthorized(), "auth", 401),
])
async def test_status_faults_map_to_kinds(provider, emulator, fault, kind, status):
    emulator.queue(fault)
    with pytest.raises(ProviderError) as caught:
        await collect(provider, ChatRequest(MODEL, (user("Hi"),)))

    assert (caught.value.kind, caught.value.status) == (kind, status)
    if kind == "rate_limit":
        assert caught.value.retry_after == 7


async def test_drop_mid_stream_keeps_the_partial_text(provider, emulator):
    emulator.queue(Fault(drop_after=6, reply=Reply(text="alpha beta gamma delta epsilon")))
    events = []
    with pytest.raises(ProviderError) as caught:
        async for event in provider.stream(ChatRequest(MODEL, (user("Hi"),))):
            events.append(event)

    assert caught.value.kind == "connection" and "partial" in caught.value.message
    assert text_of(events) == "alpha beta "  # frames 4 and 5 were the first two deltas
    assert not any(isinstance(e, (UsageReported, Finished)) for e in events)


# -- events the emulator does not produce: the real SDK over an in-process transport --

def _sse(*events: dict) -> bytes:
    return b"".join(f"event: {e['type']}\ndata: {json.dumps({**e, 'sequence_number': n})}\n\n"
                    .encode() for n, e in enumerate(events))


def _scripted(provider: OpenAIResponsesProvider, payload: bytes) -> None:
    from openai import AsyncOpenAI

    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, content=payload,
                               headers={"content-type": "text/event-stream"})

    provider._client = AsyncOpenAI(api_key="k", base_url="http://test/v1", max_retries=0,
                                   http_client=httpx2.AsyncClient(
                                       transport=httpx2.MockTransport(handler)))


RESPONSE = {"id": "resp_1", "object": "response", "created_at": 0, "status": "in_progress",
            "model": MODEL, "output": [], "parallel_tool_calls": True, "tool_choice": "auto",
            "tools": []}


async def test_reasoning_summary_deltas_and_a_failed_response():
    provider = OpenAIResponsesProvider("openai", "k")
    where = {"item_id": "rs_1", "output_index": 0, "summary_index": 0}
    _scripted(provider, _sse(
        {"type": "response.created", "response": RESPONSE},
        {"type": "response.reasoning_summary_text.delta", **where, "delta": "Thinking "},
        {"type": "response.reasoning_summary_text.delta", **where, "delta": "hard."},
        {"type": "response.failed", "response": {
            **RESPONSE, "status": "failed",
            "error": {"code": "server_error", "message": "The model crashed."}}}))
    events = []
    with pytest.raises(ProviderError) as caught:
        async for event in provider.stream(ChatRequest(MODEL, (user("Hi"),))):
            events.append(event)

    assert events == [ResponseId("resp_1"), ReasoningDelta("Thinking "), ReasoningDelta("hard.")]
    assert caught.value.kind == "server" and "The model crashed." in caught.value.message


async def test_error_event_and_calls_sent_whole():
    provider = OpenAIResponsesProvider("openai", "k")
    call = {"id": "fc_1", "type": "function_call", "call_id": "call_1", "name": "lookup",
            "arguments": '{"q":"whole"}', "status": "completed"}
    _scripted(provider, _sse(
        {"type": "response.created", "response": RESPONSE},
        {"type": "response.output_item.done", "output_index": 0, "item": call},
        {"type": "error", "code": "overloaded", "message": "Try again later.", "param": None}))
    events = []
    with pytest.raises(ProviderError) as caught:
        async for event in provider.stream(ChatRequest(MODEL, (user("Hi"),))):
            events.append(event)

    assert events[1] == ToolCallDelta(0, "call_1", "lookup", '{"q":"whole"}')
    assert "Try again later." in caught.value.message


async def test_malformed_events_are_skipped_and_a_reasoning_item_is_kept_without_nulls():
    """The adapter reads the events as JSON (no SDK model per event): odd shapes are
    skipped; a reasoning item is kept as it came, less its null fields."""
    provider = OpenAIResponsesProvider("openai", "k")
    reasoning = {"id": "rs_1", "type": "reasoning", "encrypted_content": "gAAA", "status": None,
                 "summary": [{"type": "summary_text", "text": "Weighed it."}, "junk"]}
    _scripted(provider, _sse(
        {"type": "response.created", "response": RESPONSE},
        {"type": "response.output_text.delta", "delta": None},
        {"type": "response.output_item.done", "output_index": 0, "item": reasoning},
        {"type": "response.output_item.added", "output_index": 1, "item": "junk"},
        {"type": "response.function_call_arguments.delta", "output_index": [1], "delta": "{"},
        {"type": "response.output_text.delta", "delta": "Done."},
        {"type": "response.completed", "response": {
            **RESPONSE, "status": "completed", "output": "junk",
            "usage": {"input_tokens": 9, "output_tokens": 2, "total_tokens": 11}}}))
    events = await collect(provider, ChatRequest(MODEL, (user("Hi"),)))

    assert text_of(events) == "Done."
    (done,) = [e for e in events if isinstance(e, ReasoningDone)]
    assert done.block.text == "Weighed it."
    assert done.block.raw == {"id": "rs_1", "type": "reasoning", "encrypted_content": "gAAA",
                              "summary": [{"type": "summary_text", "text": "Weighed it."}, "junk"]}
    assert usage_of(events).output == 2 and events[-1] == Finished("stop")


def test_registry_picks_the_responses_api_lazily():
    provider = make_provider("openai", "k", "http://x/v1", api="responses")
    assert isinstance(provider, OpenAIResponsesProvider) and provider.store is True
    assert type(make_provider("openai", "k")).__name__ == "OpenAIChatProvider"
    code = ("import sys; from chattui.providers.registry import make_provider; "
            "make_provider('openai', 'k', api='responses'); "
            "assert 'openai' not in sys.modules, 'the SDK was imported'")
    subprocess.run([sys.executable, "-c", code], check=True)

"""The Chat Completions adapter reads the SDK's stream as parsed JSON: what servers that
speak the dialect send, odd chunks included, through the real SDK over an in-process
transport (the emulator never sends these)."""

from __future__ import annotations

import json

import httpx2

from chattui.core.events import Finished, ReasoningDelta, ResponseId, TextDelta, ToolCallDelta, UsageReported
from chattui.core.request import ChatMessage, ChatRequest
from chattui.providers.openai_chat import OpenAIChatProvider

MODEL = "local-model"


def _sse(*chunks: object) -> bytes:
    return b"".join(f"data: {json.dumps(c)}\n\n".encode() for c in chunks) + b"data: [DONE]\n\n"


def _provider(payload: bytes, seen: list[dict]) -> OpenAIChatProvider:
    from openai import AsyncOpenAI

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(json.loads(request.content))
        return httpx2.Response(200, content=payload, headers={"content-type": "text/event-stream"})

    provider = OpenAIChatProvider("local", "k", "http://test/v1")
    provider._client = AsyncOpenAI(api_key="k", base_url="http://test/v1", max_retries=0,
                                   http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(handler)))
    return provider


async def _events(payload: bytes) -> tuple[list, list[dict]]:
    seen: list[dict] = []
    provider = _provider(payload, seen)
    request = ChatRequest(MODEL, (ChatMessage("user", "Hi"),), system="Be brief.")
    return [e async for e in provider.stream(request)], seen


def _chunk(delta: dict | None, finish: str | None = None, **extra) -> dict:
    return {"id": "chatcmpl-7", "object": "chat.completion.chunk", "created": 1, "model": MODEL,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}


async def test_text_reasoning_tool_calls_and_usage_come_through_as_events():
    events, seen = await _events(_sse(
        _chunk({"role": "assistant", "reasoning_content": "Think."}),
        _chunk({"content": "Hello "}),
        _chunk({"content": "there."}),
        _chunk({"tool_calls": [{"index": 0, "id": "call_1", "type": "function",
                                "function": {"name": "clock", "arguments": "{\"tz\":"}}]}),
        _chunk({"tool_calls": [{"index": 0, "function": {"arguments": "\"UTC\"}"}}]}, "tool_calls"),
        {"id": "chatcmpl-7", "choices": [], "usage": {
            "prompt_tokens": 30, "completion_tokens": 9, "total_tokens": 39,
            "prompt_tokens_details": {"cached_tokens": 16}}},
    ))
    assert events[0] == ResponseId("chatcmpl-7")
    assert ReasoningDelta("Think.") in events
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "Hello there."
    assert [e for e in events if isinstance(e, ToolCallDelta)] == [
        ToolCallDelta(0, "call_1", "clock", "{\"tz\":"), ToolCallDelta(0, None, None, "\"UTC\"}")]
    assert Finished("tool_calls") in events
    (usage,) = [e.usage for e in events if isinstance(e, UsageReported)]
    assert (usage.input_total, usage.cache_read, usage.output) == (30, 16, 9)
    assert seen[0]["stream"] is True and seen[0]["stream_options"] == {"include_usage": True}
    assert seen[0]["messages"][0] == {"role": "system", "content": "Be brief."}


async def test_odd_chunks_from_a_compatible_server_are_skipped_and_the_reply_goes_on():
    events, _ = await _events(_sse(
        [1, 2, 3],  # not an object
        {"id": "chatcmpl-7", "choices": None},
        {"id": "chatcmpl-7", "choices": "nope"},
        _chunk(None),  # a null delta
        _chunk({"content": None}),
        _chunk({"content": "Still "}),
        _chunk({"tool_calls": [{"id": "call_2", "function": {"name": "n"}}, "junk"]}),  # no index
        _chunk({"tool_calls": [{"index": [0], "id": "call_3", "function": {"name": "m"}}]}),
        _chunk({"content": "here."}, "stop"),
    ))
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "Still here."
    assert [e for e in events if isinstance(e, ToolCallDelta)] == [
        ToolCallDelta(0, "call_2", "n", ""), ToolCallDelta(0, "call_3", "m", "")]
    assert events[-1] == Finished("stop")

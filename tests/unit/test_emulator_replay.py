"""Recorded real streams (tests/fixtures/recorded/) against the emulator's, through the SDKs.

Each recording is replayed into the real SDK with `httpx2.MockTransport`; the emulator then
answers an equivalent request over loopback HTTP. Both must parse to the same event types in
the same order, the same final fields, and the same usage fields (the emulator may add only
the fields newer than the recording, listed here).
"""

from itertools import groupby
from pathlib import Path

import anthropic
import httpx2
import openai

from chattui.emulator import Reply, ToolCall

RECORDED = Path(__file__).parents[1] / "fixtures" / "recorded"
USER = [{"role": "user", "content": "What's the weather like in SF?"}]


def _recorded_client(sdk, name: str, base_url: str):
    body = (RECORDED / name).read_bytes()
    if not body.endswith(b"\n\n"):  # the stored copy lost the last event's blank line
        body += b"\n\n"

    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, headers={"content-type": "text/event-stream"}, content=body)

    http = httpx2.AsyncClient(transport=httpx2.MockTransport(handler))
    return sdk(api_key="recorded", base_url=base_url, http_client=http, max_retries=0)


def _paths(value, prefix=""):
    """Dotted paths of the fields a parsed SDK object actually carries."""
    if not isinstance(value, dict):
        return {prefix}
    return set().union(*(_paths(v, f"{prefix}{k}.") if isinstance(v, dict) else {prefix + k}
                         for k, v in value.items()))


def _collapse(kinds):
    return [kind for kind, _ in groupby(kinds)]


async def _chat(client, **extra):
    stream = await client.chat.completions.create(
        model="gpt-4o", messages=USER, stream=True, stream_options={"include_usage": True},
        **extra)
    return [chunk async for chunk in stream]


def _chat_kind(chunk) -> str:
    if not chunk.choices:
        return "usage"
    choice = chunk.choices[0]
    return "role" if choice.delta.role else "finish" if choice.finish_reason else "content"


async def test_chat_stream_matches_the_recording(openai_client, emulator):
    async with _recorded_client(openai.AsyncOpenAI, "openai_chat_stream.sse",
                                "http://recorded.invalid/v1") as recorded_client:
        recorded = await _chat(recorded_client)
    text = "".join(c.choices[0].delta.content or "" for c in recorded if c.choices)
    emulator.queue(Reply(text=text))
    emulated = await _chat(openai_client)

    for chunks in (recorded, emulated):
        assert _collapse(map(_chat_kind, chunks)) == ["role", "content", "finish", "usage"]
        assert {c.object for c in chunks} == {"chat.completion.chunk"}
        assert len({c.id for c in chunks}) == 1
        assert chunks[-2].choices[0].finish_reason == "stop"
    assert "".join(c.choices[0].delta.content or "" for c in emulated if c.choices) == text
    recorded_usage = _paths(recorded[-1].usage.model_dump(exclude_unset=True))
    emulated_usage = _paths(emulated[-1].usage.model_dump(exclude_unset=True))
    assert recorded_usage <= emulated_usage
    assert emulated_usage - recorded_usage == {  # documented since the 2024 recording
        "prompt_tokens_details.cached_tokens", "prompt_tokens_details.cache_write_tokens",
        "prompt_tokens_details.audio_tokens", "completion_tokens_details.audio_tokens",
        "completion_tokens_details.accepted_prediction_tokens",
        "completion_tokens_details.rejected_prediction_tokens"}


async def _responses(client):
    stream = await client.responses.create(model="gpt-4o", input="hey whats up", stream=True)
    events = [event async for event in stream]
    async with client.responses.stream(model="gpt-4o", input="hey whats up") as helper:
        final = await helper.get_final_response()
    return events, final


async def test_responses_stream_matches_the_recording(openai_client, emulator):
    async with _recorded_client(openai.AsyncOpenAI, "openai_responses_stream.sse",
                                "http://recorded.invalid/v1") as recorded_client:
        recorded, recorded_final = await _responses(recorded_client)
    text = recorded_final.output_text
    emulator.queue(Reply(text=text), Reply(text=text))
    emulated, emulated_final = await _responses(openai_client)

    assert _collapse(e.type for e in emulated) == _collapse(e.type for e in recorded) == [
        "response.created", "response.in_progress", "response.output_item.added",
        "response.content_part.added", "response.output_text.delta",
        "response.output_text.done", "response.content_part.done", "response.output_item.done",
        "response.completed"]
    for events, final in ((recorded, recorded_final), (emulated, emulated_final)):
        assert [e.sequence_number for e in events] == list(range(len(events)))
        assert events[0].response.usage is None
        assert final.output_text == text and final.status == "completed"
        assert [item.type for item in final.output] == ["message"]
    recorded_usage = _paths(recorded[-1].response.usage.model_dump(exclude_unset=True))
    emulated_usage = _paths(emulated[-1].response.usage.model_dump(exclude_unset=True))
    assert emulated_usage - recorded_usage == {"input_tokens_details.cache_write_tokens"}
    assert recorded_usage <= emulated_usage


async def _messages(client, raw_client=None):
    request = {"model": "claude-sonnet-5", "max_tokens": 1024,
               "messages": [{"role": "user", "content": "What's the weather in Paris?"}]}
    stream = await client.messages.create(stream=True, **request)
    events = [event async for event in stream]
    async with client.messages.with_streaming_response.create(stream=True, **request) as raw:
        names = [line[7:] for line in (await raw.read()).decode().splitlines()
                 if line.startswith("event: ")]
    async with client.messages.stream(**request) as helper:
        final = await helper.get_final_message()
    return events, names, final


async def test_anthropic_stream_matches_the_recording(anthropic_client, emulator):
    async with _recorded_client(anthropic.AsyncAnthropic, "anthropic_messages_stream.sse",
                                "http://recorded.invalid") as recorded_client:
        recorded, recorded_names, recorded_final = await _messages(recorded_client)
    reply = Reply(text="I'll check the current weather in Paris for you.",
                  tool_calls=[ToolCall("get_weather", {"location": "Paris"})])
    emulator.queue(reply, reply, reply)
    emulated, emulated_names, emulated_final = await _messages(anthropic_client)

    assert _collapse(emulated_names) == _collapse(recorded_names)  # including the ping
    assert "ping" in recorded_names
    assert _collapse(e.type for e in emulated) == _collapse(e.type for e in recorded) == [
        "message_start", "content_block_start", "content_block_delta", "content_block_stop",
        "content_block_start", "content_block_delta", "content_block_stop", "message_delta",
        "message_stop"]
    for final in (recorded_final, emulated_final):
        assert [block.type for block in final.content] == ["text", "tool_use"]
        assert final.content[0].text == reply.text
        assert (final.content[1].name, final.content[1].input) == ("get_weather",
                                                                   {"location": "Paris"})
        assert final.stop_reason == "tool_use"
    recorded_usage = _paths(recorded[0].message.usage.model_dump(exclude_unset=True))
    emulated_usage = _paths(emulated[0].message.usage.model_dump(exclude_unset=True))
    assert recorded_usage <= emulated_usage
    assert emulated_usage - recorded_usage == {"cache_creation.ephemeral_5m_input_tokens",
                                               "cache_creation.ephemeral_1h_input_tokens"}
    assert _paths(emulated[-2].usage.model_dump(exclude_unset=True)) == _paths(
        recorded[-2].usage.model_dump(exclude_unset=True)) == {"output_tokens"}

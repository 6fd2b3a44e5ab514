"""Anthropic Messages through the real anthropic SDK: streams, tools, auth, versions."""

import anthropic
import httpx2
import pytest

from chattui.emulator import Reply, ToolCall

MODEL = "claude-sonnet-5"
HI = [{"role": "user", "content": "Hi"}]


async def test_stream_helper_text_and_usage(anthropic_client, emulator):
    emulator.queue(Reply(text="Hello from the emulator.", chunks=5))
    async with anthropic_client.messages.stream(model=MODEL, max_tokens=256,
                                                messages=HI) as stream:
        pieces = [text async for text in stream.text_stream]
        final = await stream.get_final_message()

    assert len(pieces) == 5 and "".join(pieces) == "Hello from the emulator."
    assert final.stop_reason == "end_turn"
    assert final.content[0].text == "Hello from the emulator."
    usage = final.usage
    assert usage.cache_read_input_tokens == 0 and usage.cache_creation_input_tokens == 0
    assert usage.cache_creation.ephemeral_5m_input_tokens == 0
    assert usage.cache_creation.ephemeral_1h_input_tokens == 0
    assert usage.output_tokens == emulator.requests[-1].usage["output_tokens"]
    assert emulator.requests[-1].headers["authorization"] == "Bearer <redacted>"
    assert emulator.requests[-1].headers["anthropic-version"] == "2026-10-21"


async def test_raw_stream_events_and_cumulative_output_tokens(anthropic_client, emulator):
    emulator.queue(Reply(text="Counting output.", chunks=2))
    stream = await anthropic_client.messages.create(model=MODEL, max_tokens=256, messages=HI,
                                                    stream=True)
    events = [event async for event in stream]

    assert [e.type for e in events] == [
        "message_start", "content_block_start", "content_block_delta", "content_block_delta",
        "content_block_stop", "message_delta", "message_stop"]
    start_usage = events[0].message.usage
    assert start_usage.cache_creation_input_tokens == 0
    assert start_usage.cache_read_input_tokens == 0
    assert start_usage.input_tokens > 0 and start_usage.output_tokens == 1
    assert events[-2].usage.output_tokens == emulator.requests[-1].usage["output_tokens"]
    assert events[-2].delta.stop_reason == "end_turn"


async def test_wire_has_event_lines_and_a_ping(anthropic_client):
    async with anthropic_client.messages.with_streaming_response.create(
            model=MODEL, max_tokens=64, messages=HI, stream=True) as response:
        raw = (await response.read()).decode()

    frames = [f for f in raw.split("\n\n") if f]
    assert all(f.startswith("event: ") for f in frames)
    assert "event: ping\ndata: {\"type\":\"ping\"}" in frames
    assert frames[-1] == 'event: message_stop\ndata: {"type":"message_stop"}'


async def test_non_stream_message(anthropic_client):
    message = await anthropic_client.messages.create(model=MODEL, max_tokens=256, messages=HI)

    assert message.type == "message" and message.role == "assistant"
    assert message.content[0].text.startswith("Emulated reply: I received 1 message")
    assert f"for model {MODEL}." in message.content[0].text
    assert message.stop_reason == "end_turn"
    assert message.id.startswith("msg_")


async def test_tool_use_stream_and_non_stream(anthropic_client, emulator):
    call = ToolCall("get_weather", {"location": "Paris"}, id="toolu_1")
    emulator.queue(Reply(text="Checking.", tool_calls=[call]), Reply(tool_calls=[call]))
    async with anthropic_client.messages.stream(model=MODEL, max_tokens=256,
                                                messages=HI) as stream:
        kinds = [e.delta.type async for e in stream if e.type == "content_block_delta"]
        streamed = await stream.get_final_message()
    plain = await anthropic_client.messages.create(model=MODEL, max_tokens=256, messages=HI)

    assert "input_json_delta" in kinds
    assert [b.type for b in streamed.content] == ["text", "tool_use"]
    for message in (streamed, plain):
        block = message.content[-1]
        assert (block.id, block.name, block.input) == ("toolu_1", "get_weather",
                                                       {"location": "Paris"})
        assert message.stop_reason == "tool_use"


async def test_count_tokens_matches_create_and_does_not_touch_the_cache(anthropic_client):
    system = [{"type": "text", "text": "context " * 1500, "cache_control": {"type": "ephemeral"}}]
    counted = await anthropic_client.messages.count_tokens(model=MODEL, system=system,
                                                           messages=HI)
    message = await anthropic_client.messages.create(model=MODEL, max_tokens=64,
                                                     system=system, messages=HI)

    usage = message.usage
    total = usage.input_tokens + usage.cache_creation_input_tokens + usage.cache_read_input_tokens
    assert counted.input_tokens == total
    assert usage.cache_read_input_tokens == 0  # counting did not populate the cache
    assert usage.cache_creation_input_tokens > 0


async def test_x_api_key_header_is_accepted(emulator):
    async with anthropic.AsyncAnthropic(api_key=None, base_url=emulator.base_url, max_retries=0,
                                        default_headers={"x-api-key": "sk-ant-legacy"}) as client:
        message = await client.messages.create(model=MODEL, max_tokens=64, messages=HI)

    assert message.content[0].type == "text"
    assert emulator.requests[-1].headers["x-api-key"] == "<redacted>"
    assert "authorization" not in emulator.requests[-1].headers


async def test_missing_key_is_401_in_anthropic_shape(emulator):
    async with httpx2.AsyncClient() as http:
        response = await http.post(emulator.base_url + "/v1/messages",
                                   headers={"anthropic-version": "2023-06-01"},
                                   json={"model": MODEL, "max_tokens": 8, "messages": HI})

    body = response.json()
    assert response.status_code == 401
    assert body["type"] == "error" and body["error"]["type"] == "authentication_error"
    assert body["request_id"].startswith("req_")


async def test_sampling_params_rejected_only_under_2026_10_21(emulator):
    extra = {"temperature": 0.2}
    async with anthropic.AsyncAnthropic(api_key="k", base_url=emulator.base_url, max_retries=0,
                                        default_headers={"anthropic-version": "2023-06-01"}) as old:
        accepted = await old.messages.create(model=MODEL, max_tokens=256, messages=HI,
                                             extra_body=extra)
    async with anthropic.AsyncAnthropic(api_key="k", base_url=emulator.base_url,
                                        max_retries=0) as new:
        with pytest.raises(anthropic.BadRequestError) as caught:
            await new.messages.create(model=MODEL, max_tokens=256, messages=HI, extra_body=extra)

    assert accepted.stop_reason == "end_turn"
    assert caught.value.body["error"]["type"] == "invalid_request_error"
    assert "temperature" in caught.value.body["error"]["message"]


async def test_unknown_version_is_rejected(emulator):
    async with anthropic.AsyncAnthropic(api_key="k", base_url=emulator.base_url, max_retries=0,
                                        default_headers={"anthropic-version": "2099-01-01"}) as c:
        with pytest.raises(anthropic.BadRequestError):
            await c.messages.create(model=MODEL, max_tokens=256, messages=HI)

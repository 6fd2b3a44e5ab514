"""Chat Completions (and Gemini's compatible endpoint) through the real openai SDK."""

import json

import openai

from chattui.emulator import Reply, ToolCall

USER = [{"role": "user", "content": "Say hello."}]


async def _collect(stream):
    chunks = [chunk async for chunk in stream]
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    return chunks, text


async def test_stream_with_include_usage_ends_with_a_usage_chunk(openai_client, emulator):
    emulator.queue(Reply(text="Hello there, dear friend.", chunks=3))
    stream = await openai_client.chat.completions.create(
        model="gpt-4.1-mini", messages=USER, stream=True, stream_options={"include_usage": True})
    chunks, text = await _collect(stream)

    assert text == "Hello there, dear friend."
    assert chunks[0].choices[0].delta.role == "assistant"
    pieces = [c.choices[0].delta.content for c in chunks[1:4]]
    assert pieces == ["Hello th", "ere, dear", " friend."]
    assert chunks[-2].choices[0].finish_reason == "stop"
    assert chunks[-1].choices == [] and chunks[-1].usage is not None
    assert all(c.usage is None for c in chunks[:-1])
    usage = chunks[-1].usage
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens
    assert usage.prompt_tokens_details.cached_tokens == 0
    assert usage.prompt_tokens_details.cache_write_tokens == 0
    assert usage.completion_tokens_details.reasoning_tokens == 0
    assert emulator.requests[-1].usage == usage.model_dump(exclude_unset=True)


async def test_stream_without_include_usage_has_no_usage_chunk(openai_client, emulator):
    emulator.queue(Reply(text="Plain answer."))
    stream = await openai_client.chat.completions.create(
        model="gpt-4.1-mini", messages=USER, stream=True)
    chunks, text = await _collect(stream)

    assert text == "Plain answer."
    assert all(c.choices and c.usage is None for c in chunks)
    assert chunks[-1].choices[0].finish_reason == "stop"


async def test_wire_is_data_lines_only_then_done(openai_client):
    async with openai_client.chat.completions.with_streaming_response.create(
        model="gpt-4.1-mini", messages=USER, stream=True, stream_options={"include_usage": True}
    ) as response:
        raw = (await response.read()).decode()
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["transfer-encoding"] == "chunked"

    frames = [f for f in raw.split("\n\n") if f]
    assert all(f.startswith("data: ") for f in frames)
    assert "event:" not in raw
    assert frames[-1] == "data: [DONE]"
    assert json.loads(frames[-2][6:])["choices"] == []


async def test_non_stream_default_reply_describes_the_request(openai_client, emulator):
    messages = [{"role": "system", "content": "Be brief."}, *USER,
                {"role": "assistant", "content": "Hello!"}]
    completion = await openai_client.chat.completions.create(model="gpt-4.1-mini",
                                                             messages=messages)

    text = completion.choices[0].message.content
    prompt = completion.usage.prompt_tokens
    assert text.startswith(f"Emulated reply: I received 3 messages (≈{prompt:,} tokens) for "
                           "model gpt-4.1-mini.")
    assert "**endpoint**" in text and "emulator" in text
    assert completion.object == "chat.completion"
    assert completion.choices[0].finish_reason == "stop"
    assert emulator.requests[-1].status == 200


TOOLS = [{"type": "function", "function": {"name": "get_weather", "parameters": {
    "type": "object", "properties": {"city": {"type": "string"}}}}}]


async def test_tool_calls_stream_as_deltas(openai_client, emulator):
    emulator.queue(Reply(tool_calls=[ToolCall("get_weather", {"city": "Paris"}, id="call_1")]))
    stream = await openai_client.chat.completions.create(
        model="gpt-4.1-mini", messages=USER, tools=TOOLS, stream=True)
    chunks = [c async for c in stream]

    first = chunks[0].choices[0].delta
    assert first.role == "assistant" and first.content is None
    assert (first.tool_calls[0].id, first.tool_calls[0].function.name) == ("call_1", "get_weather")
    arguments = "".join(d.function.arguments for c in chunks for d in
                        (c.choices[0].delta.tool_calls or []))
    assert json.loads(arguments) == {"city": "Paris"}
    assert len(chunks) > 3  # the arguments arrive in several pieces
    assert chunks[-1].choices[0].finish_reason == "tool_calls"


async def test_tool_calls_non_stream_after_text(openai_client, emulator):
    emulator.queue(Reply(text="Let me check.", tool_calls=[{"name": "get_weather",
                                                             "arguments": {"city": "Oslo"}}]))
    completion = await openai_client.chat.completions.create(
        model="gpt-4.1-mini", messages=USER, tools=TOOLS)

    message = completion.choices[0].message
    assert message.content == "Let me check."
    assert message.tool_calls[0].function.name == "get_weather"
    assert json.loads(message.tool_calls[0].function.arguments) == {"city": "Oslo"}
    assert message.tool_calls[0].id.startswith("call_")
    assert completion.choices[0].finish_reason == "tool_calls"


async def test_reasoning_tokens_count_as_completion_tokens(openai_client, emulator):
    emulator.queue(Reply(text="Forty-two.", reasoning_tokens=64))
    completion = await openai_client.chat.completions.create(model="o4-mini", messages=USER)

    usage = completion.usage
    assert usage.completion_tokens_details.reasoning_tokens == 64
    assert usage.completion_tokens > 64


async def test_output_limit_cuts_the_reply_with_finish_reason_length(openai_client, emulator):
    emulator.queue(Reply(text="one two three four five six seven eight nine ten"))
    completion = await openai_client.chat.completions.create(
        model="gpt-4.1-mini", messages=USER, max_completion_tokens=4)

    assert completion.choices[0].finish_reason == "length"
    assert completion.choices[0].message.content == "one two three "  # "three" is 2 tokens
    assert completion.usage.completion_tokens == 4


async def test_gemini_compatible_endpoint_reports_implicit_cache(emulator):
    system = " ".join(f"Gemini context sentence number {i}." for i in range(220))
    messages = [{"role": "system", "content": system}, *USER]
    async with openai.AsyncOpenAI(api_key="AIza-test", base_url=emulator.gemini_base_url,
                                  max_retries=0) as client:
        first = await client.chat.completions.create(model="gemini-2.5-flash",
                                                     messages=messages)
        second = await client.chat.completions.create(
            model="gemini-2.5-flash",
            messages=messages + [{"role": "assistant", "content": "Hi."}, *USER])

    assert emulator.requests[-1].path == "/v1beta/openai/chat/completions"
    assert first.usage.prompt_tokens >= 1024
    assert first.usage.prompt_tokens_details.cached_tokens == 0
    # implicit caching: the whole earlier prompt, not rounded to 128-token steps
    assert second.usage.prompt_tokens_details.cached_tokens == first.usage.prompt_tokens
    assert second.usage.prompt_tokens_details.cache_write_tokens is None


async def test_long_markdown_reply_streams_1000_chunks(openai_client, emulator):
    emulator.queue(Reply.long_markdown(chunks=1000, approx_tokens=6000))
    stream = await openai_client.chat.completions.create(
        model="gpt-4.1-mini", messages=USER, stream=True, stream_options={"include_usage": True})
    chunks, text = await _collect(stream)

    content = [c for c in chunks if c.choices and c.choices[0].delta.content]
    assert len(content) == 1000
    assert text.startswith("# A long emulated answer") and "```python" in text
    assert 6000 <= chunks[-1].usage.completion_tokens < 6300

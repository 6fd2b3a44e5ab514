"""Faults on demand, as the real SDKs experience them."""

import asyncio
import json
import time

import anthropic
import httpx2
import openai
import pytest

from chattui.emulator import Fault, Reply

USER = [{"role": "user", "content": "Hi"}]
WORDS = Reply(text="one two three four five six seven eight")


async def test_drop_mid_stream_openai_sees_partial_text_then_an_error(openai_client, emulator):
    emulator.queue(Fault(drop_after=4, reply=WORDS))
    seen = []
    with pytest.raises(openai.APIConnectionError):
        stream = await openai_client.chat.completions.create(model="gpt-4.1-mini",
                                                             messages=USER, stream=True)
        async for chunk in stream:
            seen.append(chunk.choices[0].delta.content)

    assert seen == ["", "one ", "two ", "three "]  # role chunk + 3 words, then the socket closed


async def test_drop_mid_stream_anthropic(anthropic_client, emulator):
    emulator.queue(Fault(drop_after=5, reply=WORDS))
    seen = []
    with pytest.raises(anthropic.APIConnectionError):
        async with anthropic_client.messages.stream(model="claude-sonnet-5", max_tokens=64,
                                                    messages=USER) as stream:
            async for text in stream.text_stream:
                seen.append(text)

    assert seen == ["one ", "two "]


async def test_drop_before_a_json_answer(openai_client, emulator):
    emulator.queue(Fault.drop(after=0))
    with pytest.raises(openai.APIConnectionError):
        await openai_client.chat.completions.create(model="gpt-4.1-mini", messages=USER)
    ok = await openai_client.chat.completions.create(model="gpt-4.1-mini", messages=USER)

    assert ok.choices[0].message.content.startswith("Emulated reply")


async def test_rate_limit_with_retry_after(openai_client, emulator):
    emulator.queue(Fault.rate_limit(retry_after=7))
    with pytest.raises(openai.RateLimitError) as caught:
        await openai_client.chat.completions.create(model="gpt-4.1-mini", messages=USER)

    assert caught.value.status_code == 429
    assert caught.value.response.headers["retry-after"] == "7"
    assert caught.value.body["type"] == "requests"
    assert [r.status for r in emulator.requests] == [429]


async def test_sdk_retries_after_the_server_directed_delay(emulator):
    emulator.queue(Fault.rate_limit(retry_after=0.05), Reply(text="Second time lucky."))
    async with openai.AsyncOpenAI(api_key="k", base_url=emulator.openai_base_url,
                                  max_retries=1) as client:
        reply = await client.chat.completions.create(model="gpt-4.1-mini", messages=USER)

    assert reply.choices[0].message.content == "Second time lucky."
    assert [r.status for r in emulator.requests] == [429, 200]


async def test_sdk_gives_up_on_a_retry_after_longer_than_it_will_wait(emulator):
    emulator.queue(Fault.rate_limit(retry_after=3600))
    async with openai.AsyncOpenAI(api_key="k", base_url=emulator.openai_base_url,
                                  max_retries=2) as client:
        with pytest.raises(openai.RateLimitError):
            await client.chat.completions.create(model="gpt-4.1-mini", messages=USER)

    assert len(emulator.requests) == 1


async def test_fault_for_n_requests(emulator):
    emulator.queue(Fault(status=500, retry_after=0.01, times=2))
    async with anthropic.AsyncAnthropic(api_key="k", base_url=emulator.base_url,
                                        max_retries=2) as client:
        message = await client.messages.create(model="claude-sonnet-5", max_tokens=256,
                                               messages=USER)

    assert message.stop_reason == "end_turn"
    assert [r.status for r in emulator.requests] == [500, 500, 200]


async def test_server_error_in_each_provider_shape(openai_client, anthropic_client, emulator):
    emulator.queue(Fault.server_error(), Fault.server_error())
    with pytest.raises(openai.InternalServerError) as from_openai:
        await openai_client.chat.completions.create(model="gpt-4.1-mini", messages=USER)
    with pytest.raises(anthropic.InternalServerError) as from_anthropic:
        await anthropic_client.messages.create(model="claude-sonnet-5", max_tokens=64,
                                               messages=USER)

    assert from_openai.value.body["type"] == "server_error"
    assert from_anthropic.value.body["error"]["type"] == "api_error"
    assert from_anthropic.value.body["request_id"] == from_anthropic.value.request_id


async def test_unauthorized(openai_client, anthropic_client, emulator):
    emulator.queue(Fault.unauthorized(), Fault.unauthorized())
    with pytest.raises(openai.AuthenticationError) as from_openai:
        await openai_client.responses.create(model="gpt-4.1-mini", input="Hi")
    with pytest.raises(anthropic.AuthenticationError) as from_anthropic:
        await anthropic_client.messages.create(model="claude-sonnet-5", max_tokens=64,
                                               messages=USER)

    assert from_openai.value.status_code == 401
    assert from_anthropic.value.body["error"]["type"] == "authentication_error"


async def test_missing_key_is_401_in_openai_shape(emulator):
    async with httpx2.AsyncClient() as http:
        response = await http.post(emulator.openai_base_url + "/chat/completions",
                                   json={"model": "gpt-4.1-mini", "messages": USER})

    assert response.status_code == 401
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert "API key" in error["message"]


async def test_slow_first_byte_trips_the_client_timeout(emulator):
    emulator.queue(Fault.slow_first_byte(0.6))
    async with openai.AsyncOpenAI(api_key="k", base_url=emulator.openai_base_url,
                                  max_retries=0, timeout=0.2) as client:
        with pytest.raises(openai.APITimeoutError):
            await client.chat.completions.create(model="gpt-4.1-mini", messages=USER)


async def test_slow_first_byte_then_a_normal_answer(openai_client, emulator):
    emulator.queue(Fault.slow_first_byte(0.3))
    started = time.monotonic()
    reply = await openai_client.chat.completions.create(model="gpt-4.1-mini", messages=USER)

    assert time.monotonic() - started >= 0.3
    assert reply.choices[0].message.content.startswith("Emulated reply")


async def test_slow_stream_is_paced(openai_client, emulator):
    emulator.queue(Fault(chunks_per_second=40, reply=Reply(text="a b c d e f")))
    started = time.monotonic()
    stream = await openai_client.chat.completions.create(model="gpt-4.1-mini", messages=USER,
                                                         stream=True)
    chunks = [chunk async for chunk in stream]
    elapsed = time.monotonic() - started

    assert len(chunks) == 8  # role, 6 words, finish (+ [DONE] on the wire)
    assert elapsed >= 9 / 40 * 0.9


async def test_malformed_json_in_the_stream(openai_client, anthropic_client, emulator):
    emulator.queue(Fault.malformed(after=2), Fault.malformed(after=3))
    with pytest.raises(json.JSONDecodeError):
        stream = await openai_client.chat.completions.create(model="gpt-4.1-mini",
                                                             messages=USER, stream=True)
        _ = [chunk async for chunk in stream]
    with pytest.raises(json.JSONDecodeError):
        async with anthropic_client.messages.stream(model="claude-sonnet-5", max_tokens=64,
                                                    messages=USER) as stream:
            await stream.get_final_message()

    assert [r.fault.malformed_after for r in emulator.requests] == [2, 3]


async def test_a_frozen_clock_holds_a_paced_stream_until_it_is_advanced(openai_client, emulator):
    emulator.freeze_clock()
    emulator.queue(Fault(chunks_per_second=10, reply=Reply(text="a b c d e f")))
    stream = await openai_client.chat.completions.create(model="gpt-4.1-mini", messages=USER,
                                                         stream=True)
    chunks = aiter(stream)
    first = await anext(chunks)  # the first chunk goes out at once…
    assert first.choices[0].delta.role == "assistant"
    with pytest.raises(asyncio.TimeoutError):  # …the next one waits for the clock, however long
        await asyncio.wait_for(asyncio.shield(pending := asyncio.ensure_future(anext(chunks))),
                               0.3)
    emulator.advance(0.1)  # one chunk's worth
    second = await pending
    assert second.choices[0].delta.content == "a "
    emulator.advance(60)
    rest = [chunk async for chunk in chunks]
    assert len(rest) == 6  # 5 words and the finish

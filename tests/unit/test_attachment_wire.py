"""Images on the wire: each adapter's body, byte-identical resends through the real SDKs
against the emulator, the emulator's image token count, and its 400s for bad parts."""

from __future__ import annotations

import base64
import json

import anthropic
import openai
import pytest

from chattui.core import attachments as images
from chattui.core.chat import ChatSession
from chattui.core.request import ChatMessage, ChatRequest
from chattui.emulator import Emulator
from chattui.emulator import images as emulated
from chattui.providers.anthropic import AnthropicProvider
from chattui.providers.openai_chat import OpenAIChatProvider
from chattui.providers.openai_responses import OpenAIResponsesProvider
from chattui.providers.registry import make_provider
from chattui.store import Store

from tests.image_files import png, write
from tests.unit.sessions import ignore

KEY = "sk-test-images-000000000"
APIS = {  # api: (provider name, make_provider api, model, history field)
    "chat": ("openai", "chat", "gpt-4.1-mini", "messages"),
    "responses": ("openai", "responses", "gpt-4.1-mini", "input"),
    "anthropic": ("anthropic", "chat", "claude-sonnet-5", "messages"),
}


def loaded_request(tmp_path, *, url: bool = False) -> tuple[ChatRequest, str]:
    data = png((7, 8, 9))
    attachment = images.attach("https://example.com/cat.png" if url else
                               str(write(tmp_path / "cat.png", data)))
    request = ChatRequest("m", (ChatMessage("user", "What is this?", attachments=(attachment,)),))
    return images.load(request), base64.b64encode(data).decode()


def test_chat_completions_sends_text_then_an_image_url_part_with_its_detail(tmp_path):
    request, data = loaded_request(tmp_path)
    body = OpenAIChatProvider("openai", KEY).body(request)
    assert body["messages"] == [{"role": "user", "content": [
        {"type": "text", "text": "What is this?"},
        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{data}", "detail": "auto"}},
    ]}]
    request, _ = loaded_request(tmp_path, url=True)
    part = OpenAIChatProvider("openai", KEY).body(request)["messages"][0]["content"][1]
    assert part == {"type": "image_url", "image_url": {"url": "https://example.com/cat.png", "detail": "auto"}}


def test_responses_sends_input_text_then_input_image(tmp_path):
    request, data = loaded_request(tmp_path)
    body = OpenAIResponsesProvider("openai", KEY).body(request)
    assert body["input"] == [{"role": "user", "content": [
        {"type": "input_text", "text": "What is this?"},
        {"type": "input_image", "image_url": f"data:image/png;base64,{data}", "detail": "auto"},
    ]}]


def test_anthropic_sends_the_image_block_first_and_a_url_as_a_url_source(tmp_path):
    request, data = loaded_request(tmp_path)
    body = AnthropicProvider("anthropic", KEY).body(request)
    assert body["messages"] == [{"role": "user", "content": [
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": data}},
        {"type": "text", "text": "What is this?", "cache_control": {"type": "ephemeral"}},
    ]}]
    request, _ = loaded_request(tmp_path, url=True)
    block = AnthropicProvider("anthropic", KEY).body(request)["messages"][0]["content"][0]
    assert block == {"type": "image", "source": {"type": "url", "url": "https://example.com/cat.png"}}


def test_an_adapter_refuses_a_file_that_was_not_loaded(tmp_path):
    attachment = images.attach(str(write(tmp_path / "cat.png")))
    request = ChatRequest("m", (ChatMessage("user", "hi", attachments=(attachment,)),))
    for provider in (OpenAIChatProvider("openai", KEY), AnthropicProvider("anthropic", KEY)):
        with pytest.raises(images.AttachmentError, match="was not read before sending"):
            provider.body(request)


# through the real SDKs


def raw(body: bytes, key: str) -> bytes:
    value = json.dumps(json.loads(body)[key], separators=(",", ":"), ensure_ascii=False).encode()
    assert f'"{key}":'.encode() + value in body
    return value.replace(b',"cache_control":{"type":"ephemeral"}', b"")


def session_for(api: str, emulator: Emulator, store: Store, conversation=None) -> ChatSession:
    name, flavour, model, _ = APIS[api]
    url = emulator.base_url if name == "anthropic" else emulator.openai_base_url
    return ChatSession(store, make_provider(name, KEY, url, api=flavour), provider_name=name,
                       model=model, base_url=url, conversation=conversation)


@pytest.mark.parametrize("api", APIS)
async def test_turns_after_an_image_resend_it_byte_for_byte(api, emulator, tmp_path):
    field = APIS[api][3]
    data = png((40, 50, 60))
    attachment = images.attach(str(write(tmp_path / "cat.png", data)))
    store = Store(tmp_path / "c.db")
    session = session_for(api, emulator, store)
    first = await session.send("What is in this picture?", ignore, (attachment,))
    second = await session.send("And its colour?", ignore)
    assert (first.turn.status, second.turn.status) == ("complete", "complete")
    bodies = [r.body for r in emulator.requests]
    encoded = base64.b64encode(data)
    assert all(body.count(encoded) == 1 for body in bodies)
    before, after = raw(bodies[0], field), raw(bodies[1], field)
    assert after.startswith(before[:-1]) and len(after) > len(before)
    image_tokens = emulated.ANTHROPIC_TOKENS if api == "anthropic" else emulated.HIGH_TOKENS
    assert image_tokens < first.turn.usage.input_total < image_tokens + 60

    images._cache.clear()  # a restart: the file is read again, the bytes are the same
    restarted = session_for(api, emulator, Store(tmp_path / "c.db"),
                            store.get_conversation(session.conversation.id))
    await restarted.send("One more.", ignore)
    assert raw(emulator.requests[-1].body, field).startswith(after[:-1])


async def test_a_missing_file_sends_nothing_and_keeps_the_message_for_a_retry(emulator, tmp_path):
    path = write(tmp_path / "cat.png")
    session = session_for("chat", emulator, Store(tmp_path / "c.db"))
    await session.send("Look", ignore, (images.attach(str(path)),))
    moved = path.rename(tmp_path / "elsewhere.png")
    with pytest.raises(images.AttachmentError, match="cat.png is missing") as failure:
        await session.send("And now?", ignore)
    assert failure.value.kept and len(emulator.requests) == 1
    assert [m.content for m in session.messages() if m.role == "user"] == ["Look", "And now?"]
    assert len(session.turns()) == 1  # no turn was started for it
    moved.rename(path)
    outcome = await session.retry(ignore)
    assert outcome.turn.status == "complete" and len(emulator.requests) == 2


async def test_a_text_only_model_rejects_the_image_and_the_turn_says_why(tmp_path):
    with Emulator(text_only_models={"llama3.2"}) as emu:
        session = ChatSession(Store(tmp_path / "c.db"),
                              make_provider("openai-compatible", None, emu.openai_base_url, api="chat"),
                              provider_name="openai-compatible", model="llama3.2",
                              base_url=emu.openai_base_url)
        outcome = await session.send("What is it?", ignore,
                                     (images.attach(str(write(tmp_path / "a.png"))),))
        await session.provider.aclose()
    assert outcome.turn.status == "failed"
    assert "image_url is only supported by certain models" in outcome.turn.error
    assert outcome.turn.error.endswith("(this request carries images: llama3.2 may not accept them)")


# the emulator's 400s, through the real SDKs


def data_url(data: bytes, media_type: str = "image/png") -> str:
    return f"data:{media_type};base64,{base64.b64encode(data).decode()}"


@pytest.mark.parametrize("image_url, code, param", [
    ({"url": data_url(b"plain text", "text/plain")}, "invalid_image_format", "messages[0].content[1].image_url.url"),
    ({"url": data_url(png()), "detail": "medium"}, "invalid_value", "messages[0].content[1].image_url.detail"),
    ({"url": "not a url"}, "invalid_value", "messages[0].content[1].image_url.url"),
    ({"detail": "low"}, "missing_required_parameter", "messages[0].content[1].image_url.url"),
])
async def test_chat_rejects_malformed_image_parts(openai_client, image_url, code, param):
    content = [{"type": "text", "text": "hi"}, {"type": "image_url", "image_url": image_url}]
    with pytest.raises(openai.BadRequestError) as failure:
        await openai_client.chat.completions.create(
            model="gpt-4.1-mini", messages=[{"role": "user", "content": content}])
    assert (failure.value.code, failure.value.param) == (code, param)


async def test_chat_accepts_a_url_and_a_data_url_at_low_detail(openai_client):
    content = [{"type": "image_url", "image_url": {"url": "https://example.com/a.png", "detail": "low"}},
               {"type": "image_url", "image_url": {"url": data_url(png()), "detail": "low"}}]
    reply = await openai_client.chat.completions.create(
        model="gpt-4.1-mini", messages=[{"role": "user", "content": content}])
    assert 2 * emulated.LOW_TOKENS < reply.usage.prompt_tokens < 2 * emulated.LOW_TOKENS + 20


async def test_responses_requires_the_detail_of_an_input_image(openai_client):
    item = {"role": "user", "content": [{"type": "input_image", "image_url": data_url(png())}]}
    with pytest.raises(openai.BadRequestError) as failure:
        await openai_client.responses.create(model="gpt-4.1-mini", input=[item])
    assert (failure.value.code, failure.value.param) == ("missing_required_parameter",
                                                        "input[0].content[0].detail")


@pytest.mark.parametrize("source, message", [
    ({"type": "base64", "media_type": "image/jpeg", "data": base64.b64encode(png()).decode()},
     "messages.0.content.0.image.source.base64.data: Image does not match the provided media type image/jpeg"),
    ({"type": "base64", "media_type": "image/bmp", "data": "AAAA"},
     "messages.0.content.0.image.source.base64.media_type: Input should be"),
    ({"type": "base64", "media_type": "image/png", "data": "not base64!"},
     "messages.0.content.0.image.source.base64.data: invalid base64 data"),
    ({"type": "url", "url": "ftp://example.com/a.png"}, "messages.0.content.0.image.source.url"),
])
async def test_anthropic_rejects_malformed_image_blocks(anthropic_client, source, message):
    with pytest.raises(anthropic.BadRequestError) as failure:
        await anthropic_client.messages.create(
            model="claude-sonnet-5", max_tokens=50,
            messages=[{"role": "user", "content": [{"type": "image", "source": source}]}])
    error = failure.value.body["error"]
    assert error["type"] == "invalid_request_error" and error["message"].startswith(message)

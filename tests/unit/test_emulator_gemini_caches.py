"""The emulator's Gemini explicit caches, driven by the real google-genai SDK
(`/v1beta/cachedContents`) and the real openai SDK (Gemini's compatible chat endpoint)."""

from __future__ import annotations

import pytest

from chattui.core import tokens
from chattui.emulator import Emulator, GeminiRules, Rules
from chattui.core.provider import CACHED_CONTENT_NOT_FOUND
from chattui.providers.errors import from_sdk

genai = pytest.importorskip("google.genai")
from google.genai import errors as genai_errors, types  # noqa: E402

MODEL = "gemini-2.5-flash"
SYSTEM = "You are a careful copy editor. " * 200


@pytest.fixture
def caches(emulator):
    client = genai.Client(api_key="gk-test", http_options=types.HttpOptions(
        base_url=emulator.base_url, api_version="v1beta"))
    return client.aio.caches


@pytest.fixture
async def gemini_chat(emulator):
    import openai

    async with openai.AsyncOpenAI(api_key="gk-test", base_url=emulator.gemini_base_url,
                                  max_retries=0) as client:
        yield client


async def make(caches, ttl: str = "600s", **config):
    return await caches.create(model=MODEL, config=types.CreateCachedContentConfig(
        system_instruction=SYSTEM, ttl=ttl, display_name="editor", **config))


def cache_body(name: str) -> dict:
    return {"extra_body": {"extra_body": {"google": {"cached_content": name}}}}


async def test_create_get_list_update_delete_with_the_sdk(caches, emulator):
    cache = await make(caches, contents=[types.Content(role="user", parts=[types.Part(text="A file.")])])
    create = emulator.requests[-1]
    assert (create.method, create.path) == ("POST", "/v1beta/cachedContents")
    assert create.headers["x-goog-api-key"] == "<redacted>"
    assert create.json["model"] == f"models/{MODEL}" and create.json["ttl"] == "600s"
    assert cache.name.startswith("cachedContents/") and cache.model == f"models/{MODEL}"
    assert cache.display_name == "editor"
    assert cache.usage_metadata.total_token_count == tokens.count(SYSTEM).n + tokens.count("A file.").n
    assert (cache.expire_time - cache.create_time).total_seconds() == pytest.approx(600, abs=1)

    got = await caches.get(name=cache.name)
    assert got.name == cache.name and got.usage_metadata.total_token_count == cache.usage_metadata.total_token_count
    assert [c.name async for c in await caches.list()] == [cache.name]

    updated = await caches.update(name=cache.name, config=types.UpdateCachedContentConfig(ttl="7200s"))
    assert emulator.requests[-1].method == "PATCH"
    assert (updated.expire_time - cache.expire_time).total_seconds() == pytest.approx(6600, abs=2)

    await caches.delete(name=cache.name)
    assert [c async for c in await caches.list()] == []
    with pytest.raises(genai_errors.ClientError) as gone:
        await caches.get(name=cache.name)
    assert (gone.value.code, gone.value.status) == (403, "PERMISSION_DENIED")
    assert "CachedContent not found" in gone.value.message


async def test_a_cache_expires_on_the_emulator_clock(caches, emulator):
    cache = await make(caches, ttl="300s")
    emulator.advance(299)
    assert (await caches.get(name=cache.name)).name == cache.name
    emulator.advance(2)
    assert [c async for c in await caches.list()] == []
    for call in (caches.get(name=cache.name), caches.delete(name=cache.name),
                 caches.update(name=cache.name, config=types.UpdateCachedContentConfig(ttl="60s"))):
        with pytest.raises(genai_errors.ClientError, match="PERMISSION_DENIED"):
            await call


async def test_too_small_and_bad_ttl_are_400(caches):
    with pytest.raises(genai_errors.ClientError, match="Cached content is too small") as small:
        await caches.create(model=MODEL, config=types.CreateCachedContentConfig(
            system_instruction="Short.", ttl="60s"))
    assert small.value.code == 400
    with pytest.raises(genai_errors.ClientError, match="ttl"):
        await make(caches, ttl="ten minutes")


async def test_a_smaller_minimum_is_a_rule_away():
    with Emulator(rules=Rules(gemini=GeminiRules(explicit_min_tokens=1))) as emu:
        client = genai.Client(api_key="k", http_options=types.HttpOptions(
            base_url=emu.base_url, api_version="v1beta"))
        cache = await client.aio.caches.create(model=MODEL, config={"system_instruction": "Hi."})
        assert cache.usage_metadata.total_token_count >= 1
        assert (cache.expire_time - cache.create_time).total_seconds() == pytest.approx(3600, abs=1)
        await client.aio.aclose()


async def test_chat_with_a_cache_counts_it_inside_the_prompt(caches, gemini_chat, emulator):
    cache = await make(caches)
    cached = cache.usage_metadata.total_token_count
    hi = [{"role": "user", "content": "Hello"}]
    plain = await gemini_chat.chat.completions.create(model=MODEL, messages=hi)
    reply = await gemini_chat.chat.completions.create(model=MODEL, messages=hi, **cache_body(cache.name))
    assert emulator.requests[-1].json["extra_body"] == {"google": {"cached_content": cache.name}}
    assert reply.usage.prompt_tokens == plain.usage.prompt_tokens + cached
    assert reply.usage.prompt_tokens_details.cached_tokens == cached
    stream = await gemini_chat.chat.completions.create(
        model=MODEL, messages=hi, stream=True, stream_options={"include_usage": True},
        **cache_body(cache.name))
    usage = [chunk.usage async for chunk in stream if chunk.usage][-1]
    assert (usage.prompt_tokens, usage.prompt_tokens_details.cached_tokens) == (
        reply.usage.prompt_tokens, cached)


@pytest.mark.parametrize("extra", [
    {"messages": [{"role": "system", "content": "S"}, {"role": "user", "content": "Hi"}]},
    {"tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}]},
])
async def test_a_cache_with_a_system_prompt_or_tools_is_rejected(caches, gemini_chat, extra):
    import openai

    cache = await make(caches)
    request = {"model": MODEL, "messages": [{"role": "user", "content": "Hi"}], **extra}
    with pytest.raises(openai.BadRequestError, match="CachedContent can not be used") as error:
        await gemini_chat.chat.completions.create(**request, **cache_body(cache.name))
    assert (error.value.status_code, error.value.body["status"]) == (400, "INVALID_ARGUMENT")


async def test_a_cache_of_another_model_is_rejected(caches, gemini_chat):
    import openai

    cache = await make(caches)
    with pytest.raises(openai.BadRequestError, match="has to be the same"):
        await gemini_chat.chat.completions.create(
            model="gemini-2.5-pro", messages=[{"role": "user", "content": "Hi"}],
            **cache_body(cache.name))


async def test_a_gone_cache_on_the_chat_endpoint_maps_to_its_own_kind(caches, gemini_chat, emulator):
    import openai

    cache = await make(caches, ttl="60s")
    emulator.advance(61)
    with pytest.raises(openai.PermissionDeniedError) as error:
        await gemini_chat.chat.completions.create(
            model=MODEL, messages=[{"role": "user", "content": "Hi"}], **cache_body(cache.name))
    mapped = from_sdk(error.value, MODEL)
    assert mapped.kind == CACHED_CONTENT_NOT_FOUND and "CachedContent not found" in mapped.message

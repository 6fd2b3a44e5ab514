"""A conversation bound to a Gemini explicit cache: created with the real google-genai SDK,
used by turns through the real openai SDK on Gemini's compatible endpoint, extended,
deleted; a gone or expired cache never loses a turn. All against the emulator."""

from __future__ import annotations

import json
import sys

import pytest

from chattui.core.chat import ChatSession
from chattui.core.gemini_caches import GeminiCaches
from chattui.core.personas import load_personas
from chattui.core.provider import ProviderError
from chattui.providers.gemini_cache import GeminiCacheClient
from chattui.providers.registry import make_provider
from chattui.store import Store
from tests.unit.sessions import ignore

MODEL = "gemini-2.5-flash"
RATES = {"input": 0.30, "cache_read": 0.03, "output": 2.50}
"""gemini-2.5-flash in genai-prices' bundled data, USD per million tokens."""


@pytest.fixture
def library(tmp_path):
    return load_personas(tmp_path, tmp_path)


@pytest.fixture
async def setup(emulator, tmp_path, library):
    """(session on Gemini with the styleguide persona, cache service, store)."""
    store = Store(tmp_path / "c.db")
    persona = library.get("styleguide")
    conversation = store.create_conversation("gemini", MODEL, persona.name)
    session = ChatSession(store, make_provider("gemini", "gk-test", emulator.gemini_base_url),
                          provider_name="gemini", model=MODEL, base_url=emulator.gemini_base_url,
                          persona=persona, conversation=conversation)
    service = GeminiCaches(GeminiCacheClient("gk-test", emulator.gemini_base_url), store)
    yield session, service, store
    await service.aclose()
    await session.provider.aclose()
    store.close()


def last_chat(emulator) -> dict:
    return [r for r in emulator.requests if r.path.endswith("/chat/completions")][-1].json


async def test_a_bound_cache_is_used_extended_deleted_then_the_persona_goes_inline(setup, emulator):
    session, service, store = setup
    info = await service.create(session.persona, MODEL, 1800)
    listed = await service.list()
    assert [c.name for c in listed] == [info.name] and listed[0].tokens == info.tokens > 1024
    assert listed[0].expires - listed[0].created == pytest.approx(1800, abs=2)
    assert await service.client.get(info.name) == info
    service.bind(session.conversation.id, info, session.persona)

    outcome = await session.send("Edit: the the fox.", ignore)
    body = last_chat(emulator)
    assert [m["role"] for m in body["messages"]] == ["user"] and "tools" not in body
    assert body["extra_body"] == {"google": {"cached_content": info.name}}
    usage = outcome.turn.usage
    assert usage.cache_read == info.tokens and usage.input_total > info.tokens  # cached ⊂ prompt
    expected = ((usage.input_total - usage.cache_read) * RATES["input"]
                + usage.cache_read * RATES["cache_read"] + usage.output * RATES["output"]) / 1e6
    assert outcome.cost.usd == pytest.approx(expected) and outcome.note is None
    assert store.turns(session.conversation.id)[-1].cost_usd == pytest.approx(expected)

    extended = await service.extend_by(info, 3600)
    assert extended.expires == pytest.approx(info.expires + 3600, abs=2)
    assert store.gemini_cache_binding(session.conversation.id).expires == extended.expires

    assert await service.delete(info.name) == 1  # the binding went with it
    assert await service.list() == []
    outcome = await session.send("And this one?", ignore)
    assert outcome.note is None and outcome.turn.usage.cache_read == 0
    assert last_chat(emulator)["messages"][0] == {"role": "system",
                                                  "content": session.persona.system}


async def test_a_cache_gone_at_gemini_falls_back_inline_once_and_says_so(setup, emulator):
    session, service, store = setup
    info = await service.create(session.persona, MODEL, 600)
    service.bind(session.conversation.id, info, session.persona)
    emulator.advance(601)  # expired at Gemini; chattui's own clock still says it lives

    outcome = await session.send("Edit: a a sentence.", ignore)
    assert outcome.turn.status == "complete" and outcome.turn.error is None
    assert "gone" in outcome.note and "persona sent inline" in outcome.note
    first, second = [r for r in emulator.requests if r.path.endswith("/chat/completions")][-2:]
    assert first.status == 403 and json.loads(first.body)["extra_body"]
    assert second.status == 200 and second.json["messages"][0]["role"] == "system"
    assert "extra_body" not in second.json and store.gemini_cache_binding(session.conversation.id) is None
    assert [m.role for m in session.messages()] == ["user", "assistant"]  # one reply, not two


async def test_an_expired_binding_is_dropped_before_sending(setup, emulator):
    session, service, store = setup
    info = await service.create(session.persona, MODEL, 600)
    past = type(info)(**{**info.__dict__, "expires": info.expires - 3600})
    service.bind(session.conversation.id, past, session.persona)

    outcome = await session.send("Hi", ignore)
    assert "expired at" in outcome.note and "binding dropped" in outcome.note
    assert "extra_body" not in last_chat(emulator)
    assert store.gemini_cache_binding(session.conversation.id) is None


async def test_another_persona_or_model_sends_inline_and_keeps_the_binding(setup, emulator, library):
    session, service, store = setup
    info = await service.create(session.persona, MODEL, 600)
    service.bind(session.conversation.id, info, session.persona)
    session.switch_persona(library.get("assistant"))
    assert session.request().cached_content is None
    await session.send("Hi", ignore)
    assert last_chat(emulator)["messages"][0]["content"] == library.get("assistant").system
    session.switch_persona(library.get("styleguide"))
    assert session.request().cached_content == info.name
    session.model = "gemini-2.5-pro"
    assert session.request().cached_content is None
    assert store.gemini_cache_binding(session.conversation.id).cache_name == info.name


async def test_other_providers_never_name_a_cache(setup, emulator):
    session, service, store = setup
    info = await service.create(session.persona, MODEL, 600)
    service.bind(session.conversation.id, info, session.persona)
    session.provider_name = "openai"
    assert session.request().cached_content is None


async def test_without_google_genai_every_call_says_what_to_install(emulator, monkeypatch):
    monkeypatch.setitem(sys.modules, "google.genai", None)  # `import` now raises ImportError
    client = GeminiCacheClient("gk-test", emulator.gemini_base_url)
    for call in (client.list(), client.delete("cachedContents/x")):
        with pytest.raises(ProviderError, match=r"install chattui\[gemini\]"):
            await call
    assert not [r for r in emulator.requests if "cachedContents" in r.path]

"""The byte-identical guarantee, checked on the bytes the real SDKs put on the wire.

Over a 6-turn conversation on each API, every request starts with the same frozen prefix
(tools, then system/instructions) and its history is a byte-extension of the previous
request's; a restart sends the same bytes; switching persona A → B → A returns to A's exact
prefix and the emulator's cache answers with cached tokens for it.
"""

from __future__ import annotations

import json

import pytest

from chattui.core.chat import ChatSession
from chattui.core.personas import load_personas
from chattui.providers.registry import make_provider
from chattui.store import Store

KEY = "sk-test-golden-0000000000"
APIS = {
    # api: (provider name, make_provider api, model, frozen fields, history field)
    "chat": ("openai", "chat", "gpt-4.1-mini", ("tools",), "messages"),
    "responses": ("openai", "responses", "gpt-4.1-mini", ("instructions", "tools"), "input"),
    "anthropic": ("anthropic", "chat", "claude-sonnet-5", ("system", "tools"), "messages"),
}


def raw(body: bytes, key: str) -> bytes:
    """The exact bytes of a top-level field's value as sent (b'' when absent)."""
    data = json.loads(body)
    if key not in data:
        return b""
    value = json.dumps(data[key], separators=(",", ":"), ensure_ascii=False).encode()
    assert f'"{key}":'.encode() + value in body
    return value


def unmarked(body: bytes, key: str) -> bytes:
    """History bytes without Anthropic's moving cache_control markers (the cache key ignores them)."""
    return raw(body, key).replace(b',"cache_control":{"type":"ephemeral"}', b"")


def frozen(body: bytes, fields: tuple[str, ...]) -> list[bytes]:
    return [raw(body, f) for f in fields]


def session_for(api: str, emulator, store: Store, persona, conversation=None) -> ChatSession:
    provider_name, flavour, model, _, _ = APIS[api]
    url = emulator.base_url if provider_name == "anthropic" else emulator.openai_base_url
    return ChatSession(store, make_provider(provider_name, KEY, url, api=flavour),
                       provider_name=provider_name, model=model, base_url=url, persona=persona,
                       conversation=conversation)


async def ignore(_fragment: str) -> None:
    pass


@pytest.fixture
def library(tmp_path):
    return load_personas(tmp_path, tmp_path)


@pytest.mark.parametrize("api", APIS)
async def test_six_turns_extend_the_same_prefix_byte_for_byte(api, emulator, tmp_path, library):
    _, _, _, frozen_fields, history_field = APIS[api]
    store = Store(tmp_path / "c.db")
    session = session_for(api, emulator, store, library.get("styleguide"))
    for turn in range(6):
        outcome = await session.send(f"Edit sentence {turn}: the the quick fox.", ignore)
        assert outcome.turn.status == "complete"
    bodies = [r.body for r in emulator.requests]
    assert len(bodies) == 6
    for earlier, later in zip(bodies, bodies[1:]):
        assert frozen(later, frozen_fields) == frozen(bodies[0], frozen_fields)
        before, after = unmarked(earlier, history_field), unmarked(later, history_field)
        assert after.startswith(before[:-1]) and len(after) > len(before)
    turns = session.turns()
    assert {t.meta.prefix_fingerprint for t in turns} == {library.get("styleguide").fingerprint()}
    assert all(t.usage.cache_read for t in turns[1:])  # the long persona prefix is cached

    # resumed after a restart: same store, new session, identical bytes
    restarted = session_for(api, emulator, Store(tmp_path / "c.db"), library.get("styleguide"),
                            conversation=store.get_conversation(session.conversation.id))
    await restarted.send("One more.", ignore)
    resumed = emulator.requests[-1].body
    assert frozen(resumed, frozen_fields) == frozen(bodies[0], frozen_fields)
    assert unmarked(resumed, history_field).startswith(unmarked(bodies[-1], history_field)[:-1])
    assert restarted.turns()[-1].usage.cache_read > 0


@pytest.mark.parametrize("api", APIS)
async def test_switching_a_to_b_to_a_returns_to_the_exact_prefix_and_hits(api, emulator, tmp_path, library):
    _, _, _, frozen_fields, _ = APIS[api]
    guide, support = library.get("styleguide"), library.get("support")
    session = session_for(api, emulator, Store(tmp_path / "c.db"), guide)
    await session.send("first", ignore)
    session.switch_persona(support)
    await session.send("second", ignore)
    session.switch_persona(guide)
    await session.send("third", ignore)
    a1, b, a2 = (r.body for r in emulator.requests)
    assert frozen(a2, frozen_fields) == frozen(a1, frozen_fields) != frozen(b, frozen_fields)
    first, second, third = session.turns()
    assert first.meta.prefix_fingerprint == third.meta.prefix_fingerprint == guide.fingerprint()
    assert second.meta.prefix_fingerprint == support.fingerprint()
    assert third.usage.cache_read > 0  # A's prefix is still warm in the provider's cache
    dividers = [m.content for m in session.messages() if m.role == "divider"]
    assert dividers == ["persona → support", "persona → styleguide"]

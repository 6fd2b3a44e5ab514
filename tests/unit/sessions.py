"""ChatSessions on chattui's emulator, for the unit tests of what goes on the wire."""

from __future__ import annotations

from pathlib import Path

from chattui.core.chat import ChatSession
from chattui.core.personas import Persona
from chattui.emulator import Emulator
from chattui.providers.registry import make_provider
from chattui.store import Store


async def ignore(text: str) -> None:
    """Where a reply streams when the test reads it from the store or the request log."""


def emulated_session(emulator: Emulator, folder: Path, provider: str = "openai", model: str = "gpt-5.6",
                     api: str = "chat", persona: Persona | None = None,
                     store: Store | None = None) -> ChatSession:
    """A session on `provider`'s API `api` at the emulator, storing in `folder` (one
    database per provider and API) unless given `store`."""
    base = emulator.base_url if provider == "anthropic" else emulator.openai_base_url
    adapter = make_provider(provider, "sk-test-key", base, api=api)
    return ChatSession(store or Store(folder / f"{provider}-{api}.db"), adapter,
                       provider_name=provider, model=model, persona=persona)

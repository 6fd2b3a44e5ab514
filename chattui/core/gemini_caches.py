"""Gemini explicit caches in use: the service the CLI and the caches screen call, and the
rules a chat session follows when its conversation is bound to a cache.

A cache is made from a persona (system prompt and tools) plus optional text files. A
conversation bound to it sends `cached_content` instead of the persona while the cache
lives, is on the same model and holds the persona now in use (same prefix fingerprint);
otherwise the persona goes inline as usual. When Gemini says the cache is gone, the turn
is sent again inline, the binding is dropped and the user is told.
"""

from __future__ import annotations

import time
from pathlib import Path
import builtins
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, Protocol

from chattui.core.explicit_cache import CacheBinding, CacheInfo, clock, describe, storage_rate
from chattui.core.personas import Persona
from chattui.core.provider import ProviderError
from chattui.core.storage import Store
from chattui.core.tools import Tool

if TYPE_CHECKING:
    from chattui.core.chat import ChatSession

GEMINI = "gemini"


class CacheClient(Protocol):
    """Gemini's cachedContents API (chattui.providers.gemini_cache.GeminiCacheClient).
    Every method raises ProviderError for what the user should read."""

    async def create(self, model: str, *, system: str | None = None, tools: Iterable[Tool] = (),
                     texts: Iterable[str] = (), ttl_seconds: int = 3600,
                     display_name: str | None = None) -> CacheInfo: ...

    async def list(self) -> list[CacheInfo]: ...

    async def get(self, name: str) -> CacheInfo: ...

    async def extend(self, name: str, ttl_seconds: int) -> CacheInfo: ...

    async def delete(self, name: str) -> None: ...

    async def aclose(self) -> None: ...


class GeminiCaches:
    """Create, list, extend and delete caches (through a GeminiCacheClient) and bind them
    to conversations (through the store, which may be None when there is no database)."""

    def __init__(self, client: CacheClient, store: Store | None = None, prices: Mapping[str, Any] | None = None,
                 now: Callable[[], float] = time.time) -> None:
        self.client = client
        self.store = store
        self.prices = prices or {}
        self.now = now

    async def list(self) -> list[CacheInfo]:
        """The caches this API key has, soonest to expire first."""
        caches = await self.client.list()
        return sorted(caches, key=lambda c: (c.expires is None, c.expires or 0.0, c.name))

    async def create(self, persona: Persona, model: str, ttl_seconds: int,
                     files: Iterable[Path] = (), display_name: str | None = None) -> CacheInfo:
        """Cache `persona`'s system prompt and tools, and each file's text, on `model`."""
        paths = [Path(f) for f in files]
        texts = [file_text(p) for p in paths]
        name = display_name or " + ".join([f"chattui {persona.name}", *(p.name for p in paths)])
        return await self.client.create(model, system=persona.system, tools=persona.tools,
                                        texts=texts, ttl_seconds=ttl_seconds,
                                        display_name=name[:128])

    async def extend(self, name: str, ttl_seconds: int) -> CacheInfo:
        """Let the cache live `ttl_seconds` from now; bindings learn the new expiry."""
        info = await self.client.extend(name, ttl_seconds)
        if self.store is not None:
            self.store.refresh_gemini_cache(info)
        return info

    async def extend_by(self, info: CacheInfo, seconds: int) -> CacheInfo:
        """Move the expiry `seconds` later than it is now (+1h on the screen)."""
        left = max(0.0, (info.expires or self.now()) - self.now())
        return await self.extend(info.name, round(left + seconds))

    async def delete(self, name: str) -> int:
        """Delete the cache and its bindings; how many bindings went. When Gemini no longer
        has it, the bindings go all the same and the ProviderError (not_found) is raised."""
        try:
            await self.client.delete(name)
        except ProviderError as exc:
            if exc.kind == "not_found":
                self._forget(name)
            raise
        return self._forget(name)

    def _forget(self, name: str) -> int:
        return self.store.forget_gemini_cache(name) if self.store is not None else 0

    def bind(self, conversation_id: str, info: CacheInfo, persona: Persona) -> CacheBinding:
        """Make the conversation send this cache instead of `persona` (which it holds)."""
        if self.store is None:
            raise KeyError(conversation_id)
        return self.store.bind_gemini_cache(conversation_id, info, persona.name,
                                            persona.fingerprint())

    def unbind(self, conversation_id: str) -> bool:
        return self.store is not None and self.store.unbind_gemini_cache(conversation_id)

    def binding(self, conversation_id: str | None) -> CacheBinding | None:
        if self.store is None or conversation_id is None:
            return None
        return self.store.gemini_cache_binding(conversation_id)

    def bound_to(self, name: str) -> builtins.list[str]:
        """Ids of the conversations bound to a cache."""
        if self.store is None:
            return []
        return [b.conversation_id for b in self.store.gemini_cache_bindings(name)]

    def rate(self, info: CacheInfo) -> float | None:
        return storage_rate(info.model, self.prices)

    def describe(self, info: CacheInfo) -> str:
        """`48,213 tok · expires 14:05 (in 52 min) · storage ≈ $0.05/h, $0.04 until expiry`."""
        return describe(info, self.rate(info), self.now())

    async def aclose(self) -> None:
        await self.client.aclose()


def file_text(path: Path) -> str:
    """A file's text, labelled with its name, as cached content. ValueError when it cannot
    be read as UTF-8 text."""
    try:
        text = Path(path).expanduser().read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"{path} is not a UTF-8 text file") from None
    except OSError as exc:
        raise ValueError(f"cannot read {path}: {exc.strerror or exc}") from None
    return f"File: {Path(path).name}\n\n{text}"


def short_name(name: str) -> str:
    """`cachedContents/abcdefgh…` shortened for a status line."""
    tail = name.removeprefix("cachedContents/")
    return tail if len(tail) <= 12 else tail[:10] + "…"


# what a ChatSession does with its binding


def _binding(session: ChatSession) -> CacheBinding | None:
    if session.provider_name != GEMINI or session.conversation is None:
        return None
    return session.store.gemini_cache_binding(session.conversation.id)


def active_binding(session: ChatSession) -> CacheBinding | None:
    """The binding the session's next request uses, or None (the persona goes inline)."""
    binding = _binding(session)
    if binding and binding.usable(session.model, session.prefix_fingerprint()):
        return binding
    return None


def cached_content(session: ChatSession) -> str | None:
    """The cache the session's next request names, or None (the persona goes inline)."""
    binding = active_binding(session)
    return binding.cache_name if binding else None


def state_text(binding: CacheBinding, now: float) -> str:
    """For the status bar: `explicit cache abcd… · 52:10 left`."""
    from chattui.core.insight.fmt import clock as countdown

    left = f"{countdown(binding.expires - now)} left" if binding.expires else "expiry ?"
    return f"explicit cache {short_name(binding.cache_name)} · {left}"


def drop_expired(session: ChatSession) -> str | None:
    """Drop a binding whose cache has expired by the clock; the note to show, if any."""
    binding = _binding(session)
    if binding is None or not binding.expired():
        return None
    session.store.unbind_gemini_cache(binding.conversation_id)
    return (f"Gemini cache {short_name(binding.cache_name)} expired at "
            f"{clock(binding.expires or 0, time.time())}: persona sent inline, binding dropped")


def drop_gone(session: ChatSession, name: str) -> str:
    """Gemini said the cache is gone: forget it; the note for the turn sent inline."""
    session.store.forget_gemini_cache(name)
    return (f"↺ Gemini cache {short_name(name)} is gone (expired or deleted): persona sent "
            "inline, binding dropped")

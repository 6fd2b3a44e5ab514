"""The cache TTL in force: what the requests actually carried, not a provider's default.

Each turn stores the bytes it sent ahead of the messages, `cache_ttl` among them
(core.prefix.stored_body). An entry lives for the TTL of the last request that wrote or
read it: Anthropic's "5m"/"1h", OpenAI's explicit "30m"/"12h" on GPT-5.6+; any other value
(None) means the provider's implicit cache and its own lifetime (core.insight.rules).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

from chattui.core import prefix
from chattui.core.models import CHAT, PING, Turn

if TYPE_CHECKING:
    from chattui.core.chat import ChatSession
    from chattui.core.storage import Store


def sent(store: Store, turn: Turn, name: str) -> str | None:
    """What `turn`'s request carried as `name` (`cache_ttl`, `prompt_cache_key`) ahead of
    its messages; None: nothing, or nothing stored."""
    body = prefix.sent_body(store, turn)
    value = body.get(name) if body else None
    return value if isinstance(value, str) else None


def sent_ttl(store: Store, turn: Turn) -> str | None:
    """The `cache_ttl` `turn`'s request carried."""
    return sent(store, turn, "cache_ttl")


def in_force(session: ChatSession, turns: Sequence[Turn]) -> str | None:
    """The TTL of the current prefix's cache entry: the one the latest request on this
    provider, model and prefix carried (a hit refreshes the entry with it); before any such
    request, the persona's (what the next one will carry)."""
    key = (session.provider_name, session.model, session.prefix_fingerprint())
    for turn in reversed(turns):
        meta = turn.meta
        if turn.kind in (CHAT, PING) and meta.prefix_hash and (
                meta.provider, meta.model, meta.prefix_fingerprint) == key:
            return sent_ttl(session.store, turn)
    return session.persona.cache_ttl if session.persona else None

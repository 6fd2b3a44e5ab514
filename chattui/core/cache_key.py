"""OpenAI's `prompt_cache_key`: which cache a request is routed to (PROVIDERS.md §1.4).

OpenAI routes by a hash of the prompt's start combined with this key. chattui's default is
one key per persona prefix, `chattui-<fingerprint>`, so every conversation of a persona
shares the provider's cache routing. A persona may name its own key (`prompt_cache_key =
"…"` in its front matter) or ask for one key per conversation (`"conversation"`).

Sent to OpenAI itself by default; to an OpenAI-compatible server only when the persona
names a key (other servers may reject or misread the field); never to Anthropic or Gemini.
The key a turn sent is stored with its prefix bytes (core.prefix.stored_body), so a
reopened conversation sends the same key, and a change is named before the send.
"""

from __future__ import annotations

PER_CONVERSATION = "conversation"
"""A persona's `prompt_cache_key` value meaning: a key of its own for each conversation."""
SENT_BY_DEFAULT = ("openai",)
"""Providers that get a key although the persona names none."""
ACCEPTED = ("openai", "openai-compatible")
"""Providers that get the key a persona names."""


def resolve(provider: str, fingerprint: str, override: str | None,
            conversation_id: str | None) -> str | None:
    """The key to send: the persona's own, one per conversation, or `chattui-<fingerprint>`;
    None where no key is sent (see the module docstring)."""
    if provider not in ACCEPTED or (override is None and provider not in SENT_BY_DEFAULT):
        return None
    if override == PER_CONVERSATION:
        return f"chattui-conv-{conversation_id}" if conversation_id else f"chattui-{fingerprint}"
    return override or f"chattui-{fingerprint}"


def change_note(sent: str | None, now: str | None) -> str | None:
    """The cache-miss cause of sending key `now` after `sent` (None: unchanged or unknown)."""
    if sent is None or now is None or sent == now:
        return None
    return f"prompt_cache_key changed ({sent} → {now}): OpenAI routes to another cache"

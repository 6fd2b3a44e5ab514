"""Claude through an OpenAI-compatible gateway (OpenRouter, LiteLLM): `cache_control`
passes through on content parts (PROVIDERS.md §5), so the Chat Completions body gets the
same breakpoints the Anthropic adapter places: the system prompt (which follows the tools
in Anthropic's render order, so it covers them), the user message before the latest, and
the latest message. Three, under Anthropic's limit of four.
"""

from __future__ import annotations

from typing import Any

from chattui.core.insight.rules import is_claude
from chattui.providers.anthropic import cache_control


def wants_markers(model: str) -> bool:
    """Claude models are the ones whose gateway routes honour `cache_control`."""
    return is_claude(model)


def mark(messages: list[dict[str, Any]], ttl: str | None) -> None:
    """Put breakpoints on the system message, the user message before the latest one,
    and the latest message (text becomes one text part; the marker goes on its last part)."""
    control = cache_control(ttl)
    targets = [m for m in messages[:1] if m["role"] == "system"]
    if messages and messages[-1]["role"] != "system":
        earlier = [m for m in messages[:-1] if m["role"] == "user"]
        targets += earlier[-1:] + [messages[-1]]
    for message in targets:
        _mark_last_part(message, control)


def _mark_last_part(message: dict[str, Any], control: dict[str, str]) -> None:
    content = message.get("content")
    if isinstance(content, str):
        message["content"] = [{"type": "text", "text": content, "cache_control": dict(control)}]
    elif isinstance(content, list) and content:
        content[-1] = {**content[-1], "cache_control": dict(control)}

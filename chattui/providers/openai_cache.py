"""OpenAI's explicit prompt caching on GPT-5.6+ (PROVIDERS.md §1.4, §2.1).

A persona's `cache_ttl` of "30m" or "12h" (OpenAI's TTLs; "5m"/"1h" are Anthropic's) asks
for it on models that take `prompt_cache_options`: the request says `{"mode": "explicit",
"ttl": …}` and marks its breakpoints with `prompt_cache_breakpoint` parts, at most two of
the four allowed: the end of the persona prefix (the system prompt, sent as one text part)
and the latest turn. Responses' `instructions` is a plain string that takes no breakpoint,
so there the system prompt goes as the first input item instead, a developer message
(`system_item`); along a `previous_response_id` chain it is sent once, at the chain's start,
since input items carry over (core.responses_system decides when a chain may go on). The
deprecated `prompt_cache_retention` is never sent with a TTL, not even from a persona's
params. Older models, and personas without an OpenAI TTL, keep the implicit caching.
"""

from __future__ import annotations

from typing import Any

from chattui.core.insight.rules import openai_56_or_later
from chattui.core.request import ChatRequest

OPENAI_TTLS = ("30m", "12h")


def explicit_ttl(request: ChatRequest) -> str | None:
    """The TTL of explicit breakpoints for `request`; None: implicit caching."""
    if request.cache_ttl in OPENAI_TTLS and openai_56_or_later(request.model):
        return request.cache_ttl
    return None


def breakpoint(ttl: str) -> dict[str, str]:
    return {"mode": "explicit", "ttl": ttl}


SYSTEM_ROLE = "developer"
"""The role `instructions` stand for on the Responses API ("a system (or developer) message")."""


def system_item(system: str, ttl: str) -> dict[str, Any]:
    """Responses: the system prompt as a developer message whose one text part ends the
    persona prefix with a breakpoint (the same bytes every turn)."""
    return {"role": SYSTEM_ROLE, "content": [
        {"type": "input_text", "text": system, "prompt_cache_breakpoint": breakpoint(ttl)}]}


def drop_retention(body: dict[str, Any]) -> None:
    """Never the deprecated `prompt_cache_retention` together with a `ttl` (§1.4)."""
    if (body.get("prompt_cache_options") or {}).get("ttl"):
        body.pop("prompt_cache_retention", None)


def prewarm(body: dict[str, Any]) -> None:
    """Responses keep-warm ping: write the prompt into the cache, generate nothing (§2.1)."""
    body["prompt_cache_options"] = {**(body.get("prompt_cache_options") or {}), "prewarm": True}


def mark_chat(body: dict[str, Any], ttl: str) -> None:
    """Chat Completions: options, then breakpoints on the system prompt and the latest message."""
    body["prompt_cache_options"] = breakpoint(ttl)
    messages = body["messages"]
    targets = [m for m in messages[:1] if m["role"] == "system"]
    targets += [messages[-1]] if messages and messages[-1] not in targets else []
    for message in targets:
        _mark_last_part(message, ttl, "text")


def mark_responses(body: dict[str, Any], ttl: str) -> None:
    """Responses: options (kept with any `comparison_response_id`), a breakpoint on the
    latest input item: a message's last part, or a tool output (its text as one
    `input_text` part, the form that takes a breakpoint); after any other item, the latest
    message before it."""
    body["prompt_cache_options"] = {**(body.get("prompt_cache_options") or {}), **breakpoint(ttl)}
    items = body.get("input")
    if not isinstance(items, list) or not items:
        return
    last = items[-1]
    if last.get("type") == "function_call_output" and isinstance(last.get("output"), str):
        items[-1] = {**last, "output": [{"type": "input_text", "text": last["output"],
                                         "prompt_cache_breakpoint": breakpoint(ttl)}]}
        return
    messages = [item for item in items if "role" in item]
    if messages:
        _mark_last_part(messages[-1], ttl, "input_text")


def _mark_last_part(message: dict[str, Any], ttl: str, text_type: str) -> None:
    content = message.get("content")
    if isinstance(content, str):
        message["content"] = [{"type": text_type, "text": content,
                               "prompt_cache_breakpoint": breakpoint(ttl)}]
    elif isinstance(content, list) and content:
        content[-1] = {**content[-1], "prompt_cache_breakpoint": breakpoint(ttl)}

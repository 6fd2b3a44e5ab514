"""The frozen request prefix: a persona's tools and system prompt as exact bytes.

Providers cache a request's prefix only when it is byte-identical to an earlier one. The
prefix is rendered tools first, then the system prompt (the order every provider uses),
from canonical JSON, so the same persona gives the same bytes in every turn and every run.
Its fingerprint is stored with each turn; a changed fingerprint means the cache will miss.
"""

from __future__ import annotations

import hashlib
import json
import re
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Iterable, Mapping

from chattui.core import tokens
from chattui.core.tools import Tool

if TYPE_CHECKING:
    from chattui.core.models import Turn
    from chattui.core.storage import Store

# Minimum prefix length a provider caches, by model-name prefix (the longest match wins;
# `.` in names is read as `-`, so "claude-sonnet-4.5" = "claude-sonnet-4-5"). Sources:
# /work/shared/PROVIDERS.md 3.1 (Anthropic) and 4 (Gemini). Where they disagree we keep
# the higher number, so the indicator never promises a cache hit that may not happen:
#   claude-sonnet-4-6: 1,024 (LiteLLM doc) vs 2,048 (orq.ai; observed in anthropic-sdk #1194)
#   claude-opus-4-7:   2,048 (dev.to/creeta) vs 4,096 (clawdemy)
#   gemini-2-5-flash:  1,024 (older doc) vs 2,048 (2026-07 doc)
#   gemini-2-5-pro:    2,048 / 4,096 / 2,048 across doc revisions
CACHE_MINIMUMS: Mapping[str, int] = MappingProxyType({
    "claude-opus-5": 512, "claude-fable-5": 512, "claude-mythos-5": 512,
    "claude-opus-4-8": 1024, "claude-sonnet-5": 1024, "claude-sonnet-4-5": 1024,
    "claude-opus-4-1": 1024, "claude-opus-4": 1024, "claude-sonnet-4": 1024,
    "claude-sonnet-4-6": 2048, "claude-opus-4-7": 4096, "claude-opus-4-6": 4096,
    "claude-opus-4-5": 4096, "claude-haiku-4-5": 4096,
    "claude-3-5-haiku": 2048, "claude-3-haiku": 2048,
    "gemini-2-5-flash": 2048, "gemini-2-5-pro": 4096, "gemini-3-flash": 1024,
    "gemini-3-pro": 4096, "gemini-3-1-pro": 4096, "gemini-3-5-flash": 4096,
    "gemini-3-6-flash": 4096, "gemini-3-7-flash": 4096, "gemini-3-8-flash": 4096,
})
PROVIDER_MINIMUMS: Mapping[str, int] = MappingProxyType({
    "openai": 1024, "openai-compatible": 1024, "anthropic": 1024, "gemini": 1024})
DEFAULT_MINIMUM = 1024


def canonical_json(value: object) -> bytes:
    """Stable bytes: sorted keys, no spaces, UTF-8 kept as is."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


TextFormat = Mapping[str, Any] | None
"""A structured-output schema's definition (core.structured.ResponseFormat.definition)."""


def prefix_bytes(system: str | None, tools: Iterable[Tool] = (),
                 text_format: TextFormat = None) -> bytes:
    """Canonical bytes of the cached prefix: `{"system": ..., "tools": [...]}`, plus
    `"text_format"` when replies follow a schema (core.structured)."""
    body: dict[str, Any] = {"tools": [tool.definition() for tool in tools], "system": system or ""}
    if text_format is not None:
        body["text_format"] = dict(text_format)
    return canonical_json(body)


def fingerprint(system: str | None, tools: Iterable[Tool] = (),
                text_format: TextFormat = None) -> str:
    """Short hash of `prefix_bytes`: equal fingerprints, equal prefixes."""
    return hashlib.sha256(prefix_bytes(system, tools, text_format)).hexdigest()[:12]


def prefix_tokens(system: str | None, tools: tuple[Tool, ...] = (),
                  text_format: TextFormat = None) -> tokens.TokenCount:
    """Tokens in the system prompt plus the tools' and the schema's canonical JSON (an
    estimate of what each provider counts, which renders them its own way)."""
    counts = [tokens.count(system or "")]
    if tools:
        counts.append(tokens.count(canonical_json([t.definition() for t in tools]).decode()))
    if text_format is not None:
        counts.append(tokens.count(canonical_json(dict(text_format)).decode()))
    return tokens.TokenCount(sum(c.n for c in counts), all(c.exact for c in counts))


def cache_minimum(provider: str, model: str) -> int:
    """The shortest prefix `provider` caches for `model` (see CACHE_MINIMUMS)."""
    name = re.sub(r"^.*?(?=claude-|gemini-)", "", model.lower().replace(".", "-"))
    matches = [prefix for prefix in CACHE_MINIMUMS if name.startswith(prefix)
               and not name[len(prefix):len(prefix) + 1].isdigit()]
    if matches:
        return CACHE_MINIMUMS[max(matches, key=len)]
    return PROVIDER_MINIMUMS.get(provider, DEFAULT_MINIMUM)


def cacheability(count: tokens.TokenCount, provider: str, model: str) -> tuple[bool, int, str]:
    """(ok, minimum, text) e.g. `1,812 tok · cacheable (≥1024)`, `640 tok · below the
    1,024 minimum`; estimated counts are shown with `≈`."""
    minimum = cache_minimum(provider, model)
    if count.n >= minimum:
        return True, minimum, f"{count} tok · cacheable (≥{minimum})"
    return False, minimum, f"{count} tok · below the {minimum:,} minimum"


def stored_body(system: str | None, tools: Iterable[Tool], params: Mapping[str, object],
                cache_ttl: str | None, prompt_cache_key: str | None = None,
                text_format: TextFormat = None,
                tool_routes: Mapping[str, tuple[str, str]] | None = None) -> bytes:
    """What a turn stores of its request ahead of the messages: the prefix (system prompt,
    tools and schema, the bytes `prefix_bytes` hashes) and what shapes it (params, cache
    TTL, and the `prompt_cache_key` sent, only when one was). `tool_routes`: which of the
    tools an MCP server serves (name -> [server, tool], core.mcp), only when some do: the
    tool list a conversation used lives here, with its prefix, and nowhere else."""
    tools = tuple(tools)
    body: dict[str, Any] = {"tools": [tool.definition() for tool in tools], "system": system or "",
                            "params": dict(params), "cache_ttl": cache_ttl}
    if prompt_cache_key is not None:
        body["prompt_cache_key"] = prompt_cache_key
    if text_format is not None:
        body["text_format"] = dict(text_format)
    sent = {tool.name for tool in tools}
    if routes := {name: list(route) for name, route in (tool_routes or {}).items() if name in sent}:
        body["tool_routes"] = routes
    return canonical_json(body)


def read_body(body: bytes) -> dict[str, Any]:
    """`stored_body` back as a dict: system, tools (definitions), params, cache_ttl (and
    prompt_cache_key, text_format when they were sent, tool_routes when MCP tools were)."""
    parsed: dict[str, Any] = json.loads(body.decode())
    return parsed


def sent_body(store: Store, turn: Turn | None) -> dict[str, Any] | None:
    """What `turn`'s request carried ahead of its messages (`read_body` of its stored
    prefix); None: no turn, or nothing stored for it."""
    body = store.get_prefix(turn.meta.prefix_hash) if turn and turn.meta.prefix_hash else None
    return read_body(body) if body is not None else None

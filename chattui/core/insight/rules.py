"""What each provider's cache does: TTLs, reporting steps, minimums applied, writes billed."""

from __future__ import annotations

import re
from typing import Mapping

OPENAI_STEP = 128
"""OpenAI reports cache hits in 128-token steps (pre-GPT-5.6 guide, §1.4)."""
DEFAULT_TTLS: Mapping[str, float] = {
    "openai": 600.0,             # "5 to 10 minutes of inactivity" (§1.4): the optimistic end
    "openai-compatible": 600.0,  # unknown servers: as OpenAI
    "gemini": 300.0,             # implicit caching: no documented TTL; configurable
    "anthropic": 300.0,          # 5-minute breakpoints (the default)
    "anthropic-1h": 3600.0,      # breakpoints written with ttl "1h"
    "openai-30m": 1800.0,        # GPT-5.6+ explicit breakpoints, prompt_cache_options.ttl
    "openai-12h": 43200.0,
}
"""Idle seconds a cache entry lives, refreshed by each hit. Override any key with
`ttl_overrides` (the sources disagree, PROVIDERS.md §1.4, §4)."""
AUTOMATIC = ("openai", "openai-compatible", "gemini")
"""Providers that cache every long-enough prefix on their own (no breakpoints)."""


def cache_family(provider: str, model: str) -> str:
    """Whose cache rules apply: Anthropic's for a Claude model behind an OpenAI-compatible
    gateway (its breakpoints pass through), else the provider's own."""
    return "anthropic" if provider == "openai-compatible" and is_claude(model) else provider


def is_claude(model: str) -> bool:
    return "claude" in model.lower()


def ttl_seconds(provider: str, kind: str | None = None,
                overrides: Mapping[str, float] | None = None) -> float:
    """The TTL of `provider`'s cache entries; `kind` "1h" for Anthropic 1-hour writes,
    "30m"/"12h" for OpenAI's explicit ones (see `openai_ttl_kind`)."""
    key = "anthropic-1h" if provider == "anthropic" and kind == "1h" else provider
    if provider in ("openai", "openai-compatible") and kind in OPENAI_TTLS:
        key = f"openai-{kind}"
    table = {**DEFAULT_TTLS, **(overrides or {})}
    return float(table.get(key, table["openai"]))


OPENAI_TTLS = ("30m", "12h")


def openai_ttl_kind(provider: str, model: str, cache_ttl: str | None) -> str | None:
    """The explicit TTL in force for a persona's `cache_ttl` on OpenAI: "30m" or "12h" on
    GPT-5.6+ (providers.openai_cache sends it), else None (the implicit cache's)."""
    if provider in ("openai", "openai-compatible") and cache_ttl in OPENAI_TTLS \
            and openai_56_or_later(model):
        return cache_ttl
    return None


def step(provider: str) -> int:
    """Granularity of reported cache hits: 128 on OpenAI, 1 elsewhere."""
    return OPENAI_STEP if provider in ("openai", "openai-compatible") else 1


def cacheable(provider: str, tokens: int, minimum: int) -> int:
    """Tokens of a `tokens`-long shared prefix the provider can serve from its cache:
    0 below `minimum`, rounded down to the provider's step."""
    if tokens < minimum:
        return 0
    return tokens // step(provider) * step(provider)


def reports_writes(provider: str, model: str) -> bool:
    """Whether the provider bills (and reports) cache writes for `model`: Anthropic
    always; OpenAI from the GPT-5.6 families on (1.25×, §1.4); Gemini implicit never."""
    if provider == "anthropic":
        return True
    return provider in ("openai", "openai-compatible") and openai_56_or_later(model)


def openai_56_or_later(model: str) -> bool:
    """GPT-5.6 and later: explicit cache options, billed writes, cache diagnostics."""
    match = re.search(r"gpt-(\d+)(?:\.(\d+))?", model.lower())
    return match is not None and (int(match[1]), int(match[2] or 0)) >= (5, 6)


def simulated_writes(provider: str, model: str, prompt: int, cached: int, minimum: int) -> int:
    """Tokens a request of `prompt` tokens writes to the cache when `cached` were read.
    Anthropic (chattui's rolling breakpoint at the end of the prompt): everything after
    the read; OpenAI GPT-5.6+: the rest of the prompt in 128-token steps (as the emulator
    does); others: 0 (nothing billed as a write)."""
    if prompt < minimum or not reports_writes(provider, model):
        return 0
    if provider == "anthropic":
        return max(0, prompt - cached)
    return max(0, prompt // OPENAI_STEP * OPENAI_STEP - cached)

"""One normalised usage record for every provider.

`input_total` always INCLUDES cache reads and writes (the "total-input" convention that
genai-prices uses). OpenAI and Gemini already report it that way; Anthropic's
`input_tokens` excludes both, so its mapper adds them back. A field the provider did not
report is `None` ("unknown"), never a silent 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any, Mapping


@dataclass(frozen=True)
class Usage:
    input_total: int | None = None
    cache_read: int | None = None
    cache_write_5m: int | None = None
    cache_write_1h: int | None = None
    output: int | None = None
    reasoning: int | None = None
    cost_reported: float | None = None
    """A cost the gateway itself reported (OpenRouter's `usage.cost`), in USD."""
    estimated: bool = False
    """True when the provider sent no usage (a stopped or dropped reply) and chattui
    counted the tokens itself: shown with "≈"."""

    @property
    def cache_write(self) -> int | None:
        """All cache writes, whatever their TTL; None when neither part is known."""
        if self.cache_write_5m is None and self.cache_write_1h is None:
            return None
        return (self.cache_write_5m or 0) + (self.cache_write_1h or 0)

    @property
    def uncached_input(self) -> int | None:
        """Input tokens billed at the plain input rate."""
        if self.input_total is None:
            return None
        return self.input_total - (self.cache_read or 0) - (self.cache_write or 0)

    @property
    def inconsistency(self) -> str | None:
        """`usage inconsistent: cached 1,200 > prompt 1,000` when the counters contradict
        each other (more cached and written tokens than the prompt holds), else None."""
        if self.input_total is None:
            return None
        cached, written = self.cache_read or 0, self.cache_write or 0
        if cached + written <= self.input_total and min(cached, written, self.input_total) >= 0:
            return None
        if written:
            return (f"usage inconsistent: cached {cached:,} + written {written:,} > "
                    f"prompt {self.input_total:,}")
        return f"usage inconsistent: cached {cached:,} > prompt {self.input_total:,}"

    @property
    def hit_ratio(self) -> float | None:
        """Share of the prompt served from the cache (None when unknown or contradictory)."""
        if not self.input_total or self.cache_read is None or self.inconsistency:
            return None
        return self.cache_read / self.input_total

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _get(obj: Any, *path: str) -> Any:
    """Walk dicts or SDK objects along `path`; None as soon as a step is missing."""
    for key in path:
        if obj is None:
            return None
        obj = obj.get(key) if isinstance(obj, Mapping) else getattr(obj, key, None)
    return obj


_MAX_COUNT = 2**53
"""Beyond any real token count (and within what SQLite and a float hold exactly)."""


def _int(value: Any) -> int | None:
    """A token count as sent: a whole number from 0 to `_MAX_COUNT`. Anything else (a bool,
    a string, NaN, infinity, a negative or absurd number) is unknown (None): `int(nan)`
    raised and failed a reply that had all arrived, and 10**20 could not be stored."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if not (isinstance(value, int) or math.isfinite(value)) or not 0 <= value <= _MAX_COUNT:
        return None
    return int(value)


def from_openai_chat(usage: Any) -> Usage:
    """Chat Completions `usage` (also Gemini's and OpenRouter's compatible endpoints).

    Gemini's compatible endpoint leaves thinking tokens out of `completion_tokens`; they
    show only in `total_tokens` (openai/openai-python#2544). When the numbers say so
    (`total > prompt + completion`), the difference is reasoning: added to the output (it
    is billed as output) and shown as reasoning. OpenRouter: `usage.cost` is what the
    gateway charged; for a BYOK request that is only its fee, and the provider's own bill
    is `cost_details.upstream_inference_cost`: both are added."""
    prompt = _int(_get(usage, "prompt_tokens"))
    completion = _int(_get(usage, "completion_tokens"))
    total = _int(_get(usage, "total_tokens"))
    reasoning = _int(_get(usage, "completion_tokens_details", "reasoning_tokens"))
    hidden = _hidden_reasoning(prompt, completion, total)
    if hidden:
        completion = (completion or 0) + hidden
        reasoning = max(reasoning or 0, hidden)
    return Usage(
        input_total=prompt,
        cache_read=_first(usage, ("prompt_tokens_details", "cached_tokens"),
                          ("prompt_cache_hit_tokens",), ("cached_tokens",),
                          ("cache_read_input_tokens",)),
        cache_write_5m=_first(usage, ("prompt_tokens_details", "cache_write_tokens"),
                              ("cache_creation_input_tokens",)),
        output=completion,
        reasoning=reasoning,
        cost_reported=_gateway_cost(usage),
    )


def _first(usage: Any, *paths: tuple[str, ...]) -> int | None:
    """The first of these counters the server sent. Besides OpenAI's own fields, servers
    that speak its dialect report cache reads as DeepSeek's `prompt_cache_hit_tokens`,
    Moonshot's top-level `cached_tokens`, or (gateways in front of Claude, e.g. LiteLLM)
    `cache_read_input_tokens` / `cache_creation_input_tokens`; all are parts of
    `prompt_tokens` there too."""
    for path in paths:
        if (value := _int(_get(usage, *path))) is not None:
            return value
    return None


def _hidden_reasoning(prompt: int | None, completion: int | None, total: int | None) -> int:
    """Tokens `total_tokens` counts beyond prompt and completion (Gemini's thinking)."""
    if prompt is None or total is None:
        return 0
    return max(0, total - prompt - (completion or 0))


def _money(value: Any) -> float | None:
    """A gateway's charge in dollars: finite and not negative (`$nan`, `$inf` and `$-7.50`
    were shown and stored), else unknown (None: chattui prices the turn itself)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        usd = float(value)
    except (ValueError, OverflowError):
        return None
    return usd if math.isfinite(usd) and usd >= 0 else None


def _gateway_cost(usage: Any) -> float | None:
    """OpenRouter's `cost`, plus `cost_details.upstream_inference_cost` for a BYOK request
    (what the provider billed on the user's own key; `cost` is then only the gateway's
    fee). BYOK is `is_byok: true`; without that flag, an upstream cost larger than `cost`
    can only be BYOK's (the fee is a few percent of it), while one no larger is taken as
    the breakdown of `cost` itself and not added."""
    cost = _money(_get(usage, "cost"))
    upstream = _money(_get(usage, "cost_details", "upstream_inference_cost"))
    byok = _get(usage, "is_byok")
    if upstream is None or byok is False:
        return cost
    if byok is not True and cost is not None and upstream <= cost:
        return cost
    return (cost or 0.0) + upstream


def from_openai_responses(usage: Any) -> Usage:
    """Responses API `usage` from `response.completed`."""
    return Usage(
        input_total=_int(_get(usage, "input_tokens")),
        cache_read=_int(_get(usage, "input_tokens_details", "cached_tokens")),
        cache_write_5m=_int(_get(usage, "input_tokens_details", "cache_write_tokens")),
        output=_int(_get(usage, "output_tokens")),
        reasoning=_int(_get(usage, "output_tokens_details", "reasoning_tokens")),
    )


def from_anthropic(usage: Any) -> Usage:
    """Anthropic `usage`: its `input_tokens` EXCLUDES cache reads and writes."""
    plain = _int(_get(usage, "input_tokens"))
    read = _int(_get(usage, "cache_read_input_tokens"))
    write = _int(_get(usage, "cache_creation_input_tokens"))
    w5 = _int(_get(usage, "cache_creation", "ephemeral_5m_input_tokens"))
    w1 = _int(_get(usage, "cache_creation", "ephemeral_1h_input_tokens"))
    if w5 is None and w1 is None and write is not None:
        w5, w1 = write, 0
    total = None if plain is None else plain + (read or 0) + (write or 0)
    return Usage(
        input_total=total,
        cache_read=read,
        cache_write_5m=w5,
        cache_write_1h=w1,
        output=_int(_get(usage, "output_tokens")),
        reasoning=_int(_get(usage, "output_tokens_details", "thinking_tokens")),
    )

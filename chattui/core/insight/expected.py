"""Before sending: the expected prompt, cache hits and input cost of the next turn."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from chattui.core.insight.cache import CacheState
from chattui.core.insight.rules import cacheable, simulated_writes
from chattui.core.models import Turn
from chattui.core.prefix import cache_minimum
from chattui.core.pricing import Rates, format_usd, price
from chattui.core.tokens import TokenCount
from chattui.core.usage import Usage


@dataclass(frozen=True)
class Expected:
    prompt: int
    cached_if_warm: int
    warm: bool
    cached: int
    """What the cost assumes: `cached_if_warm` when the cache is warm, else 0."""
    write: int
    """Tokens the request would write (Anthropic breakpoints, OpenAI GPT-5.6+)."""
    input_cost: float | None
    minimum: int
    note: str = "input only: the reply's output is not known yet"

    @property
    def text(self) -> str:
        """`≈2,310 tok · ≈1,920 cached if warm · ≈$0.0009`."""
        if self.cached_if_warm == 0 and self.prompt < self.minimum:
            cache = f"below the {self.minimum:,} cache minimum"
        elif self.cached_if_warm == 0:
            cache = "nothing cacheable yet"
        elif self.warm:
            cache = f"≈{self.cached_if_warm:,} cached if warm"
        else:
            cache = f"cache cold (≈{self.cached_if_warm:,} cacheable)"
        cost = "cost ?" if self.input_cost is None else "≈" + format_usd(self.input_cost)
        return f"≈{self.prompt:,} tok · {cache} · {cost}"


def expected_turn(session_messages_tokens: int | TokenCount, prefix_tokens: int | TokenCount,
                  previous_turn: Turn | None, cache_state: CacheState | None, model: str,
                  provider: str, overrides: Mapping[str, Rates] | None = None,
                  base_url: str | None = None, *, fingerprint: str | None = None,
                  cache_ttl: str | None = None) -> Expected:
    """The next request before it goes out: prompt ≈ prefix + messages; cacheable ≈ the
    previous turn's prompt when it ran on this model with this prefix (`fingerprint`, when
    given, must match), else the persona prefix; the input's cost assumes hits only when
    `cache_state` is warm, and writes as the provider bills them (`cache_ttl` "1h" for
    Anthropic 1-hour breakpoints)."""
    prompt = _int(session_messages_tokens) + _int(prefix_tokens)
    minimum = cache_minimum(provider, model)
    base = _int(prefix_tokens)
    if previous_turn is not None and previous_turn.usage.input_total is not None:
        meta = previous_turn.meta
        same = (meta.provider, meta.model) == (provider, model) and (
            fingerprint is None or meta.prefix_fingerprint == fingerprint)
        if same:
            base = previous_turn.usage.input_total
    cached_if_warm = cacheable(provider, min(base, prompt), minimum)
    warm = bool(cache_state and cache_state.warm)
    cached = cached_if_warm if warm else 0
    write = simulated_writes(provider, model, prompt, cached, minimum)
    w1h = write if provider == "anthropic" and cache_ttl == "1h" else 0
    usage = Usage(input_total=prompt, cache_read=cached, cache_write_5m=write - w1h,
                  cache_write_1h=w1h, output=0)
    cost = price(usage, model, provider, overrides, base_url)
    return Expected(prompt, cached_if_warm, warm, cached, write, cost.usd, minimum)


def _int(value: int | TokenCount) -> int:
    return value.n if isinstance(value, TokenCount) else int(value)

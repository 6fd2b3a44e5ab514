"""Rates, one turn's cost split and a session's totals (with what the cache saved)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Mapping, Sequence

from chattui.core.insight.fmt import n as _n, n_approx as _n_approx, usd as _usd
from chattui.core.models import Turn
from chattui.core.pricing import Rates, format_usd, genai_calculation, price, rate_values
from chattui.core.usage import Usage

_PER_MTOK = Decimal(1_000_000)
_ZERO = Decimal(0)


@dataclass(frozen=True)
class RateCard:
    """USD per million tokens for one request (tiers already resolved), with the
    fall-backs genai-prices applies: an unpriced cache read or write costs the input rate,
    an unpriced 1-hour write the (5-minute) write rate."""

    input: Decimal
    cache_read: Decimal
    cache_write: Decimal
    cache_write_1h: Decimal
    output: Decimal
    source: str
    """"genai-prices" or "config"."""
    total: Decimal | None = None
    """genai-prices' own total for the usage the card was resolved for."""


def rate_card(usage: Usage, model: str, provider: str,
              overrides: Mapping[str, Rates] | None = None,
              base_url: str | None = None) -> RateCard | None:
    """The rates `pricing.price` uses for `usage` on `model` (None: nobody prices it)."""
    if overrides and model in overrides:
        rates, read, write, write_1h, output = (Decimal(str(x)) for x in rate_values(overrides[model]))
        return RateCard(rates, read, write, write_1h, output, source="config")
    return _genai_card(usage, model, provider, base_url)


def _genai_card(usage: Usage, model: str, provider: str, base_url: str | None) -> RateCard | None:
    from genai_prices.types import TieredPrices

    result = genai_calculation(usage, model, provider, base_url)  # what pricing.price used
    if result is None:
        return None
    prices = result.model_price
    total_input = usage.input_total or 0

    def rate(key: str) -> Decimal | None:
        value = getattr(prices, key, None)
        if isinstance(value, TieredPrices):  # genai-prices' cliff rule on the total input
            chosen = value.base
            for tier in reversed(value.tiers):
                if total_input > tier.start:
                    chosen = tier.price
                    break
            return chosen
        return value

    base = rate("input_mtok") or _ZERO
    read = rate("cache_read_mtok")
    write = rate("cache_write_mtok")
    write_1h = rate("cache_write_1h_mtok")
    read = base if read is None else read
    write = base if write is None else write
    return RateCard(base, read, write, write if write_1h is None else write_1h,
                    rate("output_mtok") or _ZERO, "genai-prices", result.total_price)


# -- per turn --------------------------------------------------------------------------


@dataclass(frozen=True)
class Breakdown:
    """One turn's tokens and cost. Token fields are None when the provider did not report
    them; a cost part is None when its tokens are unknown (pricing counts those as 0, so
    the known parts still add up to `cost`) or when the total was not computed here
    (a gateway-reported cost has no split)."""

    prompt: int | None
    cached: int | None
    write_5m: int | None
    write_1h: int | None
    uncached: int | None
    output: int | None
    reasoning: int | None
    estimated: bool
    """Counted by chattui (no usage came back): figures carry "≈"."""
    cost: float | None
    source: str
    """Cost.source: "genai-prices", "config", "reported" or "unknown"."""
    uncached_usd: float | None = None
    cache_read_usd: float | None = None
    cache_write_usd: float | None = None
    output_usd: float | None = None
    no_cache_cost: float | None = None
    """The same turn with no cache: all input at the uncached rate, the same output."""

    @property
    def cache_write(self) -> int | None:
        if self.write_5m is None and self.write_1h is None:
            return None
        return (self.write_5m or 0) + (self.write_1h or 0)

    @property
    def hit_ratio(self) -> float | None:
        if not self.prompt or self.cached is None:
            return None
        return self.cached / self.prompt

    @property
    def saved(self) -> float | None:
        """no_cache_cost − cost: what the cache saved (negative: it cost extra)."""
        if self.cost is None or self.no_cache_cost is None:
            return None
        return self.no_cache_cost - self.cost

    @property
    def parts(self) -> dict[str, float | None]:
        return {"uncached": self.uncached_usd, "cache_read": self.cache_read_usd,
                "cache_write": self.cache_write_usd, "output": self.output_usd}

    def lines(self) -> list[str]:
        """Three short lines: tokens, the cost split, the cache's effect."""
        n = _n_approx if self.estimated else _n
        cached = _n(self.cached)
        if self.hit_ratio is not None:
            cached += f" ({self.hit_ratio:.0%})"
        write = _n(self.cache_write)
        if self.write_1h:
            write += f" (1h {self.write_1h:,})"
        out = n(self.output) + (f" (+reasoning {self.reasoning:,})" if self.reasoning else "")
        lines = [f"prompt {n(self.prompt)} · cached {cached} · write {write} · "
                 f"uncached {n(self.uncached)} · out {out}"]
        if self.cost is None:
            lines.append("cost ? (no price known for this model)")
            return lines
        total = ("≈" if self.estimated else "") + format_usd(self.cost)
        if self.source == "reported":
            lines.append(f"cost {total} (reported by the gateway; no split)")
        else:
            lines.append(f"cost {total} = uncached {_usd(self.uncached_usd)} + reads "
                         f"{_usd(self.cache_read_usd)} + writes {_usd(self.cache_write_usd)}"
                         f" + output {_usd(self.output_usd)}")
        if self.saved is not None:
            verb = "saved" if self.saved >= 0 else "cache cost extra"
            without = format_usd(self.no_cache_cost)  # type: ignore[arg-type]
            lines.append(f"without cache {without} · {verb} {format_usd(abs(self.saved))}")
        return lines


def breakdown(turn_or_usage: Turn | Usage, model: str | None = None,
              provider: str | None = None, overrides: Mapping[str, Rates] | None = None,
              base_url: str | None = None) -> Breakdown:
    """Tokens and cost split of one turn (or bare usage). For a Turn, `model`, `provider`
    and `base_url` default to what is stored with it (https://<host> for the base URL).
    The total is `pricing.price` of the same usage (recomputed with today's prices)."""
    if isinstance(turn_or_usage, Turn):
        usage = turn_or_usage.usage
        model = model or turn_or_usage.meta.model
        provider = provider or turn_or_usage.meta.provider
        if base_url is None and turn_or_usage.meta.base_url_host:
            base_url = f"https://{turn_or_usage.meta.base_url_host}"
    else:
        usage = turn_or_usage
    if model is None or provider is None:
        raise ValueError("breakdown of bare usage needs a model and a provider")
    cost = price(usage, model, provider, overrides, base_url)
    tokens: dict[str, Any] = dict(
        prompt=usage.input_total, cached=usage.cache_read, write_5m=usage.cache_write_5m,
        write_1h=usage.cache_write_1h, uncached=usage.uncached_input, output=usage.output,
        reasoning=usage.reasoning, estimated=usage.estimated,
    )
    if cost.usd is None or cost.source == "reported":
        return Breakdown(**tokens, cost=cost.usd, source=cost.source)
    card = rate_card(usage, model, provider, overrides, base_url)
    if card is None:  # pragma: no cover - price() found one, so this cannot happen
        return Breakdown(**tokens, cost=cost.usd, source=cost.source)

    def part(count: int | None, rate: Decimal) -> Decimal:
        return Decimal(count or 0) * rate / _PER_MTOK

    uncached = part(usage.uncached_input, card.input)
    reads = part(usage.cache_read, card.cache_read)
    writes = (part(usage.cache_write_5m, card.cache_write)
              + part(usage.cache_write_1h, card.cache_write_1h))
    output = part(usage.output, card.output)
    no_cache = part(usage.input_total, card.input) + output
    known_cache = usage.cache_read is not None or usage.cache_write is not None
    return Breakdown(
        **tokens, cost=cost.usd, source=cost.source,
        uncached_usd=float(uncached) if usage.input_total is not None else None,
        cache_read_usd=float(reads) if usage.cache_read is not None else None,
        cache_write_usd=float(writes) if usage.cache_write is not None else None,
        output_usd=float(output) if usage.output is not None else None,
        no_cache_cost=float(no_cache) if known_cache and usage.input_total is not None else None,
    )


# -- per session -----------------------------------------------------------------------


@dataclass(frozen=True)
class SessionSummary:
    turns: int = 0
    cost_usd: float = 0.0
    """Sum of the stored costs that are known."""
    unpriced_turns: int = 0
    input_total: int = 0
    cached: int = 0
    cache_write: int = 0
    output: int = 0
    reasoning: int = 0
    input_with_known_cache: int = 0
    """Prompt tokens of the turns that reported their cache reads (the hit ratio's base)."""
    saved_usd: float | None = None
    """What the cache saved over the turns where that is known (None: nowhere)."""
    unknown_savings: int = 0
    """Turns whose savings are unknown (no cache counters, no price, gateway cost)."""
    estimated_turns: int = 0

    @property
    def hit_ratio(self) -> float | None:
        return self.cached / self.input_with_known_cache if self.input_with_known_cache else None

    @property
    def text(self) -> str:
        """`session $0.0123 · 5 turns · hit 62% · saved $0.0040` (+ unpriced turns)."""
        cost = format_usd(self.cost_usd)
        if self.unpriced_turns:
            cost += f" + {self.unpriced_turns} unpriced"
        hit = "?" if self.hit_ratio is None else f"{self.hit_ratio:.0%}"
        parts = [f"session {cost}", f"{self.turns} turn" + ("" if self.turns == 1 else "s"),
                 f"hit {hit}"]
        if self.saved_usd is not None:
            parts.append(("saved " if self.saved_usd >= 0 else "cache cost extra ")
                         + format_usd(abs(self.saved_usd)))
        return " · ".join(parts)


def session_summary(turns: Sequence[Turn], overrides: Mapping[str, Rates] | None = None,
                    base_url: str | None = None) -> SessionSummary:
    """Totals over `turns`: stored costs, tokens, hit ratio and cache savings."""
    s: dict[str, Any] = dict(turns=0, cost_usd=0.0, unpriced_turns=0, input_total=0, cached=0, cache_write=0,
             output=0, reasoning=0, input_with_known_cache=0, unknown_savings=0, estimated_turns=0)
    saved: float | None = None
    for turn in turns:
        u = turn.usage
        s["turns"] += 1
        s["cost_usd"] += turn.cost_usd or 0.0
        s["unpriced_turns"] += turn.cost_usd is None
        s["input_total"] += u.input_total or 0
        s["cached"] += u.cache_read or 0
        s["cache_write"] += u.cache_write or 0
        s["output"] += u.output or 0
        s["reasoning"] += u.reasoning or 0
        s["estimated_turns"] += u.estimated
        if u.cache_read is not None and u.input_total:
            s["input_with_known_cache"] += u.input_total
        turn_saved = breakdown(turn, overrides=overrides, base_url=base_url).saved
        if turn_saved is None:
            s["unknown_savings"] += 1
        else:
            saved = (saved or 0.0) + turn_saved
    return SessionSummary(**s, saved_usd=saved)

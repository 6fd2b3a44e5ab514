"""Rates, one turn's cost split and a session's totals (with what the cache saved)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Mapping, Sequence

from chattui.core.insight.fmt import n as _n, n_approx as _n_approx, usd as _usd
from chattui.core.models import PING, Turn
from chattui.core.pricing import Rates, format_usd, genai_calculation, price, resolved_override
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
    """"genai-prices", "config" or "endpoint"."""
    total: Decimal | None = None
    """genai-prices' own total for the usage the card was resolved for."""


def rate_card(usage: Usage, model: str, provider: str,
              overrides: Mapping[str, Rates] | None = None,
              base_url: str | None = None) -> RateCard | None:
    """The rates `pricing.price` uses for `usage` on `model` (None: nobody prices it).
    An override's missing cache rate (which `price` refuses when needed) reads as 0."""
    if (rates := resolved_override(model, provider, overrides, base_url)) is not None:
        input_rate, read, write, write_1h, out = (
            Decimal(str(0.0 if x != x else x)) for x in rates.values())  # NaN: unknown, unused
        return RateCard(input_rate, read, write, write_1h, out, source=rates.source)
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
    origin: str = ""
    """Where the price came from (`price: genai-prices`, Cost.origin)."""
    note: str | None = None
    """Contradictory usage, or why there is no price."""

    @property
    def cache_write(self) -> int | None:
        if self.write_5m is None and self.write_1h is None:
            return None
        return (self.write_5m or 0) + (self.write_1h or 0)

    @property
    def hit_ratio(self) -> float | None:
        if not self.prompt or self.cached is None or self.cached > self.prompt:
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
        if self.note:
            lines.append(f"⚠ {self.note}")
        if self.cost is None:
            lines.append("cost ? (no price known for this model here: set [prices] or "
                         "[endpoints] in config.toml)")
            return lines
        total = ("≈" if self.estimated else "") + format_usd(self.cost)
        if self.source == "reported":
            lines.append(f"cost {total} (reported by the gateway; no split) · {self.origin}")
        else:
            lines.append(f"cost {total} = uncached {_usd(self.uncached_usd)} + reads "
                         f"{_usd(self.cache_read_usd)} + writes {_usd(self.cache_write_usd)}"
                         f" + output {_usd(self.output_usd)} · {self.origin}")
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
    stored = usage
    usage = cost.billed or usage  # contradictory usage: the reading that was priced
    tokens: dict[str, Any] = dict(
        prompt=usage.input_total, cached=usage.cache_read, write_5m=usage.cache_write_5m,
        write_1h=usage.cache_write_1h, uncached=usage.uncached_input, output=usage.output,
        reasoning=usage.reasoning, estimated=usage.estimated, origin=cost.origin,
        note=cost.note or stored.inconsistency,
    )
    tokens.update(prompt=stored.input_total, cached=stored.cache_read)
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
    """Real turns (chat and side turns); keep-warm pings are counted in `pings`."""
    cost_usd: float = 0.0
    """Sum of the stored costs that are known (pings included: they were billed)."""
    unpriced_turns: int = 0
    input_total: int = 0
    cached: int = 0
    cache_write: int = 0
    output: int = 0
    reasoning: int = 0
    input_with_known_cache: int = 0
    """Prompt tokens of the turns that reported their cache reads (the hit ratio's base)."""
    saved_usd: float | None = None
    """What the cache saved on real turns minus what the keep-warm pings cost (None:
    nothing known). A ping's own cache read is not a saving: it only keeps the cache warm."""
    unknown_savings: int = 0
    """Turns whose savings are unknown (no cache counters, no price, gateway cost)."""
    estimated_turns: int = 0
    pings: int = 0
    ping_cost_usd: float = 0.0

    @property
    def hit_ratio(self) -> float | None:
        return self.cached / self.input_with_known_cache if self.input_with_known_cache else None

    @property
    def approx(self) -> str:
        """"≈" when the total includes a turn chattui had to count itself."""
        return "≈" if self.estimated_turns else ""

    @property
    def ping_text(self) -> str | None:
        """`pings 2 $0.0012` (None without pings)."""
        return f"pings {self.pings} {format_usd(self.ping_cost_usd)}" if self.pings else None

    @property
    def text(self) -> str:
        """`session $0.0123 · 5 turns · hit 62% · saved $0.0040 · pings 2 $0.0010`
        (+ unpriced turns; ≈ when estimated turns are in it)."""
        cost = self.approx + format_usd(self.cost_usd)
        if self.unpriced_turns:
            cost += f" + {self.unpriced_turns} unpriced"
        hit = "?" if self.hit_ratio is None else f"{self.hit_ratio:.0%}"
        parts = [f"session {cost}", f"{self.turns} turn" + ("" if self.turns == 1 else "s"),
                 f"hit {hit}"]
        if self.saved_usd is not None:
            parts.append(("saved " if self.saved_usd >= 0 else "cache cost extra ")
                         + format_usd(abs(self.saved_usd)))
        if self.ping_text:
            parts.append(self.ping_text)
        return " · ".join(parts)


def session_summary(turns: Sequence[Turn], overrides: Mapping[str, Rates] | None = None,
                    base_url: str | None = None) -> SessionSummary:
    """Totals over `turns`: stored costs, tokens, hit ratio and cache savings net of pings."""
    s: dict[str, Any] = dict(turns=0, cost_usd=0.0, unpriced_turns=0, input_total=0, cached=0, cache_write=0,
             output=0, reasoning=0, input_with_known_cache=0, unknown_savings=0, estimated_turns=0,
             pings=0, ping_cost_usd=0.0)
    saved: float | None = None
    for turn in turns:
        u = turn.usage
        s["cost_usd"] += turn.cost_usd or 0.0
        s["unpriced_turns"] += turn.cost_usd is None
        s["estimated_turns"] += u.estimated
        if turn.kind == PING:
            s["pings"] += 1
            s["ping_cost_usd"] += turn.cost_usd or 0.0
            saved = (saved or 0.0) - (turn.cost_usd or 0.0)
            continue
        s["turns"] += 1
        s["input_total"] += u.input_total or 0
        s["cached"] += u.cache_read or 0
        s["cache_write"] += u.cache_write or 0
        s["output"] += u.output or 0
        s["reasoning"] += u.reasoning or 0
        if u.cache_read is not None and u.input_total and not u.inconsistency:
            s["input_with_known_cache"] += u.input_total
        elif u.inconsistency:
            s["cached"] -= u.cache_read or 0  # contradictory counters stay out of the hit ratio
        turn_saved = breakdown(turn, overrides=overrides, base_url=base_url).saved
        if turn_saved is None:
            s["unknown_savings"] += 1
        else:
            saved = (saved or 0.0) + turn_saved
    return SessionSummary(**s, saved_usd=saved)

"""Cost and cache insight over stored turns: pure functions, plain-text reports, no UI.

* `breakdown`: one turn's tokens and its cost split into uncached input, cache reads,
  cache writes and output (the parts add up to `pricing.price`), with what the same turn
  would have cost with no cache at all, and so what the cache saved (negative when the
  writes cost more than the reads saved: shown as it is).
* `session_summary`: a conversation's running cost, tokens, hit ratio and savings.
* `cache_state`: is the cache for the current prefix and model warm, and for how long.
* `miss_cause` / `miss_causes`: why a turn read less from the cache than the turn before
  it made possible, named from the stored fingerprints and metadata.
* `expected_turn`: before sending, the prompt tokens, how many should come from the
  cache, and what the input should cost.

Conventions (PROVIDERS.md §1.3, §3.2, §6): `Usage.input_total` INCLUDES cache reads and
writes; a field the provider did not report is None and stays None here; a model nobody
prices gives None costs, never 0. Rates come from genai-prices (`calc_price(...).model_price`,
tiers resolved on the request's total input exactly as genai-prices does) or from the
config's `[prices."model"]` override.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Mapping, Sequence

from chattui.core.models import FAILED, Turn
from chattui.core.prefix import cache_minimum
from chattui.core.pricing import Rates, format_usd, genai_calculation, price, rate_values
from chattui.core.tokens import TokenCount
from chattui.core.usage import Usage

_PER_MTOK = Decimal(1_000_000)
_ZERO = Decimal(0)

# -- provider cache rules --------------------------------------------------------------

OPENAI_STEP = 128
"""OpenAI reports cache hits in 128-token steps (pre-GPT-5.6 guide, §1.4)."""
DEFAULT_TTLS: Mapping[str, float] = {
    "openai": 600.0,             # "5 to 10 minutes of inactivity" (§1.4): the optimistic end
    "openai-compatible": 600.0,  # unknown servers: as OpenAI
    "gemini": 300.0,             # implicit caching: no documented TTL; configurable
    "anthropic": 300.0,          # 5-minute breakpoints (the default)
    "anthropic-1h": 3600.0,      # breakpoints written with ttl "1h"
}
"""Idle seconds a cache entry lives, refreshed by each hit. Override any key with
`ttl_overrides` (the sources disagree, PROVIDERS.md §1.4, §4)."""
AUTOMATIC = ("openai", "openai-compatible", "gemini")
"""Providers that cache every long-enough prefix on their own (no breakpoints)."""


def ttl_seconds(provider: str, kind: str | None = None,
                overrides: Mapping[str, float] | None = None) -> float:
    """The TTL of `provider`'s cache entries; `kind` "1h" for Anthropic 1-hour writes."""
    key = "anthropic-1h" if provider == "anthropic" and kind == "1h" else provider
    table = {**DEFAULT_TTLS, **(overrides or {})}
    return float(table.get(key, table["openai"]))


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
    if provider not in ("openai", "openai-compatible"):
        return False
    match = re.search(r"gpt-(\d+)(?:\.(\d+))?", model.lower())
    return bool(match) and (int(match[1]), int(match[2] or 0)) >= (5, 6)


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


# -- rate cards ------------------------------------------------------------------------


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
        return RateCard(*(Decimal(str(x)) for x in rate_values(overrides[model])), source="config")
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
    tokens = dict(
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
    s = dict(turns=0, cost_usd=0.0, unpriced_turns=0, input_total=0, cached=0, cache_write=0,
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


# -- warm or cold ----------------------------------------------------------------------

WARM, COLD, NEVER, UNKNOWN = "warm", "cold", "never", "unknown"


@dataclass(frozen=True)
class CacheState:
    status: str
    """warm | cold | never (nothing written for this prefix and model) | unknown (the
    server reports no cache counters)."""
    last_at: float | None = None
    """When the cache was last written or hit (the turn's finished_at, else started_at)."""
    ttl: float | None = None
    """Idle seconds the entry lives after `last_at`."""
    ttl_kind: str | None = None
    """Anthropic: "5m" or "1h"; None elsewhere."""
    seconds_left: float | None = None
    """Positive while warm; negative once expired (−seconds since it expired)."""

    @property
    def warm(self) -> bool:
        return self.status == WARM

    @property
    def expires_at(self) -> float | None:
        return None if self.last_at is None or self.ttl is None else self.last_at + self.ttl

    @property
    def text(self) -> str:
        """`warm · 4:12 left`, `cold (expired 3 min ago)`, `never written`, `cache ?`."""
        if self.status == WARM:
            return f"warm · {_clock(self.seconds_left or 0)} left"
        if self.status == COLD:
            return f"cold (expired {_ago(-(self.seconds_left or 0))} ago)"
        if self.status == NEVER:
            return "never written"
        return "cache ? (no cache counters reported)"


def cache_state(turns: Sequence[Turn], provider: str, model: str, now: float,
                ttl_overrides: Mapping[str, float] | None = None,
                fingerprint: str | None = None) -> CacheState:
    """Warm or cold for the prefix `fingerprint` (default: the last turn's) on `model`.

    A turn counts as a cache write or hit when it reported cached or written tokens, or,
    on providers that cache automatically (OpenAI, Gemini), when its prompt reached the
    minimum (the provider stores it without reporting a write). Anthropic entries live 5
    minutes, or 1 hour when the turn wrote 1-hour tokens; a hit refreshes the entry it hit.
    """
    if fingerprint is None and turns:
        fingerprint = turns[-1].meta.prefix_fingerprint
    minimum = cache_minimum(provider, model)
    last_at: float | None = None
    kind: str | None = None
    seen_counters = False
    matching = False
    for turn in turns:
        if (turn.meta.provider, turn.meta.model, turn.meta.prefix_fingerprint) != (
                provider, model, fingerprint):
            continue
        matching = True
        u = turn.usage
        seen_counters |= u.cache_read is not None or u.cache_write is not None
        touched, wrote = _cache_touch(turn, provider, minimum)
        if touched:
            last_at = _when(turn)
            kind = wrote or kind
    if last_at is None:
        known = seen_counters or provider in ("openai", "gemini", "anthropic")
        return CacheState(NEVER if known or not matching else UNKNOWN)
    kind = (kind or "5m") if provider == "anthropic" else None
    ttl = ttl_seconds(provider, kind, ttl_overrides)
    left = last_at + ttl - now
    return CacheState(WARM if left > 0 else COLD, last_at, ttl, kind, left)


def _cache_touch(turn: Turn, provider: str, minimum: int) -> tuple[bool, str | None]:
    """(did this turn write or hit the cache, the TTL kind it wrote: "5m", "1h" or None)."""
    u = turn.usage
    if (u.cache_write_1h or 0) > 0:
        return True, "1h"
    if (u.cache_write_5m or 0) > 0:
        return True, "5m"
    if (u.cache_read or 0) > 0:
        return True, None
    big_enough = (u.input_total or 0) >= minimum
    if u.estimated:  # no usage came back, but the request reached the server
        return big_enough and turn.status != FAILED, None
    automatic = provider in ("openai", "gemini") or (
        provider == "openai-compatible" and u.cache_read is not None)
    return automatic and big_enough, None


def _when(turn: Turn) -> float:
    return turn.finished_at if turn.finished_at is not None else turn.started_at


# -- miss causes -----------------------------------------------------------------------

PERSONA_CHANGED, MODEL_CHANGED = "persona_changed", "model_changed"
PREFIX_CHANGED = "prefix_changed"
HISTORY_REWRITTEN, TTL_EXPIRED, BELOW_MINIMUM = "history_rewritten", "ttl_expired", "below_minimum"
UNKNOWN_CAUSE = "unknown"


@dataclass(frozen=True)
class MissCause:
    code: str
    """persona_changed | model_changed | prefix_changed | history_rewritten |
    below_minimum | ttl_expired | unknown"""
    text: str
    expected: int
    """Cached tokens the previous turn made possible (its prompt, in the provider's steps)."""
    cached: int
    """Cached tokens the turn got."""


def miss_cause(previous_turn: Turn | None, turn: Turn, minimum: int | None = None, *,
               ttl_overrides: Mapping[str, float] | None = None) -> MissCause | None:
    """Why `turn` read fewer cached tokens than `previous_turn` made possible; None when
    there is nothing to explain (no previous turn, unknown counters, or a hit).

    What is possible: the whole previous prompt (it is an exact prefix of this one when
    nothing changed), rounded to the provider's step. The causes, checked in this order:
    persona changed, model changed, prefix changed (same persona, new fingerprint: its
    file or tools were edited), history rewritten (this prompt is shorter than the
    previous one: compaction, an edit), prefix below the model's minimum (the previous
    prompt was too short to be cached at all), TTL expired (the idle gap exceeded the
    provider's TTL), else unknown (provider-side: eviction, routing, load).
    """
    if previous_turn is None:
        return None
    prev, cur = previous_turn.usage, turn.usage
    if cur.cache_read is None or cur.input_total is None or prev.input_total is None:
        return None
    provider = turn.meta.provider
    minimum = cache_minimum(provider, turn.meta.model) if minimum is None else minimum
    possible = prev.input_total // step(provider) * step(provider)
    slack = step(provider) if step(provider) > 1 else max(32, possible // 50)
    if cur.cache_read >= possible - slack:
        return None
    pm, cm = previous_turn.meta, turn.meta

    def cause(code: str, text: str) -> MissCause:
        return MissCause(code, text, possible, cur.cache_read)  # type: ignore[arg-type]

    model_change = (pm.provider, pm.model) != (cm.provider, cm.model)
    model_text = (f"{pm.model} → {cm.model}" if pm.model != cm.model
                  else f"{pm.provider} → {cm.provider}")
    if pm.persona != cm.persona:
        extra = f", model {model_text}" if model_change else ""
        return cause(PERSONA_CHANGED, f"persona changed ({pm.persona or 'none'} → "
                                      f"{cm.persona or 'none'}{extra})")
    if model_change:
        return cause(MODEL_CHANGED, f"model changed ({model_text}): each model has its own cache")
    fingerprints = (pm.prefix_fingerprint, cm.prefix_fingerprint)
    if all(fingerprints) and fingerprints[0] != fingerprints[1]:
        return cause(PREFIX_CHANGED, "prefix changed (the persona's prompt or tools were edited)")
    if cur.input_total < prev.input_total - slack:
        return cause(HISTORY_REWRITTEN, f"history rewritten (prompt {cur.input_total:,} < "
                                        f"{prev.input_total:,} before: compaction or an edit)")
    if possible < minimum:
        return cause(BELOW_MINIMUM, f"prefix below the model's minimum ({prev.input_total:,} < "
                                    f"{minimum:,} tokens)")
    wrote_1h = (prev.cache_write_1h or 0) > 0
    ttl = ttl_seconds(provider, "1h" if wrote_1h else "5m", ttl_overrides)
    gap = turn.started_at - _when(previous_turn)
    if gap > ttl:
        return cause(TTL_EXPIRED, f"TTL expired (idle {_ago(gap)} > {_ago(ttl)})")
    return cause(UNKNOWN_CAUSE, "unknown (provider-side)")


def miss_causes(turns: Sequence[Turn], ttl_overrides: Mapping[str, float] | None = None
                ) -> list[MissCause | None]:
    """`miss_cause` for each turn against the latest earlier turn that reached the server
    with a known prompt (a failed turn whose usage chattui estimated is skipped)."""
    out: list[MissCause | None] = []
    previous: Turn | None = None
    for turn in turns:
        out.append(miss_cause(previous, turn, ttl_overrides=ttl_overrides))
        u = turn.usage
        if u.input_total is not None and not (turn.status == FAILED and u.estimated):
            previous = turn
    return out


# -- before sending --------------------------------------------------------------------


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


# -- formatting ------------------------------------------------------------------------


def _int(value: int | TokenCount) -> int:
    return value.n if isinstance(value, TokenCount) else int(value)


def _n(value: int | None) -> str:
    return "?" if value is None else f"{value:,}"


def _n_approx(value: int | None) -> str:
    return "?" if value is None else f"≈{value:,}"


def _usd(value: float | None) -> str:
    return "?" if value is None else format_usd(value)


def _clock(seconds: float) -> str:
    """`4:12`, `59:30`, `1:02:03`."""
    s = int(max(0, seconds))
    h, rest = divmod(s, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def _ago(seconds: float) -> str:
    """`42 s`, `3 min`, `2 h`, `5 d`."""
    s = max(0.0, seconds)
    if s < 60:
        return f"{int(s)} s"
    if s < 3600:
        return f"{int(s // 60)} min"
    if s < 86400:
        return f"{int(s // 3600)} h"
    return f"{int(s // 86400)} d"

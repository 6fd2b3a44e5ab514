"""Turn cost from genai-prices' bundled data (offline), with user overrides from config.

Convention: `Usage.input_total` includes cache reads and writes (genai-prices'
"total input"). A model nobody knows a price for gives `None` ("cost ?"), never $0.
A cost the gateway reported itself (OpenRouter's `usage.cost`) wins over a computed one.
Which price applies where (endpoints, patterns, loose matching): `price_rules`.

Usage that contradicts itself (more cached and written tokens than the prompt holds) is
priced by a conservative rule: the larger of two readings, (a) the whole prompt at the
uncached input rate, the cache counters ignored, and (b) the cache counters as reported
with nothing uncached (the prompt raised to their sum). The bill can be no lower than the
cheaper reading, and chattui never shows less than either. Pricing never raises: any
failure is `cost ?` with the reason in `Cost.note`.
"""

from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass, replace
from typing import Any, Mapping

from chattui.core.price_rules import (
    Rates, Resolved, derived_rates, find_override, missing_rate, own_provider,
)
from chattui.core.usage import Usage

__all__ = ["Cost", "Rates", "format_usd", "price", "readings", "resolved_override",
           "genai_calculation"]

_GENAI_PROVIDER = {"openai": "openai", "anthropic": "anthropic", "gemini": "google"}
_PER_MTOK = 1_000_000


@dataclass(frozen=True)
class Cost:
    usd: float | None
    source: str
    """"reported" (by the gateway), "endpoint", "config", "genai-prices" or "unknown"."""
    label: str | None = None
    """Where the price came from, for the user: `config (prices."gpt-*")`,
    `endpoint localhost:11434`; None: the source says it."""
    note: str | None = None
    """Why there is no price (an override missing a cache rate, a pricing failure)."""
    billed: Usage | None = None
    """The reading of the usage that was priced (differs from the stored usage only when
    that contradicts itself)."""

    @property
    def known(self) -> bool:
        return self.usd is not None

    @property
    def origin(self) -> str:
        """`price: genai-prices`, `price: config`, `price: endpoint localhost:11434`,
        `price: gateway`, `price ?`."""
        if self.source == "unknown":
            return "price ?"
        if self.source == "reported":
            return "price: gateway"
        return f"price: {self.label or self.source}"

    def __str__(self) -> str:
        return "cost ?" if self.usd is None else format_usd(self.usd)


def format_usd(usd: float) -> str:
    """Dollars with enough digits that a cheap turn does not read as $0.00."""
    if usd == 0:
        return "$0"
    if abs(usd) >= 1:
        return f"${usd:,.2f}"
    if abs(usd) >= 0.01:
        return f"${usd:.4f}"
    return f"${usd:.6f}"


def price(
    usage: Usage,
    model: str,
    provider: str,
    overrides: Mapping[str, Rates] | None = None,
    base_url: str | None = None,
) -> Cost:
    """What `usage` cost on `model`; `Cost(None, "unknown")` when no price is known.
    Never raises."""
    try:
        return _price(usage, model, provider, overrides, base_url)
    except Exception as exc:  # noqa: BLE001 - a price must never cost the user the turn
        return Cost(None, "unknown", note=f"pricing failed: {exc}")


def readings(usage: Usage) -> list[Usage]:
    """The usage as it can be billed: itself, or for contradictory usage the two readings
    of the conservative rule (module docstring)."""
    if usage.inconsistency is None:
        return [usage]
    ignore_cache = replace(usage, cache_read=0, cache_write_5m=0, cache_write_1h=0)
    trust_cache = replace(usage, input_total=(usage.cache_read or 0) + (usage.cache_write or 0))
    return [ignore_cache, trust_cache]


def resolved_override(model: str, provider: str, overrides: Mapping[str, Rates] | None,
                      base_url: str | None) -> Resolved | None:
    """The user's price for `model` at `base_url`, its cache gaps filled (price_rules)."""
    found = find_override(model, overrides, base_url)
    if found is None:
        return None
    source, label, rates = found
    return derived_rates(rates, provider, model, source, label)


def _price(usage: Usage, model: str, provider: str, overrides: Mapping[str, Rates] | None,
           base_url: str | None) -> Cost:
    if usage.cost_reported is not None:
        return Cost(usage.cost_reported, "reported", billed=usage)
    if usage.input_total is None and usage.output is None:
        return Cost(None, "unknown")
    options = readings(usage)
    if (rates := resolved_override(model, provider, overrides, base_url)) is not None:
        for reading in options:
            if key := missing_rate(rates, reading.cache_read, reading.cache_write_5m,
                                   reading.cache_write_1h):
                return Cost(None, "unknown", rates.label, note=(
                    f"{rates.label} has no {key} rate and no provider ratio is known for "
                    f"{model}: add {key} to it"))
        usd, billed = max([(_from_rates(r, rates), r) for r in options], key=lambda x: x[0])
        return Cost(usd, rates.source, rates.label, billed=billed)
    priced = [(_from_genai_prices(r, model, provider, base_url), r) for r in options]
    if any(usd is None for usd, _ in priced):
        return Cost(None, "unknown")
    known = [(usd, r) for usd, r in priced if usd is not None]  # all of them, now
    usd, billed = max(known, key=lambda x: x[0])
    return Cost(usd, "genai-prices", billed=billed)


def _from_rates(usage: Usage, rates: Resolved) -> float:
    tokens = (usage.uncached_input or 0, usage.cache_read or 0, usage.cache_write_5m or 0,
              usage.cache_write_1h or 0, usage.output or 0)
    return sum(n * rate for n, rate in zip(tokens, rates.values()) if n) / _PER_MTOK


def _exact(match: Any, ref: str) -> bool:
    """Whether genai-prices' match logic names `ref` exactly (an `equals` clause)."""
    equals = getattr(match, "equals", None)
    if equals is not None:
        return bool(equals.lower() == ref)
    return any(_exact(clause, ref) for clause in getattr(match, "or_", None) or ())


@functools.lru_cache(maxsize=4096)
def genai_calculation(usage: Usage, model: str, provider: str, base_url: str | None) -> Any:
    """genai-prices' PriceCalculation for `usage` (None when it knows no price). Memoised:
    the session's savings re-price every stored turn after each reply.

    On the provider's own host (or with no base URL) genai-prices matches the name as it
    likes; elsewhere only a host genai-prices knows by its API URL, or a model id it lists
    exactly for the provider chattui speaks to, is priced (price_rules)."""
    from genai_prices import Usage as GenaiUsage, calc_price

    values = GenaiUsage(
        input_tokens=usage.input_total or 0, cache_read_tokens=usage.cache_read,
        cache_write_tokens=usage.cache_write, cache_write_1h_tokens=usage.cache_write_1h or None,
        output_tokens=usage.output or 0)

    def calc(**where: str) -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return calc_price(values, model, **where)  # type: ignore[call-overload]  # one of the keywords

    own = own_provider(base_url)
    chosen = _GENAI_PROVIDER.get(provider)
    try:
        if base_url is None or own is not None:
            provider_id = own or chosen
            return calc(provider_id=provider_id) if provider_id else calc()
        try:
            return calc(provider_api_url=base_url)  # a host genai-prices knows
        except LookupError:
            pass
        if chosen is None:
            return None
        result = calc(provider_id=chosen)
        ref = model.lower()
        return result if ref == result.model.id.lower() or _exact(result.model.match, ref) else None
    except LookupError:
        return None


def warm_up() -> None:
    """Load genai-prices and its price data (0.2–0.6 s) ahead of the first price: from a
    thread, after the first frame."""
    genai_calculation(Usage(input_total=1, output=1), "gpt-4.1-mini", "openai", None)


def is_warm() -> bool:
    """Whether a price now costs no import (warm_up() has run, or a price was taken)."""
    return genai_calculation.cache_info().currsize > 0


def _from_genai_prices(usage: Usage, model: str, provider: str, base_url: str | None) -> float | None:
    calculation = genai_calculation(usage, model, provider, base_url)
    return None if calculation is None else float(calculation.total_price)

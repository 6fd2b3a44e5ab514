"""Turn cost from genai-prices' bundled data (offline), with user overrides from config.

Convention: `Usage.input_total` includes cache reads and writes (genai-prices'
"total input"). A model nobody knows a price for gives `None` ("cost ?"), never $0.
A cost the gateway reported itself (OpenRouter's `usage.cost`) wins over a computed one.
"""

from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass
from typing import Any, Mapping, Protocol

from chattui.core.usage import Usage

_GENAI_PROVIDER = {"openai": "openai", "anthropic": "anthropic", "gemini": "google"}
_PER_MTOK = 1_000_000


class Rates(Protocol):
    """USD per million tokens (config.PriceOverride satisfies this)."""

    input: float
    output: float
    cache_read: float | None
    cache_write: float | None
    cache_write_1h: float | None


@dataclass(frozen=True)
class Cost:
    usd: float | None
    source: str
    """"reported" (by the gateway), "config", "genai-prices" or "unknown"."""

    @property
    def known(self) -> bool:
        return self.usd is not None

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
    """What `usage` cost on `model`; `Cost(None, "unknown")` when no price is known."""
    if usage.cost_reported is not None:
        return Cost(usage.cost_reported, "reported")
    if usage.input_total is None and usage.output is None:
        return Cost(None, "unknown")
    if overrides and model in overrides:
        return Cost(_from_rates(usage, overrides[model]), "config")
    usd = _from_genai_prices(usage, model, provider, base_url)
    return Cost(usd, "genai-prices" if usd is not None else "unknown")


def rate_values(rates: Rates) -> tuple[float, float, float, float, float]:
    """(input, cache read, 5m write, 1h write, output) per million tokens; an unset cache
    rate is the input rate, an unset 1h write rate the 5m one."""
    read = rates.cache_read if rates.cache_read is not None else rates.input
    write = rates.cache_write if rates.cache_write is not None else rates.input
    write_1h = rates.cache_write_1h if rates.cache_write_1h is not None else write
    return rates.input, read, write, write_1h, rates.output


def _from_rates(usage: Usage, rates: Rates) -> float:
    tokens = (usage.uncached_input or 0, usage.cache_read or 0, usage.cache_write_5m or 0,
              usage.cache_write_1h or 0, usage.output or 0)
    return sum(n * rate for n, rate in zip(tokens, rate_values(rates))) / _PER_MTOK


@functools.lru_cache(maxsize=4096)
def genai_calculation(usage: Usage, model: str, provider: str, base_url: str | None) -> Any:
    """genai-prices' PriceCalculation for `usage` (None when it knows no price). Memoised:
    the session's savings re-price every stored turn after each reply.

    The provider is chattui's name mapped to genai-prices' id; for an OpenAI-compatible
    server the base URL identifies the gateway, and an unknown gateway may still serve a
    model genai-prices knows by name."""
    from genai_prices import Usage as GenaiUsage, calc_price

    values = {
        "input_tokens": usage.input_total or 0,
        "cache_read_tokens": usage.cache_read,
        "cache_write_tokens": usage.cache_write,
        "cache_write_1h_tokens": usage.cache_write_1h or None,
        "output_tokens": usage.output or 0,
    }
    where: dict[str, str] = {}
    if provider in _GENAI_PROVIDER:
        where["provider_id"] = _GENAI_PROVIDER[provider]
    elif base_url:
        where["provider_api_url"] = base_url
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return calc_price(GenaiUsage(**values), model, **where)  # type: ignore[call-overload]  # one of the two keywords
    except LookupError:
        return genai_calculation(usage, model, "", None) if "provider_api_url" in where else None


def _from_genai_prices(usage: Usage, model: str, provider: str, base_url: str | None) -> float | None:
    calculation = genai_calculation(usage, model, provider, base_url)
    return None if calculation is None else float(calculation.total_price)

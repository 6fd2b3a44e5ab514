"""Turn cost from genai-prices' bundled data (offline), with user overrides from config.

Convention: `Usage.input_total` includes cache reads and writes (genai-prices'
"total input"). A model nobody knows a price for gives `None` ("cost ?"), never $0.
A cost the gateway reported itself (OpenRouter's `usage.cost`) wins over a computed one.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Mapping, Protocol

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


def _from_rates(usage: Usage, rates: Rates) -> float:
    read_rate = rates.cache_read if rates.cache_read is not None else rates.input
    write_rate = rates.cache_write if rates.cache_write is not None else rates.input
    write_1h_rate = rates.cache_write_1h if rates.cache_write_1h is not None else write_rate
    tokens_and_rates = (
        (usage.uncached_input or 0, rates.input),
        (usage.cache_read or 0, read_rate),
        (usage.cache_write_5m or 0, write_rate),
        (usage.cache_write_1h or 0, write_1h_rate),
        (usage.output or 0, rates.output),
    )
    return sum(tokens * rate for tokens, rate in tokens_and_rates) / _PER_MTOK


def _from_genai_prices(usage: Usage, model: str, provider: str, base_url: str | None) -> float | None:
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
            result = calc_price(GenaiUsage(**values), model, **where)
    except LookupError:
        if "provider_api_url" in where:  # an unknown gateway may still serve a known model
            return _from_genai_prices(usage, model, "", None)
        return None
    return float(result.total_price)

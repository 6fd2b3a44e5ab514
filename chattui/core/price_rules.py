"""Which price applies to a turn: the user's overrides, by endpoint or by model pattern,
and where genai-prices may match a model name loosely.

Order (first that applies wins), see `pricing.price`:

1. a cost the gateway reported itself (OpenRouter's `usage.cost`, plus the upstream cost
   of a BYOK request);
2. `[endpoints."HOST:PORT"]` in config.toml (also `[endpoints."HOST"]`): every model served
   there. `price = 0` makes them free; or give rates like a `[prices]` table;
3. `[prices."MODEL"]`: an exact model name first, else the longest shell-style pattern
   that matches it (`[prices."gpt-oss-*"]`, `[prices."*:8b"]`; `*`, `?`, `[abc]` as in
   fnmatch, case-insensitive);
4. genai-prices. On the provider's own hosts (`PROVIDER_HOSTS`, or no base URL at all)
   its matching is used as it comes: patterns, prefixes, dated suffixes. On any other
   endpoint (localhost, a gateway, a proxy) only a model id genai-prices lists EXACTLY for
   the provider chattui speaks to is priced; an unknown or loosely matched name
   (`deepseek-r1:8b`, `gpt-oss-20b`, `kimi-k2` on localhost) is `cost ?` until the user
   prices it with 2 or 3.

Cache rates an override leaves out are derived from the provider's published ratios to
its input rate (`derived_rates`); when nobody publishes one for the model and the turn used
the cache, the override is refused ("cost ?" with the reason), never the input rate.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from typing import Mapping, Protocol
from urllib.parse import urlsplit

ENDPOINT_PREFIX = "endpoint:"
"""Keys of the price mapping that hold an `[endpoints."…"]` price, not a model's."""
PROVIDER_HOSTS = {
    "api.openai.com": "openai",
    "api.anthropic.com": "anthropic",
    "generativelanguage.googleapis.com": "google",
    "openrouter.ai": "openrouter",
    "api.groq.com": "groq",
    "api.mistral.ai": "mistral",
    "api.deepseek.com": "deepseek",
    "api.x.ai": "x-ai",
    "api.together.xyz": "together",
}
"""Hosts whose own price list genai-prices carries (host → genai-prices provider id)."""


class Rates(Protocol):
    """USD per million tokens (config.PriceOverride satisfies this). Read-only, so that a
    frozen dataclass qualifies."""

    @property
    def input(self) -> float: ...
    @property
    def output(self) -> float: ...
    @property
    def cache_read(self) -> float | None: ...
    @property
    def cache_write(self) -> float | None: ...
    @property
    def cache_write_1h(self) -> float | None: ...


@dataclass(frozen=True)
class Resolved:
    """The five rates (per MTok) an override gives once its gaps are filled."""

    input: float
    cache_read: float | None
    cache_write: float | None
    cache_write_1h: float | None
    output: float
    label: str
    """Where the price came from: `config (prices."gpt-*")`, `endpoint localhost:11434`."""
    source: str
    """"config" or "endpoint"."""

    def values(self) -> tuple[float, float, float, float, float]:
        """(input, read, 5m write, 1h write, output); a still-unknown cache rate is NaN
        (the caller refuses usage that needs it)."""
        nan = float("nan")
        return (self.input, nan if self.cache_read is None else self.cache_read,
                nan if self.cache_write is None else self.cache_write,
                nan if self.cache_write_1h is None else self.cache_write_1h, self.output)


def host_of(base_url: str | None) -> str | None:
    """`localhost:11434` from `http://localhost:11434/v1` (the host alone without a port)."""
    if not base_url:
        return None
    parts = urlsplit(base_url if "//" in base_url else f"//{base_url}")
    return parts.netloc.lower() or None


def own_provider(base_url: str | None) -> str | None:
    """The genai-prices provider id whose own host `base_url` is (None elsewhere)."""
    netloc = host_of(base_url)
    if netloc is None:
        return None
    host = netloc.rsplit("@", 1)[-1].split(":")[0]
    return PROVIDER_HOSTS.get(host) or next(
        (pid for known, pid in PROVIDER_HOSTS.items() if host.endswith("." + known)), None)


def find_override(model: str, overrides: Mapping[str, Rates] | None,
                  base_url: str | None) -> tuple[str, str, Rates] | None:
    """(source, label, rates) of the user's price for `model` at `base_url`, else None."""
    if not overrides:
        return None
    netloc = host_of(base_url)
    if netloc:
        bare = netloc.split(":")[0]
        for key in (netloc, bare):
            if (rates := overrides.get(ENDPOINT_PREFIX + key)) is not None:
                return "endpoint", f"endpoint {key}", rates
    if model in overrides:
        return "config", "config", overrides[model]
    patterns = [k for k in overrides if not k.startswith(ENDPOINT_PREFIX)
                and any(c in k for c in "*?[") and fnmatch.fnmatch(model.lower(), k.lower())]
    if patterns:
        best = max(patterns, key=len)
        return "config", f'config (prices."{best}")', overrides[best]
    return None


def family(provider: str, model: str) -> str | None:
    """Whose published cache ratios apply to `model`: anthropic, openai, gemini or None."""
    name = model.lower().rsplit("/", 1)[-1]
    if provider == "anthropic" or "claude" in name:
        return "anthropic"
    if provider == "gemini" or name.startswith("gemini"):
        return "gemini"
    if provider == "openai" or re.match(r"(gpt-[45]|o[134]\b|o[134]-|chatgpt)", name):
        return "openai"
    return None


def _openai_read_ratio(name: str) -> float:
    """OpenAI's cached-input discount by family: 0.5× for gpt-4o and the o-series, 0.25×
    for gpt-4.1, 0.1× for gpt-5 and later (their published price tables)."""
    if name.startswith("gpt-5") or re.match(r"gpt-[6-9]", name):
        return 0.1
    if name.startswith("gpt-4.1"):
        return 0.25
    return 0.5


def _openai_write_ratio(name: str) -> float:
    """GPT-5.6 and later bill cache writes at 1.25× input; earlier models do not bill
    writes at all (they never report any), so the input rate is exact there."""
    match = re.match(r"gpt-(\d+)(?:\.(\d+))?", name)
    later = match is not None and (int(match.group(1)), int(match.group(2) or 0)) >= (5, 6)
    return 1.25 if later else 1.0


def derived_rates(rates: Rates, provider: str, model: str, source: str, label: str) -> Resolved:
    """Fill the cache rates an override leaves out from the provider's published ratios:

    * Anthropic (and Claude behind a gateway): read 0.1×, 5-minute write 1.25×, 1-hour write 2×;
    * OpenAI: read 0.5× (gpt-4o, o-series), 0.25× (gpt-4.1), 0.1× (gpt-5+); write 1.25× from
      GPT-5.6 on, else 1× (earlier models bill no writes);
    * Gemini: read 0.1× (2.5 and later; 0.25× for 2.0); implicit caching bills no writes, 1×;
    * anything else: left unknown (None) — usage that needs it is refused.
    A given 5-minute write rate also serves as the 1-hour one when that is missing, outside
    Anthropic."""
    kind = family(provider, model)
    name = model.lower().rsplit("/", 1)[-1]
    base = rates.input
    ratios: dict[str, float] = {}
    if kind == "anthropic":
        ratios = {"read": 0.1, "write": 1.25, "write_1h": 2.0}
    elif kind == "openai":
        write_ratio = _openai_write_ratio(name)
        ratios = {"read": _openai_read_ratio(name), "write": write_ratio, "write_1h": write_ratio}
    elif kind == "gemini":
        ratios = {"read": 0.25 if name.startswith("gemini-2.0") else 0.1, "write": 1.0,
                  "write_1h": 1.0}
    read = rates.cache_read if rates.cache_read is not None else (
        base * ratios["read"] if ratios else None)
    write = rates.cache_write if rates.cache_write is not None else (
        base * ratios["write"] if ratios else None)
    write_1h: float | None
    if rates.cache_write_1h is not None:
        write_1h = rates.cache_write_1h
    elif ratios:
        write_1h = base * ratios["write_1h"] if kind == "anthropic" or write is None else write
    else:
        write_1h = write
    return Resolved(base, read, write, write_1h, rates.output, label, source)


def missing_rate(resolved: Resolved, cache_read: int | None, cache_write_5m: int | None,
                 cache_write_1h: int | None) -> str | None:
    """The cache rate the override lacks for this usage (None when it has all it needs)."""
    for count, rate, key in ((cache_read, resolved.cache_read, "cache_read"),
                             (cache_write_5m, resolved.cache_write, "cache_write"),
                             (cache_write_1h, resolved.cache_write_1h, "cache_write_1h")):
        if count and rate is None:
            return key
    return None

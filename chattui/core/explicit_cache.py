"""Gemini explicit caches as plain records: what a cache is, what binds it to a
conversation, how long it lives (TTL text) and what keeping it costs (storage estimate).

Gemini bills an explicit cache three ways: creating it at the model's input rate, reading
it at the discounted cache-read rate (priced per turn, like any cached tokens), and
storing it per million tokens per hour until it expires. genai-prices 0.2.3 has no unit
for storage ("The cache storage price … has no unit in prices/units.yml and is not
represented here", its gemini-3.6/3.7/3.8-flash comments), so the storage rates are this
small table, overridable per model in config.toml: `[prices."MODEL"] cache_storage = 1.0`.
No I/O here: the SDK calls are chattui.providers.gemini_cache, the bindings the store's.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass
from typing import Any, Mapping

STORAGE_RATES: Mapping[str, float] = {
    "gemini-2.5-pro": 4.50, "gemini-2.5-flash": 1.00, "gemini-2.0-flash": 1.00,
    "gemini-3-pro": 4.50, "gemini-3.1-pro": 4.50, "gemini-3-flash": 1.00,
    "gemini-3.6-flash": 0.50, "gemini-3.7-flash": 0.50, "gemini-3.8-flash": 0.50,
}
"""USD per million tokens per hour, by model-name prefix (the longest match wins).
Sources: ai.google.dev/gemini-api/docs/pricing ("Context caching … storage price":
$4.50 Pro-class, $1.00 2.x/3 Flash-class incl. Flash-Lite); genai-prices' comments for
3.6–3.8 Flash ($0.50). A model not listed has no estimate ("storage ?"), never $0."""
_PER_MTOK = 1_000_000
_TTL_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([smhd]?)")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class CacheInfo:
    """One explicit cache as the API describes it (times are Unix seconds)."""

    name: str
    """`cachedContents/…`: what a request names."""
    model: str
    """Without the `models/` prefix."""
    display_name: str | None = None
    tokens: int | None = None
    """usage_metadata.total_token_count; None when the API did not say."""
    created: float | None = None
    expires: float | None = None


@dataclass(frozen=True)
class CacheBinding:
    """A conversation that sends `cache_name` instead of its persona (store table
    gemini_caches, one per conversation)."""

    conversation_id: str
    cache_name: str
    model: str
    persona: str | None
    fingerprint: str
    """The persona's prefix fingerprint when the cache was made from it."""
    expires: float | None
    tokens: int | None

    def expired(self, now: float | None = None) -> bool:
        return self.expires is not None and self.expires <= (time.time() if now is None else now)

    def usable(self, model: str, fingerprint: str, now: float | None = None) -> bool:
        """True when a request on `model` with this persona prefix may name the cache."""
        return not self.expired(now) and self.model == model and self.fingerprint == fingerprint


def parse_ttl(text: str) -> int:
    """Seconds in `30m`, `1h`, `3600s`, `1h30m`, `1.5h`, `2d` or a bare number of seconds.
    ValueError (with what was wrong) for anything else or a TTL of zero."""
    compact = text.strip().lower().replace(" ", "")
    parts = list(_TTL_PART.finditer(compact))
    if not compact or "".join(p.group(0) for p in parts) != compact:
        raise ValueError(f"not a duration: {text!r} (try 30m, 1h or 3600s)")
    seconds = sum(float(p[1]) * _UNIT_SECONDS[p[2]] for p in parts)
    if seconds < 1:
        raise ValueError(f"a TTL must be at least one second, got {text!r}")
    return round(seconds)


def storage_rate(model: str, overrides: Mapping[str, Any] | None = None) -> float | None:
    """USD per million tokens per hour to store a cache of `model`; None when unknown.
    A `cache_storage` in the user's `[prices."MODEL"]` wins over the table."""
    model = model.removeprefix("models/")
    override = (overrides or {}).get(model)
    if getattr(override, "cache_storage", None) is not None:
        return float(override.cache_storage)
    matches = [prefix for prefix in STORAGE_RATES if model.startswith(prefix)]
    return STORAGE_RATES[max(matches, key=len)] if matches else None


def storage_cost(tokens: int, rate: float, seconds: float) -> float:
    """USD to store `tokens` for `seconds` at `rate` per million tokens per hour."""
    return tokens * rate / _PER_MTOK * max(0.0, seconds) / 3600


def short_usd(usd: float) -> str:
    """Cents from a cent up ($0.05), else two significant digits ($0.0015), never `$0.00`."""
    if usd <= 0 or usd >= 0.01:
        return f"${usd:,.2f}" if usd else "$0"
    return f"${usd:.{1 - math.floor(math.log10(usd))}f}"


def span(seconds: float) -> str:
    """`40 s`, `52 min`, `1 h 05 min`, `2 d 3 h`."""
    seconds = round(abs(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"


def clock(when: float, now: float) -> str:
    """`14:05` today, `2026-11-20 14:05` on another day (local time)."""
    from chattui.core.when import format_time

    same_day = format_time(when, "%Y-%m-%d") == format_time(now, "%Y-%m-%d")
    return format_time(when, "%H:%M" if same_day else "%Y-%m-%d %H:%M")


def expiry_text(expires: float | None, now: float) -> str:
    """`expires 14:05 (in 52 min)` or `expired 14:05 (3 min ago)`."""
    if expires is None:
        return "expiry ?"
    if expires > now:
        return f"expires {clock(expires, now)} (in {span(expires - now)})"
    return f"expired {clock(expires, now)} ({span(now - expires)} ago)"


def storage_text(info: CacheInfo, rate: float | None, now: float) -> str:
    """`storage ≈ $0.05/h, $0.04 until expiry` (or `storage ?` without a rate or a count)."""
    if rate is None or info.tokens is None:
        return "storage ?"
    hourly = storage_cost(info.tokens, rate, 3600)
    text = f"storage ≈ {short_usd(hourly)}/h"
    if info.expires is not None and info.expires > now:
        text += f", {short_usd(storage_cost(info.tokens, rate, info.expires - now))} until expiry"
    return text


def describe(info: CacheInfo, rate: float | None, now: float | None = None) -> str:
    """`48,213 tok · expires 14:05 (in 52 min) · storage ≈ $0.05/h, $0.04 until expiry`."""
    now = time.time() if now is None else now
    count = f"{info.tokens:,} tok" if info.tokens is not None else "? tok"
    return f"{count} · {expiry_text(info.expires, now)} · {storage_text(info, rate, now)}"

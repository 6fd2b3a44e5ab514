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

from chattui.core.insight.cache import (
    COLD, HISTORY_REWRITTEN, KEY_CHANGED, MODEL_CHANGED, NEVER, PERSONA_CHANGED, PREFIX_CHANGED, TEXT_FORMAT_CHANGED,
    TTL_EXPIRED,
    BELOW_MINIMUM, UNKNOWN, UNKNOWN_CAUSE, WARM, CacheState, MissCause, cache_state, diagnosed,
    miss_cause, miss_causes,
)
from chattui.core.insight.costs import (
    Breakdown, RateCard, SessionSummary, breakdown, rate_card, session_summary,
)
from chattui.core.insight.expected import Expected, expected_turn
from chattui.core.insight.rules import (
    AUTOMATIC, DEFAULT_TTLS, OPENAI_STEP, cache_family, cacheable, reports_writes, simulated_writes, step,
    ttl_seconds,
)

__all__ = [
    "cache_family",
    "COLD",
    "HISTORY_REWRITTEN",
    "MODEL_CHANGED",
    "NEVER",
    "PERSONA_CHANGED",
    "PREFIX_CHANGED",
    "KEY_CHANGED",
    "TEXT_FORMAT_CHANGED",
    "TTL_EXPIRED",
    "BELOW_MINIMUM",
    "UNKNOWN",
    "UNKNOWN_CAUSE",
    "WARM",
    "CacheState",
    "MissCause",
    "cache_state",
    "diagnosed",
    "miss_cause",
    "miss_causes",
    "Breakdown",
    "RateCard",
    "SessionSummary",
    "breakdown",
    "rate_card",
    "session_summary",
    "Expected",
    "expected_turn",
    "AUTOMATIC",
    "DEFAULT_TTLS",
    "OPENAI_STEP",
    "cacheable",
    "reports_writes",
    "simulated_writes",
    "step",
    "ttl_seconds",
]

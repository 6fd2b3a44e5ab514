"""Providers' own cache diagnostics (PROVIDERS.md §2.2, §3.1) as CacheDiagnosed events.

Anthropic answers `diagnostics.previous_message_id` with `diagnostics.cache_miss_reason`
(null: no divergence, or the diagnosis was still pending when the stream started); the
Responses API answers `prompt_cache_options.comparison_response_id` (gpt-5.6 and later)
with `prompt_cache_diagnostics`. "unavailable" and pending verdicts give no event, so
chattui's own reasoning from the stored fingerprints stands.
"""

from __future__ import annotations

from typing import Any, Mapping

from chattui.core.events import CacheDiagnosed

ANTHROPIC_BETA = "cache-diagnosis-2026-04-07"
PREVIOUS_NOT_FOUND = "previous_not_found"


def _get(obj: Any, key: str) -> Any:
    return obj.get(key) if isinstance(obj, Mapping) else getattr(obj, key, None)


def from_anthropic(diagnostics: Any) -> CacheDiagnosed | None:
    reason = _get(diagnostics, "cache_miss_reason") if diagnostics is not None else None
    kind = _get(reason, "type") if reason is not None else None
    if kind in (None, "unavailable"):
        return None
    if kind == "previous_message_not_found":
        return CacheDiagnosed(PREVIOUS_NOT_FOUND)
    return CacheDiagnosed(kind, _get(reason, "cache_missed_input_tokens"))


def from_openai_responses(diagnostics: Any) -> CacheDiagnosed | None:
    kind = _get(diagnostics, "type") if diagnostics is not None else None
    if kind == "cache_hit":
        return CacheDiagnosed("cache_hit")
    if kind == "cache_miss":
        return CacheDiagnosed(_get(diagnostics, "reason") or "unknown",
                              _get(diagnostics, "cache_missed_tokens"))
    if kind == "comparison_response_not_found":
        return CacheDiagnosed(PREVIOUS_NOT_FOUND)
    return None

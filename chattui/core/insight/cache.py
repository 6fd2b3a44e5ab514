"""Warm or cold, and why a turn missed the cache, from the stored turns."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Mapping, Sequence

from chattui.core.insight.fmt import ago as _ago, clock as _clock
from chattui.core.insight.rules import cache_family, openai_ttl_kind, step, ttl_seconds
from chattui.core.models import FAILED, Turn
from chattui.core.prefix import cache_minimum

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
    """Anthropic: "5m" or "1h"; OpenAI GPT-5.6+ explicit: "30m" or "12h"; None elsewhere."""
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
                fingerprint: str | None = None, cache_ttl: str | None = None) -> CacheState:
    """Warm or cold for the prefix `fingerprint` (default: the last turn's) on `model`.

    A turn counts as a cache write or hit when it reported cached or written tokens, or,
    on providers that cache automatically (OpenAI, Gemini), when its prompt reached the
    minimum (the provider stores it without reporting a write). Anthropic entries live 5
    minutes, or 1 hour when the turn wrote 1-hour tokens; a hit refreshes the entry it hit.
    OpenAI's entries live for the persona's explicit `cache_ttl` ("30m"/"12h") on GPT-5.6+.
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
    family = cache_family(provider, model)
    kind = (kind or "5m") if family == "anthropic" else openai_ttl_kind(family, model, cache_ttl)
    ttl = ttl_seconds(family, kind, ttl_overrides)
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


PERSONA_CHANGED, MODEL_CHANGED = "persona_changed", "model_changed"
PREFIX_CHANGED = "prefix_changed"
KEY_CHANGED = "prompt_cache_key_changed"
TEXT_FORMAT_CHANGED = "text_format_changed"
HISTORY_REWRITTEN, TTL_EXPIRED, BELOW_MINIMUM = "history_rewritten", "ttl_expired", "below_minimum"
UNKNOWN_CAUSE = "unknown"


@dataclass(frozen=True)
class MissCause:
    code: str
    """persona_changed | model_changed | prefix_changed | prompt_cache_key_changed |
    text_format_changed | history_rewritten |
    below_minimum | ttl_expired | unknown"""
    text: str
    expected: int
    """Cached tokens the previous turn made possible (its prompt, in the provider's steps)."""
    cached: int
    """Cached tokens the turn got."""


_DIAGNOSED: Mapping[str, tuple[str, str]] = {
    "model_changed": (MODEL_CHANGED, "model changed"),
    "system_changed": (PREFIX_CHANGED, "system prompt changed"),
    "tools_changed": (PREFIX_CHANGED, "tools changed"),
    "messages_changed": (HISTORY_REWRITTEN, "earlier messages changed"),
    "input_changed": (HISTORY_REWRITTEN, "input changed"),
    "context_compacted": (HISTORY_REWRITTEN, "context compacted"),
    "prompt_cache_key_changed": (KEY_CHANGED, "prompt_cache_key changed (another cache routing)"),
    "text_format_changed": (TEXT_FORMAT_CHANGED, "response schema changed (text.format)"),
    "reasoning_effort_changed": (UNKNOWN_CAUSE, "reasoning effort changed"),
    "verbosity_changed": (UNKNOWN_CAUSE, "verbosity changed"),
    "service_tier_changed": (UNKNOWN_CAUSE, "service tier changed"),
}
"""Provider diagnosis reasons → (chattui's cause code, words for the user)."""


def diagnosed(turn: Turn) -> tuple[str, str] | None:
    """(cause code, text) from the provider's own cache diagnosis of `turn`, if it named
    a miss reason."""
    code = turn.cache_diagnosis
    if code is None or code in ("cache_hit", "previous_not_found"):
        return None
    cause, words = _DIAGNOSED.get(code, (UNKNOWN_CAUSE, code.replace("_", " ")))
    missed = turn.cache_missed_tokens
    return cause, f"{words} ({missed:,} tokens not reused)" if missed else words


def miss_cause(previous_turn: Turn | None, turn: Turn, minimum: int | None = None, *,
               ttl_overrides: Mapping[str, float] | None = None,
               cache_ttl: str | None = None, key_change: str | None = None) -> MissCause | None:
    """Why `turn` read fewer cached tokens than `previous_turn` made possible; None when
    there is nothing to explain (`cache_ttl`: the TTL `previous_turn`'s request carried;
    `key_change`: chattui's words for a `prompt_cache_key` that changed between the two,
    core.cache_key.change_note). chattui's own reasoning (below) names the cause; when the
    provider diagnosed the miss itself, its words replace "unknown" or are added."""
    found = _own_cause(previous_turn, turn, minimum, ttl_overrides, cache_ttl, key_change)
    said = diagnosed(turn)
    if found is None or said is None:
        return found
    if found.code == UNKNOWN_CAUSE or (found.code, said[0]) == (PREFIX_CHANGED, TEXT_FORMAT_CHANGED):
        return replace(found, code=said[0], text=f"{said[1]} (the provider's diagnosis)")
    return replace(found, text=f"{found.text}; the provider says: {said[1]}")


def _own_cause(previous_turn: Turn | None, turn: Turn, minimum: int | None,
               ttl_overrides: Mapping[str, float] | None,
               cache_ttl: str | None = None, key_change: str | None = None) -> MissCause | None:
    """Why `turn` read fewer cached tokens than `previous_turn` made possible, from the
    stored turns alone; None when there is nothing to explain (no previous turn, unknown
    counters, or a hit).

    What is possible: the whole previous prompt (it is an exact prefix of this one when
    nothing changed), rounded to the provider's step. The causes, checked in this order:
    persona changed, model changed, prefix changed (same persona, new fingerprint: its
    file or tools were edited), prompt_cache_key changed (OpenAI routes the request to
    another cache), history rewritten (this prompt is shorter than the
    previous one: compaction, an edit), prefix below the model's minimum (the previous
    prompt was too short to be cached at all), TTL expired (the idle gap exceeded the
    TTL in force: Anthropic 5m/1h as written, OpenAI's explicit 30m/12h on GPT-5.6+ when
    the previous request carried one, else the implicit cache's), else unknown
    (provider-side: eviction, routing, load).
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
        return cause(PREFIX_CHANGED, "prefix changed (the persona's prompt, tools or response "
                                     "schema were edited)")
    if key_change:
        return cause(KEY_CHANGED, key_change)
    if cur.input_total < prev.input_total - slack:
        return cause(HISTORY_REWRITTEN, f"history rewritten (prompt {cur.input_total:,} < "
                                        f"{prev.input_total:,} before: compaction or an edit)")
    if possible < minimum:
        return cause(BELOW_MINIMUM, f"prefix below the model's minimum ({prev.input_total:,} < "
                                    f"{minimum:,} tokens)")
    wrote_1h = (prev.cache_write_1h or 0) > 0
    kind = openai_ttl_kind(provider, pm.model, cache_ttl) or ("1h" if wrote_1h else "5m")
    ttl = ttl_seconds(provider, kind, ttl_overrides)
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

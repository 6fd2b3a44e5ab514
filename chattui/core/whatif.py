"""What a stored conversation would have cost on other models, turn by turn.

For each target the conversation is replayed against that provider's caching rules:

* prompt tokens: the stored `input_total` when the target counts tokens like the source
  (same tokenizer family), else the stored texts re-counted with `chattui.core.tokens.count`
  plus the persona prefix (marked ≈);
* cached tokens: a simulated cache keyed by prefix fingerprint. OpenAI caches every
  prefix of a request of ≥1,024 tokens automatically and reports hits in 128-token steps
  (idle TTL, default 10 min); Gemini caches implicitly from the model's minimum, without
  rounding; Anthropic caches only at chattui's breakpoints (the persona prefix and the
  end of each prompt, so a turn reads the previous prompt), from the model's minimum,
  with 5-minute entries (1 hour when the source turn wrote 1-hour tokens) refreshed by
  each hit. Expiry uses the stored start times;
* writes: Anthropic writes everything after the read (1.25× for 5 minutes); OpenAI
  GPT-5.6+ the rest of the prompt in 128-token steps (1.25×); older OpenAI models and
  Gemini bill no writes;
* output tokens as stored; priced with `chattui.core.pricing` (genai-prices).

Keep-warm pings are left out: they only exist to keep the source provider's cache warm,
and are not what the conversation would have cost elsewhere.
A side turn (a summary draft: no user message of its own) keeps its stored
prompt size (≈ across families) and reads the history as it stood when it started, but
stores no entry (its prompt is not the conversation's prefix).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

from chattui.core import insight, tokens
from chattui.core.models import PING, Message, Turn
from chattui.core.prefix import cache_minimum
from chattui.core.pricing import Rates, format_usd, price
from chattui.core.provider import PROVIDERS
from chattui.core.request import ChatMessage, history
from chattui.core.usage import Usage

PROVIDER_ALIASES = {"google": "gemini", "claude": "anthropic"}
MESSAGE_OVERHEAD = 4
"""Tokens a message costs beyond its text (as chattui.core.chat estimates)."""


@dataclass(frozen=True)
class Target:
    provider: str
    model: str

    @classmethod
    def parse(cls, text: str) -> Target:
        """`anthropic:claude-sonnet-5`, or a bare model name (provider from its name)."""
        text = text.strip()
        provider, sep, model = text.partition(":")
        if not sep:
            provider, model = guess_provider(text), text
        provider = PROVIDER_ALIASES.get(provider.strip().lower(), provider.strip().lower())
        model = model.strip()
        if provider not in PROVIDERS or not model:
            raise ValueError(f"not a target: {text!r} (use provider:model, provider one of "
                             f"{', '.join(PROVIDERS)})")
        return cls(provider, model)

    def __str__(self) -> str:
        return f"{self.provider}:{self.model}"


def guess_provider(model: str) -> str:
    name = model.lower().rsplit("/", 1)[-1]
    if name.startswith("claude"):
        return "anthropic"
    if name.startswith(("gemini", "gemma")):
        return "gemini"
    return "openai"


def tokenizer_family(provider: str, model: str) -> str:
    """Models in one family count the same text alike (to the precision that matters here):
    openai (gpt-*, o1/o3/o4…), anthropic (claude-*), gemini (gemini-*, gemma-*); any other
    model is its own family."""
    name = model.lower().rsplit("/", 1)[-1]
    if name.startswith("claude"):
        return "anthropic"
    if name.startswith(("gemini", "gemma")):
        return "gemini"
    if re.match(r"(gpt|chatgpt|o\d|codex|davinci)", name):
        return "openai"
    if provider in ("openai", "anthropic", "gemini"):
        return provider
    return f"{provider}:{name}"


@dataclass(frozen=True)
class TurnEstimate:
    turn_id: int
    prompt: int
    cached: int
    write_5m: int
    write_1h: int
    output: int
    approx: bool
    """The prompt was re-counted (another tokenizer family) or the source was estimated."""
    cost: float | None
    actual: float | None
    """The stored cost of the turn as it ran (None: it was not priced)."""

    @property
    def write(self) -> int:
        return self.write_5m + self.write_1h


@dataclass(frozen=True)
class WhatIf:
    target: Target
    turns: tuple[TurnEstimate, ...] = ()
    reason: str | None = None
    """Why there is no cost (the target model has no known price)."""
    skipped: int = 0
    """Turns left out: their prompt size was never known."""
    unknown_output: int = 0
    """Turns whose output tokens were not stored (counted as 0)."""

    @property
    def approx(self) -> bool:
        return any(t.approx for t in self.turns)

    @property
    def prompt(self) -> int:
        return sum(t.prompt for t in self.turns)

    @property
    def cached(self) -> int:
        return sum(t.cached for t in self.turns)

    @property
    def write(self) -> int:
        return sum(t.write for t in self.turns)

    @property
    def output(self) -> int:
        return sum(t.output for t in self.turns)

    @property
    def cost(self) -> float | None:
        if not self.turns:
            return 0.0 if self.reason is None else None
        costs = [t.cost for t in self.turns]
        return None if any(c is None for c in costs) else sum(costs)  # type: ignore[arg-type]

    @property
    def actual(self) -> float:
        return sum(t.actual or 0.0 for t in self.turns)

    @property
    def actual_unpriced(self) -> int:
        return sum(t.actual is None for t in self.turns)

    @property
    def hit_ratio(self) -> float | None:
        return self.cached / self.prompt if self.prompt else None

    @property
    def vs_actual(self) -> str:
        """`+$0.0123 (+45%)`, `−$0.0040 (−20%)`, or `?`."""
        cost = self.cost
        if cost is None or self.actual_unpriced:
            return "?"
        delta = cost - self.actual
        sign = "+" if delta >= 0 else "−"
        ratio = f" ({sign}{abs(delta) / self.actual:.0%})" if self.actual else ""
        return f"{sign}{format_usd(abs(delta))}{ratio}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "target": str(self.target), "provider": self.target.provider,
            "model": self.target.model, "approx": self.approx, "reason": self.reason,
            "turns": len(self.turns), "skipped_turns": self.skipped,
            "unknown_output_turns": self.unknown_output,
            "input": self.prompt, "cached": self.cached, "cache_write": self.write,
            "output": self.output, "hit_ratio": self.hit_ratio, "cost_usd": self.cost,
            "actual_usd": self.actual, "actual_unpriced_turns": self.actual_unpriced,
            "delta_usd": (None if self.cost is None or self.actual_unpriced
                          else self.cost - self.actual),
            "per_turn": [
                {"turn": t.turn_id, "input": t.prompt, "cached": t.cached,
                 "cache_write_5m": t.write_5m, "cache_write_1h": t.write_1h, "output": t.output,
                 "approx": t.approx, "cost_usd": t.cost, "actual_usd": t.actual}
                for t in self.turns
            ],
        }


@dataclass
class _Entry:
    fingerprint: str | None
    history: tuple[ChatMessage, ...]
    tokens: int
    expires: float
    ttl: float


@dataclass
class _Request:
    turn: Turn
    fingerprint: str | None
    history: tuple[ChatMessage, ...]
    prompt: int
    prefix: int
    counts: list[int] = field(default_factory=list)
    """Re-counted tokens of each history message (for partial prefix matches)."""
    approx: bool = False
    side: bool = False


def what_if(turns: Sequence[Turn], messages: Sequence[Message], targets: Sequence[Target], *,
            prefix_tokens: Mapping[str, int] | Callable[[Turn], int | None] | None = None,
            overrides: Mapping[str, Rates] | None = None,
            ttl_overrides: Mapping[str, float] | None = None) -> list[WhatIf]:
    """Price `turns` (one conversation's, with its `messages`) on each target.

    `prefix_tokens` gives a prefix fingerprint's tokens (system prompt + tools) when the
    persona is still known; otherwise the prefix is estimated from the first turn with
    that fingerprint: its stored prompt minus its re-counted history."""
    ordered = sorted((t for t in turns if t.kind != PING), key=lambda t: t.id)  # real turns only
    return [_simulate(ordered, list(messages), target, prefix_tokens, overrides, ttl_overrides)
            for target in targets]


def _count(message: ChatMessage) -> int:
    text = message.content + "".join(f" {c.name} {c.arguments}" for c in message.tool_calls)
    return tokens.count(text).n + MESSAGE_OVERHEAD


def _requests(turns: Sequence[Turn], messages: list[Message], target: Target,
              prefix_tokens: Mapping[str, int] | Callable[[Turn], int | None] | None
              ) -> tuple[list[_Request], int]:
    out, skipped = [], 0
    target_family = tokenizer_family(target.provider, target.model)
    # Prefix estimate per fingerprint when the persona is gone: the first such turn's
    # stored prompt minus its re-counted history (in the source's tokens: ≈).
    residual: dict[str | None, int] = {}
    for turn in turns:
        stored = turn.usage.input_total
        if stored is None:
            skipped += 1
            continue
        side = turn.user_message_id is None
        if side:
            shown = [m for m in messages if m.created_at <= turn.started_at]
            past = history(shown)
        else:
            past = history(messages, until_id=turn.user_message_id)
        counts = [_count(m) for m in past]
        known = (prefix_tokens(turn) if callable(prefix_tokens)
                 else (prefix_tokens or {}).get(turn.meta.prefix_fingerprint or ""))
        if known is None:
            known = residual.setdefault(turn.meta.prefix_fingerprint, max(0, stored - sum(counts)))
        prefix = known
        same = tokenizer_family(turn.meta.provider, turn.meta.model) == target_family
        if same or side:
            prompt, approx = stored, turn.usage.estimated or not same
        else:
            prompt, approx = prefix + sum(counts), True
        out.append(_Request(turn, turn.meta.prefix_fingerprint, past, prompt, prefix, counts,
                            approx, side))
    return out, skipped


def _common(entry: _Entry, req: _Request) -> tuple[int, bool]:
    """(tokens `req` shares with `entry` from the start, whether the entry is whole in it)."""
    if entry.fingerprint != req.fingerprint:
        return 0, False
    n = 0
    for a, b in zip(entry.history, req.history):
        if a != b:
            break
        n += 1
    if n == len(entry.history):
        return min(entry.tokens, req.prompt), True
    return min(req.prefix + sum(req.counts[:n]), req.prompt), False


def _simulate(turns: Sequence[Turn], messages: list[Message], target: Target,
              prefix_tokens: Mapping[str, int] | Callable[[Turn], int | None] | None,
              overrides: Mapping[str, Rates] | None,
              ttl_overrides: Mapping[str, float] | None) -> WhatIf:
    requests, skipped = _requests(turns, messages, target, prefix_tokens)
    provider, model = target.provider, target.model
    minimum = cache_minimum(provider, model)
    entries: list[_Entry] = []
    estimates: list[TurnEstimate] = []
    reason: str | None = None
    unknown_output = 0
    for req in requests:
        now = req.turn.started_at
        live = [e for e in entries if e.expires > now]
        if provider == "anthropic":
            kind = "1h" if (req.turn.usage.cache_write_1h or 0) > 0 else "5m"
            ttl = insight.ttl_seconds(provider, kind, ttl_overrides)
            hits = [(e, c) for e in live for c, whole in [_common(e, req)]
                    if whole and c >= minimum]
            read = max((c for _, c in hits), default=0)
            for e, c in hits:  # the prefix entry and the one read are refreshed
                if c == read or not e.history:
                    e.expires = now + e.ttl
            write = insight.simulated_writes(provider, model, req.prompt, read, minimum)
            cached = read
            if not req.side and req.prompt >= minimum:
                if req.prefix >= minimum:
                    entries.append(_Entry(req.fingerprint, (), req.prefix, now + ttl, ttl))
                entries.append(_Entry(req.fingerprint, req.history, req.prompt, now + ttl, ttl))
            w5, w1 = (0, write) if kind == "1h" else (write, 0)
        else:
            ttl = insight.ttl_seconds(provider, None, ttl_overrides)
            matched = max((_common(e, req)[0] for e in live), default=0)
            cached = insight.cacheable(provider, matched, minimum)
            if req.prompt >= minimum:
                for e in live:
                    if _common(e, req)[1]:
                        e.expires = now + ttl
                if not req.side:
                    entries.append(_Entry(req.fingerprint, req.history, req.prompt, now + ttl, ttl))
            w5 = insight.simulated_writes(provider, model, req.prompt, cached, minimum)
            w1 = 0
        output = req.turn.usage.output
        if output is None:
            unknown_output += 1
        usage = Usage(input_total=req.prompt, cache_read=cached, cache_write_5m=w5,
                      cache_write_1h=w1, output=output or 0)
        cost = price(usage, model, provider, overrides)
        if cost.usd is None:
            reason = f"genai-prices has no price for {model} on {provider}"
        estimates.append(TurnEstimate(req.turn.id, req.prompt, cached, w5, w1, output or 0,
                                      req.approx, cost.usd, req.turn.cost_usd))
    return WhatIf(target, tuple(estimates), reason, skipped, unknown_output)


def table(result: WhatIf) -> list[str]:
    """Aligned lines: one per turn, then the total and the comparison with what it cost."""
    mark = "≈" if result.approx else ""
    head = ["turn", "input", "cached", "write", "output", "cost", "actual"]
    rows = [[str(i), f"{mark}{t.prompt:,}", f"{mark}{t.cached:,}", f"{mark}{t.write:,}",
             f"{t.output:,}", _cost(t.cost, mark), _cost(t.actual, "")]
            for i, t in enumerate(result.turns, 1)]
    rows.append(["total", f"{mark}{result.prompt:,}", f"{mark}{result.cached:,}",
                 f"{mark}{result.write:,}", f"{result.output:,}", _cost(result.cost, mark),
                 format_usd(result.actual) + (f" + {result.actual_unpriced} unpriced"
                                              if result.actual_unpriced else "")])
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in
                       enumerate(zip(r, widths))) for r in [head, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    lines.insert(len(lines) - 1, "  ".join("-" * w for w in widths))
    return lines


def _cost(usd: float | None, mark: str) -> str:
    return "cost ?" if usd is None else mark + format_usd(usd)

"""Reasoning ("thinking"): the blocks a model streams before its answer, and the setting
that turns it on.

A block keeps the provider's own wire form (`raw`) so that it can go back to the API
unchanged (Anthropic's signed `thinking`, `redacted_thinking`; a Responses `reasoning`
item with its `encrypted_content`); `text` is what the user reads. Chat Completions
servers (DeepSeek, vLLM, llama.cpp, OpenRouter) stream only text, never sent back.

Levels map to each API's own knob (adapters use `anthropic_thinking`, `effort`):
Anthropic `thinking.budget_tokens` low 1,024 / medium 4,096 / high 16,000; Responses
`reasoning.effort` (+ `summary: "auto"`); Chat Completions `reasoning_effort`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

OFF, LOW, MEDIUM, HIGH = "off", "low", "medium", "high"
LEVELS = (OFF, LOW, MEDIUM, HIGH)
ANTHROPIC_BUDGETS = {LOW: 1024, MEDIUM: 4096, HIGH: 16000}
"""Anthropic `thinking.budget_tokens` per level (the API's minimum is 1,024)."""
REDACTED_TEXT = "[redacted thinking]"
"""What a `redacted_thinking` block shows (its content is encrypted by the provider)."""


@dataclass(frozen=True)
class ReasoningBlock:
    """One finished block: `kind` thinking | redacted_thinking | reasoning | text."""

    kind: str
    text: str = ""
    raw: dict[str, Any] | None = field(default=None, hash=False, compare=True)
    """The block as the provider sent it, to send back unchanged (None: never sent back)."""

    @property
    def shown(self) -> str:
        return REDACTED_TEXT if self.kind == "redacted_thinking" else self.text


@dataclass(frozen=True)
class Reasoning:
    """A reply's reasoning: its blocks, how long it took, how many tokens it cost."""

    blocks: tuple[ReasoningBlock, ...] = ()
    seconds: float | None = None
    tokens: int | None = None

    @property
    def text(self) -> str:
        return "\n\n".join(b.shown for b in self.blocks if b.shown)

    def __bool__(self) -> bool:
        return bool(self.blocks)

    def to_json(self) -> str | None:
        if not self.blocks:
            return None
        blocks = [{"kind": b.kind, "text": b.text, "raw": b.raw} for b in self.blocks]
        return json.dumps({"blocks": blocks, "seconds": self.seconds, "tokens": self.tokens})

    @classmethod
    def from_json(cls, text: str | None) -> Reasoning:
        """The stored JSON; anything malformed (e.g. an edited import) reads as none."""
        if not text:
            return cls()
        try:
            data = json.loads(text)
            blocks = tuple(ReasoningBlock(str(b["kind"]), str(b.get("text") or ""),
                                          b.get("raw") if isinstance(b.get("raw"), dict) else None)
                           for b in data.get("blocks") or ())
            seconds, tokens = data.get("seconds"), data.get("tokens")
        except (ValueError, TypeError, KeyError, AttributeError):
            return cls()
        return cls(blocks, seconds if isinstance(seconds, (int, float)) else None,
                   tokens if isinstance(tokens, int) else None)


def folded_line(reasoning: Reasoning, tokens: int | None = None) -> str:
    """`thinking · 1,240 tokens · 8.2 s` (what is known of it)."""
    parts = ["thinking"]
    count = tokens if tokens is not None else reasoning.tokens
    if count:
        parts.append(f"{count:,} tokens")
    if reasoning.seconds is not None:
        parts.append(f"{reasoning.seconds:.1f} s")
    if any(b.kind == "redacted_thinking" for b in reasoning.blocks):
        parts.append("partly redacted")
    return " · ".join(parts)


def level(value: Any) -> str | None:
    """A valid level (lower case) or None."""
    text = str(value).strip().lower() if value is not None else ""
    return text if text in LEVELS else None


def anthropic_thinking(value: str | None) -> dict[str, Any] | None:
    """Anthropic's `thinking` parameter for a level (None: leave thinking off)."""
    if value in (None, OFF):
        return None
    return {"type": "enabled", "budget_tokens": ANTHROPIC_BUDGETS[value]}


def effort(value: str | None) -> str | None:
    """`reasoning.effort` / `reasoning_effort` for a level (None: send nothing)."""
    return None if value in (None, OFF) else value


def change_note(provider: str, api: str | None, sent: str | None, now: str | None) -> str | None:
    """The cache-miss cause of sending at level `now` after `sent`, where the provider
    invalidates on it: Anthropic keeps system and tools cached but not messages; the
    Responses API splits its cache by reasoning effort."""
    if effort(sent) == effort(now):
        return None
    if provider == "anthropic":
        return "thinking changed: cached messages miss (system and tools stay cached)"
    if api == "responses":
        return "reasoning effort changed: the prompt cache splits"
    return None


def refused(message: str) -> bool:
    """A 400's message is about the reasoning setting (the model cannot reason)."""
    text = message.lower()
    return "reasoning" in text or "thinking" in text

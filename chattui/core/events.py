"""Provider-neutral stream events: what every adapter yields, and nothing more."""

from __future__ import annotations

from dataclasses import dataclass

from chattui.core.reasoning import ReasoningBlock
from chattui.core.usage import Usage


@dataclass(frozen=True)
class TextDelta:
    text: str


@dataclass(frozen=True)
class ReasoningDelta:
    text: str


@dataclass(frozen=True)
class ReasoningDone:
    """A finished thinking block in the provider's wire form (a signed Anthropic block, a
    Responses reasoning item), stored and sent back unchanged. Its text came as deltas."""

    block: ReasoningBlock


@dataclass(frozen=True)
class ToolCallDelta:
    index: int
    id: str | None = None
    name: str | None = None
    arguments: str = ""


@dataclass(frozen=True)
class UsageReported:
    usage: Usage


@dataclass(frozen=True)
class ResponseId:
    id: str


@dataclass(frozen=True)
class Finished:
    reason: str | None = None
    """The provider's finish/stop reason (`stop`, `length`, `tool_calls`, `end_turn` …)."""


@dataclass(frozen=True)
class CacheDiagnosed:
    """The provider's own verdict on this request's cache reuse, against `compare_with`."""

    code: str
    """cache_hit, a miss reason in the provider's words (tools_changed, system_changed,
    model_changed, messages_changed, input_changed …), or previous_not_found."""
    missed_tokens: int | None = None
    """Tokens the provider says it could not reuse."""


StreamEvent = (TextDelta | ReasoningDelta | ReasoningDone | ToolCallDelta | UsageReported | ResponseId | Finished
               | CacheDiagnosed)

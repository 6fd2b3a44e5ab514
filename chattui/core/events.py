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


@dataclass(frozen=True)
class Retrying:
    """The server answered a status the SDK retries (429, 5xx, 408, 409), before any of
    the reply: the SDK waits and asks again."""

    status: int
    seconds: float | None = None
    """The wait the server asked for (Retry-After, up to the SDK's 60 s); None: the SDK's own
    backoff (under 10 s)."""

    def line(self) -> str:
        """`⚠ rate limited (429): retrying in 20 s (Esc stops)`."""
        what = {429: "rate limited", 408: "timed out", 409: "busy"}.get(self.status, "server error")
        when = f"in {self.seconds:g} s" if self.seconds else "shortly"
        return f"⚠ {what} ({self.status}): retrying {when} (Esc stops)"


StreamEvent = (TextDelta | ReasoningDelta | ReasoningDone | ToolCallDelta | UsageReported | ResponseId | Finished
               | CacheDiagnosed | Retrying)

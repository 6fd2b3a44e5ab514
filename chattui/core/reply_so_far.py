"""What has arrived so far of the reply in flight: its text, thinking, tool calls, usage
and the provider's ids, built from the provider-neutral stream events (core.events)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from chattui.core import tokens
from chattui.core.events import (
    CacheDiagnosed, Finished, ReasoningDelta, ReasoningDone, ResponseId, StreamEvent, TextDelta,
    ToolCallDelta, UsageReported,
)
from chattui.core.reasoning import Reasoning, ReasoningBlock
from chattui.core.models import ToolCall
from chattui.core.usage import Usage


@dataclass
class ReplySoFar:
    """What has arrived so far for the turn in flight."""

    parts: list[str] = field(default_factory=list)
    calls: dict[int, list[str]] = field(default_factory=dict)
    """Tool calls by index: [id, name, arguments so far]."""
    usage: Usage | None = None
    response_id: str | None = None
    finish_reason: str | None = None
    first_token_at: float | None = None
    diagnosis: CacheDiagnosed | None = None
    thinking: list[str] = field(default_factory=list)
    """Reasoning text as it streamed (what the user reads)."""
    thinking_blocks: list[ReasoningBlock] = field(default_factory=list)
    thinking_started: float | None = None
    thinking_ended: float | None = None

    @property
    def text(self) -> str:
        return "".join(self.parts)

    def reasoning(self, usage: Usage | None) -> Reasoning:
        """The blocks that came whole, else the streamed text as one block (Chat
        Completions servers send only text); timed from its first delta to the answer."""
        blocks = tuple(self.thinking_blocks)
        if not blocks and self.thinking:
            blocks = (ReasoningBlock("text", "".join(self.thinking)),)
        seconds = None
        if self.thinking_started is not None:
            end = self.first_token_at or self.thinking_ended or time.monotonic()
            seconds = round(max(0.0, end - self.thinking_started), 1)
        tokens_used = usage.reasoning if usage and usage.reasoning else None
        if blocks and tokens_used is None:
            tokens_used = tokens.count("".join(self.thinking)).n or None
        return Reasoning(blocks, seconds, tokens_used)

    def tool_calls(self) -> tuple[ToolCall, ...]:
        """The calls in order, each with its own id: some compatible servers send none, or
        the same one twice, and each answer is matched to its call by id."""
        calls: list[ToolCall] = []
        for index in sorted(self.calls):
            call_id, name, arguments = self.calls[index]
            if not call_id or call_id in {call.id for call in calls}:
                call_id = f"chattui-call-{index}"
            calls.append(ToolCall(call_id, name, arguments))
        return tuple(calls)

    def take(self, event: StreamEvent) -> None:
        """Add one stream event to what has arrived."""
        if isinstance(event, TextDelta):
            self.parts.append(event.text)
            self.first_token_at = self.first_token_at or time.monotonic()
        elif isinstance(event, ReasoningDelta):
            self.thinking.append(event.text)
            self.thinking_started = self.thinking_started or time.monotonic()
            self.thinking_ended = time.monotonic()
        elif isinstance(event, ReasoningDone):
            self.thinking_blocks.append(event.block)
        elif isinstance(event, UsageReported):
            self.usage = event.usage
        elif isinstance(event, ResponseId):
            self.response_id = event.id
        elif isinstance(event, Finished):
            self.finish_reason = event.reason
        elif isinstance(event, CacheDiagnosed):
            self.diagnosis = event
        elif isinstance(event, ToolCallDelta):
            call = self.calls.setdefault(event.index, ["", "", ""])
            call[0] = event.id or call[0]
            call[1] = event.name or call[1]
            call[2] += event.arguments

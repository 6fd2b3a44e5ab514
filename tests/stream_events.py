"""Reading an adapter's stream in tests: collect its events and fold them."""

from __future__ import annotations

from chattui.core.events import TextDelta, ToolCallDelta, UsageReported
from chattui.core.request import ChatMessage, ChatRequest


async def collect(provider, request: ChatRequest) -> list:
    return [event async for event in provider.stream(request)]


def text_of(events) -> str:
    return "".join(e.text for e in events if isinstance(e, TextDelta))


def usage_of(events):
    (usage,) = [e.usage for e in events if isinstance(e, UsageReported)]
    return usage


def calls_of(events) -> dict[int, list[str]]:
    """ToolCallDeltas folded the way the session folds them: index → [id, name, args]."""
    calls: dict[int, list[str]] = {}
    for e in events:
        if isinstance(e, ToolCallDelta):
            call = calls.setdefault(e.index, ["", "", ""])
            call[0], call[1] = e.id or call[0], e.name or call[1]
            call[2] += e.arguments
    return calls


def user(text: str) -> ChatMessage:
    return ChatMessage("user", text)

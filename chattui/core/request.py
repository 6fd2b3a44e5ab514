"""The provider-neutral request, built from the conversation without ever rewriting it.

The frozen part (tools, then the system prompt) comes first and is the same bytes every
turn; history is appended as stored; the new content comes last. Adapters render this
one shape for their API (Chat Completions, Responses, Anthropic Messages).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable, Mapping

from chattui.core import prefix
from chattui.core.models import FAILED, Message, ToolCall
from chattui.core.reasoning import ReasoningBlock
from chattui.core.tools import Tool

if TYPE_CHECKING:
    from chattui.core.attachments import Attachment
    from chattui.core.structured import ResponseFormat

HISTORY_ROLES = ("user", "assistant", "tool")
"""Roles that are sent; other stored rows (dividers, notices) are for the screen only."""
SUMMARY, COMPACTION = "summary", "compaction"
BOUNDARIES = (SUMMARY, COMPACTION)
"""Compaction boundaries: history is sent from the latest one on (the user asked for it).
A summary is sent as a user message; a compaction holds the Responses API's compacted
items (JSON), which only that API can read back."""
SUMMARY_PREFIX = "Summary of our conversation so far:\n\n"


@dataclass(frozen=True)
class ChatMessage:
    role: str
    """user | assistant | tool"""
    content: str
    tool_calls: tuple[ToolCall, ...] = ()
    """Calls the assistant made in this message, in order."""
    tool_call_id: str | None = None
    """For a tool result: the call it answers."""
    name: str | None = None
    """For a tool result: the tool's name (Gemini and some gateways want it)."""
    attachments: tuple[Attachment, ...] = ()
    """Images of a user message; `attachments.load()` fills in file bytes before sending."""
    reasoning: tuple[ReasoningBlock, ...] = ()
    """An assistant message's thinking blocks; adapters send back what their API needs."""


@dataclass(frozen=True)
class ChatRequest:
    model: str
    messages: tuple[ChatMessage, ...]
    """In order, the new user turn (or tool results) last. In chained mode: only the new input."""
    system: str | None = None
    tools: tuple[Tool, ...] = ()
    params: Mapping[str, Any] = field(default_factory=dict)
    cache_ttl: str | None = None
    """Anthropic breakpoint TTL: "5m" or "1h" (None: the provider's default)."""
    previous_response_id: str | None = None
    """Responses API chaining: the server holds everything before `messages`."""
    cached_content: str | None = None
    """Gemini explicit cache (`cachedContents/…`) holding `system` and `tools`: the adapter
    names it instead of sending them (they stay here for fingerprints and estimates)."""
    compare_with: str | None = None
    """The previous response's id: adapters whose API diagnoses cache misses against an
    earlier request (Anthropic `diagnostics`, Responses `prompt_cache_options`) ask it to."""
    reasoning: str | None = None
    """Reasoning level (core.reasoning.LEVELS); None: the provider's default."""
    prompt_cache_key: str | None = None
    """OpenAI's cache routing key (core.cache_key); None: not sent."""
    prewarm: bool = False
    """A keep-warm ping on the Responses API: `prompt_cache_options.prewarm`, which writes
    the prompt into the cache and generates nothing (core.prewarm)."""
    response_format: ResponseFormat | None = None
    """The JSON Schema the reply must follow (core.structured); None: free text."""

    def text_format(self) -> dict[str, Any] | None:
        return self.response_format.definition() if self.response_format else None

    def fingerprint(self) -> str:
        """Hash of the frozen prefix (tools + system + schema): equal when the cache can hit."""
        return prefix.fingerprint(self.system, self.tools, self.text_format())


def history(messages: Iterable[Message], until_id: int | None = None) -> tuple[ChatMessage, ...]:
    """What is resent: every message up to `until_id`, minus failed or empty replies.

    Stopped and interrupted replies stay (the user saw that text); a failed reply is
    dropped so that retrying its question sends the same bytes as the first attempt.
    """
    out: list[ChatMessage] = []
    for message in messages:
        if until_id is not None and message.id > until_id:
            break
        if message.inactive:  # on a line not shown (core.alternatives)
            continue
        if message.role == SUMMARY:
            out = [ChatMessage("user", SUMMARY_PREFIX + message.content)]
        elif message.role == COMPACTION:
            out = [ChatMessage(COMPACTION, message.content)]
        if message.role not in HISTORY_ROLES:
            continue
        if message.role == "assistant" and (
            message.status == FAILED or not (message.content or message.tool_calls
                                             or message.reasoning)
        ):
            continue
        out.append(ChatMessage(message.role, message.content, message.tool_calls,
                               message.tool_call_id, message.name, message.attachments,
                               message.reasoning.blocks))
    return tuple(out)


def compaction_text(message: ChatMessage) -> str:
    """A compaction for APIs that cannot read its opaque item: the user texts it kept."""
    texts = []
    for item in json.loads(message.content):
        for part in item.get("content") or () if item.get("role") == "user" else ():
            texts.append(part.get("text", "") if isinstance(part, dict) else str(part))
    return SUMMARY_PREFIX + "\n\n".join(texts)

"""What the emulator answers: scripted replies, faults, and the default reply.

`Emulator.queue()` takes `Reply` and `Fault` objects; the next generation request on any
endpoint takes the item at the head of the queue (a `Fault` with `times=N` stays there for
N requests). With nothing queued the emulator answers with `default_reply()`, a short,
deterministic Markdown text that says what it received.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from chattui.core import tokens

_WORD = re.compile(r"\s*\S+\s*|\s+")


@dataclass(frozen=True)
class ToolCall:
    """One function/tool call the model "makes"; `arguments` is a dict or a JSON string."""

    name: str
    arguments: dict[str, Any] | str = field(default_factory=dict)
    id: str | None = None

    @property
    def arguments_json(self) -> str:
        if isinstance(self.arguments, str):
            return self.arguments
        return json.dumps(self.arguments, separators=(",", ":"))


@dataclass(frozen=True)
class Reply:
    """A scripted model reply.

    `text` is streamed in pieces: `chunks=N` pieces of about equal length, or pieces of
    `chunk_size` characters, else one piece per word (like real streams). Tool calls
    follow the text. `reasoning_tokens` are reported in usage (and counted as output).
    `thinking` streams before the text in each API's reasoning shape (its tokens are the
    reasoning tokens unless given); `redacted_thinking` adds an Anthropic redacted block.
    """

    text: str | None = None
    tool_calls: tuple[ToolCall, ...] = ()
    reasoning_tokens: int = 0
    chunks: int | None = None
    chunk_size: int | None = None
    thinking: str | None = None
    redacted_thinking: bool = False

    def __post_init__(self) -> None:
        calls = tuple(c if isinstance(c, ToolCall) else ToolCall(**c) for c in self.tool_calls)
        object.__setattr__(self, "tool_calls", calls)
        if self.thinking and not self.reasoning_tokens:
            object.__setattr__(self, "reasoning_tokens", tokens.count(self.thinking).n)

    @classmethod
    def long_markdown(cls, chunks: int = 1000, approx_tokens: int = 6000) -> Reply:
        """A long Markdown reply of exactly `chunks` pieces and about `approx_tokens` tokens."""
        return cls(text=long_markdown(approx_tokens), chunks=chunks)

    def pieces(self) -> list[str]:
        """The text split the way it is streamed."""
        return split_text(self.text or "", self.chunks, self.chunk_size)

    def output_tokens(self) -> int:
        """Tokens the reply costs: text, tool names and arguments, and reasoning."""
        parts = [self.text or ""] + [c.name + " " + c.arguments_json for c in self.tool_calls]
        return sum(tokens.count(p).n for p in parts if p) + self.reasoning_tokens


@dataclass(frozen=True)
class Fault:
    """A failure on demand, for the next `times` generation requests.

    `status` answers with that HTTP error (in the provider's own error shape) instead of a
    reply, with a `retry-after` header when `retry_after` is set. The other fields change
    how a reply (`reply`, else the default one) is delivered: `drop_after` closes the socket
    after that many stream chunks with no terminator, `malformed_after` sends broken JSON
    after that many chunks, `first_byte_delay` waits before the status line, and
    `chunks_per_second` paces the stream.
    """

    status: int | None = None
    retry_after: float | None = None
    message: str | None = None
    drop_after: int | None = None
    malformed_after: int | None = None
    first_byte_delay: float = 0.0
    chunks_per_second: float | None = None
    times: int = 1
    reply: Reply | None = None

    @classmethod
    def rate_limit(cls, retry_after: float = 1, times: int = 1) -> Fault:
        return cls(status=429, retry_after=retry_after, times=times)

    @classmethod
    def server_error(cls, times: int = 1) -> Fault:
        return cls(status=500, times=times)

    @classmethod
    def unauthorized(cls, times: int = 1) -> Fault:
        return cls(status=401, times=times)

    @classmethod
    def drop(cls, after: int, times: int = 1) -> Fault:
        return cls(drop_after=after, times=times)

    @classmethod
    def malformed(cls, after: int = 1, times: int = 1) -> Fault:
        return cls(malformed_after=after, times=times)

    @classmethod
    def slow_first_byte(cls, seconds: float, times: int = 1) -> Fault:
        return cls(first_byte_delay=seconds, times=times)

    @classmethod
    def slow_stream(cls, chunks_per_second: float, times: int = 1) -> Fault:
        return cls(chunks_per_second=chunks_per_second, times=times)


@dataclass(frozen=True)
class Delivery:
    """A reply as it is actually sent once the request's output limit is applied."""

    pieces: list[str]
    tool_calls: tuple[ToolCall, ...]
    reasoning_tokens: int
    output_tokens: int
    truncated: bool
    thinking: str | None = None
    redacted_thinking: bool = False

    @property
    def text(self) -> str:
        return "".join(self.pieces)

    def thinking_pieces(self) -> list[str]:
        return split_text(self.thinking or "")


def deliver(reply: Reply, limit: int | None = None) -> Delivery:
    """`reply` cut to at most `limit` output tokens (tool calls are dropped when cut)."""
    pieces = reply.pieces()
    if limit is None or reply.output_tokens() <= limit:
        return Delivery(pieces, reply.tool_calls, reply.reasoning_tokens,
                        reply.output_tokens(), False, reply.thinking, reply.redacted_thinking)
    kept, used = [], 0
    for piece in pieces:
        used += tokens.count(piece).n
        if used > limit:
            break
        kept.append(piece)
    spent = tokens.count("".join(kept)).n if kept else 0
    return Delivery(kept, (), reply.reasoning_tokens, spent + reply.reasoning_tokens, True,
                    reply.thinking, reply.redacted_thinking)


def split_text(text: str, chunks: int | None = None, chunk_size: int | None = None) -> list[str]:
    """Split `text` into stream pieces (see `Reply`); never returns empty pieces."""
    if not text:
        return []
    if chunks:
        count = min(chunks, len(text))
        bounds = [round(i * len(text) / count) for i in range(count + 1)]
        return [text[a:b] for a, b in pairwise(bounds)]
    if chunk_size:
        return [text[i : i + chunk_size] for i in range(0, len(text), chunk_size)]
    return _WORD.findall(text)


def default_reply(
    *, messages: int, prompt_tokens: int, model: str, endpoint: str, cached: int
) -> Reply:
    """The reply given when nothing is queued: it describes the request it answers."""
    noun = "message" if messages == 1 else "messages"
    unit = "token" if prompt_tokens == 1 else "tokens"
    text = (
        f"Emulated reply: I received {messages} {noun} (≈{prompt_tokens:,} {unit}) "
        f"for model {model}.\n\n"
        f"- **endpoint**: `{endpoint}`\n"
        f"- **cached prompt tokens**: {cached:,}\n\n"
        "_This answer comes from the chattui provider emulator, not from a real model._"
    )
    return Reply(text=text)


CANNOT_REASON = ("claude-3-5-haiku", "claude-3-haiku", "gpt-4o", "gpt-4.1", "gpt-3.5")
"""Model name prefixes the emulator refuses a reasoning setting for, as the real APIs do."""


def can_reason(model: str) -> bool:
    return not model.startswith(CANNOT_REASON)


def with_default_thinking(reply: Reply, asked: bool, scripted: bool) -> Reply:
    """The default reply thinks first when the request asked for reasoning (a scripted
    reply streams exactly what it says)."""
    if scripted or not asked or reply.thinking:
        return reply
    thinking = ("The user wants an answer; the emulator has none to give.\n\n"
                "So I will describe the request I received instead.")
    return Reply(text=reply.text, thinking=thinking)


_TOPICS = ("caching", "streaming", "tokens", "latency", "pricing", "prefixes", "retries", "usage")


def long_markdown(approx_tokens: int) -> str:
    """Deterministic Markdown (headings, lists, code, tables) of about `approx_tokens`."""
    parts: list[str] = ["# A long emulated answer\n\n"]
    total = tokens.count(parts[0]).n
    section = 0
    while total < approx_tokens:
        part = _section(section)
        parts.append(part)
        total += tokens.count(part).n
        section += 1
    return "".join(parts)


def _section(n: int) -> str:
    topic = _TOPICS[n % len(_TOPICS)]
    return (
        f"## Section {n + 1}: {topic}\n\n"
        f"This paragraph explains **{topic}** in some detail, so that the reader has "
        f"enough text to scroll through while the stream keeps arriving (part {n + 1}).\n\n"
        f"- first point about {topic}\n- second point, with `inline code`\n"
        f"- third point and a [link](https://example.invalid/{topic})\n\n"
        f"```python\ndef section_{n}(x: int) -> int:\n    return x * {n + 2}\n```\n\n"
        f"| item | value |\n|---|---|\n| {topic} | {n * 7 % 13} |\n\n"
    )

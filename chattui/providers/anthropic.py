"""Anthropic Messages adapter (PROVIDERS.md §3), with prompt-cache breakpoints by structure.

Render order is tools → system → messages. `body()` marks at most three blocks with
`cache_control` (the API allows four; a fifth is a 400):

1. the end of the persona prefix: the system block, or the last tool when there is no
   system prompt (the tools come first, so one marker covers both);
2. a rolling breakpoint on the last block of the latest message, which writes the whole
   conversation so far to the cache;
3. the last block of the previous user message, where the previous request's rolling
   breakpoint was: the read of that entry then never depends on the 20-block lookback,
   however many tool_use/tool_result blocks the last turn added.

Breakpoints 2 and 3 move forward every turn, so a history block that carried a marker
last turn is sent without it (or vice versa) this turn: the same history renders the
same bytes on every turn EXCEPT those `cache_control` markers. That is inherent and
harmless: the cache key is computed over the content with the markers ignored.

The TTL is `{"type": "ephemeral"}` (5 minutes) unless the request asks for "1h".

anthropic 2.x speaks API version 2026-10-21, which rejects `temperature`, `top_p` and
`top_k` (and the SDK's `messages.create` no longer takes them): `body()` drops them and
`dropped_params()` names them, so the UI can say so. Other params pass through; names
the SDK's signature lacks go in `extra_body`, so the API itself judges them.

Streaming uses `messages.create(stream=True)`, not the `messages.stream()` helper: the
helper re-parses a tool call's whole partial JSON on every `input_json_delta` and builds
a message snapshot we never read; the only thing we need from its accumulator, the final
usage (message_start usage overwritten by the cumulative, non-null message_delta
counts), is done here the same way.
"""

from __future__ import annotations

import json
from typing import Any

from chattui.core import tools as tool_formats
from chattui.core import usage as usage_mapping
from chattui.core import reasoning as levels
from chattui.core.events import (
    Finished, ReasoningDelta, ReasoningDone, ResponseId, StreamEvent, TextDelta, ToolCallDelta,
    UsageReported,
)
from chattui.core.reasoning import REDACTED_TEXT, ReasoningBlock
from chattui.core.attachments import URL, Attachment
from chattui.core.request import COMPACTION, ChatMessage, ChatRequest, compaction_text
from chattui.providers import diagnostics
from chattui.providers import json_fields as fields
from chattui.providers.sdk import SDKProvider

API_VERSION = "2026-10-21"
"""The `anthropic-version` anthropic 2.x sends."""
DEFAULT_MAX_TOKENS = 4096
MAX_BREAKPOINTS = 4
UNSUPPORTED_PARAMS = ("temperature", "top_p", "top_k")
SDK_PARAMS = frozenset({
    "cache_control", "container", "diagnostics", "extra_headers", "extra_query",
    "inference_geo", "metadata", "output_config", "service_tier", "speed", "stop_sequences",
    "thinking", "timeout", "tool_choice", "user_profile_id", "workspace_id",
})
"""Keyword arguments of anthropic 2.12's `messages.create` a persona may set as params."""
_STOP_REASONS = {"tool_use": "tool_calls", "end_turn": "stop"}
_DELTA_USAGE = ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens",
                "server_tool_use", "output_tokens_details")
class AnthropicProvider(SDKProvider):
    """Streams `/v1/messages`; the SDK does its own retries first."""

    api = "messages"
    cache_diagnostics = True

    def _new_client(self, **options: Any) -> Any:
        import anthropic

        return anthropic.AsyncAnthropic(**options, http_client=self.http_client(anthropic))

    def _warm(self, client: Any) -> None:
        _ = client.messages  # the SDK imports this resource (~0.3 s) on its first use

    @staticmethod
    def dropped_params(request: ChatRequest) -> list[str]:
        """Params `body()` leaves out because this API version rejects them."""
        return [key for key in request.params if key in UNSUPPORTED_PARAMS]

    @classmethod
    def request_notice(cls, request: ChatRequest) -> str | None:
        """What to tell the user about dropped params (None when nothing was dropped)."""
        dropped = cls.dropped_params(request)
        if not dropped:
            return None
        names = dropped[0] if len(dropped) == 1 else f"{', '.join(dropped[:-1])} and {dropped[-1]}"
        verb = "is" if len(dropped) == 1 else "are"
        return f"{names} {verb} not supported by the Anthropic API version {API_VERSION}; ignored"

    def body(self, request: ChatRequest) -> dict[str, Any]:
        """The `messages.create` kwargs: tools → system → messages, breakpoints placed."""
        control = cache_control(request.cache_ttl)
        params = {k: v for k, v in request.params.items() if k not in UNSUPPORTED_PARAMS}
        body: dict[str, Any] = {"model": request.model,
                                "max_tokens": params.pop("max_tokens", DEFAULT_MAX_TOKENS)}
        thinking = levels.anthropic_thinking(request.reasoning)
        if thinking and "thinking" not in params:
            params["thinking"] = thinking  # max_tokens must leave room for the answer too
            body["max_tokens"] = max(body["max_tokens"], thinking["budget_tokens"] + DEFAULT_MAX_TOKENS)
        if request.system:
            body["system"] = [{"type": "text", "text": request.system,
                               "cache_control": dict(control)}]
        if request.tools:
            body["tools"] = tool_formats.to_anthropic(request.tools)
            if not request.system:
                body["tools"][-1]["cache_control"] = dict(control)
        body["messages"] = messages(request.messages)
        _mark_history(body["messages"], control)
        if request.response_format is not None:  # Anthropic's structured outputs
            config = params["output_config"] if isinstance(params.get("output_config"), dict) else {}
            params["output_config"] = {**config, "format": request.response_format.anthropic_format()}
        extra = {k: params.pop(k) for k in list(params) if k not in SDK_PARAMS}
        body.update(params)
        if extra:
            body["extra_body"] = extra
        if request.compare_with:
            body["diagnostics"] = {"previous_message_id": request.compare_with}
            body["extra_headers"] = {"anthropic-beta": diagnostics.ANTHROPIC_BETA}
        return body

    async def _open(self, request: ChatRequest) -> Any:
        """The SDK's stream of the events as parsed JSON (its pydantic model of each event
        is not built: see the Chat Completions adapter)."""
        from anthropic import AsyncStream

        client = await self.ready_client()
        response = await client.messages.with_raw_response.create(**self.body(request), stream=True)
        return await response.parse(to=AsyncStream[object])  # async here, unlike openai's

    def _new_state(self) -> _StreamState:
        return _StreamState()


def cache_control(ttl: str | None) -> dict[str, str]:
    """The breakpoint marker for a persona's `cache_ttl` (None, or one of OpenAI's TTLs
    "30m"/"12h": the 5-minute default)."""
    if ttl in (None, "5m", "30m", "12h"):
        return {"type": "ephemeral"}
    if ttl == "1h":
        return {"type": "ephemeral", "ttl": "1h"}
    raise ValueError(f"cache_ttl must be '5m' or '1h', not {ttl!r}")


def breakpoints(body: dict[str, Any]) -> int:
    """How many `cache_control` breakpoints a request body carries (the API allows 4)."""
    count = 1 if body.get("cache_control") else 0
    system = body.get("system")
    blocks = [*(body.get("tools") or ()), *(system if isinstance(system, list) else ())]
    for message in body.get("messages") or ():
        content = message.get("content")
        blocks.extend(content if isinstance(content, list) else ())
    return count + sum(1 for b in blocks if isinstance(b, dict) and b.get("cache_control"))


def messages(history: tuple[ChatMessage, ...] | list[ChatMessage]) -> list[dict[str, Any]]:
    """History as Messages API turns. Consecutive same-role content (tool results, and a
    user text right after them) merges into one message, so roles alternate."""
    out: list[dict[str, Any]] = []
    for message in history:
        role = "assistant" if message.role == "assistant" else "user"
        blocks = _blocks(message)
        if not blocks:
            continue
        if out and out[-1]["role"] == role:
            out[-1]["content"].extend(blocks)
        else:
            out.append({"role": role, "content": blocks})
    return out


def _blocks(message: ChatMessage) -> list[dict[str, Any]]:
    if message.role == "tool":  # images an MCP tool returned are blocks of its result
        content: str | list[dict[str, Any]] = message.content
        if message.attachments:
            content = ([{"type": "text", "text": message.content}] if message.content else [])
            content += [image_block(a) for a in message.attachments]
        return [{"type": "tool_result", "tool_use_id": message.tool_call_id, "content": content}]
    if message.role == COMPACTION:
        return [{"type": "text", "text": compaction_text(message)}]
    blocks: list[dict[str, Any]] = [image_block(a) for a in message.attachments]
    if message.role == "assistant":  # signed thinking goes back unchanged, first
        blocks.extend(dict(b.raw) for b in message.reasoning
                      if b.raw and b.kind in ("thinking", "redacted_thinking"))
    if message.content or (message.role == "user" and not blocks):
        blocks.append({"type": "text", "text": message.content})
    if message.role == "assistant":
        blocks.extend({"type": "tool_use", "id": call.id, "name": call.name,
                       "input": tool_input(call.arguments)} for call in message.tool_calls)
    return blocks


def image_block(attachment: Attachment) -> dict[str, Any]:
    """An image block, before the text as Anthropic advises: a file's bytes as base64, a
    URL as a `url` source (this API has no `detail`)."""
    if attachment.kind == URL:
        return {"type": "image", "source": {"type": "url", "url": attachment.ref}}
    attachment.url()  # raises when the bytes were not loaded
    return {"type": "image", "source": {"type": "base64", "media_type": attachment.media_type,
                                        "data": attachment.data}}


def tool_input(arguments: str) -> dict[str, Any]:
    """A stored call's JSON arguments as `tool_use.input` (always an object; text that is
    not a JSON object, e.g. from a reply cut off mid-call, is kept under "arguments")."""
    if not arguments.strip():
        return {}
    try:
        value = json.loads(arguments)
    except ValueError:
        return {"arguments": arguments}
    return value if isinstance(value, dict) else {"arguments": value}


def _mark_history(turns: list[dict[str, Any]], control: dict[str, str]) -> None:
    """Breakpoints 2 and 3: the latest message, and the user message before it."""
    if not turns:
        return
    turns[-1]["content"][-1]["cache_control"] = dict(control)
    for turn in reversed(turns[:-1]):
        if turn["role"] == "user":
            turn["content"][-1]["cache_control"] = dict(control)
            break


class _StreamState:
    """Maps one message's stream events; tool_use blocks get indexes 0, 1, … in order."""

    def __init__(self) -> None:
        self.tools: dict[int | None, int] = {}
        """content block index → tool call index"""
        self.thinking: dict[int | None, dict[str, Any]] = {}
        """content block index → the thinking block so far (text and signature)"""
        self.usage: dict[str, Any] = {}
        self.stop_reason: str | None = None
        self.finished = False

    def events(self, event: Any) -> list[StreamEvent]:
        event = fields.obj(event)
        kind = event.get("type")
        if kind == "message_start":
            message = fields.obj(event.get("message"))
            self.usage = dict(fields.obj(message.get("usage")))
            diagnosed = diagnostics.from_anthropic(message.get("diagnostics"))
            started = [ResponseId(message["id"])] if isinstance(message.get("id"), str) else []
            return [*started, *([diagnosed] if diagnosed else [])]
        index = fields.integer(event, "index")
        if kind == "content_block_start":
            return self._block_start(index, fields.obj(event.get("content_block")))
        if kind == "content_block_delta":
            return self._delta(index, fields.obj(event.get("delta")))
        if kind == "content_block_stop" and index in self.thinking:
            block = self.thinking.pop(index)
            return [ReasoningDone(ReasoningBlock("thinking", block["thinking"], block))]
        if kind == "message_delta":
            self.stop_reason = fields.obj(event.get("delta")).get("stop_reason")
            delta_usage = fields.obj(event.get("usage"))
            self.usage["output_tokens"] = delta_usage.get("output_tokens")
            for key in _DELTA_USAGE:
                if delta_usage.get(key) is not None:
                    self.usage[key] = delta_usage[key]
            return []
        if kind == "message_stop":
            self.finished = True
            reason = _STOP_REASONS.get(self.stop_reason or "", self.stop_reason)
            return [UsageReported(usage_mapping.from_anthropic(self.usage)), Finished(reason)]
        return []

    def _block_start(self, index: int | None, block: dict[str, Any]) -> list[StreamEvent]:
        kind = block.get("type")
        if kind == "tool_use":
            self.tools[index] = len(self.tools)
            return [ToolCallDelta(self.tools[index], block.get("id"), block.get("name"), "")]
        if kind == "text" and fields.text(block, "text"):
            return [TextDelta(block["text"])]
        if kind == "thinking":
            text = fields.text(block, "thinking")
            self.thinking[index] = {"type": "thinking", "thinking": text,
                                    "signature": fields.text(block, "signature")}
            return [ReasoningDelta(text)] if text else []
        if kind == "redacted_thinking":
            raw = {"type": "redacted_thinking", "data": block.get("data")}
            return [ReasoningDelta(REDACTED_TEXT), ReasoningDone(ReasoningBlock(kind, "", raw))]
        return []

    def _delta(self, index: int | None, delta: dict[str, Any]) -> list[StreamEvent]:
        kind = delta.get("type")
        if kind == "text_delta" and fields.text(delta, "text"):
            return [TextDelta(delta["text"])]
        if kind == "thinking_delta" and fields.text(delta, "thinking"):
            if index in self.thinking:
                self.thinking[index]["thinking"] += delta["thinking"]
            return [ReasoningDelta(delta["thinking"])]
        if kind == "signature_delta" and index in self.thinking:
            self.thinking[index]["signature"] += fields.text(delta, "signature")
            return []
        if kind == "input_json_delta" and index in self.tools and fields.text(delta, "partial_json"):
            return [ToolCallDelta(self.tools[index], None, None, delta["partial_json"])]
        return []

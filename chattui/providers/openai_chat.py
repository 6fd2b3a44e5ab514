"""OpenAI Chat Completions adapter: also serves any OpenAI-compatible server
(Ollama, vLLM, llama.cpp, OpenRouter, Gemini's compatibility endpoint) via base_url.

Images a tool returned (MCP): a `tool` message's content is text only in this API, so the
tool message keeps the text (naming each image, `[image/png 12 KB]`) and one `user` message
right after that turn's tool messages carries the images (`chat_messages`). Anthropic puts
them in the `tool_result` block's content, Responses in the `function_call_output`'s output
array (`input_text` + `input_image`).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from chattui.core import tools as tool_formats
from chattui.core import usage as usage_mapping
from chattui.core import reasoning as levels
from chattui.core.events import (
    Finished, ReasoningDelta, ResponseId, StreamEvent, TextDelta, ToolCallDelta, UsageReported,
)
from chattui.core.request import COMPACTION, ChatMessage, ChatRequest, compaction_text
from chattui.providers import gateway_cache, openai_cache
from chattui.providers import json_fields as fields
from chattui.providers.sdk import SDKProvider


class OpenAIChatProvider(SDKProvider):
    """Streams with `stream_options.include_usage`; the SDK does its own retries first."""

    api = "chat"

    def _new_client(self, **options: Any) -> Any:
        import openai

        return openai.AsyncOpenAI(**options, http_client=self.http_client(openai))

    def _warm(self, client: Any) -> None:
        _ = client.chat.completions  # the SDK imports this resource (~0.3 s) on its first use

    def body(self, request: ChatRequest) -> dict[str, Any]:
        """The request body: tools and system first, history as stored, the new turn last."""
        messages: list[dict[str, Any]] = []
        cached = request.cached_content  # Gemini: the cache holds the system prompt and tools
        if request.system and not cached:
            messages.append({"role": "system", "content": request.system})
        messages.extend(chat_messages(request.messages))
        if gateway_cache.wants_markers(request.model):
            gateway_cache.mark(messages, request.cache_ttl)
        body: dict[str, Any] = {"model": request.model, "messages": messages}
        effort = levels.effort(request.reasoning)
        if effort:  # passed through as is to OpenAI-compatible servers too
            body["reasoning_effort"] = effort
        body.update(request.params)
        if request.prompt_cache_key:
            body["prompt_cache_key"] = request.prompt_cache_key
        if request.tools and not cached:
            body["tools"] = tool_formats.to_chat_completions(request.tools)
        if request.response_format is not None:  # canonical: the same bytes every turn
            body["response_format"] = request.response_format.chat_param()
        if ttl := openai_cache.explicit_ttl(request):
            openai_cache.mark_chat(body, ttl)
            openai_cache.drop_retention(body)
        if cached:  # the SDK's extra_body, holding the wire's own `extra_body` (PROVIDERS.md §4)
            body["extra_body"] = {"extra_body": {"google": {"cached_content": cached}}}
        return body

    async def _open(self, request: ChatRequest) -> Any:
        """The SDK's stream of the chunks as parsed JSON: building its pydantic model of each
        chunk took half of the SDK's time reading a fast reply (300 chunks: 129 -> 63 ms)."""
        from openai import AsyncStream

        client = await self.ready_client()
        response = await client.chat.completions.with_raw_response.create(
            **self.body(request), stream=True, stream_options={"include_usage": True})
        return response.parse(to=AsyncStream[object])

    def _new_state(self) -> _ChatState:
        return _ChatState()


def chat_messages(history: tuple[ChatMessage, ...]) -> list[dict[str, Any]]:
    """History in Chat Completions form. A tool message carries text only, so the images
    tool results returned (MCP) follow the run of tool messages as one user message: a
    text part naming each call, then its `image_url` parts."""
    out: list[dict[str, Any]] = []
    returned: list[dict[str, Any]] = []
    for message in history:
        if returned and message.role != "tool":
            out.append({"role": "user", "content": returned})
            returned = []
        out.append(chat_message(message))
        if message.role == "tool" and message.attachments:
            returned.append({"type": "text", "text": f"Images returned by tool call "
                                                     f"{message.tool_call_id} ({message.name}):"})
            returned.extend(content_parts(replace(message, content="")))
    if returned:
        out.append({"role": "user", "content": returned})
    return out


def chat_message(message: ChatMessage) -> dict[str, Any]:
    """One history message in Chat Completions form (the same bytes every time)."""
    if message.role == "tool":
        return {"role": "tool", "tool_call_id": message.tool_call_id, "content": message.content}
    if message.role == COMPACTION:
        return {"role": "user", "content": compaction_text(message)}
    out: dict[str, Any] = {"role": message.role, "content": message.content}
    if message.attachments:
        out["content"] = content_parts(message)
    if message.tool_calls:
        out["content"] = message.content or None
        out["tool_calls"] = [
            {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
            for c in message.tool_calls
        ]
    return out


def content_parts(message: ChatMessage) -> list[dict[str, Any]]:
    """A message with images: its text, then an `image_url` part per image (a data URL for
    a file), each with the `detail` recorded when it was attached."""
    parts: list[dict[str, Any]] = [{"type": "text", "text": message.content}] if message.content else []
    return parts + [{"type": "image_url", "image_url": {"url": a.url(), "detail": a.detail}}
                    for a in message.attachments]


class _ChatState:
    """Maps chunks (parsed JSON): the first id, text and tool-call deltas, finish reasons,
    the usage chunk."""

    def __init__(self) -> None:
        self.response_id: str | None = None
        self.finished = False

    def events(self, chunk: Any) -> list[StreamEvent]:
        chunk = fields.obj(chunk)  # not an object: nothing in it to show
        events: list[StreamEvent] = []
        if self.response_id is None and (response_id := fields.text(chunk, "id")):
            self.response_id = response_id
            events.append(ResponseId(response_id))
        events += _events(chunk)
        self.finished = self.finished or any(isinstance(e, Finished) for e in events)
        return events


def _events(chunk: dict[str, Any]) -> list[StreamEvent]:
    events: list[StreamEvent] = []
    for choice in fields.objects(chunk.get("choices")):
        delta = fields.obj(choice.get("delta"))
        if thinking := fields.text(delta, "reasoning_content") or fields.text(delta, "reasoning"):
            events.append(ReasoningDelta(thinking))  # DeepSeek, vLLM, llama.cpp; OpenRouter
        if content := fields.text(delta, "content"):
            events.append(TextDelta(content))
        for call in fields.objects(delta.get("tool_calls")):
            function = fields.obj(call.get("function"))
            index = fields.integer(call, "index")
            events.append(ToolCallDelta(0 if index is None else index, call.get("id"),
                                        function.get("name"), fields.text(function, "arguments")))
        if choice.get("finish_reason"):
            events.append(Finished(choice["finish_reason"]))
    if chunk.get("usage") is not None:
        events.append(UsageReported(usage_mapping.from_openai_chat(chunk["usage"])))
    return events

"""OpenAI Chat Completions adapter: also serves any OpenAI-compatible server
(Ollama, vLLM, llama.cpp, OpenRouter, Gemini's compatibility endpoint) via base_url."""

from __future__ import annotations

from typing import Any, AsyncIterator

from chattui.core import tools as tool_formats
from chattui.core import usage as usage_mapping
from chattui.core.events import Finished, ResponseId, StreamEvent, TextDelta, ToolCallDelta, UsageReported
from chattui.core.request import COMPACTION, ChatMessage, ChatRequest, compaction_text
from chattui.providers.errors import from_sdk


class OpenAIChatProvider:
    """Streams with `stream_options.include_usage`; the SDK does its own retries first."""

    api = "chat"

    def __init__(
        self, name: str, api_key: str | None, base_url: str | None = None,
        max_retries: int = 2, timeout: float = 120.0,
    ) -> None:
        self.name = name
        self._options = dict(api_key=api_key or "not-needed", base_url=base_url,
                             max_retries=max_retries, timeout=timeout)
        self._client: Any = None

    @property
    def client(self) -> Any:
        if self._client is None:
            from openai import AsyncOpenAI  # imported late: it costs ~0.4 s of start-up

            self._client = AsyncOpenAI(**self._options)
        return self._client

    def prepare(self) -> None:
        """Load the SDK ahead of the first send (call from a thread: it takes ~0.4 s)."""
        _ = self.client

    def request_notice(self, request: ChatRequest) -> str | None:
        """Nothing in a request is changed on the way out."""
        return None

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.close()

    def body(self, request: ChatRequest) -> dict[str, Any]:
        """The request body: tools and system first, history as stored, the new turn last."""
        messages: list[dict[str, Any]] = []
        if request.system:
            messages.append({"role": "system", "content": request.system})
        messages.extend(chat_message(m) for m in request.messages)
        body: dict[str, Any] = {"model": request.model, "messages": messages, **request.params}
        if request.tools:
            body["tools"] = tool_formats.to_chat_completions(request.tools)
        return body

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        started = False
        try:
            stream = await self.client.chat.completions.create(
                **self.body(request), stream=True, stream_options={"include_usage": True}
            )
            started = True
            response_id = None
            async for chunk in stream:
                if response_id is None and getattr(chunk, "id", None):
                    response_id = chunk.id
                    yield ResponseId(response_id)
                for event in _events(chunk):
                    yield event
        except Exception as exc:  # noqa: BLE001 - every failure becomes a ProviderError
            raise from_sdk(exc, request.model, mid_stream=started) from exc


def chat_message(message: ChatMessage) -> dict[str, Any]:
    """One history message in Chat Completions form (the same bytes every time)."""
    if message.role == "tool":
        return {"role": "tool", "tool_call_id": message.tool_call_id, "content": message.content}
    if message.role == COMPACTION:
        return {"role": "user", "content": compaction_text(message)}
    out: dict[str, Any] = {"role": message.role, "content": message.content}
    if message.tool_calls:
        out["content"] = message.content or None
        out["tool_calls"] = [
            {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
            for c in message.tool_calls
        ]
    return out


def _events(chunk: Any) -> list[StreamEvent]:
    events: list[StreamEvent] = []
    for choice in chunk.choices or ():
        delta = choice.delta
        if delta is not None and delta.content:
            events.append(TextDelta(delta.content))
        for call in (delta.tool_calls or ()) if delta is not None else ():
            function = call.function
            events.append(ToolCallDelta(call.index, call.id, function and function.name,
                                        (function and function.arguments) or ""))
        if choice.finish_reason:
            events.append(Finished(choice.finish_reason))
    if getattr(chunk, "usage", None) is not None:
        events.append(UsageReported(usage_mapping.from_openai_chat(chunk.usage)))
    return events

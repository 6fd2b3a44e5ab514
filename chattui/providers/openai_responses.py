"""OpenAI Responses API adapter (PROVIDERS.md §2).

Two ways to send a conversation, both handled by `body()`:

* full history: `input` holds every message rendered as Responses input items;
* chained: `previous_response_id` names the last stored response and `input` holds only
  the items added since (the server prepends the stored chain to the prompt).

`instructions` (the system prompt) is sent on EVERY request, byte-identical: the server
does not carry instructions over along a `previous_response_id` chain, and an identical
prefix is what keeps the prompt cache hitting. With an explicit cache TTL on GPT-5.6+ the
system prompt is instead the first input item, carrying the breakpoint that ends the
persona prefix (providers.openai_cache): resent every turn in full mode, sent once at the
start of a chain in chained mode (input items do carry over; resending would repeat it). A chained request whose stored response is
gone (expired, deleted, `store: false`) fails with a ProviderError of kind
`previous_response_not_found`; the caller then resends the full history.

Streaming uses `responses.create(stream=True)`, not the `responses.stream()` helper: the
helper rebuilds a full response snapshot on every event and raises when a server skips
the item/part scaffolding before deltas (some OpenAI-compatible Responses endpoints do),
while all we need is the events themselves; usage and the output list arrive whole in
the terminal `response.completed`/`response.incomplete` event anyway. The events are read
as the JSON they came as (the SDK's raw response parsed as `AsyncStream[object]`), not
built into its pydantic models one by one: see the Chat Completions adapter.
"""

from __future__ import annotations

import json

from dataclasses import dataclass
from typing import Any

from chattui.core import tools as tool_formats
from chattui.core import usage as usage_mapping
from chattui.core import reasoning as levels
from chattui.core.events import (
    Finished, ReasoningDelta, ReasoningDone, ResponseId, StreamEvent, TextDelta, ToolCallDelta,
    UsageReported,
)
from chattui.core.reasoning import ReasoningBlock
from chattui.core.request import COMPACTION, ChatMessage, ChatRequest
from chattui.core.usage import Usage
from chattui.core.insight.rules import openai_56_or_later
from chattui.providers import diagnostics, openai_cache
from chattui.core.provider import ProviderError
from chattui.providers.errors import from_sdk
from chattui.providers import json_fields as fields
from chattui.providers.sdk import SDKProvider

_REASONING_DELTAS = ("response.reasoning_summary_text.delta", "response.reasoning_text.delta")


class OpenAIResponsesProvider(SDKProvider):
    """Streams `/v1/responses`; `store` decides whether the server keeps each response
    (needed for chaining with `previous_response_id`)."""

    api = "responses"
    supports_chaining = True
    cache_diagnostics = True

    def __init__(self, name: str, api_key: str | None, base_url: str | None = None,
                 max_retries: int = 2, timeout: float = 120.0, store: bool = True) -> None:
        super().__init__(name, api_key, base_url, max_retries, timeout)
        self.store = store

    def _new_client(self, **options: Any) -> Any:
        import openai

        return openai.AsyncOpenAI(**options, http_client=self.http_client(openai))

    def _warm(self, client: Any) -> None:
        _ = client.responses  # the SDK imports this resource (~0.3 s) on its first use

    def body(self, request: ChatRequest) -> dict[str, Any]:
        """The `responses.create` kwargs: instructions every turn, then the input items
        (all of history, or only the new items after `previous_response_id`)."""
        body: dict[str, Any] = {"model": request.model}
        ttl = openai_cache.explicit_ttl(request)
        if request.system and not ttl:
            body["instructions"] = request.system
        body["input"] = input_items(request.messages)
        if request.system and ttl and not request.previous_response_id:
            body["input"].insert(0, openai_cache.system_item(request.system, ttl))
        if request.tools:
            body["tools"] = tool_formats.to_responses(request.tools)
        if request.previous_response_id:
            body["previous_response_id"] = request.previous_response_id
        if request.compare_with and openai_56_or_later(request.model):
            body["prompt_cache_options"] = {"comparison_response_id": request.compare_with}
        if request.prompt_cache_key:
            body["prompt_cache_key"] = request.prompt_cache_key
        if ttl:
            openai_cache.mark_responses(body, ttl)
        if request.prewarm:
            openai_cache.prewarm(body)
        body["store"] = self.store
        effort = levels.effort(request.reasoning)
        if effort:
            body["reasoning"] = {"effort": effort, "summary": "auto"}
            if not self.store:  # nothing kept on the server: the items come back encrypted
                body["include"] = ["reasoning.encrypted_content"]
        for key, value in request.params.items():
            body["max_output_tokens" if key == "max_tokens" else key] = value
        if request.response_format is not None:  # canonical: the same bytes every turn
            text = body["text"] if isinstance(body.get("text"), dict) else {}
            body["text"] = {"format": request.response_format.responses_format(),
                            **{k: v for k, v in text.items() if k != "format"}}
        openai_cache.drop_retention(body)
        return body

    async def compact(self, request: ChatRequest) -> tuple[list[dict[str, Any]], Usage]:
        """`responses.compact` on the chain (or the full input): the compacted items to send
        instead of the history from now on, and what compacting cost."""
        body: dict[str, Any] = {"model": request.model}
        carried = openai_cache.explicit_ttl(request) and request.previous_response_id
        if not carried:  # else the chain's first input item holds it already
            body["instructions"] = request.system
        if request.previous_response_id:
            body["previous_response_id"] = request.previous_response_id
        if request.messages:
            body["input"] = input_items(request.messages)
        try:
            client = await self.ready_client()
            compacted = await client.responses.compact(**body)
        except Exception as exc:  # noqa: BLE001 - every failure becomes a ProviderError
            raise from_sdk(exc, request.model) from exc
        items = [item.model_dump(mode="json", exclude_none=True, warnings=False) for item in compacted.output]
        return items, usage_mapping.from_openai_responses(compacted.usage)

    async def delete_stored(self, response_ids: list[str]) -> tuple[int, list[str]]:
        """Delete stored responses on the server: (how many are gone, the reasons of failures).
        One already gone (404) counts as deleted."""
        from openai import APIError, NotFoundError

        gone, failures, client = 0, [], await self.ready_client()
        for response_id in response_ids:
            try:
                await client.responses.delete(response_id)
            except NotFoundError:
                gone += 1
            except APIError as exc:
                failures.append(f"{response_id}: {exc}")
            else:
                gone += 1
        return gone, failures

    async def _open(self, request: ChatRequest) -> Any:
        from openai import AsyncStream

        client = await self.ready_client()
        response = await client.responses.with_raw_response.create(**self.body(request), stream=True)
        return response.parse(to=AsyncStream[object])

    def _new_state(self) -> _StreamState:
        return _StreamState()


def input_items(messages: tuple[ChatMessage, ...] | list[ChatMessage]) -> list[dict[str, Any]]:
    """History as Responses input items (the same bytes for the same history)."""
    items: list[dict[str, Any]] = []
    for message in messages:
        if message.role == "tool":
            items.append({"type": "function_call_output", "call_id": message.tool_call_id,
                          "output": _content(message)})  # with images: input_text + input_image
            continue
        if message.role == COMPACTION:  # the compacted items, as responses.compact gave them
            items.extend(json.loads(message.content))
            continue
        items.extend(dict(b.raw) for b in message.reasoning  # full history: encrypted items
                     if b.kind == "reasoning" and b.raw and b.raw.get("encrypted_content"))
        if message.content or message.attachments or not (message.tool_calls or message.reasoning):
            items.append({"role": message.role, "content": _content(message)})
        for call in message.tool_calls:
            items.append({"type": "function_call", "call_id": call.id, "name": call.name,
                          "arguments": call.arguments})
    return items


def _content(message: ChatMessage) -> str | list[dict[str, Any]]:
    """The text, or with images: an `input_text` part, then an `input_image` per image."""
    if not message.attachments:
        return message.content
    parts: list[dict[str, Any]] = [{"type": "input_text", "text": message.content}] if message.content else []
    return parts + [{"type": "input_image", "image_url": a.url(), "detail": a.detail}
                    for a in message.attachments]


@dataclass
class _Call:
    index: int
    arguments: str = ""
    """Arguments yielded so far (to fill in what a server sent only on `done`)."""


class _StreamState:
    """Maps one response's stream events to StreamEvents; tool calls get indexes 0, 1, …
    in the order their output items appear."""

    def __init__(self) -> None:
        self.calls: dict[int | None, _Call] = {}
        self.finished = False

    def events(self, event: Any) -> list[StreamEvent]:
        event = fields.obj(event)
        kind = event.get("type")
        if kind == "response.created":
            response_id = fields.obj(event.get("response")).get("id")
            return [ResponseId(response_id)] if isinstance(response_id, str) else []
        if kind == "response.output_text.delta":
            return [TextDelta(event["delta"])] if fields.text(event, "delta") else []
        if kind in _REASONING_DELTAS:
            return [ReasoningDelta(event["delta"])] if fields.text(event, "delta") else []
        if kind == "response.reasoning_summary_part.added" and event.get("summary_index"):
            return [ReasoningDelta("\n\n")]
        item = fields.obj(event.get("item"))
        if kind == "response.output_item.done" and item.get("type") == "reasoning":
            return [_reasoning_done(item)]
        if kind == "response.output_item.added" and item.get("type") == "function_call":
            return self._call_added(fields.integer(event, "output_index"), item)
        if kind == "response.function_call_arguments.delta":
            return self._arguments(fields.integer(event, "output_index"), fields.text(event, "delta"))
        if kind == "response.output_item.done" and item.get("type") == "function_call":
            return self._call_done(fields.integer(event, "output_index"), item)
        if kind in ("response.completed", "response.incomplete"):
            self.finished = True
            return self._finished(fields.obj(event.get("response")))
        if kind == "response.failed":
            raise _failed(fields.obj(event.get("response")))
        if kind == "error":
            message = fields.text(event, "message") or "The server reported an error mid-reply."
            code = event.get("code")
            raise ProviderError(f"The reply failed: {message}" + (f" ({code})" if code else ""),
                                None, "server")
        return []

    def _call_added(self, output_index: int | None, item: dict[str, Any]) -> list[StreamEvent]:
        call = self.calls.setdefault(output_index, _Call(len(self.calls)))
        call.arguments = fields.text(item, "arguments")
        return [ToolCallDelta(call.index, item.get("call_id"), item.get("name"), call.arguments)]

    def _arguments(self, output_index: int | None, delta: str) -> list[StreamEvent]:
        call = self.calls.get(output_index)
        if call is None or not delta:
            return []
        call.arguments += delta
        return [ToolCallDelta(call.index, None, None, delta)]

    def _call_done(self, output_index: int | None, item: dict[str, Any]) -> list[StreamEvent]:
        """A server that sent the call only whole (no `added`, or no deltas): yield the rest."""
        final = fields.text(item, "arguments")
        if output_index not in self.calls:
            self.calls[output_index] = _Call(len(self.calls), final)
            return [ToolCallDelta(self.calls[output_index].index, item.get("call_id"), item.get("name"), final)]
        call = self.calls[output_index]
        if final.startswith(call.arguments) and len(final) > len(call.arguments):
            rest, call.arguments = final[len(call.arguments):], final
            return [ToolCallDelta(call.index, None, None, rest)]
        return []

    def _finished(self, response: dict[str, Any]) -> list[StreamEvent]:
        events: list[StreamEvent] = []
        if response.get("usage") is not None:
            events.append(UsageReported(usage_mapping.from_openai_responses(response["usage"])))
        diagnosed = diagnostics.from_openai_responses(response.get("prompt_cache_diagnostics"))
        events += [diagnosed] if diagnosed else []
        output = fields.objects(response.get("output"))
        if response.get("status") == "incomplete":
            reason = fields.obj(response.get("incomplete_details")).get("reason") or "incomplete"
        elif self.calls or any(item.get("type") == "function_call" for item in output):
            reason = "tool_calls"
        else:
            reason = "stop"
        events.append(Finished(reason))
        return events


def _reasoning_done(item: dict[str, Any]) -> ReasoningDone:
    """A reasoning item, kept as it came but for null fields (its `encrypted_content` goes
    back in full mode)."""
    raw = fields.without_nulls(item)
    parts = [fields.text(p, "text") for p in fields.objects(raw.get("summary"))]
    parts += [fields.text(p, "text") for p in fields.objects(raw.get("content"))] if not parts else []
    return ReasoningDone(ReasoningBlock("reasoning", "\n\n".join(p for p in parts if p), raw))


def _failed(response: dict[str, Any]) -> ProviderError:
    error = fields.obj(response.get("error"))
    message = fields.text(error, "message") or "The server could not complete the reply."
    code = error.get("code")
    kind = "rate_limit" if code == "rate_limit_exceeded" else "server"
    return ProviderError(f"The reply failed: {message}" + (f" ({code})" if code else ""),
                         None, kind)

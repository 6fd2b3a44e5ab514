"""OpenAI Responses API (PROVIDERS.md §2): create, retrieve, delete, compact, input_tokens.

Responses are stored unless `store` is false. A request with `previous_response_id` sees
the whole chain (every earlier input and output item) as part of its prompt, exactly like
the real server, but not the earlier `instructions`. Streams are `event:` + `data:` frames
with increasing `sequence_number`, full item/part scaffolding before any delta, usage only
in `response.completed`, and no `[DONE]`.

`prompt_cache_options.prewarm` (GPT-5.6+) prepares the cache without generating: the prompt
is written (or read) as for any request, no scripted reply is used, the output is empty and
the usage reports `cache_write_tokens`, so a following real turn hits.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chattui.emulator import errors, images
from chattui.emulator.cache import Block, make_block
from chattui.emulator.diagnostics import Snapshot, divergence, section
from chattui.emulator.openai_chat import openai_cache
from chattui.emulator.responses_stream import output_items, stream_frames
from chattui.emulator.script import (
    Delivery, can_reason, default_reply, deliver, with_default_thinking,
)
from chattui.emulator.structured import structured_reply
from chattui.emulator.wire import Call, Json, Stream, new_id, now_s, text_of

if TYPE_CHECKING:
    from chattui.emulator.server import Emulator


@dataclass
class Stored:
    """A stored response and the full context it ended with (its chain's items + output)."""

    response: dict[str, Any]
    context: list[dict[str, Any]]


class ResponseStore:
    def __init__(self) -> None:
        self._items: dict[str, Stored] = {}
        self._lock = threading.Lock()

    def get(self, response_id: str) -> Stored | None:
        with self._lock:
            return self._items.get(response_id)

    def put(self, response_id: str, stored: Stored) -> None:
        with self._lock:
            self._items[response_id] = stored

    def pop(self, response_id: str) -> Stored | None:
        with self._lock:
            return self._items.pop(response_id, None)


def create(emu: Emulator, call: Call) -> Json | Stream:
    """POST /v1/responses."""
    body = call.body
    model = _model(body)
    if (body.get("reasoning") or {}).get("effort") and not can_reason(model):
        raise errors.invalid("Unsupported parameter: 'reasoning.effort' is not supported with "
                             "this model.", param="reasoning.effort", code="unsupported_parameter")
    context = _context(emu, body)
    blocks = render(body, context)
    prompt = sum(b.tokens for b in blocks)
    namespace = ("openai-responses", model, body.get("prompt_cache_key"))
    prewarm = _prewarm(emu, body, model)
    cached, written = openai_cache(emu, namespace, model, blocks, prompt, body)
    asked = bool((body.get("reasoning") or {}).get("effort"))
    if prewarm:
        sent = _NOTHING
    else:
        scripted = call.take_reply()
        reply = scripted or structured_reply(body) or default_reply(
            messages=len(context), prompt_tokens=prompt, model=model, endpoint=call.path,
            cached=cached)
        sent = deliver(with_default_thinking(reply, asked, scripted is not None),
                       body.get("max_output_tokens"))
    usage = {"input_tokens": prompt,
             "input_tokens_details": {"cached_tokens": cached, "cache_write_tokens": written},
             "output_tokens": sent.output_tokens,
             "output_tokens_details": {"reasoning_tokens": sent.reasoning_tokens},
             "total_tokens": prompt + sent.output_tokens}
    call.record.usage = usage
    response = response_object(body, model, new_id("resp_", 48))
    output = output_items(sent, "reasoning.encrypted_content" in (body.get("include") or ()))
    final = {**response, "status": "incomplete" if sent.truncated else "completed",
             "incomplete_details": {"reason": "max_output_tokens"} if sent.truncated else None,
             "service_tier": "default", "output": output, "usage": usage}
    snapshot = _snapshot(body, model, blocks)
    comparison = (body.get("prompt_cache_options") or {}).get("comparison_response_id")
    if comparison:
        final["prompt_cache_diagnostics"] = _diagnose(emu, comparison, snapshot)
    emu.snapshots.put(response["id"], snapshot)
    if body.get("store", True) is not False:
        emu.responses.put(response["id"], Stored(final, context + output))
    if body.get("stream"):
        return Stream(stream_frames(response, final, sent))
    return Json(final)


_NOTHING = Delivery([], (), 0, 0, False)
"""A prewarm's output: none."""


def _prewarm(emu: Emulator, body: dict[str, Any], model: str) -> bool:
    """Whether the request only prepares the cache; 400 on a model without the option."""
    if (body.get("prompt_cache_options") or {}).get("prewarm") is not True:
        return False
    if not emu.rules.openai.reports_writes(model):
        raise errors.invalid(f"prompt_cache_options.prewarm is not supported with the model "
                             f"'{model}'.", param="prompt_cache_options.prewarm",
                             code="unsupported_parameter")
    return True


def retrieve(emu: Emulator, call: Call) -> Json:
    """GET /v1/responses/{id}."""
    stored = emu.responses.get(call.params["id"])
    if stored is None:
        raise _not_found(call.params["id"])
    return Json(stored.response)


def delete(emu: Emulator, call: Call) -> Json:
    """DELETE /v1/responses/{id}."""
    if emu.responses.pop(call.params["id"]) is None:
        raise _not_found(call.params["id"])
    return Json({"id": call.params["id"], "object": "response.deleted", "deleted": True})


def input_tokens(emu: Emulator, call: Call) -> Json:
    """POST /v1/responses/input_tokens: what `create` would count, without caching."""
    body = call.body
    blocks = render(body, _context(emu, body))
    return Json({"object": "response.input_tokens", "input_tokens": sum(b.tokens for b in blocks)})


def compact(emu: Emulator, call: Call) -> Json:
    """POST /v1/responses/compact: the user messages, then one compaction item."""
    body = call.body
    _model(body)
    context = _context(emu, body)
    prompt = sum(b.tokens for b in render(body, context))
    users = [{"id": new_id("msg_", 48), "type": "message", "status": "completed",
              "role": "user", "content": [{"type": "input_text", "text": text_of(item["content"])}]}
             for item in context if item.get("role") == "user"]
    summary = f"Emulated compaction of {len(context)} items (≈{prompt:,} tokens)."
    item = {"id": new_id("cmp_", 48), "type": "compaction", "encrypted_content": summary}
    output_tokens = make_block(item, summary).tokens
    usage = {"input_tokens": prompt,
             "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
             "output_tokens": output_tokens, "output_tokens_details": {"reasoning_tokens": 0},
             "total_tokens": prompt + output_tokens}
    call.record.usage = usage
    return Json({"id": new_id("resp_", 48), "object": "response.compaction",
                 "created_at": now_s(), "output": users + [item], "usage": usage})


def render(body: dict[str, Any], context: list[dict[str, Any]]) -> list[Block]:
    """Tools, the text format (a structured-output schema), then the instructions, then
    every context item: the prefix order."""
    blocks = [make_block(["tool", tool]) for tool in body.get("tools") or []]
    if (fmt := (body.get("text") or {}).get("format")) and fmt.get("type") != "text":
        blocks.append(make_block(["text.format", fmt]))
    if body.get("instructions"):
        blocks.append(make_block(["instructions", body["instructions"]], body["instructions"]))
    return blocks + [item_block(item, f"input[{i}]") for i, item in enumerate(context)]


def item_block(item: dict[str, Any], where: str = "input") -> Block:
    """An input/output item; messages are identified by role, text and images, so a history
    the client resends itself matches the one the server stored. An image costs a fixed
    count (emulator/images.py)."""
    kind = item.get("type", "message")
    if kind == "message":
        content = item.get("content")
        text, pictures = text_of(content), images.responses_tokens(content, where)
        identity = ["message", item.get("role"), text]
        if pictures:  # an image counted: content is a list
            identity.append([p for p in content or () if p not in images.without_images(content)])
        block = make_block(identity, f"{item.get('role')}: {text}")
        return Block(block.hash, block.tokens + pictures) if pictures else block
    fields = {k: v for k, v in item.items() if k not in ("id", "status")}
    if kind == "function_call":
        return make_block(fields, f"{item.get('name')} {item.get('arguments')}")
    if kind == "function_call_output":  # text parts are the same prompt as the plain string
        output = item.get("output")
        text = output if isinstance(output, str) else text_of(output)
        if isinstance(output, list) and all(p.get("type") == "input_text" for p in output):
            fields["output"] = text
        return make_block(fields, text)
    if kind == "compaction":
        return make_block(fields, item.get("encrypted_content", ""))
    if kind == "reasoning":
        return make_block(fields, "")
    return make_block(fields)


def _snapshot(body: dict[str, Any], model: str, blocks: list[Block]) -> Snapshot:
    """Tools, then instructions and input (one growing section), plus the settings that
    split the cache: prompt_cache_key, the text format, the reasoning effort."""
    tools = len(body.get("tools") or [])
    keys = (("prompt_cache_key_changed", body.get("prompt_cache_key")),
            ("text_format_changed", (body.get("text") or {}).get("format")),
            ("reasoning_effort_changed", (body.get("reasoning") or {}).get("effort")))
    return Snapshot(model, (section("tools_changed", blocks[:tools]),
                            section("input_changed", blocks[tools:])), keys)


def _diagnose(emu: Emulator, comparison: str, snapshot: Snapshot) -> dict[str, Any]:
    before = emu.snapshots.get(comparison)
    if before is None:
        return {"type": "comparison_response_not_found"}
    found = divergence(before, snapshot)
    if found is None:
        return {"type": "cache_hit"}
    reason, missed = found
    return {"type": "cache_miss", "reason": reason, "cache_missed_tokens": missed,
            "comparison_reusable_tokens": None}


def response_object(body: dict[str, Any], model: str, response_id: str) -> dict[str, Any]:
    """The response envelope as `response.created` shows it (in progress, no output)."""
    reasoning = body.get("reasoning") or {}
    return {
        "id": response_id, "object": "response", "created_at": now_s(), "status": "in_progress",
        "background": False, "error": None, "incomplete_details": None,
        "instructions": body.get("instructions"),
        "max_output_tokens": body.get("max_output_tokens"), "max_tool_calls": None,
        "model": model, "output": [], "parallel_tool_calls": body.get("parallel_tool_calls", True),
        "previous_response_id": body.get("previous_response_id"),
        "prompt_cache_key": body.get("prompt_cache_key"),
        "reasoning": {"effort": reasoning.get("effort"), "summary": reasoning.get("summary")},
        "safety_identifier": None, "service_tier": "auto",
        "store": body.get("store", True) is not False,
        "temperature": body.get("temperature", 1.0),
        "text": body.get("text") or {"format": {"type": "text"}, "verbosity": "medium"},
        "tool_choice": body.get("tool_choice", "auto"), "tools": body.get("tools") or [],
        "top_logprobs": 0, "top_p": body.get("top_p", 1.0),
        "truncation": body.get("truncation", "disabled"), "usage": None, "user": None,
        "metadata": body.get("metadata") or {},
    }


def _model(body: dict[str, Any]) -> str:
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise errors.invalid("Missing required parameter: 'model'.", param="model",
                             code="missing_required_parameter")
    return model


def _context(emu: Emulator, body: dict[str, Any]) -> list[dict[str, Any]]:
    """The earlier chain (if `previous_response_id`) followed by this request's input."""
    raw = body.get("input") or []
    items = [{"type": "message", "role": "user", "content": raw}] if isinstance(raw, str) else raw
    previous = body.get("previous_response_id")
    if not previous:
        return list(items)
    stored = emu.responses.get(previous)
    if stored is None:
        raise errors.invalid(f"Previous response with id '{previous}' not found.",
                             param="previous_response_id", code="previous_response_not_found")
    return stored.context + list(items)


def _not_found(response_id: str) -> errors.ApiError:
    return errors.ApiError(404, f"Response with id '{response_id}' not found.")

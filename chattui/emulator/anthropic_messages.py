"""Anthropic Messages (PROVIDERS.md §3): create (stream or not) and count_tokens.

Render order is tools → system → messages, one block per tool, system block and content
block. `cache_control` markers (and the top-level one, on the last block) are breakpoints;
usage reports `input_tokens` EXCLUDING cache reads and writes. Streams always carry
`event:` lines and a `ping`; `message_delta.usage.output_tokens` is cumulative.
`max_tokens=0` only pre-warms the cache.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import TYPE_CHECKING, Any

from chattui.emulator import errors, images
from chattui.emulator.cache import TTL_SECONDS, Block, CacheUse, make_block
from chattui.emulator.diagnostics import Snapshot, divergence, section
from chattui.emulator.script import (
    Delivery, can_reason, default_reply, deliver, split_text, with_default_thinking,
)
from chattui.emulator.structured import structured_reply
from chattui.emulator.wire import Call, Json, Stream, dumps, new_id, sse, text_of

if TYPE_CHECKING:
    from chattui.emulator.server import Emulator

VERSIONS = ("2023-06-01", "2026-10-21")
_REMOVED_IN_2026 = ("temperature", "top_p", "top_k")
_PREWARM = Delivery([], (), 0, 0, truncated=True)  # max_tokens=0: cut before any output


def create(emu: Emulator, call: Call) -> Json | Stream:
    """POST /v1/messages."""
    body = call.body
    _check_version(call)
    model, max_tokens = _validate(body)
    thinking = _check_thinking(body, max_tokens)
    blocks = render(body, emu.rules.anthropic.max_breakpoints,
                    emu.rules.anthropic.automatic_counts_toward_limit)
    use = emu.breakpoint_cache.apply(
        ("anthropic", model), blocks, min_tokens=emu.rules.anthropic.minimum(model),
        lookback=emu.rules.anthropic.lookback, now=emu.now())
    if max_tokens == 0:
        sent = _PREWARM
    else:
        scripted = call.take_reply()
        reply = scripted or structured_reply(body) or default_reply(
            messages=len(body["messages"]), prompt_tokens=use.total, model=model,
            endpoint=call.path, cached=use.read)
        sent = deliver(with_default_thinking(reply, thinking, scripted is not None), max_tokens)
    usage = _usage(use, sent)
    call.record.usage = usage
    message_id = new_id("msg_01", 22)
    message = {"id": message_id, "type": "message", "role": "assistant",
               "model": model, "content": _content(sent), "stop_reason": _stop_reason(sent),
               "stop_sequence": None, "usage": usage}
    snapshot = _snapshot(body, model, blocks)
    if "diagnostics" in body:
        message["diagnostics"] = _diagnose(emu, body["diagnostics"], snapshot)
    emu.snapshots.put(message_id, snapshot)
    if body.get("stream"):
        return Stream(_frames(message, sent))
    return Json(message)


def count_tokens(emu: Emulator, call: Call) -> Json:
    """POST /v1/messages/count_tokens: the whole prompt; counting never touches the cache."""
    _check_version(call)
    if not isinstance(call.body.get("messages"), list):
        raise errors.invalid("messages: Field required")
    blocks = render(call.body, limit=None)
    return Json({"input_tokens": sum(b.tokens for b in blocks)})


def _check_version(call: Call) -> None:
    version = call.headers.get("anthropic-version")
    if not version:
        raise errors.invalid("anthropic-version: header is required")
    if version not in VERSIONS:
        raise errors.invalid(f"anthropic-version: invalid version '{version}'")
    removed = [k for k in _REMOVED_IN_2026 if k in call.body]
    if version == "2026-10-21" and removed:
        raise errors.invalid(f"{removed[0]}: is not supported in API version 2026-10-21; "
                             "pin anthropic-version 2023-06-01 to use it")


def signature(thinking: str) -> str:
    """The emulator's stand-in for Anthropic's opaque signature over a thinking block."""
    digest = hashlib.sha256(b"emulator-thinking:" + thinking.encode()).digest()
    return base64.b64encode(digest * 3).decode()


_REDACTED_DATA = base64.b64encode(b"emulator: this thinking was redacted").decode()


def _check_thinking(body: dict[str, Any], max_tokens: int) -> bool:
    """Whether thinking is on, after the API's checks: a budget of at least 1,024 below
    max_tokens, every thinking block sent back with its own signature, and, in a tool loop
    with thinking on, the last assistant message starting with its thinking."""
    config = body.get("thinking") or {}
    enabled = config.get("type") in ("enabled", "adaptive")
    if enabled and not can_reason(body["model"]):
        raise errors.invalid(f"thinking: `{body['model']}` does not support extended thinking")
    if config.get("type") == "enabled":
        budget = config.get("budget_tokens")
        if not isinstance(budget, int) or budget < 1024:
            raise errors.invalid("thinking.enabled.budget_tokens: Input should be greater than or equal to 1024")
        if budget >= max_tokens:
            raise errors.invalid("`max_tokens` must be greater than `thinking.budget_tokens`.")
    messages = body.get("messages") or []
    for i, message in enumerate(messages):
        for j, part in enumerate(message.get("content") if isinstance(message.get("content"), list) else ()):
            if isinstance(part, dict) and part.get("type") == "thinking" and \
                    part.get("signature") != signature(part.get("thinking", "")):
                raise errors.invalid(f"messages.{i}.content.{j}: Invalid `signature` in `thinking` block")
    if enabled and _in_tool_loop(messages):
        last = [m for m in messages if m.get("role") == "assistant"][-1]
        first = (last.get("content") or [{}])[0]
        found = first.get("type") if isinstance(first, dict) else "text"
        if found not in ("thinking", "redacted_thinking"):
            raise errors.invalid(
                f"messages.{messages.index(last)}.content.0.type: Expected `thinking` or "
                f"`redacted_thinking`, but found `{found}`. When `thinking` is enabled, a final "
                "`assistant` message must start with a thinking block.")
    return enabled


def _in_tool_loop(messages: list[Any]) -> bool:
    """The last message answers tool calls of an assistant message with content blocks."""
    if len(messages) < 2 or messages[-1].get("role") != "user":
        return False
    content = messages[-1].get("content")
    return isinstance(content, list) and any(
        isinstance(p, dict) and p.get("type") == "tool_result" for p in content) and \
        isinstance(messages[-2].get("content"), list)


def _validate(body: dict[str, Any]) -> tuple[str, int]:
    model, max_tokens = body.get("model"), body.get("max_tokens")
    if not isinstance(model, str) or not model:
        raise errors.invalid("model: Field required")
    if not isinstance(max_tokens, int) or isinstance(max_tokens, bool) or max_tokens < 0:
        raise errors.invalid("max_tokens: Field required")
    if not isinstance(body.get("messages"), list):
        raise errors.invalid("messages: Field required")
    return model, max_tokens


def render(body: dict[str, Any], limit: int | None, automatic_counts: bool = True
           ) -> list[Block]:
    """Tools → system → message blocks, each carrying its breakpoint TTL (if marked)."""
    blocks = [make_block(["tool", t], ttl=_ttl(t)) for t in body.get("tools") or []]
    system = body.get("system") or []
    for part in [{"type": "text", "text": system}] if isinstance(system, str) else system:
        blocks.append(make_block(["system", part], part.get("text", ""), _ttl(part)))
    for i, message in enumerate(body["messages"]):
        content = message.get("content")
        parts = [{"type": "text", "text": content}] if isinstance(content, str) else content
        for j, part in enumerate(parts or []):
            blocks.append(_part_block(message.get("role"), part, f"messages.{i}.content.{j}"))
    explicit = sum(1 for b in blocks if b.ttl)
    automatic = _ttl(body)
    if automatic and blocks and not blocks[-1].ttl:
        blocks[-1] = Block(blocks[-1].hash, blocks[-1].tokens, automatic)
        explicit += 1 if automatic_counts else 0
    if limit is not None and explicit > limit:
        raise errors.invalid(f"A maximum of {limit} blocks with cache_control may be "
                             f"provided. Found {explicit}.")
    return blocks


def _snapshot(body: dict[str, Any], model: str, blocks: list[Block]) -> Snapshot:
    """The prompt cut into what `diagnostics` names: tools, system, messages."""
    tools = len(body.get("tools") or [])
    system = body.get("system") or []
    end = tools + (1 if isinstance(system, str) else len(system))
    return Snapshot(model, (section("tools_changed", blocks[:tools]),
                            section("system_changed", blocks[tools:end]),
                            section("messages_changed", blocks[end:])))


def _diagnose(emu: Emulator, request: Any, snapshot: Snapshot) -> dict[str, Any] | None:
    """`diagnostics` for the response: null with nothing to compare or no divergence."""
    previous = request.get("previous_message_id") if isinstance(request, dict) else None
    if previous is None:
        return None
    before = emu.snapshots.get(previous)
    if before is None:
        return {"cache_miss_reason": {"type": "previous_message_not_found"}}
    found = divergence(before, snapshot)
    if found is None:
        return None
    reason, missed = found
    return {"cache_miss_reason": {"type": reason, "cache_missed_input_tokens": missed}}


def _part_block(role: Any, part: Any, where: str) -> Block:
    """One content block; an image is validated and costs a fixed count (images.py)."""
    if not (isinstance(part, dict) and part.get("type") == "image"):
        return make_block(["message", role, part], _size_text(part), _ttl(part))
    block = make_block(["message", role, part], "", _ttl(part))
    return Block(block.hash, images.anthropic_tokens(part, f"{where}.image"), block.ttl)


def _ttl(part: Any) -> str | None:
    control = part.get("cache_control") if isinstance(part, dict) else None
    if not control:
        return None
    ttl = control.get("ttl", "5m")
    if ttl not in TTL_SECONDS:
        raise errors.invalid(f"cache_control.ttl: Input should be '5m' or '1h', got '{ttl}'")
    return ttl


def _size_text(part: dict[str, Any]) -> str:
    kind = part.get("type")
    if kind == "text":
        return part.get("text", "")
    if kind == "tool_use":
        return f"{part.get('name')} {dumps(part.get('input', {}))}"
    if kind == "tool_result":
        content = part.get("content")
        return content if isinstance(content, str) else text_of(content)
    if kind == "thinking":
        return part.get("thinking", "")
    return dumps(part)


def _usage(use: CacheUse, sent: Delivery) -> dict[str, Any]:
    usage: dict[str, Any] = {
        "input_tokens": use.uncached,
        "cache_creation_input_tokens": use.write_5m + use.write_1h,
        "cache_read_input_tokens": use.read,
        "cache_creation": {"ephemeral_5m_input_tokens": use.write_5m,
                           "ephemeral_1h_input_tokens": use.write_1h},
        "output_tokens": sent.output_tokens,
        "service_tier": "standard",
    }
    if sent.reasoning_tokens:
        usage["output_tokens_details"] = {"thinking_tokens": sent.reasoning_tokens}
    return usage


def _stop_reason(sent: Delivery) -> str:
    if sent.tool_calls:
        return "tool_use"
    return "max_tokens" if sent.truncated else "end_turn"


def _content(sent: Delivery) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    if sent.thinking:
        blocks.append({"type": "thinking", "thinking": sent.thinking,
                       "signature": signature(sent.thinking)})
    if sent.redacted_thinking:
        blocks.append({"type": "redacted_thinking", "data": _REDACTED_DATA})
    if sent.pieces:
        blocks.append({"type": "text", "text": sent.text})
    for call in sent.tool_calls:
        arguments = json.loads(call.arguments_json)
        blocks.append({"type": "tool_use", "id": call.id or new_id("toolu_01", 22),
                       "name": call.name, "input": arguments, "caller": {"type": "direct"}})
    return blocks


def _frames(message: dict[str, Any], sent: Delivery) -> list[bytes]:
    """message_start, each block (start, deltas, stop; a ping after the first start),
    message_delta with the cumulative output tokens, message_stop."""
    start_usage = {**message["usage"], "output_tokens": min(1, sent.output_tokens)}
    start = {**message, "content": [], "stop_reason": None, "usage": start_usage}
    frames = [sse({"type": "message_start", "message": start}, "message_start")]
    for index, block in enumerate(message["content"]):
        empty = _empty(block)
        frames.append(sse({"type": "content_block_start", "index": index,
                           "content_block": empty}, "content_block_start"))
        if index == 0:
            frames.append(sse({"type": "ping"}, "ping"))
        for delta in _deltas(block, sent):
            frames.append(sse({"type": "content_block_delta", "index": index, "delta": delta},
                              "content_block_delta"))
        frames.append(sse({"type": "content_block_stop", "index": index}, "content_block_stop"))
    if not message["content"]:
        frames.append(sse({"type": "ping"}, "ping"))
    frames.append(sse({"type": "message_delta",
                       "delta": {"stop_reason": message["stop_reason"], "stop_sequence": None},
                       "usage": {"output_tokens": sent.output_tokens}}, "message_delta"))
    frames.append(sse({"type": "message_stop"}, "message_stop"))
    return frames


def _empty(block: dict[str, Any]) -> dict[str, Any]:
    """A block as content_block_start shows it (a redacted block comes whole)."""
    kind = block["type"]
    if kind == "text":
        return {**block, "text": ""}
    if kind == "thinking":
        return {**block, "thinking": "", "signature": ""}
    return block if kind == "redacted_thinking" else {**block, "input": {}}


def _deltas(block: dict[str, Any], sent: Delivery) -> list[dict[str, Any]]:
    if block["type"] == "text":
        return [{"type": "text_delta", "text": piece} for piece in sent.pieces]
    if block["type"] == "thinking":
        return [*({"type": "thinking_delta", "thinking": p} for p in sent.thinking_pieces()),
                {"type": "signature_delta", "signature": block["signature"]}]
    if block["type"] == "redacted_thinking":
        return []
    pieces = [""] + split_text(dumps(block["input"]), chunk_size=8)
    return [{"type": "input_json_delta", "partial_json": piece} for piece in pieces]

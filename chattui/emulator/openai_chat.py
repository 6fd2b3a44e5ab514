"""OpenAI Chat Completions, also serving Gemini's OpenAI-compatible endpoint (§1, §4).

Streams are `data:` lines only; the usage chunk (`choices: []`) comes only with
`stream_options.include_usage`, then `data: [DONE]`. `prompt_tokens` includes the cached
tokens; OpenAI reports `cached_tokens` in 128-token steps from 1024, Gemini its implicit
cache as `cached_tokens` with no rounding.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chattui.emulator import errors, gemini_caches, images, openrouter
from chattui.emulator.cache import Block, make_block
from chattui.emulator.script import (
    Delivery, ToolCall, can_reason, default_reply, deliver, split_text, with_default_thinking,
)
from chattui.emulator.structured import structured_reply
from chattui.emulator.wire import Call, Json, Stream, dumps, new_id, now_s, sse, text_of

if TYPE_CHECKING:
    from chattui.emulator.server import Emulator


def create(emu: Emulator, call: Call) -> Json | Stream:
    """POST /v1/chat/completions and /v1beta/openai/chat/completions."""
    body = call.body
    model, messages = _validate(body)
    if body.get("reasoning_effort") and not can_reason(model):
        raise errors.invalid("Unsupported parameter: 'reasoning_effort' is not supported with "
                             "this model.", param="reasoning_effort", code="unsupported_parameter")
    blocks = render(body, text_only=model in emu.text_only_models)
    prompt = sum(b.tokens for b in blocks)
    explicit = gemini_caches.tokens_for(emu, call, model) if call.provider == "gemini" else None
    if explicit is None:
        cached, written = _cache(emu, call, model, blocks, prompt)
    else:  # an explicit cache: its tokens are part of the prompt, all of them cached
        prompt, cached, written = prompt + explicit, explicit, 0
    scripted = call.take_reply()
    reply = scripted or structured_reply(body) or default_reply(
        messages=len(messages), prompt_tokens=prompt, model=model, endpoint=call.path,
        cached=cached)
    asked = bool(body.get("reasoning_effort") or body.get("reasoning"))
    sent = deliver(with_default_thinking(reply, asked, scripted is not None),
                   body.get("max_completion_tokens") or body.get("max_tokens"))
    usage = _usage(call.provider, prompt, cached, written, sent, byok=emu.openrouter_byok)
    call.record.usage = usage
    head = {"id": new_id("chatcmpl-", 29), "created": now_s(), "model": model,
            "system_fingerprint": "fp_emulator"}
    if body.get("stream"):
        include = bool((body.get("stream_options") or {}).get("include_usage"))
        field = "reasoning" if call.provider == "openrouter" else "reasoning_content"
        return Stream(_frames(head, sent, usage if include else None, field))
    return Json(_completion(head, sent, usage))


def _validate(body: dict[str, Any]) -> tuple[str, list[Any]]:
    model, messages = body.get("model"), body.get("messages")
    if not isinstance(model, str) or not model:
        raise errors.invalid("you must provide a model parameter", param="model")
    if not isinstance(messages, list) or not messages:
        raise errors.invalid("[] is too short - 'messages'", param="messages")
    return model, messages


def render(body: dict[str, Any], text_only: bool = False) -> list[Block]:
    """Tools, the response format, then each message: the cacheable prefix order.
    `text_only`: the model takes no images (a 400 for an image part)."""
    blocks = [make_block(["tool", tool]) for tool in body.get("tools") or []]
    if body.get("response_format"):
        blocks.append(make_block(["response_format", body["response_format"]]))
    return blocks + [message_block(m, f"messages[{i}]", text_only)
                     for i, m in enumerate(body["messages"])]


def message_block(message: dict[str, Any], where: str = "messages", text_only: bool = False
                  ) -> Block:
    """A chat message as one block; its size is its text plus tool-call arguments, plus a
    fixed count per image (emulator/images.py)."""
    content = message.get("content")
    pictures = images.chat_tokens(content, where, text_only)
    plain = _plain(content)
    identity = {**message, "content": text_of(content) if plain else content}
    rest = images.without_images(content)
    calls = " ".join(f"{c.get('function', {}).get('name', '')} "
                     f"{c.get('function', {}).get('arguments', '')}"
                     for c in message.get("tool_calls") or [])
    text = f"{message.get('role', '')}: {text_of(rest) if _plain(rest) else dumps(rest)} {calls}"
    block = make_block(["message", identity], text)
    return Block(block.hash, block.tokens + pictures) if pictures else block


def _plain(content: Any) -> bool:
    return isinstance(content, str) or (
        isinstance(content, list) and all(p.get("type") == "text" for p in content))


def _cache(emu: Emulator, call: Call, model: str, blocks: list[Block], prompt: int
           ) -> tuple[int, int]:
    """(cached tokens, written tokens) under the provider's caching rules."""
    if call.provider == "openrouter" and openrouter.is_claude(model):
        return openrouter.claude_cache(emu, model, call.body, blocks)
    namespace = (call.provider, model, call.body.get("prompt_cache_key"))
    if call.provider == "gemini":
        rules = emu.rules.gemini
        return emu.prefix_cache.apply(namespace, blocks, min_tokens=rules.min_tokens, step=1,
                                      ttl=rules.ttl, now=emu.now()), 0
    return openai_cache(emu, namespace, model, blocks, prompt, call.body)


OPENAI_TTL_SECONDS = {"30m": 1800.0, "12h": 43200.0}
"""`prompt_cache_options.ttl` / breakpoint TTLs on GPT-5.6+ (PROVIDERS.md §1.4)."""
MAX_EXPLICIT = 4


def openai_cache(emu: Emulator, namespace: Any, model: str, blocks: list[Block], prompt: int,
                 body: dict[str, Any] | None = None) -> tuple[int, int]:
    """OpenAI's caching; writes are reported only for GPT-5.6+ families, which also take
    `prompt_cache_options` (`mode` explicit: nothing cached without a breakpoint; `ttl`:
    how long entries live) and `prompt_cache_breakpoint` parts (at most 4)."""
    rules = emu.rules.openai
    ttl = rules.ttl
    if body is not None and rules.reports_writes(model):
        options = body.get("prompt_cache_options") or {}
        marks = breakpoints(body)
        if marks > MAX_EXPLICIT:
            raise errors.invalid(f"At most {MAX_EXPLICIT} prompt_cache_breakpoint parts are "
                                 f"allowed; got {marks}.", param="messages")
        if options.get("ttl") and body.get("prompt_cache_retention"):
            raise errors.invalid("prompt_cache_retention cannot be used with "
                                 "prompt_cache_options.ttl.", param="prompt_cache_retention")
        if options.get("mode") == "explicit" and not marks:
            return 0, 0
        ttl = OPENAI_TTL_SECONDS.get(str(options.get("ttl")), ttl)
    cached = emu.prefix_cache.apply(namespace, blocks, min_tokens=rules.min_tokens,
                                    step=rules.step, ttl=ttl, now=emu.now())
    if not rules.reports_writes(model) or prompt < rules.min_tokens:
        return cached, 0
    return cached, max(0, prompt // rules.step * rules.step - cached)


def _usage(provider: str, prompt: int, cached: int, written: int, sent: Delivery,
           byok: bool = False) -> dict[str, Any]:
    out, reasoning = sent.output_tokens, sent.reasoning_tokens
    usage: dict[str, Any] = {"prompt_tokens": prompt, "completion_tokens": out,
                             "total_tokens": prompt + out}
    if provider == "gemini":
        # Gemini's compatible endpoint leaves thinking out of completion_tokens: it shows
        # only in total_tokens, and no completion_tokens_details come (openai-python#2544)
        usage["completion_tokens"] = out - reasoning
        usage["prompt_tokens_details"] = {"cached_tokens": cached}
        return usage
    usage["prompt_tokens_details"] = {"cached_tokens": cached, "cache_write_tokens": written,
                                      "audio_tokens": 0}
    usage["completion_tokens_details"] = {
        "reasoning_tokens": reasoning, "audio_tokens": 0, "accepted_prediction_tokens": 0,
        "rejected_prediction_tokens": 0}
    if provider == "openrouter":
        usage.update(openrouter.cost_fields(prompt, cached, written, out, byok))
    return usage


def _finish(sent: Delivery) -> str:
    if sent.tool_calls:
        return "tool_calls"
    return "length" if sent.truncated else "stop"


def _call_ids(sent: Delivery) -> list[str]:
    return [c.id or new_id("call_", 24) for c in sent.tool_calls]


def _completion(head: dict[str, Any], sent: Delivery, usage: dict[str, Any]) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": sent.text or None,
                               "refusal": None, "annotations": []}
    if sent.tool_calls:
        message["tool_calls"] = [
            {"id": cid, "type": "function",
             "function": {"name": c.name, "arguments": c.arguments_json}}
            for cid, c in zip(_call_ids(sent), sent.tool_calls, strict=True)]
    choice = {"index": 0, "message": message, "logprobs": None, "finish_reason": _finish(sent)}
    return {"id": head["id"], "object": "chat.completion", "created": head["created"],
            "model": head["model"], "choices": [choice], "usage": usage,
            "service_tier": "default", "system_fingerprint": head["system_fingerprint"]}


def _frames(head: dict[str, Any], sent: Delivery, usage: dict[str, Any] | None,
            reasoning_field: str = "reasoning_content") -> list[bytes]:
    """Chunks; thinking first as `reasoning_content` (DeepSeek, vLLM, llama.cpp) or
    `reasoning` (OpenRouter) deltas, then the text, tool calls, finish, usage."""
    base = {"id": head["id"], "object": "chat.completion.chunk", "created": head["created"],
            "model": head["model"], "system_fingerprint": head["system_fingerprint"]}
    extra = {"usage": None} if usage is not None else {}

    def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        return sse({**base, "choices": [choice], **extra})

    first: dict[str, Any] = {"role": "assistant", "content": "", "refusal": None}
    deltas = [{"content": None, reasoning_field: p} for p in sent.thinking_pieces()]
    deltas += [{"content": piece} for piece in sent.pieces]
    calls = _tool_deltas(sent.tool_calls, _call_ids(sent))
    if not sent.pieces and calls:
        first = {"role": "assistant", "content": None, **calls.pop(0), "refusal": None}
    frames = [chunk(d) for d in [first, *deltas, *calls]]
    frames.append(chunk({}, _finish(sent)))
    if usage is not None:
        frames.append(sse({**base, "choices": [], "usage": usage}))
    return frames + [sse("[DONE]")]


def _tool_deltas(calls: tuple[ToolCall, ...], ids: list[str]) -> list[dict[str, Any]]:
    """A header delta per call (id, name, empty arguments), then argument pieces."""
    deltas = []
    for index, (call, cid) in enumerate(zip(calls, ids, strict=True)):
        deltas.append({"tool_calls": [{"index": index, "id": cid, "type": "function",
                                       "function": {"name": call.name, "arguments": ""}}]})
        for piece in split_text(call.arguments_json, chunk_size=8):
            deltas.append({"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
    return deltas


def breakpoints(value: Any) -> int:
    """How many `prompt_cache_breakpoint` markers a request body holds."""
    if isinstance(value, dict):
        return ("prompt_cache_breakpoint" in value) + sum(breakpoints(v) for v in value.values())
    if isinstance(value, list):
        return sum(breakpoints(v) for v in value)
    return 0

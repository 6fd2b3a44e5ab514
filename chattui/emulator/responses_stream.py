"""Output items of a Responses-API reply and the event stream that delivers them (§2.3)."""

from __future__ import annotations

import base64
from typing import Any

from chattui.emulator.script import Delivery, split_text
from chattui.emulator.wire import new_id, sse


def output_items(sent: Delivery, encrypted: bool = False) -> list[dict[str, Any]]:
    """A reasoning item (when reasoning was spent: its summary, and `encrypted_content`
    when the request included it), the message, then function calls."""
    items: list[dict[str, Any]] = []
    if sent.reasoning_tokens or sent.thinking:
        summary = [{"type": "summary_text", "text": sent.thinking}] if sent.thinking else []
        item: dict[str, Any] = {"id": new_id("rs_", 48), "type": "reasoning", "summary": summary}
        if encrypted:
            item["encrypted_content"] = encrypt(sent.thinking or "")
        items.append(item)
    if sent.pieces:
        items.append({"id": new_id("msg_", 48), "type": "message", "status": "completed",
                      "content": [_text_part(sent.text)], "role": "assistant"})
    for call in sent.tool_calls:
        items.append({"id": new_id("fc_", 48), "type": "function_call", "status": "completed",
                      "arguments": call.arguments_json, "call_id": call.id or new_id("call_"),
                      "name": call.name})
    return items


def encrypt(thinking: str) -> str:
    """The emulator's stand-in for an encrypted reasoning item (opaque to clients)."""
    return "gAAAA" + base64.b64encode(("emulator-reasoning:" + thinking).encode()).decode()


def _text_part(text: str) -> dict[str, Any]:
    return {"type": "output_text", "annotations": [], "logprobs": [], "text": text}


class _Events:
    """Numbers events in order and renders them as `event:` + `data:` frames."""

    def __init__(self) -> None:
        self.frames: list[bytes] = []

    def emit(self, kind: str, **fields: Any) -> None:
        data = {"type": kind, "sequence_number": len(self.frames), **fields}
        self.frames.append(sse(data, event=kind))


def stream_frames(response: dict[str, Any], final: dict[str, Any], sent: Delivery
                  ) -> list[bytes]:
    """created, in_progress, each item with its scaffolding, then the terminal event."""
    events = _Events()
    events.emit("response.created", response=response)
    events.emit("response.in_progress", response=response)
    for index, item in enumerate(final["output"]):
        if item["type"] == "message":
            _message(events, index, item, sent.pieces)
        elif item["type"] == "function_call":
            _function_call(events, index, item)
        elif item["type"] == "reasoning":
            _reasoning(events, index, item, sent.thinking_pieces())
        else:
            events.emit("response.output_item.added", output_index=index, item=item)
            events.emit("response.output_item.done", output_index=index, item=item)
    terminal = "response.completed" if final["status"] == "completed" else "response.incomplete"
    events.emit(terminal, response=final)
    return events.frames


def _message(events: _Events, index: int, item: dict[str, Any], pieces: list[str]) -> None:
    where = {"item_id": item["id"], "output_index": index}
    events.emit("response.output_item.added", output_index=index,
                item={**item, "status": "in_progress", "content": []})
    events.emit("response.content_part.added", **where, content_index=0, part=_text_part(""))
    for piece in pieces:
        events.emit("response.output_text.delta", **where, content_index=0, delta=piece,
                    logprobs=[])
    text = item["content"][0]["text"]
    events.emit("response.output_text.done", **where, content_index=0, text=text, logprobs=[])
    events.emit("response.content_part.done", **where, content_index=0, part=_text_part(text))
    events.emit("response.output_item.done", output_index=index, item=item)


def _reasoning(events: _Events, index: int, item: dict[str, Any], pieces: list[str]) -> None:
    """A reasoning item: each summary part added, its text deltas, done (§2.3)."""
    where = {"item_id": item["id"], "output_index": index}
    events.emit("response.output_item.added", output_index=index,
                item={k: v for k, v in item.items() if k != "encrypted_content"} | {"summary": []})
    for n, part in enumerate(item["summary"]):
        events.emit("response.reasoning_summary_part.added", **where, summary_index=n,
                    part={"type": "summary_text", "text": ""})
        for piece in pieces:
            events.emit("response.reasoning_summary_text.delta", **where, summary_index=n,
                        delta=piece)
        events.emit("response.reasoning_summary_text.done", **where, summary_index=n,
                    text=part["text"])
        events.emit("response.reasoning_summary_part.done", **where, summary_index=n, part=part)
    events.emit("response.output_item.done", output_index=index, item=item)


def _function_call(events: _Events, index: int, item: dict[str, Any]) -> None:
    where = {"item_id": item["id"], "output_index": index}
    events.emit("response.output_item.added", output_index=index,
                item={**item, "status": "in_progress", "arguments": ""})
    for piece in split_text(item["arguments"], chunk_size=8):
        events.emit("response.function_call_arguments.delta", **where, delta=piece)
    events.emit("response.function_call_arguments.done", **where, name=item["name"],
                arguments=item["arguments"])
    events.emit("response.output_item.done", output_index=index, item=item)

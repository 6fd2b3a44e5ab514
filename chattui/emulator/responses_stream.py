"""Output items of a Responses-API reply and the event stream that delivers them (§2.3)."""

from __future__ import annotations

from typing import Any

from chattui.emulator.script import Delivery, split_text
from chattui.emulator.wire import new_id, sse


def output_items(sent: Delivery) -> list[dict[str, Any]]:
    """A reasoning item (when reasoning was spent), the message, then function calls."""
    items: list[dict[str, Any]] = []
    if sent.reasoning_tokens:
        items.append({"id": new_id("rs_", 48), "type": "reasoning", "summary": []})
    if sent.pieces:
        items.append({"id": new_id("msg_", 48), "type": "message", "status": "completed",
                      "content": [_text_part(sent.text)], "role": "assistant"})
    for call in sent.tool_calls:
        items.append({"id": new_id("fc_", 48), "type": "function_call", "status": "completed",
                      "arguments": call.arguments_json, "call_id": call.id or new_id("call_"),
                      "name": call.name})
    return items


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


def _function_call(events: _Events, index: int, item: dict[str, Any]) -> None:
    where = {"item_id": item["id"], "output_index": index}
    events.emit("response.output_item.added", output_index=index,
                item={**item, "status": "in_progress", "arguments": ""})
    for piece in split_text(item["arguments"], chunk_size=8):
        events.emit("response.function_call_arguments.delta", **where, delta=piece)
    events.emit("response.function_call_arguments.done", **where, name=item["name"],
                arguments=item["arguments"])
    events.emit("response.output_item.done", output_index=index, item=item)

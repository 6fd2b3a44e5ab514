"""JSON: the lossless, versioned document, and reading it back validated."""

from __future__ import annotations

import json
import math
import re
from typing import Any, Callable, Collection, Mapping, Sequence

from chattui.core import attachments as images
from chattui.core.export.common import FORMAT, ROLES, VERSION, Secrets, _redactor
from chattui.core.models import CHAT, SIDE, Conversation, Message, Turn
from chattui.core.structured import check


def to_document(conversation: Conversation, messages: Sequence[Message], turns: Sequence[Turn],
                secrets: Secrets = (), structured: Collection[int] = ()) -> dict[str, Any]:
    """The lossless export as a dict (every string value redacted). A reply in `structured`
    (it follows a schema) also carries its parsed JSON as `structured` (null: not JSON)."""
    from chattui import __version__

    document = {
        "format": FORMAT,
        "version": VERSION,
        "generator": f"chattui {__version__}",
        "conversation": {
            "id": conversation.id, "title": conversation.title, "provider": conversation.provider,
            "model": conversation.model, "persona": conversation.persona, "mode": conversation.mode,
            "base_url_host": conversation.base_url_host, "created_at": conversation.created_at,
            "updated_at": conversation.updated_at,
        },
        "messages": [_message_row(m, m.id in structured) for m in messages],
        "attachments": [{"message_id": m.id, "position": i, **images.as_row(a)}
                        for m in messages for i, a in enumerate(m.attachments)],
        "turns": [_turn_row(t) for t in turns],
    }
    redacted: dict[str, Any] = _redact_strings(document, _redactor(secrets))
    return redacted


def to_json(conversation: Conversation, messages: Sequence[Message], turns: Sequence[Turn],
            secrets: Secrets = (), structured: Collection[int] = ()) -> str:
    """The lossless export as indented JSON text."""
    return json.dumps(to_document(conversation, messages, turns, secrets, structured), indent=2,
                      ensure_ascii=False) + "\n"


def _message_row(message: Message, is_structured: bool = False) -> dict[str, Any]:
    row = {
        "id": message.id, "conversation_id": message.conversation_id, "role": message.role,
        "content": message.content, "created_at": message.created_at,
        "tool_calls": [{"id": c.id, "name": c.name, "arguments": c.arguments}
                       for c in message.tool_calls],
        "tool_call_id": message.tool_call_id, "name": message.name,
        "reasoning": json.loads(message.reasoning.to_json() or "null"),
        "inactive": message.inactive, "set_aside": message.set_aside,
        "after_reply": message.after_reply,
    }
    if is_structured:
        checked = check(message.content, None)
        row["structured"] = checked.value if checked.is_json else None
    return row


def _turn_row(turn: Turn) -> dict[str, Any]:
    usage, meta = turn.usage, turn.meta
    return {
        "id": turn.id, "conversation_id": turn.conversation_id,
        "user_message_id": turn.user_message_id, "reply_message_id": turn.reply_message_id,
        "provider": meta.provider, "model": meta.model, "base_url_host": meta.base_url_host,
        "persona": meta.persona, "prefix_fingerprint": meta.prefix_fingerprint, "api": meta.api,
        "status": turn.status,
        "input_total": usage.input_total, "cache_read": usage.cache_read,
        "cache_write_5m": usage.cache_write_5m, "cache_write_1h": usage.cache_write_1h,
        "output": usage.output, "reasoning": usage.reasoning,
        "usage_estimated": usage.estimated, "cost_usd": turn.cost_usd,
        "cost_reported": usage.cost_reported, "response_id": turn.response_id,
        "error": turn.error, "finish_reason": turn.finish_reason,
        "started_at": turn.started_at, "finished_at": turn.finished_at,
        "first_token_ms": turn.first_token_ms, "duration_ms": turn.duration_ms,
        "kind": turn.kind, "cache_diagnosis": turn.cache_diagnosis,
        "cache_missed_tokens": turn.cache_missed_tokens, "prefix_hash": meta.prefix_hash,
        "base_url": meta.base_url, "image_detail": meta.image_detail,
    }


def _redact_strings(value: Any, r: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return r(value)
    if isinstance(value, dict):
        return {key: _redact_strings(item, r) for key, item in value.items()}
    if isinstance(value, list):
        return [_redact_strings(item, r) for item in value]
    return value


_NUM = (int, float)
_OPT = type(None)
_CONVERSATION_SCHEMA: dict[str, tuple[type, ...]] = {
    "id": (str,), "title": (str, _OPT), "provider": (str,), "model": (str,),
    "persona": (str, _OPT), "mode": (str,), "base_url_host": (str, _OPT),
    "created_at": _NUM, "updated_at": _NUM,
}
_MESSAGE_SCHEMA: dict[str, tuple[type, ...]] = {
    "id": (int,), "conversation_id": (str,), "role": (str,), "content": (str,),
    "created_at": _NUM, "tool_calls": (list, _OPT), "tool_call_id": (str, _OPT),
    "name": (str, _OPT), "reasoning": (dict, _OPT), "inactive": (bool,),
    "set_aside": (bool, _OPT), "after_reply": (int, _OPT),
}
_TURN_SCHEMA: dict[str, tuple[type, ...]] = {
    "id": (int,), "conversation_id": (str,), "user_message_id": (int, _OPT),
    "reply_message_id": (int, _OPT), "provider": (str,), "model": (str,),
    "base_url_host": (str, _OPT), "persona": (str, _OPT), "prefix_fingerprint": (str, _OPT),
    "api": (str, _OPT), "status": (str,),
    **{c: (int, _OPT) for c in ("input_total", "cache_read", "cache_write_5m", "cache_write_1h",
                                 "output", "reasoning")},
    "usage_estimated": (bool,), "cost_usd": (*_NUM, _OPT), "cost_reported": (*_NUM, _OPT),
    "response_id": (str, _OPT), "error": (str, _OPT), "finish_reason": (str, _OPT),
    "started_at": _NUM, "finished_at": (*_NUM, _OPT), "first_token_ms": (*_NUM, _OPT),
    "duration_ms": (*_NUM, _OPT), "kind": (str,), "cache_diagnosis": (str, _OPT),
    "cache_missed_tokens": (int, _OPT), "prefix_hash": (str, _OPT), "base_url": (str, _OPT),
    "image_detail": (str, _OPT),
}
_DEFAULTS = {"usage_estimated": False, "tool_calls": None, "kind": CHAT, "reasoning": None,
             "inactive": False}


def import_json(data: str | bytes | Mapping[str, Any]) -> dict[str, Any]:
    """Parse and validate an export made by `to_json` (text or an already parsed dict).

    Returns a normalised document (known fields only; optional ones that were left out
    filled with None). Raises ValueError with a one-line reason on anything else: not
    JSON, another format, a newer version, a missing or mistyped field, a role chattui does
    not know, a turn pointing at a message the document lacks.
    """
    if isinstance(data, (str, bytes, bytearray)):
        data = parse_json(data)
    if not isinstance(data, Mapping):
        raise ValueError("not a chattui conversation export (expected a JSON object)")
    if data.get("format") != FORMAT:
        raise ValueError(f"not a chattui conversation export (format is {data.get('format')!r},"
                         f" expected {FORMAT!r})")
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ValueError(f"invalid export version: {version!r}")
    if version > VERSION:
        raise ValueError(f"this export is version {version}, made by a newer chattui;"
                         f" this one reads version {VERSION}")
    conversation = _row(data.get("conversation"), _CONVERSATION_SCHEMA, "conversation")
    messages = [_row(m, _MESSAGE_SCHEMA, f"messages[{i}]") for i, m in enumerate(_list(data, "messages"))]
    turns = [_row(t, _TURN_SCHEMA, f"turns[{i}]") for i, t in enumerate(_list(data, "turns"))]
    for raw, turn in zip(data["turns"], turns):
        if "kind" not in raw and turn["reply_message_id"] is None:  # exports before kinds
            turn["kind"] = SIDE
    ids: set[int] = set()
    for i, message in enumerate(messages):
        where = f"messages[{i}]"
        if message["role"] not in ROLES:
            raise ValueError(f"{where}: unknown role {message['role']!r}")
        if message["id"] in ids:
            raise ValueError(f"{where}: duplicate message id {message['id']}")
        ids.add(message["id"])
        message["tool_calls"] = _tool_calls(message["tool_calls"], where)
    for kind, rows in (("messages", messages), ("turns", turns)):
        for i, row in enumerate(rows):
            if row["conversation_id"] != conversation["id"]:
                raise ValueError(f"{kind}[{i}]: belongs to another conversation")
    for i, turn in enumerate(turns):
        for key in ("user_message_id", "reply_message_id"):
            if turn[key] is not None and turn[key] not in ids:
                raise ValueError(f"turns[{i}]: {key} {turn[key]} is not among the messages")
    return {"format": FORMAT, "version": version, "conversation": conversation,
            "attachments": _attachments(data, ids),
            "messages": messages, "turns": turns}


MAX_BYTES = 256 * 1024 * 1024
"""The largest export read (attachments are references, so real ones are far smaller)."""
MAX_DEPTH = 64
"""Nesting limit of the JSON (an export nests 4 levels)."""
MAX_INT = 2**63 - 1  # SQLite's INTEGER
MAX_TIME = 253402300799.0  # 9999-12-31T23:59:59Z
_TIMES = ("created_at", "updated_at", "started_at", "finished_at")
_NON_NEGATIVE = ("input_total", "cache_read", "cache_write_5m", "cache_write_1h", "output",
                 "reasoning", "cost_usd", "cost_reported", "first_token_ms", "duration_ms",
                 "cache_missed_tokens", "position", "size")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


def parse_json(data: str | bytes | bytearray) -> Any:
    """JSON text within the size and nesting limits; ValueError with a one-line reason (never
    RecursionError). NaN and Infinity are not JSON and are refused."""
    if len(data) > MAX_BYTES:
        raise ValueError(f"too large ({len(data):,} bytes; the limit is {MAX_BYTES:,})")
    try:
        text = data.decode("utf-8") if isinstance(data, (bytes, bytearray)) else data
    except UnicodeDecodeError as exc:
        raise ValueError(f"not JSON: not UTF-8 ({exc})") from None
    depth = 0
    for char in _NOT_BRACKET.sub("", _STRING.sub("", text)):
        depth += 1 if char in "[{" else -1
        if depth > MAX_DEPTH:
            raise ValueError(f"not a chattui export: nested too deeply (more than {MAX_DEPTH} levels)")

    def constant(name: str) -> Any:
        raise ValueError(f"{name} is not a JSON number")

    try:
        return json.loads(text, parse_constant=constant)
    except RecursionError:
        raise ValueError("not a chattui export: nested too deeply") from None
    except ValueError as exc:
        raise ValueError(f"not JSON: {exc}") from None


def _bounds(key: str, value: Any) -> str | None:
    """What is out of bounds about a number in field `key`, or None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    shown = repr(value) if len(repr(value)) <= 24 else f"a {len(str(abs(value)))}-digit number"
    if key in _TIMES:
        if not (math.isfinite(value) and 0 <= value <= MAX_TIME):
            return f"{shown} is not a plausible time (seconds since 1970, before year 10000)"
        return None
    low = 0 if key in _NON_NEGATIVE else -MAX_INT - 1
    if not (math.isfinite(value) and low <= value <= MAX_INT):
        return f"{shown} is out of range ({low} to {MAX_INT})"
    return None


_ATTACHMENT_SCHEMA: dict[str, tuple[type, ...]] = {
    "message_id": (int,), "position": (int,), "kind": (str,), "ref": (str,),
    "sha256": (str, _OPT), "media_type": (str, _OPT), "size": (int, _OPT), "detail": (str,),
}


def _attachments(data: Mapping[str, Any], ids: set[int]) -> list[dict[str, Any]]:
    """The optional `attachments` rows (exports before images have none), validated."""
    rows = [_row(a, _ATTACHMENT_SCHEMA, f"attachments[{i}]")
            for i, a in enumerate(_list(data, "attachments") if "attachments" in data else [])]
    for i, row in enumerate(rows):
        if row["message_id"] not in ids:
            raise ValueError(f"attachments[{i}]: message_id {row['message_id']} is not among the messages")
        try:
            images.from_row(row)
        except ValueError as exc:
            raise ValueError(f"attachments[{i}]: {exc}") from None
    return rows


def _list(data: Mapping[str, Any], key: str) -> list[Any]:
    value = data.get(key)
    if not isinstance(value, list):
        raise ValueError(f"{key}: expected a list, got {_type(value)}")
    return value


def _row(value: Any, schema: Mapping[str, tuple[type, ...]], where: str) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise ValueError(f"{where}: expected an object, got {_type(value)}")
    row: dict[str, Any] = {}
    for key, types in schema.items():
        if key not in value:
            if _OPT in types or key in _DEFAULTS:
                row[key] = _DEFAULTS.get(key)
                continue
            raise ValueError(f"{where}: missing {key!r}")
        item = value[key]
        if (isinstance(item, bool) and bool not in types) or not isinstance(item, types):
            expected = " or ".join("null" if t is _OPT else _TYPE_NAMES.get(t, t.__name__)
                                   for t in dict.fromkeys(types))
            raise ValueError(f"{where}.{key}: expected {expected}, got {_type(item)}")
        if problem := _bounds(key, item):
            raise ValueError(f"{where}.{key}: {problem}")
        row[key] = item
    return row


def _tool_calls(calls: list[Any] | None, where: str) -> list[dict[str, str]]:
    result = []
    for j, call in enumerate(calls or []):
        result.append(_row(call, {"id": (str,), "name": (str,), "arguments": (str,)},
                           f"{where}.tool_calls[{j}]"))
    return result


_TYPE_NAMES = {str: "string", int: "integer", float: "number", bool: "boolean", list: "list",
               dict: "object", type(None): "null"}


def _type(value: Any) -> str:
    return _TYPE_NAMES.get(type(value), type(value).__name__)

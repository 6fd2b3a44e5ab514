"""Structured outputs in the emulator: the schema a request asks replies to follow, and a
minimal instance of it as the default reply (a scripted reply still wins, so tests can
send JSON that does not conform).

Chat Completions `response_format: {"type": "json_schema", "json_schema": {"schema"}}`,
Responses `text.format: {"type": "json_schema", "schema"}`, Anthropic
`output_config.format: {"type": "json_schema", "schema"}`.
"""

from __future__ import annotations

import json
from typing import Any

from chattui.emulator.script import Reply

_DEPTH = 12


def requested_schema(body: dict[str, Any]) -> dict[str, Any] | None:
    """The JSON Schema the request's reply must follow (None: free text)."""
    chat = body.get("response_format") or {}
    if chat.get("type") == "json_schema":
        return (chat.get("json_schema") or {}).get("schema") or {}
    for fmt in ((body.get("text") or {}).get("format") or {},
                (body.get("output_config") or {}).get("format") or {}):
        if fmt.get("type") == "json_schema":
            schema: dict[str, Any] = fmt.get("schema") or {}
            return schema
    return None


def structured_reply(body: dict[str, Any]) -> Reply | None:
    """The default reply of a request that asks for JSON: a minimal valid instance."""
    schema = requested_schema(body)
    if schema is None:
        return None
    return Reply(text=json.dumps(instance(schema, schema), ensure_ascii=False))


def instance(schema: Any, root: Any, depth: int = 0) -> Any:
    """The smallest plain value `schema` accepts (every listed property is filled in, so
    the reply shows the schema's shape); `root` resolves local `$ref`s."""
    if not isinstance(schema, dict) or depth > _DEPTH:
        return None
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    if isinstance(ref := schema.get("$ref"), str) and ref.startswith("#/"):
        target: Any = root
        for part in ref[2:].split("/"):
            target = target.get(part) if isinstance(target, dict) else None
        return instance(target, root, depth + 1)
    for key in ("anyOf", "oneOf", "allOf"):
        if schema.get(key):
            return instance(schema[key][0], root, depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object" or "properties" in schema:
        return {name: instance(sub, root, depth + 1)
                for name, sub in (schema.get("properties") or {}).items()}
    if kind == "array":
        item = schema.get("items") or {}
        return [instance(item, root, depth + 1) for _ in range(schema.get("minItems", 0))]
    if kind == "string":
        return _string(schema)
    if kind in ("integer", "number"):
        low = schema.get("minimum", schema.get("exclusiveMinimum", -1) + 1)
        return int(low) if kind == "integer" else float(low)
    if kind == "boolean":
        return False
    return None


def _string(schema: dict[str, Any]) -> str:
    formats = {"date": "2026-01-01", "date-time": "2026-01-01T00:00:00Z", "email": "a@example.com",
               "uri": "https://example.com/", "uuid": "00000000-0000-0000-0000-000000000000"}
    text = formats.get(str(schema.get("format")), "emulated")
    low, high = schema.get("minLength", 0), schema.get("maxLength")
    text = text.ljust(low, "x")
    return text[:high] if isinstance(high, int) else text

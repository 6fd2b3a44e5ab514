"""Function tools: one normalised `Tool` and its exact form for each API.

A persona's tools come from JSON files and inline TOML tables in OpenAI function format,
`{"type": "function", "function": {...}}` or bare `{"name", "description", "parameters"}`.
`parse_tool` validates and normalises one definition; the converters render a list of
`Tool`s for Chat Completions, the Responses API and Anthropic Messages. Every converter
keeps the given (file) order, builds fresh dicts on each call (a caller may add
`cache_control` to one without touching the persona) and emits `parameters` with its
keys sorted at every level, so a schema's key order in the file never changes the bytes
sent.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

NAME_PATTERN = re.compile(r"[a-zA-Z0-9_-]{1,64}")
EMPTY_SCHEMA: Mapping[str, Any] = {"properties": {}, "type": "object"}
_FIELDS = ("name", "description", "parameters")
_JSON_GAP = re.compile(r"[\s,]*")


class ToolError(ValueError):
    """Why a definition is not a valid function tool; `field` names the culprit if known."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Tool:
    """A validated function tool. `parameters` is a JSON Schema object, keys sorted."""

    name: str
    description: str
    parameters: Mapping[str, Any] = field(hash=False)

    def definition(self) -> dict[str, Any]:
        """`{"name", "description", "parameters"}` as fresh dicts (the canonical form)."""
        return {"name": self.name, "description": self.description,
                "parameters": copy.deepcopy(dict(self.parameters))}


def parse_tool(raw: Any) -> Tool:
    """Validate one OpenAI-style function definition (wrapped or bare); raise ToolError."""
    if not isinstance(raw, Mapping):
        raise ToolError(f"a tool must be an object, got {_kind(raw)}")
    if "function" in raw or "type" in raw:
        raw = _unwrap(raw)
    if unknown := [key for key in raw if key not in _FIELDS]:
        raise ToolError(f"unknown key {unknown[0]!r} (expected: {', '.join(_FIELDS)})",
                        unknown[0])
    name = raw.get("name")
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        shown = "missing" if name is None else repr(name)
        raise ToolError(f"name {shown}: must be 1-64 of a-z A-Z 0-9 _ -", "name")
    description = raw.get("description", "")
    if not isinstance(description, str):
        raise ToolError(f"description must be a string, got {_kind(description)}",
                        "description")
    parameters = raw.get("parameters")
    return Tool(name, description, canonical_schema(EMPTY_SCHEMA if parameters is None
                                                    else parameters))


def _unwrap(raw: Mapping[str, Any]) -> Mapping[str, Any]:
    if raw.get("type") != "function":
        raise ToolError("only function tools are supported (type = \"function\")", "type")
    if extra := [key for key in raw if key not in ("type", "function")]:
        raise ToolError(f"unknown key {extra[0]!r} beside type and function", extra[0])
    inner = raw.get("function")
    if not isinstance(inner, Mapping):
        raise ToolError(f"function must be an object, got {_kind(inner)}", "function")
    return inner


def canonical_schema(schema: Any) -> dict[str, Any]:
    """A deep copy of an object schema with keys sorted; raise ToolError if it is not one."""
    if not isinstance(schema, Mapping) or schema.get("type") != "object":
        raise ToolError("parameters must be a JSON Schema object ({\"type\": \"object\", ...})",
                        "parameters")
    properties = schema.get("properties", {})
    if not isinstance(properties, Mapping):
        raise ToolError("parameters.properties must be an object", "parameters")
    required = schema.get("required", [])
    if not isinstance(required, list) or not all(isinstance(r, str) for r in required):
        raise ToolError("parameters.required must be a list of strings", "parameters")
    if missing := [r for r in required if r not in properties]:
        raise ToolError(f"parameters.required names {missing[0]!r}, not in properties",
                        "parameters")
    try:
        text = json.dumps(schema, sort_keys=True, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ToolError(f"parameters are not plain JSON: {exc}", "parameters") from None
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def read_tool_file(path: Path) -> tuple[list[Tool], list[tuple[int | None, str]]]:
    """Tools from a JSON array file, and (line, message) for each problem found."""
    try:
        items = _json_items(path.read_bytes().decode("utf-8-sig"))
    except (OSError, UnicodeDecodeError, ToolError) as exc:
        return [], [(None, f"cannot use tool file: {exc}")]
    except json.JSONDecodeError as exc:
        return [], [(exc.lineno, f"not valid JSON: {exc.msg} at column {exc.colno}")]
    tools: list[Tool] = []
    errors: list[tuple[int | None, str]] = []
    for number, (line, raw) in enumerate(items, 1):
        try:
            tools.append(parse_tool(raw))
        except ToolError as exc:
            errors.append((line, f"tool #{number}: {exc}"))
    return tools, errors


def _json_items(text: str) -> list[tuple[int, Any]]:
    """The elements of a JSON array, each with the line it starts on."""
    data = json.loads(text)
    if not isinstance(data, list):
        raise ToolError("expected a JSON array of tool definitions")
    decoder, pos, items = json.JSONDecoder(), text.index("[") + 1, []
    for _ in data:
        pos = _JSON_GAP.match(text, pos).end()  # type: ignore[union-attr]
        value, end = decoder.raw_decode(text, pos)
        items.append((text.count("\n", 0, pos) + 1, value))
        pos = end
    return items


def to_chat_completions(tools: Iterable[Tool]) -> list[dict[str, Any]]:
    """Chat Completions `tools`: `{"type": "function", "function": {...}}` each."""
    return [{"type": "function", "function": tool.definition()} for tool in tools]


def to_responses(tools: Iterable[Tool]) -> list[dict[str, Any]]:
    """Responses API `tools` (flat `FunctionToolParam`).

    `strict` is required by the SDK type and the server defaults it to true, which
    rejects ordinary schemas (optional properties, no `additionalProperties: false`);
    we always send `false`, the same behaviour as Chat Completions' default.
    """
    out = []
    for tool in tools:
        definition = tool.definition()
        out.append({"type": "function", "name": definition["name"],
                    "description": definition["description"],
                    "parameters": definition["parameters"], "strict": False})
    return out


def to_anthropic(tools: Iterable[Tool]) -> list[dict[str, Any]]:
    """Anthropic Messages `tools`: `{"name", "description", "input_schema"}` each."""
    return [{"name": tool.name, "description": tool.description,
             "input_schema": tool.definition()["parameters"]} for tool in tools]


def _kind(value: Any) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean",
             int: "a number", float: "a number", type(None): "null"}
    return names.get(type(value), type(value).__name__)

"""Structured outputs: a persona's JSON Schema, sent the way each API takes it, and its
replies checked against it.

In a persona's front matter, either a schema file (a path relative to the persona file)

    response_format = "answer.schema.json"

or an inline table (the schema itself; `name` and `strict` are chattui's, not the schema's):

    [response_format]
    name = "answer"        # default: the file's name without .schema.json / .json, or the persona's
    strict = true          # default true (OpenAI's strict mode: every object needs
    type = "object"        #   "additionalProperties": false and every property in "required")
    required = ["title"]
    additionalProperties = false
    [response_format.properties.title]
    type = "string"

A file may also hold OpenAI's own wrapper, `{"name": …, "strict": …, "schema": {…}}`.

On the wire (canonical: keys sorted at every level, so the same bytes every turn and run):
Chat Completions (OpenAI, OpenAI-compatible servers, Gemini's compatible endpoint)
`response_format: {"json_schema": {"name", "schema", "strict"}, "type": "json_schema"}`;
Responses `text: {"format": {"name", "schema", "strict", "type": "json_schema"}}`; Anthropic
its native structured outputs, `output_config: {"format": {"schema", "type": "json_schema"}}`
(no name or strict there). The schema is part of the cached prefix: it is in the prefix bytes,
fingerprint and size (core.prefix), stored with each turn, and a change is named before the
send (`text_format_changed`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

from chattui.core import prefix

NAME_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")
"""What OpenAI takes as a schema name."""
OPTIONS = ("name", "strict")
"""Keys of a `[response_format]` table (or a file) that are chattui's, not the schema's."""
WRAPPER_KEYS = ("name", "strict", "schema")
STORED_KEY = "text_format"
"""The key of the schema in the stored prefix body and the prefix bytes."""
CHANGED = "text_format_changed"
"""The cache-miss cause of a changed schema (the Responses API's own word for it)."""


class FormatError(ValueError):
    """A schema that cannot be used; the message says what is wrong."""


@dataclass(frozen=True)
class ResponseFormat:
    """A JSON Schema replies must follow, held as canonical JSON text (hashable, exact)."""

    name: str
    schema_json: str
    strict: bool = True
    source: str = field(default="inline", compare=False)
    """Where it came from: the file as the persona names it, or "inline"."""

    @property
    def schema(self) -> dict[str, Any]:
        """A fresh copy of the schema, keys in sorted order at every level."""
        value: dict[str, Any] = json.loads(self.schema_json)
        return value

    def definition(self) -> dict[str, Any]:
        """`{"name", "schema", "strict"}`: what the prefix bytes and the stored body hold."""
        return {"name": self.name, "schema": self.schema, "strict": self.strict}

    def canonical(self) -> bytes:
        return prefix.canonical_json(self.definition())

    def chat_param(self) -> dict[str, Any]:
        """Chat Completions' `response_format`."""
        return {"json_schema": self.definition(), "type": "json_schema"}

    def responses_format(self) -> dict[str, Any]:
        """Responses' `text.format`."""
        return {**self.definition(), "type": "json_schema"}

    def anthropic_format(self) -> dict[str, Any]:
        """Anthropic's `output_config.format`."""
        return {"schema": self.schema, "type": "json_schema"}

    @classmethod
    def from_definition(cls, data: Mapping[str, Any]) -> ResponseFormat:
        """Back from `definition()` (a stored prefix body)."""
        return cls(str(data["name"]), prefix.canonical_json(data["schema"]).decode(),
                   bool(data.get("strict", True)), source="stored")


def parse(data: Mapping[str, Any], default_name: str, source: str = "inline", *,
          validate: bool = True) -> ResponseFormat:
    """A table or a file's object: the schema with chattui's `name` and `strict`, or
    OpenAI's wrapper `{"name", "strict", "schema"}`. FormatError says what is wrong.
    `validate=False` skips the JSON Schema check (jsonschema: ~0.1–0.2 s to import) for
    chattui's own schemas, which a test checks instead."""
    if not isinstance(data, Mapping):
        raise FormatError(f"expected a JSON Schema object, got {type(data).__name__}")
    wrapped = isinstance(data.get("schema"), Mapping) and set(data) <= set(WRAPPER_KEYS)
    schema = dict(data["schema"]) if wrapped else {k: v for k, v in data.items() if k not in OPTIONS}
    name = data.get("name", _safe_name(default_name))
    strict = data.get("strict", True)
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        raise FormatError(f"name {name!r} must be 1-64 letters, digits, _ or -")
    if not isinstance(strict, bool):
        raise FormatError("strict must be true or false")
    if not schema:
        raise FormatError("the schema is empty")
    try:
        text = json.dumps(schema, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                          allow_nan=False)  # what prefix.canonical_json gives, checked
    except (TypeError, ValueError):
        raise FormatError("the schema must be plain JSON (no dates, times, nan or inf)") from None
    if validate:
        check_schema(schema)
    if strict and (where := strict_problem(schema)):
        raise FormatError(f"strict mode needs {where}; list them, or set strict = false")
    return ResponseFormat(name, text, strict, source)


def read_file(path: Path, default_name: str | None = None, ref: str | None = None, *,
              validate: bool = True) -> ResponseFormat:
    """A schema file (UTF-8 JSON); FormatError naming the file and line on any problem."""
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FormatError(f"cannot read schema file {path}: {exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FormatError(f"{path}:{exc.lineno}: not JSON: {exc.msg} at column {exc.colno}") from None
    try:
        return parse(data, default_name or file_name(path), ref or str(path), validate=validate)
    except FormatError as exc:
        raise FormatError(f"{path}: {exc}") from None


def file_name(path: Path) -> str:
    """`answer.schema.json` → `answer`."""
    name = path.name
    for suffix in (".schema.json", ".json"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return path.stem


def _safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "_", name)[:64] or "response"


def check_schema(schema: Mapping[str, Any]) -> None:
    """FormatError when `schema` is not a valid JSON Schema (draft 2020-12)."""
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        where = "/".join(str(p) for p in exc.path)
        raise FormatError(f"not a valid JSON Schema{f' at {where}' if where else ''}: "
                          f"{exc.message}") from None


_MAPS = ("properties", "patternProperties", "$defs", "definitions")
_LISTS = ("anyOf", "oneOf", "allOf", "prefixItems")
_ONE = ("items", "not", "if", "then", "else", "contains", "additionalProperties")


def strict_problem(schema: Any, where: str = "") -> str | None:
    """What OpenAI's strict mode would refuse: an object without `"additionalProperties":
    false`, or with a property missing from `required` (None: nothing)."""
    if not isinstance(schema, Mapping):
        return None
    here = where or "the top level"
    properties = schema.get("properties")
    if schema.get("type") == "object" or isinstance(properties, Mapping):
        if schema.get("additionalProperties") is not False:
            return f'"additionalProperties": false at {here}'
        missing = sorted(set(properties or {}) - set(schema.get("required") or ()))
        if missing:
            return f'every property in "required" at {here} (missing: {", ".join(missing)})'
    children: list[tuple[str, Any]] = []
    for key in _MAPS:
        children += [(f"{where}/{key}/{name}", sub) for name, sub in (schema.get(key) or {}).items()]
    for key in _LISTS:
        children += [(f"{where}/{key}/{i}", sub) for i, sub in enumerate(schema.get(key) or ())]
    children += [(f"{where}/{key}", schema[key]) for key in _ONE if key in schema]
    for path, sub in children:
        if found := strict_problem(sub, path.lstrip("/")):
            return found
    return None


@dataclass(frozen=True)
class Checked:
    """A structured reply, parsed and checked against its schema."""

    text: str
    value: Any = None
    is_json: bool = False
    errors: tuple[str, ...] = ()
    """Where and how the value breaks the schema (empty: it conforms)."""
    parse_error: str | None = None

    @property
    def valid(self) -> bool:
        return self.is_json and not self.errors

    def summary(self) -> str:
        """`{…} 3 keys · valid`, `[…] 2 items · ✗ 1 schema error`, `not JSON`."""
        if not self.is_json:
            return f"✗ not JSON ({self.parse_error})" if self.parse_error else "✗ not JSON"
        value = self.value
        if isinstance(value, dict):
            shape = f"{{…}} {len(value)} key{'s' * (len(value) != 1)}"
        elif isinstance(value, list):
            shape = f"[…] {len(value)} item{'s' * (len(value) != 1)}"
        else:
            shape = json.dumps(value, ensure_ascii=False)[:40]
        if self.valid:
            return f"{shape} · valid"
        n = len(self.errors)
        return f"{shape} · ✗ {n} schema error{'s' * (n != 1)}: does not match the schema"

    def pretty(self) -> str:
        """Indented JSON when it parsed, else the text as it came."""
        if not self.is_json:
            return self.text
        return json.dumps(self.value, indent=2, ensure_ascii=False)


MAX_ERRORS = 5


def check(text: str, response_format: ResponseFormat | None) -> Checked:
    """Parse a reply and validate it against the schema (`jsonschema`, draft 2020-12)."""
    from jsonschema import Draft202012Validator

    try:
        value = json.loads(text)
    except ValueError as exc:
        reason = str(exc).split(":")[0] if text.strip() else "empty reply"
        return Checked(text, parse_error=reason)
    if response_format is None:
        return Checked(text, value, True)
    validator = Draft202012Validator(response_format.schema)
    found = sorted(validator.iter_errors(value), key=lambda e: list(e.path))
    errors = tuple(f"{'/'.join(str(p) for p in e.path) or '(top)'}: {e.message}"
                   for e in found[:MAX_ERRORS])
    if len(found) > MAX_ERRORS:
        errors += (f"… and {len(found) - MAX_ERRORS} more",)
    return Checked(text, value, True, errors)


def stored_format(body: Mapping[str, Any]) -> ResponseFormat | None:
    """The schema a stored prefix body (core.prefix.read_body) carries, if any."""
    data = body.get(STORED_KEY)
    return ResponseFormat.from_definition(data) if isinstance(data, Mapping) else None


def formats_by_reply(store: Any, turns: Iterable[Any]) -> dict[int, ResponseFormat]:
    """Reply message id → the schema its turn was sent with (turns without one are left
    out); each stored prefix is read once."""
    bodies: dict[str, ResponseFormat | None] = {}
    found: dict[int, ResponseFormat] = {}
    for turn in turns:
        digest, reply = turn.meta.prefix_hash, turn.reply_message_id
        if not digest or reply is None:
            continue
        if digest not in bodies:
            raw = store.get_prefix(digest)
            bodies[digest] = stored_format(prefix.read_body(raw)) if raw else None
        if (fmt := bodies[digest]) is not None:
            found[reply] = fmt
    return found


def turn_format(store: Any, turn: Any) -> ResponseFormat | None:
    """The schema `turn` was sent with (None: free text, or no prefix stored)."""
    body = prefix.sent_body(store, turn)
    return stored_format(body) if body else None


def checked_message(message: Any, formats: Mapping[int, ResponseFormat]) -> Checked | None:
    """A stored reply checked against the schema of its turn (`formats_by_reply`); None
    for a free-text reply or one with no text."""
    fmt = formats.get(message.id)
    return check(message.content, fmt) if fmt is not None and message.content else None


def change_words(sent: ResponseFormat | None, now: ResponseFormat | None) -> str | None:
    """`response schema answer changed` and the like (None: the same schema)."""
    if sent == now:
        return None
    if sent is None or now is None:
        return f"response schema {'added' if sent is None else 'removed'}"
    if sent.name != now.name:
        return f"response schema changed ({sent.name} → {now.name})"
    return f"response schema {now.name} changed"


def change_note(sent: ResponseFormat | None, now: ResponseFormat | None) -> str | None:
    """The cache-miss cause of sending schema `now` after `sent` (None: unchanged)."""
    words = change_words(sent, now)
    return f"{words}: the prefix differs, the cache misses ({CHANGED})" if words else None


def json_block(text: str) -> str:
    """A structured reply as JSON text for a ```json block: indented when it parses."""
    return check(text, None).pretty()

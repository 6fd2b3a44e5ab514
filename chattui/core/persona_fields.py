"""A persona file's parts: the front matter split from the body, read as TOML, and
checked key by key into the persona's fields. Each problem names the file and line, and
any problem leaves the file broken (core.personas)."""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from difflib import get_close_matches
from pathlib import Path
from typing import Any, Iterable

from chattui.core import mcp, reasoning, structured
from chattui.core.provider import PROVIDERS
from chattui.core.tools import Tool, ToolError, parse_tool, read_tool_file
from chattui.toml_lines import FileProblem, key_lines

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CACHE_TTLS = ("5m", "1h", "30m", "12h")
"""Anthropic's breakpoint TTLs, then OpenAI's (GPT-5.6+; providers.openai_cache)."""
KEYS = ("name", "description", "hotkey", "provider", "model", "cache_ttl", "reasoning", "tools",
        "params", "tool", "tool_commands", "mcp_servers", "prompt_cache_key", "response_format")
RESERVED_PARAMS = ("model", "messages", "system", "instructions", "input", "tools", "stream")


_OPEN = re.compile(r"\+\+\+[ \t]*\r?\n")
_CLOSE = re.compile(r"^\+\+\+[ \t]*(?:\r?\n|\r?\Z)", re.MULTILINE)


@dataclass
class Report:
    """Problems of one persona file; `lines` maps front-matter key paths to file lines."""

    path: Path
    lines: dict[tuple[Any, ...], int] = field(default_factory=dict)
    problems: list[FileProblem] = field(default_factory=list)
    builtin: bool = False
    """chattui's own file: its schemas are checked by a test, not at every start."""
    within: Path | None = None
    """A working directory's `.chattui/`: the only place its persona files may name files in."""

    def named_file(self, key: tuple[Any, ...], ref: str) -> Path | None:
        """The file `ref` names, relative to the persona file; None, with a problem, when it
        is not in `within` or the persona's own folder, links resolved (`chattui trust`
        hashes what is in them, through linked folders too, and nothing else)."""
        path = self.path.parent / Path(ref).expanduser()
        if self.within is None:
            return path
        real = path.resolve()
        if real.is_relative_to(self.within.resolve()) or real.is_relative_to(self.path.parent.resolve()):
            return path
        self.add(key, f"{ref} is outside .chattui/: a working directory's persona may only name "
                      "files in its .chattui/ (what `chattui trust` vouches for)")
        return None

    def add(self, key: tuple[Any, ...], message: str, line: int | None = None) -> None:
        if key:
            line = self.line_of(key)
            message = f"{_dotted(key)}: {message}"
        self.problems.append(FileProblem(self.path, line, message))

    def line_of(self, key: tuple[Any, ...]) -> int | None:
        while key and key not in self.lines:
            key = key[:-1]
        return self.lines.get(key) if key else None


def split_file(text: str, report: Report) -> tuple[str, str] | None:
    """(front matter, body); the closing fence's own newline belongs to neither."""
    if not (opening := _OPEN.match(text)):
        report.add((), "the file must start with a +++ line (TOML front matter)", 1)
        return None
    if not (closing := _CLOSE.search(text, opening.end())):
        report.add((), "no closing +++ line after the front matter", 1)
        return None
    return text[opening.end():closing.start()], text[closing.end():]


def read_front_matter(text: str, report: Report) -> dict[str, Any] | None:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"at line (\d+)", str(exc))
        line = int(found[1]) if found else max(len(text.splitlines()), 1)
        message = re.sub(r"\s*\((?:at line \d+, column (\d+)|at end of document)\)",
                         lambda m: f" at column {m[1]}" if m[1] else " at end of front matter",
                         str(exc))
        report.add((), f"invalid TOML front matter: {message}", line + 1)
        return None
    report.lines = {key: line + 1 for key, line in key_lines(text).items()}
    return data


def checked_fields(data: dict[str, Any], report: Report) -> dict[str, Any]:
    for key in data:
        if key not in KEYS:
            report.add((key,), _unknown(key, KEYS))
    tools = _tools(data, report)
    return {
        "name": _string(data, "name", report) or report.path.stem,
        "description": _string(data, "description", report, empty_ok=True, pattern=".*") or "",
        "hotkey": _string(data, "hotkey", report, pattern=r"\S+", hint="no spaces"),
        "provider": _string(data, "provider", report, choices=PROVIDERS),
        "model": _string(data, "model", report),
        "cache_ttl": _string(data, "cache_ttl", report, choices=CACHE_TTLS),
        "reasoning": _string(data, "reasoning", report, choices=reasoning.LEVELS),
        "prompt_cache_key": _string(data, "prompt_cache_key", report, pattern=r"\S+",
                                    hint="no spaces"),
        "params": _params(data.get("params", {}), report),
        "tools": tools,
        "response_format": _response_format(data, report),
        "tool_commands": _commands(data.get("tool_commands", {}), tools, report),
        "mcp_servers": _servers(data.get("mcp_servers", {}), report),
    }


def _response_format(data: dict[str, Any], report: Report) -> structured.ResponseFormat | None:
    """A schema file (relative to the persona file) or an inline table; each problem names
    the file and line."""
    value = data.get("response_format")
    if value is None:
        return None
    if isinstance(data.get("params"), dict) and "response_format" in data["params"]:
        report.add(("params", "response_format"), "response_format is set at the top level too; "
                                                  "keep one")
    name = data["name"] if isinstance(data.get("name"), str) else report.path.stem
    try:
        if isinstance(value, str) and value.strip():
            if (path := report.named_file(("response_format",), value)) is None:
                return None
            if not path.is_file():
                report.add(("response_format",), f"schema file not found: {value} (looked for {path})")
                return None
            return structured.read_file(path, ref=value, validate=not report.builtin)
        if isinstance(value, dict):
            return structured.parse(value, name, validate=not report.builtin)
        report.add(("response_format",), "expected a schema file path or a [response_format] "
                                          f"table, got {_type_name(value)}")
    except structured.FormatError as exc:
        report.add(("response_format",), str(exc))
    return None


def _servers(value: Any, report: Report) -> dict[str, mcp.ServerConfig]:
    servers, problems = mcp.parse_servers(value)
    for where, message in problems:
        report.add(tuple(where.split(".")), message)
    return servers


def _string(data: dict[str, Any], key: str, report: Report, *, empty_ok: bool = False,
            pattern: str = r"\S(?:.*\S)?", hint: str = "no leading or trailing spaces",
            choices: tuple[str, ...] = ()) -> str | None:
    value = data.get(key)
    if value is None or value in choices:
        return value
    if choices:
        shown = repr(value) if isinstance(value, str) else f"a {_type_name(value)}"
        report.add((key,), f"{shown} is not one of: {', '.join(choices)}")
    elif not isinstance(value, str):
        report.add((key,), f"expected a string, got {_type_name(value)}")
    elif not (empty_ok or value):
        report.add((key,), "must not be empty")
    elif value and not re.fullmatch(pattern, value, re.DOTALL):
        report.add((key,), f"invalid value ({hint})")
    else:
        return value
    return None


def _params(value: Any, report: Report) -> dict[str, Any]:
    if not isinstance(value, dict):
        report.add(("params",), f"expected a table, got {_type_name(value)}")
        return {}
    params = {}
    for key, item in value.items():
        if key in RESERVED_PARAMS:
            hint = "use the top-level key" if key == "model" else "chattui sets it"
            report.add(("params", key), f"not allowed in params ({hint})")
        elif not _is_json(item):
            report.add(("params", key), "must be plain JSON (no dates, times, nan or inf)")
        else:
            params[key] = item
    return params


def _tools(data: dict[str, Any], report: Report) -> tuple[Tool, ...]:
    found: list[tuple[Tool, str, tuple[Any, ...]]] = []  # tool, label, key path
    refs = data.get("tools", [])
    if not isinstance(refs, list) or not all(isinstance(r, str) for r in refs):
        report.add(("tools",), "expected an array of tool file paths (strings)")
        refs = []
    for ref in refs:
        found += [(tool, f"tools ({ref})", ("tools",)) for tool in _tool_file(ref, report)]
    inline = data.get("tool", [])
    if not isinstance(inline, list) or not all(isinstance(t, dict) for t in inline):
        report.add(("tool",), "expected [[tool]] tables")
        inline = []
    for index, raw in enumerate(inline):
        label = f"[[tool]] #{index + 1}"
        try:
            found.append((parse_tool(raw), label, ("tool", index, "name")))
        except ToolError as exc:
            where = ("tool", index) + ((exc.field,) if exc.field else ())
            report.add((), f"{label}: {exc}", report.line_of(where))
    names: set[str] = set()
    for tool, label, where in found:
        if tool.name in names:
            report.add((), f"{label}: a second tool is named {tool.name!r}", report.line_of(where))
        names.add(tool.name)
    return tuple(tool for tool, _, _ in found)


def _tool_file(ref: str, report: Report) -> list[Tool]:
    if (path := report.named_file(("tools",), ref)) is None:
        return []
    if not path.is_file():
        report.add(("tools",), f"tool file not found: {ref}")
        return []
    found, errors = read_tool_file(path)
    report.problems += [FileProblem(path, line, message) for line, message in errors]
    return found


def _commands(value: Any, tools: Iterable[Tool], report: Report) -> dict[str, str]:
    if not isinstance(value, dict):
        report.add(("tool_commands",), f"expected a table, got {_type_name(value)}")
        return {}
    names = tuple(tool.name for tool in tools)
    commands = {}
    for name, command in value.items():
        if name not in names:
            close = get_close_matches(name, names, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            report.add(("tool_commands", name), f"no tool of this persona has this name{hint}")
        elif not isinstance(command, str) or not command.strip():
            report.add(("tool_commands", name), "expected a shell command (a non-empty string)")
        else:
            commands[name] = command
    return commands


def _is_json(value: Any) -> bool:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        return False
    return True


def _unknown(key: str, allowed: tuple[str, ...]) -> str:
    if close := get_close_matches(key, allowed, n=1):
        return f"unknown key (did you mean {close[0]!r}?)"
    return f"unknown key; expected one of: {', '.join(allowed)}"


def _dotted(key: tuple[Any, ...]) -> str:
    """("tool", 0, "name") -> "tool[0].name"."""
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in key).lstrip(".")


def _type_name(value: Any) -> str:
    names = {bool: "boolean", int: "integer", float: "float", str: "string", dict: "table",
             list: "array"}
    return names.get(type(value), type(value).__name__)

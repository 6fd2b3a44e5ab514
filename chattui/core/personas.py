"""Personas: Markdown files with TOML front matter; the body is the system prompt.

```
+++
name = "support"              # default: the file name without .md
description = "Customer support for an online shop"
hotkey = "2"                  # optional, like provider, model and cache_ttl ("5m" | "1h" | "30m" | "12h")
reasoning = "low"             # optional thinking: "off" | "low" | "medium" | "high"
prompt_cache_key = "shop"     # optional OpenAI cache routing key, or "conversation" (core.cache_key)
tools = ["tools/shop.json"]   # JSON files of tools, relative to this file
response_format = "answer.schema.json"  # replies follow this JSON Schema (core.structured);
                              # or an inline [response_format] table
[params]                      # sent to the API as is (temperature, max_tokens, ...)
[[tool]]                      # inline tools, OpenAI function format
[tool_commands]               # tool name -> shell command the UI may run once confirmed
[mcp_servers.NAME]            # MCP servers (see chattui.core.mcp); their tools join the list
+++
You are ...
```

The file must start with a `+++` line; the front matter ends at the next line that is
exactly `+++` (trailing spaces/tabs allowed). That line's own line ending (`\n` or
`\r\n`) is dropped and **everything after it is the system prompt, byte for byte**: no
stripping, CRLF kept, the final newline kept. A leading UTF-8 BOM is ignored.

Tools keep file order: the files in `tools` (list order), then the `[[tool]]` tables. Any
problem makes the file a `BrokenPersona` listing each problem with file and line; other
files still load, and a broken file overrides nothing. Sources, lowest first: built-ins
(`chattui/personas/`), `<config dir>/personas/`, `<cwd>/.chattui/personas/` (`*.md`, by
file name); a later persona replaces an earlier one of the same name in its list slot.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field, replace
from difflib import get_close_matches
from pathlib import Path
from types import MappingProxyType
from typing import Any, Iterable, Mapping

from chattui.core import mcp, prefix, structured, tokens
from chattui.core.provider import PROVIDERS
from chattui.core.tools import Tool, ToolError, parse_tool, read_tool_file
from chattui.toml_lines import FileProblem, key_lines

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

BUILTIN = "built-in"
BUILTIN_DIR = Path(__file__).resolve().parent.parent / "personas"
CACHE_TTLS = ("5m", "1h", "30m", "12h")
"""Anthropic's breakpoint TTLs, then OpenAI's (GPT-5.6+; providers.openai_cache)."""
KEYS = ("name", "description", "hotkey", "provider", "model", "cache_ttl", "reasoning", "tools",
        "params", "tool", "tool_commands", "mcp_servers", "prompt_cache_key", "response_format")
REASONING_LEVELS = ("off", "low", "medium", "high")
"""Values of `reasoning` (core.reasoning.LEVELS)."""
RESERVED_PARAMS = ("model", "messages", "system", "instructions", "input", "tools", "stream")


_OPEN = re.compile(r"\+\+\+[ \t]*\r?\n")
_CLOSE = re.compile(r"^\+\+\+[ \t]*(?:\r?\n|\r?\Z)", re.MULTILINE)


PersonaProblem = FileProblem


@dataclass(frozen=True, kw_only=True)
class Persona:
    name: str
    system: str
    description: str = ""
    hotkey: str | None = None
    provider: str | None = None
    model: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict, hash=False)
    cache_ttl: str | None = None
    reasoning: str | None = None
    """Thinking level (core.reasoning.LEVELS); None: the provider's default."""
    prompt_cache_key: str | None = None
    """OpenAI's cache routing key, "conversation" for one per conversation; None: the
    default, one per prefix (core.cache_key)."""
    tools: tuple[Tool, ...] = ()
    response_format: structured.ResponseFormat | None = None
    """The JSON Schema replies follow (core.structured); part of the prefix."""
    tool_commands: Mapping[str, str] = field(default_factory=dict, hash=False)
    mcp_servers: Mapping[str, mcp.ServerConfig] = field(default_factory=dict, hash=False)
    """`[mcp_servers.NAME]` of the front matter; `with_server_tools` adds their tools."""
    source: Path | str = BUILTIN
    """The file for user personas; the string "built-in" for those shipped with chattui."""
    path: Path | None = field(default=None, compare=False)
    """The file it was read from (for built-ins too)."""

    def __post_init__(self) -> None:
        for name in ("params", "tool_commands", "mcp_servers"):
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))
        object.__setattr__(self, "tools", tuple(self.tools))

    def with_server_tools(self, servers: Mapping[str, tuple[Tool, ...]]) -> tuple[Persona, mcp.ToolList]:
        """This persona with its servers' tools merged into `tools` (the canonical list, so
        they are part of its prefix and fingerprint), and the routes of those tools."""
        merged = mcp.merge_tools(self.tools, servers)
        return replace(self, tools=merged.tools), merged

    def prefix_bytes(self) -> bytes:
        """The exact bytes of this persona's cached prefix (see core.prefix)."""
        return prefix.prefix_bytes(self.system, self.tools, self.text_format())

    def fingerprint(self) -> str:
        return prefix.fingerprint(self.system, self.tools, self.text_format())

    def prefix_tokens(self) -> tokens.TokenCount:
        return prefix.prefix_tokens(self.system, self.tools, self.text_format())

    def text_format(self) -> dict[str, Any] | None:
        """The schema's definition as the prefix holds it (None: free text)."""
        return self.response_format.definition() if self.response_format else None

    def cacheability(self, provider: str, model: str) -> tuple[bool, int, str]:
        return prefix.cacheability(self.prefix_tokens(), provider, model)


@dataclass(frozen=True)
class BrokenPersona:
    """A file that did not load: its name is the file stem."""

    name: str
    path: Path
    problems: tuple[PersonaProblem, ...]

    @property
    def problem(self) -> PersonaProblem:
        return self.problems[0]


@dataclass(frozen=True)
class PersonaLibrary:
    personas: tuple[Persona, ...] = ()
    """Built-ins first, then user personas; an override keeps the slot it replaces."""
    broken: tuple[BrokenPersona, ...] = ()
    problems: tuple[PersonaProblem, ...] = ()
    """Problems between files: duplicate hotkeys, a name used twice in one folder."""
    hotkeys: Mapping[str, str] = field(default_factory=dict)
    """Hotkey -> persona name (on a clash, the persona loaded later)."""

    def get(self, name: str) -> Persona | None:
        return next((p for p in self.personas if p.name == name), None)

    def by_hotkey(self, key: str) -> Persona | None:
        name = self.hotkeys.get(key)
        return self.get(name) if name is not None else None

    def all_problems(self) -> tuple[PersonaProblem, ...]:
        return tuple(p for b in self.broken for p in b.problems) + self.problems


def load_personas(config_dir: Path, cwd: Path | None, *, local: bool = True) -> PersonaLibrary:
    """Built-ins, then `<config_dir>/personas/`, then `<cwd>/.chattui/personas/` (only with
    `local`: the caller decides whether the working directory is trusted)."""
    loaded: list[_Loaded] = []
    seen: set[Path] = set()
    folders: list[tuple[Path, Path | None]] = [(BUILTIN_DIR, None), (Path(config_dir) / "personas", None)]
    if local and cwd is not None:  # its files name only files of its .chattui/ (trust hashes those)
        folders.append((Path(cwd) / ".chattui" / "personas", Path(cwd) / ".chattui"))
    for folder, within in folders:
        if (key := folder.resolve()) in seen or not folder.is_dir():
            continue
        seen.add(key)
        for path in sorted(p for p in folder.glob("*.md") if not p.name.startswith(".")):
            if path.is_file():
                loaded.append(_load(path, builtin=folder == BUILTIN_DIR, within=within))
    return _library(loaded)


def local_overrides(config_dir: Path, cwd: Path) -> list[str]:
    """What `<cwd>/.chattui/personas/` would add: "name (replaces built-in)", "name (new)"."""
    base = load_personas(config_dir, cwd, local=False)
    folder = (Path(cwd) / ".chattui" / "personas").resolve()
    changes = []
    for persona in load_personas(config_dir, cwd).personas:
        if persona.path is None or persona.path.resolve().parent != folder:
            continue
        old = base.get(persona.name)
        where = "built-in" if old and old.source == BUILTIN else "yours"
        changes.append(f"persona {persona.name} (replaces {where})" if old
                       else f"persona {persona.name} (new)")
    return changes


def load_persona_file(path: Path, *, builtin: bool = False) -> Persona | BrokenPersona:
    """Read one persona file (bytes decoded as UTF-8, line endings untouched)."""
    return _load(Path(path), builtin).item


def parse_persona(text: str, path: Path, *, builtin: bool = False) -> Persona | BrokenPersona:
    """Parse persona text; `path` names it in problems and anchors relative tool files."""
    return _parse(text, Path(path), builtin).item


@dataclass
class _Loaded:
    item: Persona | BrokenPersona
    hotkey_line: int | None = None


def _load(path: Path, builtin: bool, within: Path | None = None) -> _Loaded:
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        problem = PersonaProblem(path, None, f"cannot read persona file: {exc}")
        return _Loaded(BrokenPersona(path.stem, path, (problem,)))
    return _parse(text, path, builtin, within)


def _library(loaded: list[_Loaded]) -> PersonaLibrary:
    slots: dict[str, tuple[_Loaded, Persona]] = {}
    problems: list[PersonaProblem] = []
    for entry in loaded:
        if isinstance(item := entry.item, BrokenPersona):
            continue
        old = slots.get(name := item.name)
        if old and old[1].path and item.path and old[1].path.parent == item.path.parent:
            problems.append(PersonaProblem(item.path, None, (
                f"persona {name!r} is also defined in {old[1].path.name}; this file wins")))
        slots[name] = entry, item
    hotkeys: dict[str, str] = {}
    order = {id(entry): index for index, entry in enumerate(loaded)}
    for entry, persona in sorted(slots.values(), key=lambda e: order[id(e[0])]):
        if (key := persona.hotkey) is None:
            continue
        if (other := hotkeys.get(key)) is not None and persona.path:
            problems.append(PersonaProblem(persona.path, entry.hotkey_line, (
                f"hotkey {key!r} is also set by persona {other!r}; {persona.name!r} gets it")))
        hotkeys[key] = persona.name
    return PersonaLibrary(
        personas=tuple(persona for _, persona in slots.values()),
        broken=tuple(e.item for e in loaded if isinstance(e.item, BrokenPersona)),
        problems=tuple(problems), hotkeys=MappingProxyType(hotkeys))


@dataclass
class _Report:
    """Problems of one persona file; `lines` maps front-matter key paths to file lines."""

    path: Path
    lines: dict[tuple[Any, ...], int] = field(default_factory=dict)
    problems: list[PersonaProblem] = field(default_factory=list)
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
        self.problems.append(PersonaProblem(self.path, line, message))

    def line_of(self, key: tuple[Any, ...]) -> int | None:
        while key and key not in self.lines:
            key = key[:-1]
        return self.lines.get(key) if key else None


def _parse(text: str, path: Path, builtin: bool, within: Path | None = None) -> _Loaded:
    report = _Report(path, builtin=builtin, within=within)
    split = _split(text.removeprefix("\ufeff"), report)
    data = _front_matter(split[0], report) if split else None
    fields = _fields(data, report) if data is not None else {}
    if report.problems or split is None:
        return _Loaded(BrokenPersona(path.stem, path, tuple(report.problems)))
    persona = Persona(**fields, system=split[1], source=BUILTIN if builtin else path,
                      path=path)
    return _Loaded(persona, report.line_of(("hotkey",)))


def _split(text: str, report: _Report) -> tuple[str, str] | None:
    """(front matter, body); the closing fence's own newline belongs to neither."""
    if not (opening := _OPEN.match(text)):
        report.add((), "the file must start with a +++ line (TOML front matter)", 1)
        return None
    if not (closing := _CLOSE.search(text, opening.end())):
        report.add((), "no closing +++ line after the front matter", 1)
        return None
    return text[opening.end():closing.start()], text[closing.end():]


def _front_matter(text: str, report: _Report) -> dict[str, Any] | None:
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


def _fields(data: dict[str, Any], report: _Report) -> dict[str, Any]:
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
        "reasoning": _string(data, "reasoning", report, choices=REASONING_LEVELS),
        "prompt_cache_key": _string(data, "prompt_cache_key", report, pattern=r"\S+",
                                    hint="no spaces"),
        "params": _params(data.get("params", {}), report),
        "tools": tools,
        "response_format": _response_format(data, report),
        "tool_commands": _commands(data.get("tool_commands", {}), tools, report),
        "mcp_servers": _servers(data.get("mcp_servers", {}), report),
    }


def _response_format(data: dict[str, Any], report: _Report) -> structured.ResponseFormat | None:
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


def _servers(value: Any, report: _Report) -> dict[str, mcp.ServerConfig]:
    servers, problems = mcp.parse_servers(value)
    for where, message in problems:
        report.add(tuple(where.split(".")), message)
    return servers


def _string(data: dict[str, Any], key: str, report: _Report, *, empty_ok: bool = False,
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


def _params(value: Any, report: _Report) -> dict[str, Any]:
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


def _tools(data: dict[str, Any], report: _Report) -> tuple[Tool, ...]:
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


def _tool_file(ref: str, report: _Report) -> list[Tool]:
    if (path := report.named_file(("tools",), ref)) is None:
        return []
    if not path.is_file():
        report.add(("tools",), f"tool file not found: {ref}")
        return []
    found, errors = read_tool_file(path)
    report.problems += [PersonaProblem(path, line, message) for line, message in errors]
    return found


def _commands(value: Any, tools: Iterable[Tool], report: _Report) -> dict[str, str]:
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

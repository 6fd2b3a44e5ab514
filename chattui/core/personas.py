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

from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from chattui.core import mcp, prefix, structured, tokens
from chattui.core.persona_fields import Report, checked_fields, read_front_matter, split_file
from chattui.core.tools import Tool
from chattui.toml_lines import FileProblem

BUILTIN = "built-in"
BUILTIN_DIR = Path(__file__).resolve().parent.parent / "personas"
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


def _parse(text: str, path: Path, builtin: bool, within: Path | None = None) -> _Loaded:
    report = Report(path, builtin=builtin, within=within)
    parts = split_file(text.removeprefix("\ufeff"), report)
    data = read_front_matter(parts[0], report) if parts else None
    checked = checked_fields(data, report) if data is not None else {}
    if report.problems or parts is None:
        return _Loaded(BrokenPersona(path.stem, path, tuple(report.problems)))
    persona = Persona(**checked, system=parts[1], source=BUILTIN if builtin else path,
                      path=path)
    return _Loaded(persona, report.line_of(("hotkey",)))

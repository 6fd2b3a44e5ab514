"""MCP tool servers as core sees them: their config, a small protocol, the canonical merge.

Providers and the store never see a server, only `Tool` definitions and results (text, and
images kept as attachments of the tool message). The
SDK client lives in `chattui.mcp_client`; nothing in core, providers or store imports it.

```toml
[mcp_servers.time]                     # stdio: command, args, env (only what is listed)
command = "mcp-server-time"
args = ["--local-timezone", "UTC"]
env = { TZ = "UTC" }                   # ${VAR} expands from chattui's environment
[mcp_servers.docs]                     # streamable HTTP: url, headers
url = "http://127.0.0.1:8000/mcp"
headers = { Authorization = "Bearer ${DOCS_TOKEN}" }
allow = ["search_docs"]                # tools that run without asking
timeout = 60                           # seconds a call may take (default 60)
```

Canonical tool list: the persona's own tools first (file order), then each server's tools,
servers by name, tools by name. A server tool is named `server__tool` (server names are
letters, digits and `-`, so the first `__` always splits them); a name that is too long for
the API or uses other characters is cut to fit and ends in `_` + 6 hex digits of a hash of
its server and tool, so two tools never share a name.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Protocol, Sequence

from chattui.core.tools import EMPTY_SCHEMA, NAME_PATTERN, Tool, ToolError, canonical_schema

if TYPE_CHECKING:
    from chattui.core.attachments import Attachment
    from chattui.core.storage import Store

SEPARATOR = "__"
SERVER_NAME = re.compile(r"[a-zA-Z0-9-]{1,32}")
DEFAULT_TIMEOUT = 60.0
KEYS = ("command", "args", "env", "url", "headers", "allow", "timeout")
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
DECLINED = "declined by the user"


class ServerConfigError(ValueError):
    """Why an `[mcp_servers.NAME]` table cannot be used; `key` names the culprit."""

    def __init__(self, message: str, key: str | None = None) -> None:
        super().__init__(message)
        self.key = key


@dataclass(frozen=True)
class ServerConfig:
    """One `[mcp_servers.NAME]` table, `${VAR}`s not yet expanded (they are at start)."""

    name: str
    command: str | None = None
    args: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict, hash=False)
    url: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict, hash=False)
    allow: tuple[str, ...] = ()
    timeout: float = DEFAULT_TIMEOUT

    def __post_init__(self) -> None:
        for name in ("env", "headers"):
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))

    @property
    def transport(self) -> str:
        return "http" if self.url else "stdio"

    def expanded_env(self, environ: Mapping[str, str] | None = None) -> dict[str, str]:
        return {k: expand(v, environ) for k, v in self.env.items()}

    def expanded_headers(self, environ: Mapping[str, str] | None = None) -> dict[str, str]:
        return {k: expand(v, environ) for k, v in self.headers.items()}

    def secrets(self, environ: Mapping[str, str] | None = None) -> set[str]:
        """What its `${VAR}`s expand to (a header's token, an env's key), as set and
        stripped: a failure's reason may quote them (httpx: "Illegal header value
        b'Bearer …\\n'"), and a reason is shown and may become a stored tool result."""
        environ = os.environ if environ is None else environ
        names = {match[1] for text in (*self.env.values(), *self.headers.values())
                 for match in _VAR.finditer(text)}
        values = [environ[name] for name in names if name in environ]
        return {*values, *(value.strip() for value in values)}


def expand(text: str, environ: Mapping[str, str] | None = None) -> str:
    """`${VAR}` replaced from `environ`; raise ServerConfigError for a variable that is unset."""
    environ = os.environ if environ is None else environ

    def value(match: re.Match[str]) -> str:
        if match[1] not in environ:
            raise ServerConfigError(f"environment variable {match[1]} is not set")
        return environ[match[1]]

    return _VAR.sub(value, text)


def parse_server(name: str, raw: Any) -> ServerConfig:
    """Validate one `[mcp_servers.NAME]` table; raise ServerConfigError."""
    if not SERVER_NAME.fullmatch(name):
        raise ServerConfigError(f"server name {name!r}: use 1-32 of a-z A-Z 0-9 - (no _)")
    if not isinstance(raw, Mapping):
        raise ServerConfigError("expected a table")
    if unknown := [key for key in raw if key not in KEYS]:
        raise ServerConfigError(f"unknown key {unknown[0]!r} (expected: {', '.join(KEYS)})",
                                unknown[0])
    command, url = raw.get("command"), raw.get("url")
    if (command is None) == (url is None):
        raise ServerConfigError("give either command (stdio) or url (streamable HTTP)")
    for key, value in (("command", command), ("url", url)):
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise ServerConfigError(f"{key} must be a non-empty string", key)
    timeout = raw.get("timeout", DEFAULT_TIMEOUT)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
        raise ServerConfigError("timeout must be a positive number of seconds", "timeout")
    return ServerConfig(name, command, _strings(raw, "args"), _table(raw, "env"), url,
                        _table(raw, "headers"), _strings(raw, "allow"), float(timeout))


def _strings(raw: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ServerConfigError(f"{key} must be an array of strings", key)
    return tuple(value)


def _table(raw: Mapping[str, Any], key: str) -> dict[str, str]:
    value = raw.get(key, {})
    if not isinstance(value, Mapping) or not all(isinstance(v, str) for v in value.values()):
        raise ServerConfigError(f"{key} must be a table of strings", key)
    return dict(value)


def parse_servers(raw: Any) -> tuple[dict[str, ServerConfig], list[tuple[str, str]]]:
    """`[mcp_servers]` as configs by name, and (dotted key, message) for each problem."""
    if not isinstance(raw, Mapping):
        return {}, [("mcp_servers", "expected a table of servers")]
    servers, problems = {}, []
    for name, table in raw.items():
        try:
            servers[name] = parse_server(name, table)
        except ServerConfigError as exc:
            where = f"mcp_servers.{name}" + (f".{exc.key}" if exc.key else "")
            problems.append((where, str(exc)))
    return servers, problems


# what a server gives core


@dataclass(frozen=True)
class ToolResult:
    """A call's outcome as the model gets it: text, whether it is an error, and the images
    it returned (stored like attachments; each also named in `text`, e.g. `[image/png 12 KB]`)."""

    text: str
    is_error: bool = False
    images: tuple["Attachment", ...] = ()

    def for_model(self) -> str:
        return f"error: {self.text}" if self.is_error else self.text


STARTING, READY, FAILED, IDLE = "starting", "ready", "failed", "not started"


class ToolServer(Protocol):
    """A running (or failed) MCP server, as the UI and the session drive it."""

    config: ServerConfig
    state: str
    reason: str | None
    tools: tuple[Tool, ...]

    async def start(self) -> None:
        """Connect and list tools; never raises (sets state and reason)."""

    async def call(self, tool: str, arguments: Mapping[str, Any]) -> ToolResult:
        """Run `tool`; every failure (dead, timeout, isError) is an error result."""


def state_text(server: ToolServer) -> str:
    """`starting`, `3 tools`, `failed: reason`: what the sidebar shows."""
    if server.state == READY:
        return f"{len(server.tools)} tool" + ("" if len(server.tools) == 1 else "s")
    if server.state == FAILED:
        return f"failed: {server.reason or 'unknown'}"
    return server.state


def server_tool(name: str, description: Any, schema: Any) -> Tool:
    """A server's tool as a `Tool` under its own name (a missing schema is an empty object)."""
    try:
        parameters = canonical_schema(schema if schema else EMPTY_SCHEMA)
    except ToolError:
        parameters = canonical_schema(EMPTY_SCHEMA)
    return Tool(name, description if isinstance(description, str) else "", parameters)


def qualified_name(server: str, tool: str) -> str:
    """`server__tool`, or a cut name ending in a hash when that is not a valid tool name."""
    name = f"{server}{SEPARATOR}{tool}"
    if NAME_PATTERN.fullmatch(name):
        return name
    digest = hashlib.sha256(f"{server}\0{tool}".encode()).hexdigest()[:6]
    safe = re.sub(r"[^a-zA-Z0-9_-]", "_", name)[:64 - 7]
    return f"{safe}_{digest}"


@dataclass(frozen=True)
class ToolList:
    """The canonical list and, for each server tool in it, (server, tool) to route calls."""

    tools: tuple[Tool, ...]
    routes: Mapping[str, tuple[str, str]] = field(default_factory=dict, hash=False)

    def route(self, name: str) -> tuple[str, str] | None:
        return self.routes.get(name)


def merge_tools(own: Iterable[Tool], servers: Mapping[str, Sequence[Tool]]) -> ToolList:
    """The persona's tools, then each server's (by server name, then tool name), renamed."""
    tools, routes = list(own), {}
    taken = {tool.name for tool in tools}
    for server in sorted(servers):
        for tool in sorted(servers[server], key=lambda t: t.name):
            name = qualified_name(server, tool.name)
            if name in taken:  # a persona tool already uses it: force the hashed form
                name = qualified_name(server, tool.name + "\0")
            taken.add(name)
            routes[name] = (server, tool.name)
            tools.append(Tool(name, tool.description, tool.parameters))
    return ToolList(tuple(tools), MappingProxyType(routes))


def servers_for(shared: Mapping[str, ServerConfig],
                own: Mapping[str, ServerConfig]) -> dict[str, ServerConfig]:
    """The servers a persona uses: config.toml's shared ones, its own replacing same names."""
    return {**shared, **own}


def stored_tool_list(body: Mapping[str, Any]) -> ToolList | None:
    """The tool list a turn sent, from its stored prefix body (core.prefix.read_body);
    None when no MCP server's tool was in it."""
    routes = body.get("tool_routes") or {}
    if not routes:
        return None
    tools = tuple(Tool(d["name"], d.get("description", ""), d.get("parameters") or {})
                  for d in body.get("tools", []))
    return ToolList(tools, MappingProxyType({k: (v[0], v[1]) for k, v in routes.items()}))


def stored_list(store: "Store", conversation_id: str, persona: str | None = None) -> ToolList | None:
    """The tool list `conversation_id` last sent (its latest stored prefix), None without MCP
    tools in it, or when `persona` is given and that turn was another persona's (a switch
    changes the prefix on purpose; it is not a server's doing)."""
    from chattui.core.prefix import sent_body

    turn = store.last_sent_turn(conversation_id)
    if turn is not None and persona is not None and turn.meta.persona != persona:
        return None
    body = sent_body(store, turn)
    return stored_tool_list(body) if body else None


def own_tools(body: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The stored tool definitions that are the persona's own (no MCP server serves them)."""
    routes = body.get("tool_routes") or {}
    return [d for d in body.get("tools", []) if d.get("name") not in routes]


def tool_list_json(tools: ToolList) -> str:
    """Stable JSON of a tool list and its routes (what a conversation stores)."""
    import json

    return json.dumps({"tools": [t.definition() for t in tools.tools],
                       "routes": {k: list(v) for k, v in tools.routes.items()}},
                      sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def changes(old: ToolList, new: ToolList) -> list[str]:
    """What differs, a line per server: `time: added a; removed b; reworded c`."""
    def by_server(tools: ToolList) -> dict[str, dict[str, Tool]]:
        out: dict[str, dict[str, Tool]] = {}
        for tool in tools.tools:
            server, name = tools.route(tool.name) or ("persona", tool.name)
            out.setdefault(server, {})[name] = tool
        return out

    before, after, lines = by_server(old), by_server(new), []
    for server in sorted(set(before) | set(after)):
        a, b = before.get(server, {}), after.get(server, {})
        parts = []
        if added := sorted(set(b) - set(a)):
            parts.append("added " + ", ".join(added))
        if removed := sorted(set(a) - set(b)):
            parts.append("removed " + ", ".join(removed))
        reworded = sorted(n for n in set(a) & set(b) if a[n].description != b[n].description)
        reshaped = sorted(n for n in set(a) & set(b) if a[n].parameters != b[n].parameters)
        if reworded:
            parts.append("reworded " + ", ".join(reworded))
        if reshaped:
            parts.append("new parameters for " + ", ".join(reshaped))
        if parts:
            lines.append(f"{server}: " + "; ".join(parts))
    return lines

"""Server config, the canonical merge, names that cannot collide."""

from __future__ import annotations

from pathlib import Path

import pytest

from chattui.core import mcp, prefix
from chattui.core.personas import Persona, parse_persona
from chattui.core.tools import NAME_PATTERN, parse_tool


def test_stdio_and_http_tables_parse_with_defaults() -> None:
    servers, problems = mcp.parse_servers({
        "time": {"command": "mcp-server-time", "args": ["--local-timezone", "UTC"],
                 "env": {"TZ": "UTC"}},
        "docs": {"url": "http://127.0.0.1:8000/mcp", "headers": {"Authorization": "Bearer x"},
                 "allow": ["search_docs"], "timeout": 5},
    })
    assert problems == []
    assert servers["time"].transport == "stdio" and servers["time"].timeout == 60
    assert servers["docs"].transport == "http" and servers["docs"].allow == ("search_docs",)
    assert servers["docs"].timeout == 5


@pytest.mark.parametrize("table, message", [
    ({}, "either command"), ({"command": "a", "url": "b"}, "either command"),
    ({"command": "a", "timeout": 0}, "timeout"), ({"command": "a", "args": "x"}, "args"),
    ({"command": "a", "shell": True}, "unknown key 'shell'"),
])
def test_bad_tables_are_named(table, message) -> None:
    servers, problems = mcp.parse_servers({"s": table})
    assert servers == {} and message in problems[0][1]


def test_server_names_cannot_hold_the_separator() -> None:
    _, problems = mcp.parse_servers({"my_server": {"command": "x"}})
    assert "no _" in problems[0][1]


def test_env_expands_only_listed_variables() -> None:
    config = mcp.parse_server("s", {"command": "x", "env": {"TOKEN": "t-${SECRET}"}})
    assert config.expanded_env({"SECRET": "42", "OTHER": "no"}) == {"TOKEN": "t-42"}
    with pytest.raises(mcp.ServerConfigError, match="SECRET is not set"):
        config.expanded_env({})


def _tool(name: str, description: str = "") -> object:
    return mcp.server_tool(name, description, {"type": "object", "properties": {}})


def test_merge_is_stable_whatever_order_servers_answer_in() -> None:
    own = (parse_tool({"name": "lookup", "parameters": {"type": "object"}}),)
    one = mcp.merge_tools(own, {"time": [_tool("b"), _tool("a")], "docs": [_tool("z")]})
    two = mcp.merge_tools(own, {"docs": [_tool("z")], "time": [_tool("a"), _tool("b")]})
    assert [t.name for t in one.tools] == ["lookup", "docs__z", "time__a", "time__b"]
    assert prefix.prefix_bytes("s", one.tools) == prefix.prefix_bytes("s", two.tools)
    assert one.route("time__a") == ("time", "a") and one.route("lookup") is None


def test_names_never_collide_and_stay_valid() -> None:
    own = (parse_tool({"name": "time__a"}),)
    merged = mcp.merge_tools(own, {"time": [_tool("a"), _tool("x" * 80), _tool("dotted.name")],
                                    "t": [_tool("ime__a")]})
    names = [t.name for t in merged.tools]
    assert len(set(names)) == len(names)
    assert all(NAME_PATTERN.fullmatch(n) for n in names)
    assert sorted(merged.routes.values()) == [("t", "ime__a"), ("time", "a"),
                                              ("time", "dotted.name"), ("time", "x" * 80)]


def test_persona_front_matter_names_servers_and_tools_join_its_fingerprint() -> None:
    text = ('+++\n[mcp_servers.time]\ncommand = "mcp-server-time"\nallow = ["get_current_time"]\n'
            '+++\nYou tell the time.\n')
    persona = parse_persona(text, Path("clock.md"))
    assert isinstance(persona, Persona)
    assert persona.mcp_servers["time"].allow == ("get_current_time",)
    with_tools, merged = persona.with_server_tools({"time": (_tool("get_current_time"),)})
    assert [t.name for t in with_tools.tools] == ["time__get_current_time"]
    assert with_tools.fingerprint() != persona.fingerprint()
    assert b"time__get_current_time" in with_tools.prefix_bytes()


def test_a_bad_server_table_breaks_the_persona_with_its_line() -> None:
    text = '+++\nname = "x"\n[mcp_servers.time]\nargs = ["a"]\n+++\nbody\n'
    broken = parse_persona(text, Path("x.md"))
    assert not isinstance(broken, Persona)
    assert "mcp_servers.time" in broken.problem.message and broken.problem.line == 3


def test_core_never_imports_the_sdk() -> None:
    import ast
    import chattui
    root = Path(chattui.__file__).parent
    for folder in ("core", "providers", "store"):
        for path in (root / folder).rglob("*.py"):
            tree = ast.parse(path.read_text())
            names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
            names += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
            assert not [n for n in names if n == "mcp" or n.startswith(("mcp.", "chattui.mcp_client"))], path

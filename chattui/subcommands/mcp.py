"""`chattui mcp ls`: the MCP servers, their state and tools, without opening the TUI."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

HELP = "List MCP servers (config.toml and personas), their state and tools; exit 1 if one fails."


def add_arguments(parser) -> None:
    parser.add_argument("action", choices=("ls",), help="ls: start each server and list its tools")
    parser.add_argument("--persona", metavar="NAME", help="only the servers this persona uses")


def run(args, settings) -> int:
    from chattui.core import mcp
    from chattui.core.personas import load_personas

    library = load_personas(Path(settings.config_dir), Path.cwd(), local=settings.local_trusted)
    shared = mcp.servers_for({}, settings.mcp_servers)
    if args.persona:
        persona = library.get(args.persona)
        if persona is None:
            print(f"chattui mcp: no persona named {args.persona!r}", file=sys.stderr)
            return 2
        groups = [(f"persona {persona.name}", mcp.servers_for(shared, persona.mcp_servers))]
    else:
        groups = [("config.toml", shared)] + [(f"persona {p.name}", dict(p.mcp_servers))
                                              for p in library.personas if p.mcp_servers]
    groups = [(label, servers) for label, servers in groups if servers]
    if not groups:
        print("No MCP servers configured ([mcp_servers.NAME] in config.toml or a persona).")
        return 0
    return asyncio.run(_list(groups, Path(settings.data_dir)))


async def _list(groups, data_dir: Path) -> int:
    from chattui.core import mcp, prefix
    from chattui.mcp_client import ServerPool

    failed = False
    for label, servers in groups:
        pool = ServerPool(servers, data_dir)
        try:
            started = await pool.ready(servers.values())
            failed |= any(server.state == mcp.FAILED for server in started)
            _print(label, started, mcp, prefix)
        finally:
            await pool.close()
    return 1 if failed else 0


def _print(label, started, mcp, prefix) -> None:
    merged = mcp.merge_tools((), {s.config.name: s.tools for s in started})
    size = prefix.prefix_tokens(None, merged.tools)
    print(f"{label}: {len(merged.tools)} tools, {size} tokens in the tool list")
    for server in started:
        where = server.config.url or " ".join([server.config.command or "", *server.config.args])
        print(f"  {server.config.name}  {mcp.state_text(server)}  ({where})")
        for tool in merged.tools:
            route = merged.route(tool.name)
            if route and route[0] == server.config.name:
                print(f"    {tool.name}  {' '.join(tool.description.split())[:70]}")

"""Small MCP servers for the tests: a real one from the package index, and faulty ones."""

from __future__ import annotations

import sys
import sysconfig
from pathlib import Path

TIME_SERVER = str(Path(sysconfig.get_path("scripts")) / "mcp-server-time")

DYING = '''
import os
from mcp.server.mcpserver import MCPServer
app = MCPServer("dying")

@app.tool()
def die() -> str:
    """Exit in the middle of the call."""
    os._exit(3)

@app.tool()
def hang() -> str:
    """Never answer."""
    import time
    time.sleep(600)
    return "late"

app.run()
'''


def python_server(tmp_path: Path, source: str = DYING) -> dict:
    """A stdio server table running `source` with this Python."""
    script = tmp_path / "server.py"
    script.write_text(source)
    return {"command": sys.executable, "args": [str(script)]}

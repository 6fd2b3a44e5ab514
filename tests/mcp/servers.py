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


FLOODING = '''
import sys
from mcp.server.mcpserver import MCPServer
app = MCPServer("flooding")

@app.tool()
def flood(size: int) -> str:
    """Write `size` bytes to stderr, then answer."""
    for _ in range(size // 1000):
        sys.stderr.write("x" * 999 + "\\n")
    sys.stderr.flush()
    return "flooded"

app.run()
'''


NOT_UTF8 = '''
import json, sys
for line in sys.stdin:  # JSON-RPC by hand: a result line whose text is not UTF-8
    message = json.loads(line)
    ident, method = message.get("id"), message.get("method")
    if method == "initialize":
        result = {"protocolVersion": message["params"]["protocolVersion"],
                  "capabilities": {"tools": {}}, "serverInfo": {"name": "raw", "version": "1"}}
    elif method == "tools/list":
        result = {"tools": [{"name": "latin1", "inputSchema": {"type": "object"}}]}
    elif method == "tools/call":
        sys.stdout.buffer.write(b'{"jsonrpc":"2.0","id":%d,"result":{"content":'
                                b'[{"type":"text","text":"caf\\xe9 ok"}]}}\\n' % ident)
        sys.stdout.buffer.flush()
        continue
    elif ident is None:
        continue
    else:
        result = {}
    print(json.dumps({"jsonrpc": "2.0", "id": ident, "result": result}), flush=True)
'''


def python_server(tmp_path: Path, source: str = DYING) -> dict:
    """A stdio server table running `source` with this Python."""
    script = tmp_path / "server.py"
    script.write_text(source)
    return {"command": sys.executable, "args": [str(script)]}


class HttpServer:
    """An MCP server over streamable HTTP on loopback, built with the SDK's own classes: it
    records each request's Authorization header; `reword()` changes its tool list."""

    def __init__(self) -> None:
        from mcp.server.mcpserver import MCPServer

        self.auth: list[str | None] = []
        self.mcp = MCPServer("docs")
        self.mcp.add_tool(search_docs, description="Search the docs.")
        self.port = 0
        self._server = None

    def reword(self) -> None:
        self.mcp.remove_tool("search_docs")
        self.mcp.add_tool(search_docs, description="Search the documentation, by keyword.")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/mcp"

    def start(self) -> "HttpServer":
        import socket
        import threading
        import time

        import uvicorn

        app = self.mcp.streamable_http_app()
        seen = self.auth

        async def recording(scope, receive, send):
            if scope["type"] == "http":
                headers = dict(scope["headers"])
                seen.append(headers.get(b"authorization", b"").decode() or None)
            await app(scope, receive, send)

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        config = uvicorn.Config(recording, host="127.0.0.1", port=self.port, log_level="error",
                                lifespan="on")
        self._server = uvicorn.Server(config)
        threading.Thread(target=self._server.run, daemon=True).start()
        for _ in range(400):
            if self._server.started:
                return self
            time.sleep(0.025)
        raise RuntimeError("the test MCP server did not start")

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True


def search_docs(query: str) -> str:
    return f"3 pages mention {query}"


MEETING = '''
import asyncio
from mcp.server.mcpserver import MCPServer
app = MCPServer("meeting")
arrived = []
both = asyncio.Event()

@app.tool()
async def meet(name: str) -> str:
    """Wait until two calls are in, then answer: only calls run in parallel finish."""
    arrived.append(name)
    if len(arrived) == 2:
        both.set()
    try:
        await asyncio.wait_for(both.wait(), 20)
    except asyncio.TimeoutError:
        return f"{name} waited alone"
    return f"{name} met " + " and ".join(sorted(arrived))

app.run()
'''


IMAGING = '''
import base64
from mcp.server.mcpserver import Image, MCPServer
app = MCPServer("imaging")

@app.tool()
def snapshot() -> list:
    """A caption and a picture."""
    return ["a red pixel", Image(data=base64.b64decode("%s"), format="png")]

app.run()
'''


def imaging_source() -> str:
    """IMAGING with the 1x1 red PNG of tests.image_files in it."""
    import base64

    from tests.image_files import png

    return IMAGING % base64.b64encode(png()).decode()

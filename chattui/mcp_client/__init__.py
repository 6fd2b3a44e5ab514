"""MCP servers through the official `mcp` SDK (2.x): the `ToolServer` of chattui.core.mcp.

Each server's connection lives in a task of its own (the SDK's context managers must be
entered and left in one task); calls from other tasks go through the open client. A stdio
server's stderr goes to `<data dir>/mcp-logs/NAME.log`, within a size (logs.py). A server
that died is started again on its next use.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
from pathlib import Path
from typing import Any, Iterable, Mapping

from chattui.core import attachments
from chattui.core.mcp import (
    FAILED, IDLE, READY, STARTING, ServerConfig, ServerConfigError, ToolResult, server_tool,
)
from chattui.core.secrets import redact
from chattui.core.tools import Tool
from chattui.mcp_client.logs import capped_log

LOG_DIR = "mcp-logs"
LOG_MAX_BYTES = 1 << 20
IMAGE_DIR = "mcp-images"
START_TIMEOUT = 30.0
"""Seconds a server may take to start and list its tools (a call has the config's timeout)."""


class McpServer:
    """One configured server: start it, list its tools, call them."""

    def __init__(self, config: ServerConfig, data_dir: Path | None = None) -> None:
        self.config = config
        self.state = IDLE
        self.reason: str | None = None
        self.tools: tuple[Tool, ...] = ()
        self.data_dir = data_dir
        self._client: Any = None
        self._runner: asyncio.Task | None = None
        self._ready = asyncio.Event()
        self._close = asyncio.Event()
        self._start_lock = asyncio.Lock()

    @property
    def image_dir(self) -> Path | None:
        """Where the images its tools return are kept (None: they are named, not kept)."""
        return self.data_dir / IMAGE_DIR if self.data_dir else None

    @property
    def log_path(self) -> Path | None:
        """Where a stdio server's stderr goes (an HTTP server has none: None)."""
        if self.data_dir is None or self.config.url:
            return None
        return self.data_dir / LOG_DIR / f"{self.config.name}.log"

    async def start(self) -> None:
        """Connect and list the tools; sets `state` (ready or failed), never raises."""
        async with self._start_lock:
            if self.state == READY and self._runner and not self._runner.done():
                return
            self.state, self.reason = STARTING, None
            self._ready, self._close = asyncio.Event(), asyncio.Event()
            self._runner = asyncio.ensure_future(self._run())
            waiter = asyncio.ensure_future(self._ready.wait())
            try:
                await asyncio.wait({waiter, self._runner}, timeout=START_TIMEOUT,
                                   return_when=asyncio.FIRST_COMPLETED)
            finally:
                waiter.cancel()
            if self.state == STARTING:
                self._fail(f"did not start within {START_TIMEOUT:g} s")
                self._runner.cancel()

    async def _run(self) -> None:
        try:
            async with contextlib.AsyncExitStack() as stack:
                client = await stack.enter_async_context(self._client_for(stack))
                listed = await client.list_tools()
                self.tools = tuple(server_tool(t.name, t.description, t.input_schema)
                                   for t in listed.tools)
                self._client, self.state = client, READY
                self._ready.set()
                await self._close.wait()
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # noqa: BLE001 - any failure is a state, not a crash
            self._fail(self._reason(exc))
        finally:
            self._client = None
            if self.state == READY:
                if self._close.is_set():
                    self.state = IDLE
                else:
                    self._fail("the server exited")

    def _fail(self, reason: str) -> None:
        self.state, self.reason = FAILED, reason

    def _reason(self, exc: BaseException) -> str:
        """Why, in one line, without the values of the config's `${VAR}`s."""
        return redact(_reason(exc), self.config.secrets())

    def _client_for(self, stack: contextlib.AsyncExitStack):
        from mcp import Client, StdioServerParameters  # the SDK only loads when a server starts
        from mcp.client.stdio import stdio_client

        config = self.config
        if config.url:
            return _http_client(config)
        errlog = self._errlog(stack)
        params = StdioServerParameters(command=config.command or "", args=list(config.args),
                                       env=config.expanded_env(),
                                       # a line that is not UTF-8 was dropped: its call waited out its timeout
                                       encoding_error_handler="replace")
        return Client(stdio_client(params, errlog=errlog))

    def _errlog(self, stack: contextlib.AsyncExitStack):
        """The server's stderr: its log, within LOG_MAX_BYTES each time it starts (logs.py)."""
        path = self.log_path
        if path is None:
            return stack.enter_context(open(os.devnull, "w"))
        return stack.enter_context(capped_log(path, LOG_MAX_BYTES))

    async def call(self, tool: str, arguments: Mapping[str, Any]) -> ToolResult:
        """Run `tool`: a dead server is started again first; every failure is an error result."""
        if self.state != READY or self._client is None:
            await self.start()
        if self.state != READY or self._client is None:
            return ToolResult(f"MCP server {self.config.name} is not running: {self.reason}", True)
        if tool not in {t.name for t in self.tools}:
            return ToolResult(f"MCP server {self.config.name} has no tool {tool!r}", True)
        try:
            result = await asyncio.wait_for(self._client.call_tool(tool, dict(arguments)),
                                            self.config.timeout)
        except asyncio.TimeoutError:
            return ToolResult(f"{self.config.name}__{tool} timed out after "
                              f"{self.config.timeout:g} s", True)
        except Exception as exc:  # noqa: BLE001 - a dead server, a protocol error
            await self.stop()
            self._fail(self._reason(exc))
            return ToolResult(f"MCP server {self.config.name} failed: {self.reason}", True)
        return result_of(result, self.image_dir)

    async def stop(self) -> None:
        self._close.set()
        if self._runner and not self._runner.done():
            try:
                await asyncio.wait_for(asyncio.shield(self._runner), 5)
            except (asyncio.TimeoutError, Exception):  # noqa: BLE001
                self._runner.cancel()


def _http_client(config: ServerConfig):
    import httpx2
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client

    @contextlib.asynccontextmanager
    async def connect():
        headers = config.expanded_headers()
        timeout = httpx2.Timeout(config.timeout, read=config.timeout)
        async with httpx2.AsyncClient(headers=headers, timeout=timeout) as http:
            async with Client(streamable_http_client(config.url or "", http_client=http)) as c:
                yield c

    return connect()


MAX_RESULT_CHARS = 100_000
"""What one tool result may give the model (~25k tokens, Claude Code's default cap too): it
is stored and resent with every later turn, so a larger one is cut, and says so (a 21 MB
result made every later request 21 MB)."""


def result_of(result: Any, image_dir: Path | None) -> ToolResult:
    """A CallToolResult as a ToolResult: text blocks joined, an embedded resource's text
    too; each image kept as an attachment and named in the text (`[image/png 12 KB]`); a
    resource's blob or link named by its URI; other blocks by their type."""
    parts, images = [], []
    for block in getattr(result, "content", None) or ():
        text = getattr(block, "text", None)
        if isinstance(text, str):
            parts.append(text)
        elif getattr(block, "type", None) == "image":
            kept = _image(block, image_dir)
            if isinstance(kept, str):
                parts.append(kept)
            else:
                images.append(kept)
                parts.append(f"[{kept.media_type} {attachments.human_size(kept.size or 0)}]")
        else:
            parts.append(_resource(block))
    if not parts and getattr(result, "structured_content", None) is not None:
        import json
        parts.append(json.dumps(result.structured_content, ensure_ascii=False))
    return ToolResult(_capped("\n".join(parts)), bool(getattr(result, "is_error", False)), tuple(images))


def _resource(block: Any) -> str:
    """An embedded resource's text, else what names it: `[resource file:///x.pdf
    application/pdf]`, `[resource link https://… (name)]`, or the block's type."""
    kind = getattr(block, "type", None) or "content"
    if kind == "resource":
        resource = getattr(block, "resource", None)
        if isinstance(text := getattr(resource, "text", None), str):
            return text
        mime = getattr(resource, "mime_type", None)
        return f"[resource {getattr(resource, 'uri', '')}{f' {mime}' if mime else ''}]"
    if kind == "resource_link":
        name = getattr(block, "name", None)
        return f"[resource link {getattr(block, 'uri', '')}{f' ({name})' if name else ''}]"
    return f"[{kind}]"


def _capped(text: str) -> str:
    if len(text) <= MAX_RESULT_CHARS:
        return text
    return (text[:MAX_RESULT_CHARS] + f"\n[… cut by chattui: the tool returned {len(text):,} "
            f"characters, the first {MAX_RESULT_CHARS:,} are kept]")


def _image(block: Any, image_dir: Path | None) -> attachments.Attachment | str:
    """An image block kept under `image_dir`, or the text that says why it was not."""
    declared = getattr(block, "mime_type", None) or "image"
    if image_dir is None:
        return f"[{declared}]"
    try:
        return attachments.keep(base64.b64decode(getattr(block, "data", "") or "", validate=True),
                                image_dir)
    except (ValueError, attachments.AttachmentError) as exc:
        return f"[{declared}: not passed on: {exc}]"


def _reason(exc: BaseException) -> str:
    """One line that says why, from an exception (or the first of an exception group)."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    if isinstance(exc, ServerConfigError):
        return str(exc)
    if isinstance(exc, FileNotFoundError):
        return f"command not found: {exc.filename or exc}"
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


class ServerPool:
    """The servers of this run, by name; started in the background, never waited on at start."""

    def __init__(self, configs: Mapping[str, ServerConfig], data_dir: Path | None = None) -> None:
        self.configs = dict(configs)
        self.data_dir = data_dir
        self.servers: dict[str, McpServer] = {}
        self._starts: dict[str, asyncio.Task] = {}

    def server(self, config: ServerConfig) -> McpServer:
        """The server for `config` (a persona may name one of its own, or override one)."""
        current = self.servers.get(config.name)
        if current is None or current.config != config:
            current = McpServer(config, self.data_dir)
            self.servers[config.name] = current
            self._starts.pop(config.name, None)
        return current

    def start(self, configs: Iterable[ServerConfig]) -> list[asyncio.Task]:
        """Begin starting each server that is not started yet; returns the start tasks."""
        tasks = []
        for config in configs:
            server = self.server(config)
            task = self._starts.get(config.name)
            if task is None or (task.done() and server.state == FAILED):  # try again
                server.state, server.reason = STARTING, None  # what the sidebar shows at once
                task = self._starts[config.name] = asyncio.ensure_future(server.start())
            tasks.append(task)
        return tasks

    async def ready(self, configs: Iterable[ServerConfig]) -> list[McpServer]:
        """Wait until each server has started or failed."""
        configs = list(configs)
        await asyncio.gather(*self.start(configs))
        return [self.servers[c.name] for c in configs]

    async def close(self) -> None:
        await asyncio.gather(*(s.stop() for s in self.servers.values()), return_exceptions=True)

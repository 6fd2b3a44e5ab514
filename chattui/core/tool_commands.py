"""Run the shell command a persona maps to a tool (only after the user confirmed it).

The call's arguments reach the command as JSON on stdin and in `CHATTUI_TOOL_ARGS`;
its stdout (and stderr, if it fails) becomes the proposed result, which the user can
still edit before it is sent.
"""

from __future__ import annotations

import asyncio
import os

from chattui.core.models import ToolCall

TIMEOUT_SECONDS = 30.0
MAX_OUTPUT = 20_000


async def run_tool_command(command: str, call: ToolCall, timeout: float = TIMEOUT_SECONDS) -> str:
    """Run `command` for `call`; return what it printed (with the exit status if it failed)."""
    env = {**os.environ, "CHATTUI_TOOL_NAME": call.name, "CHATTUI_TOOL_ARGS": call.arguments}
    process = await asyncio.create_subprocess_shell(
        command, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, env=env,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(call.arguments.encode()), timeout)
    except asyncio.TimeoutError:
        process.kill()
        await process.wait()
        return f"(command timed out after {timeout:g}s)"
    text = out.decode(errors="replace")
    if process.returncode:
        text += f"\n(exit status {process.returncode}) {err.decode(errors='replace')}".rstrip()
    return text[:MAX_OUTPUT].rstrip("\n")

"""The SDK client against a real server (mcp-server-time) and faulty ones."""

from __future__ import annotations

import asyncio
import json
import time

from chattui.core.mcp import FAILED, READY, parse_server, state_text
from chattui.mcp_client import ServerPool
from tests.mcp.servers import FLOODING, NOT_UTF8, TIME_SERVER, python_server


async def test_real_time_server_lists_and_answers(tmp_path) -> None:
    config = parse_server("time", {"command": TIME_SERVER, "args": ["--local-timezone", "UTC"],
                                   "env": {"TZ": "UTC"}})
    pool = ServerPool({"time": config}, tmp_path)
    try:
        [server] = await pool.ready([config])
        assert state_text(server) == "2 tools"
        assert sorted(t.name for t in server.tools) == ["convert_time", "get_current_time"]
        result = await server.call("get_current_time", {"timezone": "UTC"})
        assert not result.is_error and json.loads(result.text)["timezone"] == "UTC"
        assert (tmp_path / "mcp-logs" / "time.log").exists()
    finally:
        await pool.close()


async def test_a_log_grown_past_its_limit_is_moved_aside_when_the_server_starts(tmp_path) -> None:
    from chattui.mcp_client import LOG_MAX_BYTES

    log = tmp_path / "mcp-logs" / "time.log"
    log.parent.mkdir()
    log.write_bytes(b"x" * (LOG_MAX_BYTES + 1))  # one flooding server: 10 MB a session, every session
    config = parse_server("time", {"command": TIME_SERVER, "args": ["--local-timezone", "UTC"]})
    pool = ServerPool({"time": config}, tmp_path)
    try:
        [server] = await pool.ready([config])
        assert server.state == READY
        assert (tmp_path / "mcp-logs" / "time.log.1").stat().st_size == LOG_MAX_BYTES + 1
        assert log.stat().st_size < LOG_MAX_BYTES
    finally:
        await pool.close()


async def test_a_server_flooding_its_stderr_keeps_its_log_within_the_limit_and_answers(
        tmp_path, monkeypatch) -> None:
    import chattui.mcp_client as mcp_client
    from chattui.mcp_client.logs import CAPPED_NOTE

    monkeypatch.setattr(mcp_client, "LOG_MAX_BYTES", 50_000)
    config = parse_server("flooding", {**python_server(tmp_path, FLOODING), "timeout": 30})
    pool = ServerPool({"flooding": config}, tmp_path)
    log = tmp_path / "mcp-logs" / "flooding.log"
    try:
        [server] = await pool.ready([config])
        assert server.state == READY, server.reason
        for _ in range(2):  # 4 MB through a pipe of 64 KB: never blocked by a full pipe
            result = await server.call("flood", {"size": 2_000_000})
            assert not result.is_error and result.text == "flooded"
    finally:
        await pool.close()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not log.read_bytes().endswith(CAPPED_NOTE):
        await asyncio.sleep(0.05)
    assert log.stat().st_size == 50_000 + len(CAPPED_NOTE)  # the file grew 2 MB a call before
    assert log.read_bytes().startswith(b"x" * 999 + b"\n")


async def test_a_server_that_never_starts_is_a_state_and_an_error_result(tmp_path) -> None:
    config = parse_server("ghost", {"command": str(tmp_path / "no-such-server")})
    pool = ServerPool({"ghost": config}, tmp_path)
    [server] = await pool.ready([config])
    assert server.state == FAILED and state_text(server).startswith("failed: command not found")
    result = await server.call("anything", {})
    assert result.is_error and "not running" in result.text


async def test_a_server_that_dies_mid_call_gives_an_error_and_restarts(tmp_path) -> None:
    config = parse_server("dying", {**python_server(tmp_path), "timeout": 30})
    pool = ServerPool({"dying": config}, tmp_path)
    try:
        [server] = await pool.ready([config])
        assert server.state == READY
        result = await server.call("die", {})
        assert result.is_error and "dying" in result.text
        await server.start()
        assert server.state == READY  # started again for the next use
    finally:
        await pool.close()


async def test_a_result_that_is_not_utf8_is_read_with_replacements_not_waited_out(tmp_path) -> None:
    config = parse_server("raw", {**python_server(tmp_path, NOT_UTF8), "timeout": 20})
    pool = ServerPool({"raw": config}, tmp_path)
    try:
        [server] = await pool.ready([config])
        assert server.state == READY, server.reason
        started = time.monotonic()
        result = await server.call("latin1", {})  # "café" in Latin-1: the line was dropped
        assert not result.is_error and result.text == "caf\ufffd ok"
        assert time.monotonic() - started < 10  # it waited out the timeout
    finally:
        await pool.close()


async def test_a_call_past_the_timeout_is_an_error_result(tmp_path) -> None:
    config = parse_server("slow", {**python_server(tmp_path), "timeout": 3})
    pool = ServerPool({"slow": config}, tmp_path)
    try:
        [server] = await pool.ready([config])
        assert server.state == READY, server.reason
        started = time.monotonic()
        result = await server.call("hang", {})
        assert result.is_error and "timed out after 3 s" in result.text
        assert time.monotonic() - started < 10
    finally:
        await pool.close()

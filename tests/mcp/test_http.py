"""A streamable HTTP server (the SDK's own server classes, on loopback): headers with ${VAR}."""

from __future__ import annotations

from chattui.core.mcp import READY, parse_server
from chattui.mcp_client import ServerPool
from tests.mcp.servers import HttpServer


async def test_http_server_gets_the_auth_header_and_answers(tmp_path, monkeypatch) -> None:
    server = HttpServer().start()
    monkeypatch.setenv("DOCS_TOKEN", "t0ken")
    config = parse_server("docs", {"url": server.url,
                                   "headers": {"Authorization": "Bearer ${DOCS_TOKEN}"}})
    pool = ServerPool({"docs": config}, tmp_path)
    try:
        [docs] = await pool.ready([config])
        assert docs.state == READY, docs.reason
        assert [t.name for t in docs.tools] == ["search_docs"]
        result = await docs.call("search_docs", {"query": "cache"})
        assert result.text == "3 pages mention cache" and not result.is_error
        assert server.auth and set(server.auth) == {"Bearer t0ken"}
    finally:
        await pool.close()
        server.stop()

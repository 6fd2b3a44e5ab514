"""What the app keeps for MCP during a run: the server pool, config.toml's shared servers,
and the tools the user always allows (per persona, in `<data dir>/mcp-allowed.json`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Mapping

from chattui.core.mcp import ServerConfig, servers_for
from chattui.mcp_client import ServerPool

ALLOWED_FILE = "mcp-allowed.json"


class McpRuntime:
    def __init__(self, shared: Mapping[str, ServerConfig], data_dir: Path) -> None:
        self.shared = dict(shared)
        self.data_dir = Path(data_dir)
        self.pool = ServerPool(self.shared, self.data_dir)

    def configs_for(self, persona) -> dict[str, ServerConfig]:
        """The servers `persona` uses (none without a persona)."""
        if persona is None:
            return {}
        return servers_for(self.shared, getattr(persona, "mcp_servers", {}) or {})

    def is_allowed(self, persona: str, config: ServerConfig, tool: str, name: str) -> bool:
        """`tool` is in the server's `allow`, or the user chose "always" for it before."""
        return tool in config.allow or name in self._allowed().get(persona, [])

    def always_allow(self, persona: str, name: str) -> None:
        allowed = self._allowed()
        allowed[persona] = sorted({*allowed.get(persona, []), name})
        path = self.data_dir / ALLOWED_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(allowed, indent=2, sort_keys=True), encoding="utf-8")

    def _allowed(self) -> dict[str, list[str]]:
        try:
            data = json.loads((self.data_dir / ALLOWED_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    async def close(self) -> None:
        await self.pool.close()

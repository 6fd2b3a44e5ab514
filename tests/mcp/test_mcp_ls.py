"""`chattui mcp ls` starts the servers, lists them, and fails when one fails."""

from __future__ import annotations

import subprocess
import sys

from tests.mcp.servers import TIME_SERVER


def _run(tmp_path, *args):
    env = {"CHATTUI_DATA_DIR": str(tmp_path / "data"), "CHATTUI_CONFIG_DIR": str(tmp_path / "cfg"),
           "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    return subprocess.run([sys.executable, "-m", "chattui", "mcp", "ls", *args], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=120)


def test_ls_lists_tools_with_the_list_size_and_fails_on_a_dead_server(tmp_path) -> None:
    (tmp_path / "cfg" / "personas").mkdir(parents=True)
    (tmp_path / "cfg" / "personas" / "clock.md").write_text(
        f'+++\n[mcp_servers.time]\ncommand = "{TIME_SERVER}"\n'
        'args = ["--local-timezone", "UTC"]\n+++\nYou tell the time.\n')
    ok = _run(tmp_path, "--persona", "clock")
    assert ok.returncode == 0, ok.stderr
    assert "persona clock: 2 tools" in ok.stdout and "tokens in the tool list" in ok.stdout
    assert "  time  2 tools" in ok.stdout and "    time__get_current_time  Get current time" in ok.stdout
    (tmp_path / "cfg" / "config.toml").write_text('[mcp_servers.ghost]\ncommand = "no-such-server"\n')
    bad = _run(tmp_path, "--persona", "clock")
    assert bad.returncode == 1
    assert "ghost  failed: command not found: no-such-server" in bad.stdout

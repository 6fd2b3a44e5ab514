"""The layers hold: import-linter's contracts (pyproject.toml [tool.importlinter]) are all
kept. A core module that imports textual, or a screen that imports an SDK, fails here."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONTRACTS = (
    "core, providers and store never import textual or rich",
    "core imports neither providers, store nor config",
    "core, providers and store never import the MCP SDK or client",
    "widgets never import an SDK or sqlite3",
    "screens never import an SDK",
)
_RUN = "from importlinter.cli import lint_imports_command; lint_imports_command()"


def test_import_contracts_are_kept() -> None:
    done = subprocess.run([sys.executable, "-c", _RUN, "--no-cache", "--no-logo"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    report = done.stdout + done.stderr
    assert done.returncode == 0, f"an import contract is broken:\n{report}"
    for name in CONTRACTS:
        assert f"{name} KEPT" in report, f"contract {name!r} was not checked:\n{report}"

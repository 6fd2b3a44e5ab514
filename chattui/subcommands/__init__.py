"""`chattui SUBCOMMAND …`: each subcommand is a module with `HELP`, `add_arguments(parser)`
and `run(args, settings) -> int`, imported only when it is used (start-up time matters).

Shared flags (`--data-dir`, `--config`) are added by chattui.cli to every subcommand.
"""

from __future__ import annotations

import importlib
from types import ModuleType

SUBCOMMANDS = {
    # name: module under chattui.subcommands
    "ls": "ls",
    "search": "search",
    "export": "export",
    "import": "import_",
    "stats": "stats",
    "whatif": "whatif",
    "rm": "rm",
    "gemini-cache": "gemini_cache",
    "trust": "trust",
    "mcp": "mcp",
}


def load(name: str) -> ModuleType:
    return importlib.import_module(f"chattui.subcommands.{SUBCOMMANDS[name]}")

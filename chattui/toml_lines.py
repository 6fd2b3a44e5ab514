"""Problems in the files chattui reads, and which line of a TOML text defines a key, so a
problem can name it ("config.toml:12: …")."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


@dataclass(frozen=True)
class FileProblem:
    """Something wrong in a file the app reads (config, persona, theme): never fatal."""

    path: Path
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        return f"{where}: {self.message}"


def key_lines(text: str) -> dict[tuple[Any, ...], int]:
    """The first line (from 1) of each key path, table headers included; `[[tool]]`
    tables are numbered: ("tool", 0, "name")."""
    lines: dict[tuple[Any, ...], int] = {}
    table: tuple[Any, ...] = ()
    counts: dict[tuple[Any, ...], int] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if line.startswith("[") and (path := _path(line)) is not None:
            table = path
            if line.startswith("[["):
                counts[path] = counts.get(path, -1) + 1
                lines.setdefault(path, number)
                table = (*path, counts[path])
            lines.setdefault(table, number)
        elif "=" in line and (path := _path(line.split("=", 1)[0] + "= 0")):
            lines.setdefault(table + path, number)
    return lines


def _path(snippet: str) -> tuple[str, ...] | None:
    """The key path a one-line TOML snippet defines (None if it is not TOML)."""
    try:
        node: Any = tomllib.loads(snippet)
    except tomllib.TOMLDecodeError:
        return None
    path: tuple[str, ...] = ()
    while isinstance(node, dict) and len(node) == 1:
        ((key, node),) = node.items()
        path += (key,)
    return path

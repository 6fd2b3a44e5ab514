"""Shared bits of the benchmarks: environment, statistics, table and JSON output.

The benchmarks are measurements, not tests: they always exit 0 and print PASS/MISS per
target. The machine they run on is shared and noisy, so every figure is the median of
several repeats and is reported next to a baseline measured in the same run.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Sequence

# The offline machine cannot fetch tiktoken's vocabulary; every run counts tokens the
# approximate way. Set before anything imports chattui.
os.environ["CHATTUI_TOKENIZER"] = "approx"

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"

if str(REPO) not in sys.path:  # `python bench/x.py` puts bench/, not the repo, on sys.path
    sys.path.insert(0, str(REPO))


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else float("nan")


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def shown(value: Any) -> str:
    """A target's measured value as the PASS/MISS lines show it."""
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def target_line(name: str, target: dict[str, Any], suffix: str = "") -> str:
    """`PASS  open_5000_lt_0.5s: 0.235`."""
    return f"{verdict(target['ok'])}  {name}: {shown(target['value'])}{suffix}"


def print_errors_and_path(errors: Sequence[str], path: Path) -> None:
    """The last lines of every benchmark: its failed runs, then where the figures went."""
    for error in errors:
        print(f"ERROR  {error.splitlines()[0]}")
    print(f"\nwrote {path}")


def git_state() -> dict[str, Any]:
    """The commit measured, and whether chattui/ had uncommitted changes."""
    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True,
                                  timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    return {"commit": git("rev-parse", "--short", "HEAD") or None,
            "chattui_dirty": bool(git("status", "--porcelain", "--", "chattui"))}


def machine() -> dict[str, Any]:
    return {
        **git_state(),
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "loadavg_1m": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
    }


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain-text table, right-aligned except for the first column."""
    cells = [[str(h) for h in headers]] + [[_cell(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths)))

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(cells[0]), rule] + [line(r) for r in cells[1:]])


def _cell(value: Any) -> str:
    if isinstance(value, float):
        if value != value:  # nan
            return "-"
        return f"{value:.3f}" if abs(value) < 100 else f"{value:.1f}"
    return str(value)


def write_results(name: str, data: dict[str, Any]) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    path.write_text(json.dumps(data, indent=2) + "\n")
    return path


def print_json(data: dict[str, Any]) -> None:
    print(json.dumps(data, indent=2))

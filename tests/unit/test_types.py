"""mypy, as pyproject.toml configures it: core, providers and store are strict and clean;
the rest of the package may only lose errors. mypy-baseline.txt lists the ones it still
has (line numbers dropped); a new error fails here, and so does a fixed one until the
baseline is updated with:

    .venv/bin/mypy | .venv/bin/mypy-baseline sync --sort-baseline
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STRICT = re.compile(r"chattui/(core|providers|store)/")


def _mypy() -> str:
    done = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True,
                          text=True, timeout=600)  # the cache is .mypy_cache (git ignores it)
    assert "error: " in done.stdout or done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_types() -> None:
    report = _mypy()
    strict = [line for line in report.splitlines() if STRICT.match(line)]
    assert not strict, "mypy (strict) in core/providers/store:\n" + "\n".join(strict)
    baselined = (ROOT / "mypy-baseline.txt").read_text(encoding="utf-8").splitlines()
    assert not [line for line in baselined if STRICT.match(line)], "strict packages are never baselined"
    compared = subprocess.run(
        [sys.executable, "-m", "mypy_baseline", "filter", "--sort-baseline", "--no-colors"],
        cwd=ROOT, input=report, capture_output=True, text=True, timeout=120)
    assert compared.returncode == 0, (
        "mypy's errors outside core/providers/store differ from mypy-baseline.txt (new ones "
        "are listed; 'fixed' ones must leave the baseline: run the sync command in this "
        "test's docstring):\n" + compared.stdout + compared.stderr)

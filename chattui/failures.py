"""Failures nobody expected (a bug, not a refused request) are written to one log file in
the data directory, API keys masked, and the user gets one line that names it."""

from __future__ import annotations

import time
import traceback
from pathlib import Path
from typing import Iterable

from chattui.core.secrets import redact

LOG_NAME = "chattui.log"


def log_path(data_dir: str | Path) -> Path:
    return Path(data_dir) / LOG_NAME


def reason(error: BaseException, secrets: Iterable[str | None] = ()) -> str:
    """One line for the user: the error's type and the first line of its message."""
    first = (str(error).strip().splitlines() or [""])[0]
    line = f"{type(error).__name__}: {first}" if first else type(error).__name__
    return redact(line if len(line) <= 160 else line[:159] + "…", secrets)


def record(path: Path, error: BaseException, what: str,
           secrets: Iterable[str | None] = ()) -> None:
    """Append `what` failed, with the traceback, to the log (never raises: a log that cannot
    be written must not hide the failure it reports)."""
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    text = "".join(traceback.format_exception(error))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as log:
            log.write(f"--- {stamp} {what} failed\n{redact(text, tuple(secrets))}\n")
    except OSError:
        pass

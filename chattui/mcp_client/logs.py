"""A stdio MCP server's stderr, kept in `<data dir>/mcp-logs/NAME.log` within a size.

The server writes to a pipe that a thread drains into the log: once this start of the
server has kept `limit` bytes the rest is read and dropped, with one line saying so (the
server wrote to the file itself before, so one flooding server grew it without end while
it ran), and the pipe never fills (a full pipe would block the server). A log past the
limit when the server starts is moved to NAME.log.1 (one flooding server wrote 10 MB a
session, every session): the two files stay within about four times the limit."""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path
from typing import IO, Iterator

CAPPED_NOTE = b"\n[chattui: this log reached its limit; the rest of this run is not kept]\n"


@contextlib.contextmanager
def capped_log(path: Path, limit: int) -> Iterator[IO[str]]:
    """The write end of the server's stderr pipe, for the server's lifetime (closed on exit:
    the thread ends once the server's end is closed too)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(OSError):
        if path.stat().st_size > limit:
            path.replace(path.with_name(path.name + ".1"))
    read_fd, write_fd = os.pipe()
    threading.Thread(target=_drain, args=(read_fd, path, limit), daemon=True,
                     name=f"mcp-log-{path.stem}").start()
    with os.fdopen(write_fd, "w", encoding="utf-8", errors="replace") as write_end:
        yield write_end


def _drain(read_fd: int, path: Path, limit: int) -> None:
    """Copy the pipe into the log up to `limit` bytes, then read the rest and drop it; a log
    that cannot be written (a full disk) is given up, the pipe still drained."""
    kept = 0
    with open(read_fd, "rb", buffering=0) as source, contextlib.ExitStack() as stack:
        log: IO[bytes] | None = None
        with contextlib.suppress(OSError):
            log = stack.enter_context(path.open("ab"))
        while chunk := source.read(1 << 16):
            if log is None or kept >= limit:
                continue
            part = chunk[:limit - kept]
            kept += len(part)
            try:
                log.write(part + (CAPPED_NOTE if kept >= limit else b""))
                log.flush()
            except OSError:
                log = None

"""Who is streaming a turn: an owner string recorded on every streaming turn, and whether that
owner is still alive, so a second chattui window on the same data dir never marks the first
window's live reply interrupted.

An owner is `host|pid|process start|store token`. Another process on this host is alive when
its pid exists and started at the recorded time (a reused pid started later); a Store of this
process is alive until it is closed. Where that cannot be told (another host, no /proc), a
heartbeat younger than STALE_AFTER seconds counts as alive (a streaming reply writes at least
once a second).
"""

from __future__ import annotations

import os
import secrets
import socket
import time

STALE_AFTER = 120.0
_open_tokens: set[str] = set()
"""Tokens of the Stores open in this process."""


def _process_start(pid: int) -> str:
    """The process's start time in clock ticks since boot (Linux), or "" when unknown."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()[19].decode()
    except (OSError, IndexError):
        return ""


_HOST = socket.gethostname().replace("|", "_")


def new_owner() -> str:
    """An owner for one open Store; `release` it when the Store closes."""
    token = secrets.token_hex(6)  # not uuid4: tests pin uuid4 to make conversation ids
    _open_tokens.add(token)
    return f"{_HOST}|{os.getpid()}|{_process_start(os.getpid())}|{token}"


def release(owner: str) -> None:
    _open_tokens.discard(owner.rsplit("|", 1)[-1])


def describe(owner: str | None) -> str:
    """`pid 1234` (on another host: `pid 1234 on host`), for messages."""
    host, pid, _, _ = _parts(owner)
    if pid is None:
        return "another process"
    return f"pid {pid}" if host == _HOST else f"pid {pid} on {host}"


def alive(owner: str | None, heartbeat: float | None, now: float | None = None) -> bool:
    """Whether the process (and Store) that streams a turn is still there."""
    host, pid, start, token = _parts(owner)
    if pid is None:
        return False  # written before owners were recorded: nobody streams it any more
    if host == _HOST:
        if pid == os.getpid():
            return token in _open_tokens
        verdict = _pid_alive(pid, start)
        if verdict is not None:
            return verdict
    now = time.time() if now is None else now
    return heartbeat is not None and now - heartbeat < STALE_AFTER


def _pid_alive(pid: int, start: str) -> bool | None:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # exists, another user's
    except OSError:
        return None
    if start and (now_start := _process_start(pid)):
        return now_start == start
    return None if not start else True


def _parts(owner: str | None) -> tuple[str | None, int | None, str, str]:
    try:
        host, pid, start, token = (owner or "").split("|")
        return host, int(pid), start, token
    except ValueError:
        return None, None, "", ""

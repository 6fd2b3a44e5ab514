"""The real `chattui` process in a pseudo-terminal, as a user starts it: what it draws, and
what it prints once its screen is closed."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios
import threading

LEAVE_SCREEN = b"\x1b[?1049l"
"""Textual leaves the alternate screen with this: what follows is what stays in the terminal."""


def spawn(argv: list[str], env: dict[str, str], shown: bytearray,
          cwd: str | os.PathLike | None = None) -> tuple[subprocess.Popen, int, threading.Thread]:
    """`python -m chattui ARGV` in a 100x30 pseudo-terminal; what it writes goes to `shown`.
    Returns the process, the terminal's master end (write keys to it; close it after) and
    the thread reading it (it ends once the process and its children are gone)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    process = subprocess.Popen([sys.executable, "-m", "chattui", *argv], stdin=slave, stdout=slave,
                               stderr=slave, env=env, cwd=cwd, start_new_session=True)
    os.close(slave)
    reader = threading.Thread(target=_drain, args=(master, shown), daemon=True)  # a full pty blocks
    reader.start()
    return process, master, reader


def run(argv: list[str], env: dict[str, str], cwd: str | os.PathLike | None = None,
        timeout: float = 60) -> tuple[int, list[str]]:
    """Run chattui in a terminal until it exits: its exit code and the lines it left in the
    terminal after its screen closed (escape sequences removed)."""
    shown = bytearray()
    process, master, reader = spawn(argv, env, shown, cwd)
    try:
        code = process.wait(timeout=timeout)
    finally:
        if process.poll() is None:
            process.kill()
    reader.join(timeout=10)  # it has read the last bytes
    os.close(master)
    after = bytes(shown).rsplit(LEAVE_SCREEN, 1)[-1].decode("utf-8", "replace")
    text = re.sub(r"\x1b(\[[0-9;?<>=]*[ -/]*[@-~]|\][^\x07]*\x07|[=>])", "", after)
    return code, [line for line in text.replace("\r", "").splitlines() if line.strip()]


def _drain(fd: int, shown: bytearray) -> None:
    try:
        while data := os.read(fd, 65536):
            shown.extend(data)
    except OSError:
        pass

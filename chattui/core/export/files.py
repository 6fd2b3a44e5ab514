"""Writing an export: atomically, privately."""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path


def write_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write `text` (UTF-8) to `path` all at once: a temporary file in the same folder,
    fsync'd, then renamed over `path`. On any failure the temporary file is removed and an
    existing `path` is untouched. A new file is private (0600); a replaced one keeps its mode.
    A symbolic link is followed (its target is replaced, the link stays: a config.toml kept
    in a dotfiles repository); anything else that is not a regular file (a device such as
    /dev/full, a pipe, a folder) is refused with OSError, never replaced by a file."""
    path = Path(os.path.realpath(path))
    if path.exists() and not path.is_file():
        raise OSError(errno.EINVAL, "not a regular file (a device, a pipe or a folder)", str(path))
    # a fixed prefix: a 253-character file name, inside the temporary one, was too long
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".chattui-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(text.encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.chmod(temp, path.stat().st_mode & 0o7777)
        except FileNotFoundError:
            pass
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except FileNotFoundError:
            pass
        raise
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable (best effort: not every platform can open a folder)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)

"""Directory trust, the way direnv does it.

A `.env` or `.chattui/` in the working directory (a cloned repository, a download) could send
the user's API key to another host, move the database into that directory, or replace a
persona. chattui uses them only once the user has allowed that directory with its current
contents (`chattui trust`); until then they are ignored and the start-up says what they would
change. Allowances live in `<config dir>/trusted.json`, the config dir taken from the
environment or the platform default (never from the directory being judged): absolute path
-> sha256 of the files. Any change to a file changes the hash and needs a new allowance.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from stat import S_ISDIR, S_ISREG
from urllib.parse import urlsplit

TRUST_FILE = "trusted.json"
DEFAULT_HOSTS = {"openai": "api.openai.com", "openai-compatible": "api.openai.com",
                 "anthropic": "api.anthropic.com",
                 "gemini": "generativelanguage.googleapis.com"}
MAX_FILES, MAX_FILE_BYTES = 2_000, 16 << 20
"""A `.chattui/` with more files, or a larger one, is too much to vouch for: never trusted
(a hash of its first files only let later ones change unseen)."""


TOO_LARGE = (f"holds more than {MAX_FILES:,} files or one over {MAX_FILE_BYTES >> 20} MB: too "
             "much to vouch for, so it cannot be trusted")


@dataclass(frozen=True)
class LocalFiles:
    """The `.env` and `.chattui/` files of one directory, and one hash over all of them."""

    directory: Path
    files: tuple[Path, ...]
    digest: str
    too_large: bool = False
    """More than MAX_FILES files, or one over MAX_FILE_BYTES: it cannot be trusted."""

    def names(self) -> str:
        """`./.env and ./.chattui/`, as far as they exist."""
        found = []
        if (self.directory / ".env").is_file():
            found.append("./.env")
        if (self.directory / ".chattui").is_dir():
            found.append("./.chattui/")
        return " and ".join(found)


def local_files(cwd: Path, config_dir: Path | None = None) -> LocalFiles | None:
    """The working directory's `.env` / `.chattui/`, or None when it has neither (or when
    they are the config dir's own, which is always used)."""
    directory = Path(cwd).resolve()
    files: list[Path] = []
    env = directory / ".env"
    if env.is_file() and not (config_dir and _same(env, Path(config_dir) / ".env")):
        files.append(env)
    local = directory / ".chattui"
    tree: list[Path] | None = []
    if local.is_dir() and not (config_dir and _same(local, Path(config_dir))):
        tree = _tree(local)
    if tree is None:
        return LocalFiles(directory, tuple(files), "", too_large=True)
    files += tree
    if not files:
        return None
    return LocalFiles(directory, tuple(files), _digest(directory, files))


def _tree(root: Path) -> list[Path] | None:
    """Every file under `root`, sorted, through symlinked folders too (the personas are read
    through them: a `.chattui/personas` linked elsewhere was not hashed, so trusted), each
    real folder once; None when there are too many files or one is too large."""
    files: list[Path] = []
    seen: set[Path] = set()
    folders = [root]
    while folders:
        folder = folders.pop()
        try:
            if (real := folder.resolve()) in seen:
                continue
            seen.add(real)
            entries = list(folder.iterdir())
        except OSError:
            continue
        for entry in entries:
            try:
                stat = entry.stat()  # links followed
            except OSError:  # a dangling link, a file gone meanwhile
                continue
            if S_ISDIR(stat.st_mode):
                folders.append(entry)
            elif S_ISREG(stat.st_mode):  # a regular file (a FIFO or a device is never read)
                files.append(entry)
                if len(files) > MAX_FILES or stat.st_size > MAX_FILE_BYTES:
                    return None
    return sorted(files)


def is_allowed(local: LocalFiles, store: Path) -> bool:
    entry = _read(store).get(str(local.directory))
    return not local.too_large and isinstance(entry, dict) and entry.get("sha256") == local.digest


def prompt_text(notice: str) -> str:
    """The start-up question, from the notice (`untrusted_notice`)."""
    return (notice.replace("Ignoring", "chattui is ignoring", 1)
            .replace(" To use them, run `chattui trust` there and restart.", "")
            + "\n\nTrust this directory only if you know where its files come from. "
            "(Later: `chattui trust` there, and `chattui trust --revoke` to undo.)")


def allow(local: LocalFiles, store: Path) -> None:
    """Record the allowance for this directory with exactly these contents (ValueError when
    they are too many or too large to vouch for)."""
    if local.too_large:
        raise ValueError(f"its .chattui/ {TOO_LARGE}")
    entries = _read(store)
    entries[str(local.directory)] = {"sha256": local.digest, "allowed_at": int(time.time()),
                                     "files": [str(p.relative_to(local.directory))
                                               for p in local.files]}
    _write(store, entries)


def ignore(local: LocalFiles, store: Path) -> None:
    """The user said "not now" to these contents: do not ask again at start-up until they
    change (the start-up notice still says they are ignored)."""
    entries = _read(store)
    entry = entries.get(str(local.directory))
    entries[str(local.directory)] = {**(entry if isinstance(entry, dict) else {}),
                                     "ignored_sha256": local.digest}
    _write(store, entries)


def was_asked(local: LocalFiles, store: Path) -> bool:
    entry = _read(store).get(str(local.directory))
    return isinstance(entry, dict) and entry.get("ignored_sha256") == local.digest


def may_ask(settings) -> bool:
    """The start-up may ask whether to trust the working directory: it has a `.env` or
    `.chattui/` that is not trusted and was not asked about (the question comes when they
    would also change something: `untrusted_notice`). `settings`: chattui.config.Settings."""
    local, store = settings.local_files, settings.trust_store
    return (local is not None and not local.too_large and not settings.local_trusted
            and store is not None and not was_asked(local, store))


def revoke(directory: Path, store: Path) -> bool:
    """Forget the allowance for `directory`; False if there was none."""
    entries = _read(store)
    if entries.pop(str(Path(directory).resolve()), None) is None:
        return False
    _write(store, entries)
    return True


def endpoint_host(provider: str, base_url: str | None) -> str | None:
    """The host of `base_url` when it is not the provider's default endpoint, else None."""
    if not base_url:
        return None
    parts = urlsplit(base_url)
    host = parts.hostname or base_url
    if host == DEFAULT_HOSTS.get(provider) and parts.scheme == "https":
        return None
    return host


def untrusted_notice(settings, cwd: Path) -> str | None:
    """One line on what the ignored `.env`/`.chattui/` would change and how to allow them;
    None when there is nothing to say. `settings` is a chattui.config.Settings."""
    local = settings.local_files
    if local is None or settings.local_trusted:
        return None
    from chattui.core.personas import local_overrides

    changes = list(settings.local_changes) + local_overrides(settings.config_dir, cwd)
    if not changes:
        return None
    if local.too_large:
        return f"Ignoring {local.names()} in {local.directory}: its .chattui/ {TOO_LARGE}."
    entry = _read(settings.trust_store).get(str(local.directory))
    again = ("changed since you trusted it" if isinstance(entry, dict) and "sha256" in entry
             else "not trusted")
    return (f"Ignoring {local.names()} in {local.directory} ({again}). They would set: "
            f"{', '.join(changes)}. To use them, run `chattui trust` there and restart.")


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def _digest(directory: Path, files: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in files:
        try:
            data = path.read_bytes()
        except OSError:
            data = b"\0unreadable"
        name = str(path.relative_to(directory)).encode()
        digest.update(len(name).to_bytes(8, "big") + name + len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


def _read(store: Path) -> dict:
    try:
        data = json.loads(store.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write(store: Path, entries: dict) -> None:
    store.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=store.parent, prefix=".trusted-")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(entries, out, indent=2, sort_keys=True)
    os.replace(tmp, store)

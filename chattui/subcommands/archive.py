"""What the archive subcommands (ls, search, export, import) share: the store, errors,
conversation references, times. No Textual here: these commands start fast."""

from __future__ import annotations

import sys
from pathlib import Path

from chattui.core.models import Conversation
from chattui.core.visible import visible
from chattui.store import Store, database_path


class CommandError(Exception):
    """A one-line reason the command failed (exit status 1)."""


def show(text: str) -> None:
    """Print `text` for a person to read: a control character in it (a title's, a model
    name's, a reply's) is shown (ESC as ␛), not acted on by the terminal."""
    sys.stdout.write(visible(text))


def fail(command: str, message: str) -> int:
    print(f"chattui {command}: {message}", file=sys.stderr)
    return 1


def database(settings) -> Path:
    return database_path(settings.data_dir)


def open_store(settings, create: bool = False) -> Store:
    """The user's store. Unless `create`, a missing database is an error (and is not
    created). A turn streaming in a running chattui window is left alone."""
    path = database(settings)
    if create and not path.exists():
        Store(path).close()  # creates (data dir 0700, file 0600) and migrates a new database
    try:
        return Store.open_existing(path)
    except FileNotFoundError:
        raise CommandError(f"no conversations yet (no database at {path})") from None


def find_conversation(store: Store, ref: str) -> Conversation:
    """`last` (the most recent conversation), an id, or an unambiguous id prefix."""
    if ref == "last":
        found = store.latest_conversation()
        if found is None:
            raise CommandError("no conversations yet")
        return found
    ids = [row[0] for row in store.db.execute(
        "SELECT id FROM conversations WHERE substr(id, 1, ?) = ? ORDER BY id", (len(ref), ref))]
    if ref in ids:
        ids = [ref]
    if not ids:
        hint = "" if store.latest_conversation() else " (the store is empty)"
        raise CommandError(f"no conversation with id {ref!r}{hint}; see `chattui ls`")
    if len(ids) > 1:
        raise CommandError(f"id prefix {ref!r} matches {len(ids)} conversations: "
                           + ", ".join(ids[:5]) + (" …" if len(ids) > 5 else ""))
    return store.get_conversation(ids[0])  # type: ignore[return-value]


def positive_int(text: str) -> int:
    """argparse type for --limit."""
    import argparse

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def local_time(timestamp: float) -> str:
    from chattui.core.when import format_time

    return format_time(timestamp)

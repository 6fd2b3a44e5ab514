"""Conversation store: SQLite, no UI."""

from __future__ import annotations

from pathlib import Path

from chattui.store.db import Store, StoreError

DB_NAME = "chattui.db"


def database_path(data_dir: str | Path) -> Path:
    """The one database file in the data directory, shared by the app and the CLI."""
    return Path(data_dir) / DB_NAME


def open_existing(data_dir: str | Path) -> Store | None:
    """The store for the command line: never created here, live turns left alone;
    None when there is no database yet."""
    path = database_path(data_dir)
    return Store.open_existing(path) if path.is_file() else None


__all__ = ["DB_NAME", "Store", "StoreError", "database_path", "open_existing"]

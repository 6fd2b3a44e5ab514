"""Conversation store: SQLite, no UI."""

from chattui.store.db import Store

__all__ = ["Store"]

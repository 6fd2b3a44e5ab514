"""The `attachments` table (migration m007): a message's images, in order.

Functions take the Store's connection and run inside the caller's transaction, so a user
message and its attachments are committed together.
"""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from typing import Any, Iterable, Mapping

from chattui.core.attachments import COLUMNS, Attachment, as_row, from_row
from chattui.core.models import Message

_INSERT = (f"INSERT INTO attachments (message_id, position, {', '.join(COLUMNS)})"
           f" VALUES (?, ?{', ?' * len(COLUMNS)})")


def save(db: sqlite3.Connection, message_id: int, attachments: Iterable[Attachment]) -> None:
    """Record `attachments` for a new message (positions 0, 1, …)."""
    for position, attachment in enumerate(attachments):
        db.execute(_INSERT, (message_id, position, *as_row(attachment).values()))


def with_attachments(db: sqlite3.Connection, conversation_id: str,
                     messages: list[Message]) -> list[Message]:
    """`messages` (of one conversation) with their attachments: one query for all."""
    found: dict[int, list[Attachment]] = {}
    for row in rows(db, conversation_id):
        found.setdefault(row["message_id"], []).append(from_row(row))
    if not found:
        return messages
    return [replace(m, attachments=tuple(found[m.id])) if m.id in found else m for m in messages]


def rows(db: sqlite3.Connection, conversation_id: str) -> list[dict[str, Any]]:
    """Every column of the attachments of a conversation's messages, in order."""
    return [dict(r) for r in db.execute(
        "SELECT a.* FROM attachments a JOIN messages m ON m.id = a.message_id"
        " WHERE m.conversation_id = ? ORDER BY a.message_id, a.position", (conversation_id,))]


def copy(db: sqlite3.Connection, source: Iterable[Mapping[str, Any]],
         mapping: Mapping[int, int]) -> None:
    """Insert attachment rows (stored or imported) under the new ids of their messages;
    rows whose message was not copied are left out."""
    for row in source:
        if row["message_id"] in mapping:
            values = as_row(from_row(row)).values()
            db.execute(_INSERT, (mapping[row["message_id"]], row["position"], *values))

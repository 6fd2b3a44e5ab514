"""Unsent messages: one per conversation (table `drafts`, ON DELETE CASCADE) and one for a
new chat (`new_chat_draft`, m021: a new chat has no conversation yet). A mixin of Store,
so a draft outlives a kill -9; it is restored into the composer, never sent by itself."""

from __future__ import annotations

import sqlite3
import time


class Drafts:
    """Store methods for drafts; `self.db` is the store's connection."""

    db: sqlite3.Connection

    def save_draft(self, conversation_id: str | None, text: str) -> None:
        """Keep the unsent message of a conversation, or (None) of a new chat (an empty one
        removes it)."""
        with self.db:
            if conversation_id is None:
                self.db.execute("DELETE FROM new_chat_draft")
                if text.strip():
                    self.db.execute("INSERT INTO new_chat_draft VALUES (1, ?, ?)", (text, time.time()))
            elif text.strip():
                self.db.execute("INSERT OR REPLACE INTO drafts (conversation_id, text, saved_at)"
                                " SELECT id, ?, ? FROM conversations WHERE id = ?",
                                (text, time.time(), conversation_id))
            else:
                self.db.execute("DELETE FROM drafts WHERE conversation_id = ?", (conversation_id,))

    def draft(self, conversation_id: str | None) -> str:
        row = (self.db.execute("SELECT text FROM new_chat_draft").fetchone() if conversation_id is None
               else self.db.execute("SELECT text FROM drafts WHERE conversation_id = ?",
                                    (conversation_id,)).fetchone())
        return row[0] if row else ""

"""Which conversation sends which Gemini explicit cache (table `gemini_caches`, m008).

A mixin of Store: one binding per conversation; deleting the conversation deletes its
binding (ON DELETE CASCADE). The cache itself lives at Gemini; the row keeps what the
app needs without asking (model, persona fingerprint, expiry, token count).
"""

from __future__ import annotations

import sqlite3
import time

from chattui.core.explicit_cache import CacheBinding, CacheInfo

_COLUMNS = "conversation_id, cache_name, model, persona, fingerprint, expires, tokens"


class GeminiCacheBindings:
    """Store methods for the bindings; `self.db` is the store's connection."""

    db: sqlite3.Connection

    def bind_gemini_cache(self, conversation_id: str, info: CacheInfo, persona: str | None,
                          fingerprint: str) -> CacheBinding:
        """Bind (or re-bind) a conversation to the cache `info`. KeyError for an unknown id."""
        if not self.db.execute("SELECT 1 FROM conversations WHERE id = ?",
                               (conversation_id,)).fetchone():
            raise KeyError(conversation_id)
        with self.db:
            self.db.execute(
                f"INSERT OR REPLACE INTO gemini_caches ({_COLUMNS}, bound_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (conversation_id, info.name, info.model, persona, fingerprint, info.expires,
                 info.tokens, time.time()))
        return self.gemini_cache_binding(conversation_id)  # type: ignore[return-value]

    def gemini_cache_binding(self, conversation_id: str) -> CacheBinding | None:
        row = self.db.execute(f"SELECT {_COLUMNS} FROM gemini_caches WHERE conversation_id = ?",
                              (conversation_id,)).fetchone()
        return CacheBinding(*row) if row else None

    def gemini_cache_bindings(self, cache_name: str | None = None) -> list[CacheBinding]:
        """Every binding (of one cache, given its name), oldest first."""
        where, args = ("WHERE cache_name = ?", (cache_name,)) if cache_name else ("", ())
        rows = self.db.execute(f"SELECT {_COLUMNS} FROM gemini_caches {where} ORDER BY bound_at",
                               args)
        return [CacheBinding(*row) for row in rows]

    def unbind_gemini_cache(self, conversation_id: str) -> bool:
        """Drop a conversation's binding; False when it had none."""
        with self.db:
            cursor = self.db.execute("DELETE FROM gemini_caches WHERE conversation_id = ?",
                                     (conversation_id,))
        return cursor.rowcount > 0

    def forget_gemini_cache(self, cache_name: str) -> int:
        """Drop every binding to a cache that was deleted or is gone; how many."""
        with self.db:
            cursor = self.db.execute("DELETE FROM gemini_caches WHERE cache_name = ?",
                                     (cache_name,))
        return cursor.rowcount

    def refresh_gemini_cache(self, info: CacheInfo) -> None:
        """Record a cache's new expiry (after an extend) in every binding to it."""
        with self.db:
            self.db.execute("UPDATE gemini_caches SET expires = ?, tokens = COALESCE(?, tokens)"
                            " WHERE cache_name = ?",
                            (info.expires, info.tokens, info.name))

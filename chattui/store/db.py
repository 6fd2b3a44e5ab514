"""SQLite repository for conversations, messages and turns.

Crash safety: the user's message is committed before the request goes out, the reply's
text is written while it streams (`save_partial`), and a turn still marked `streaming`
when the store next opens was cut short by a crash: it becomes `interrupted`.
"""

from __future__ import annotations

import sqlite3
import time
import uuid
from dataclasses import replace
from pathlib import Path

from chattui.core.models import (
    INTERRUPTED,
    SIDE,
    STREAMING,
    Conversation,
    Message,
    ToolCall,
    Turn,
    TurnMeta,
    TurnResult,
)
from chattui.core.usage import Usage
from chattui.store import attachments as image_rows
from chattui.store.archive import Archive
from chattui.store.gemini_caches import GeminiCacheBindings
from chattui.store.migrations import migrate
from chattui.store.rows import (
    USAGE_COLUMNS, calls_json, conversation_from, message_from, title_for, turn_from,
)

_NO_ID_ABOVE = 2**63 - 1

class Store(Archive, GeminiCacheBindings):
    """One SQLite database file (or ":memory:"). Not shared between threads."""

    def __init__(self, path: Path | str) -> None:
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = sqlite3.connect(path, timeout=5.0)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA foreign_keys=ON")
        migrate(self.db)
        self.recovered = self._mark_interrupted()

    def close(self) -> None:
        self.db.close()

    def _mark_interrupted(self) -> int:
        with self.db:
            cursor = self.db.execute(
                "UPDATE turns SET status = ? WHERE status = ?", (INTERRUPTED, STREAMING)
            )
        return cursor.rowcount

    # conversations

    def create_conversation(
        self, provider: str, model: str, persona: str | None = None, mode: str = "full",
        base_url_host: str | None = None,
    ) -> Conversation:
        now = time.time()
        conversation_id = uuid.uuid4().hex[:12]
        with self.db:
            self.db.execute(
                "INSERT INTO conversations (id, provider, model, persona, mode, base_url_host,"
                " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (conversation_id, provider, model, persona, mode, base_url_host, now, now),
            )
        return self.get_conversation(conversation_id)  # type: ignore[return-value]

    def get_conversation(self, conversation_id: str) -> Conversation | None:
        row = self.db.execute(
            "SELECT * FROM conversations WHERE id = ? OR id LIKE ? ORDER BY id = ? DESC LIMIT 1",
            (conversation_id, conversation_id + "%", conversation_id),
        ).fetchone()
        return conversation_from(row) if row else None

    def set_mode(self, conversation_id: str, mode: str) -> Conversation:
        with self.db:
            self.db.execute("UPDATE conversations SET mode = ? WHERE id = ?", (mode, conversation_id))
        return self.get_conversation(conversation_id)  # type: ignore[return-value]

    def latest_conversation(self) -> Conversation | None:
        row = self.db.execute(
            "SELECT * FROM conversations ORDER BY updated_at DESC, rowid DESC LIMIT 1"
        ).fetchone()
        return conversation_from(row) if row else None

    def _touch(self, conversation_id: str) -> None:
        self.db.execute(
            "UPDATE conversations SET updated_at = ? WHERE id = ?", (time.time(), conversation_id)
        )

    # messages and turns

    def add_user_message(self, conversation_id: str, text: str, attachments: tuple = ()) -> Message:
        """Commit the user's text (and images) before anything is sent; the first one titles
        the chat."""
        with self.db:
            cursor = self.db.execute(
                "INSERT INTO messages (conversation_id, role, content, created_at)"
                " VALUES (?, 'user', ?, ?)",
                (conversation_id, text, time.time()),
            )
            self.db.execute(
                "UPDATE conversations SET title = ? WHERE id = ? AND title IS NULL",
                (title_for(text), conversation_id),
            )
            image_rows.save(self.db, cursor.lastrowid, attachments)
            self._touch(conversation_id)
        return replace(self._message(cursor.lastrowid), attachments=tuple(attachments))

    def add_tool_result(self, conversation_id: str, call: ToolCall, content: str) -> Message:
        """The user's (or a command's) answer to one tool call, committed at once."""
        return self._add(conversation_id, "tool", content, tool_call_id=call.id, name=call.name)

    def add_divider(self, conversation_id: str, text: str) -> Message:
        """A marker for the screen (a persona switch …); never sent to a provider."""
        return self._add(conversation_id, "divider", text)

    def add_marker(self, conversation_id: str, role: str, content: str) -> Message:
        """A compaction boundary (role summary or compaction), committed at once."""
        return self._add(conversation_id, role, content)

    def start_side_turn(self, conversation_id: str, meta: TurnMeta, kind: str = SIDE) -> Turn:
        """A turn with no messages of its own (`kind` side: a summary draft, a compaction;
        ping: a keep-warm ping): priced and counted, never part of the history."""
        with self.db:
            turn_id = self.db.execute(
                "INSERT INTO turns (conversation_id, provider, model, base_url_host, persona,"
                " prefix_fingerprint, api, status, started_at, kind)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (conversation_id, meta.provider, meta.model, meta.base_url_host, meta.persona,
                 meta.prefix_fingerprint, meta.api, STREAMING, time.time(), kind),
            ).lastrowid
        return self.get_turn(turn_id)  # type: ignore[arg-type,return-value]

    def _add(self, conversation_id: str, role: str, content: str, **extra: str) -> Message:
        columns = ", ".join(["conversation_id", "role", "content", "created_at", *extra])
        values = (conversation_id, role, content, time.time(), *extra.values())
        with self.db:
            cursor = self.db.execute(
                f"INSERT INTO messages ({columns}) VALUES ({', '.join('?' * len(values))})", values
            )
            self._touch(conversation_id)
        return self._message(cursor.lastrowid)

    def start_turn(self, conversation_id: str, user_message_id: int, meta: TurnMeta) -> Turn:
        """Create the (empty) reply and its turn, marked streaming, committed at once."""
        now = time.time()
        with self.db:
            reply_id = self.db.execute(
                "INSERT INTO messages (conversation_id, role, content, created_at)"
                " VALUES (?, 'assistant', '', ?)",
                (conversation_id, now),
            ).lastrowid
            turn_id = self.db.execute(
                "INSERT INTO turns (conversation_id, user_message_id, reply_message_id, provider,"
                " model, base_url_host, persona, prefix_fingerprint, api, status, started_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (conversation_id, user_message_id, reply_id, meta.provider, meta.model,
                 meta.base_url_host, meta.persona, meta.prefix_fingerprint, meta.api, STREAMING, now),
            ).lastrowid
        return self.get_turn(turn_id)  # type: ignore[arg-type,return-value]

    def save_partial(self, turn: Turn, text: str) -> None:
        """Write the reply's text so far (called while it streams)."""
        with self.db:
            self.db.execute(
                "UPDATE messages SET content = ? WHERE id = ?", (text, turn.reply_message_id)
            )

    def finish_turn(self, turn: Turn, result: TurnResult) -> Turn:
        usage = result.usage
        with self.db:
            self.db.execute(
                "UPDATE messages SET content = ?, tool_calls = ?, reasoning = ? WHERE id = ?",
                (result.text, calls_json(result.tool_calls), result.reasoning.to_json(),
                 turn.reply_message_id),
            )
            self.db.execute(
                "UPDATE turns SET status = ?, input_total = ?, cache_read = ?, cache_write_5m = ?,"
                " cache_write_1h = ?, output = ?, reasoning = ?, usage_estimated = ?, cost_usd = ?, cost_reported = ?,"
                " response_id = ?, error = ?, finish_reason = ?, first_token_ms = ?,"
                " duration_ms = ?, finished_at = ?, cache_diagnosis = ?, cache_missed_tokens = ?"
                " WHERE id = ?",
                (result.status, *(getattr(usage, c) for c in USAGE_COLUMNS), usage.estimated, result.cost_usd,
                 usage.cost_reported, result.response_id, result.error, result.finish_reason,
                 result.first_token_ms, result.duration_ms, time.time(), result.cache_diagnosis,
                 result.cache_missed_tokens, turn.id),
            )
            self._touch(turn.conversation_id)
        return self.get_turn(turn.id)  # type: ignore[return-value]

    def get_turn(self, turn_id: int) -> Turn | None:
        row = self.db.execute("SELECT * FROM turns WHERE id = ?", (turn_id,)).fetchone()
        return turn_from(row) if row else None

    def unpriced_interrupted(self) -> list[Turn]:
        """Turns a crash cut short that have no usage yet (to be priced from an estimate)."""
        rows = self.db.execute("SELECT * FROM turns WHERE status = ? AND input_total IS NULL"
                               " AND output IS NULL ORDER BY id", (INTERRUPTED,))
        return [turn_from(row) for row in rows]

    def set_estimated_usage(self, turn_id: int, usage: Usage, cost_usd: float | None) -> None:
        """Store counted usage (marked estimated) and its cost on a turn that has none."""
        with self.db:
            self.db.execute(
                "UPDATE turns SET input_total = ?, output = ?, usage_estimated = 1, cost_usd = ?"
                " WHERE id = ? AND input_total IS NULL", (usage.input_total, usage.output,
                                                         cost_usd, turn_id))

    def turns(self, conversation_id: str) -> list[Turn]:
        rows = self.db.execute(
            "SELECT * FROM turns WHERE conversation_id = ? ORDER BY id", (conversation_id,)
        )
        return [turn_from(row) for row in rows]

    def messages(self, conversation_id: str) -> list[Message]:
        """The conversation in order; each reply carries its turn's status and error."""
        rows = self.db.execute(
            "SELECT m.*, t.status, t.error FROM messages m"
            " LEFT JOIN turns t ON t.reply_message_id = m.id"
            " WHERE m.conversation_id = ? ORDER BY m.id",
            (conversation_id,),
        )
        return image_rows.with_attachments(self.db, conversation_id, [message_from(row) for row in rows])

    def latest_messages(self, conversation_id: str, limit: int,
                        before_id: int | None = None) -> list[Message]:
        """A page of `messages()`: the last `limit` messages before message `before_id` (the
        conversation's very last ones when None), in order. Opening a long conversation
        reads only this page; earlier ones are read as the user scrolls up."""
        rows = self.db.execute(
            "SELECT * FROM (SELECT m.*, t.status, t.error FROM messages m"
            " LEFT JOIN turns t ON t.reply_message_id = m.id"
            " WHERE m.conversation_id = ? AND m.id < ? ORDER BY m.id DESC LIMIT ?) ORDER BY id",
            (conversation_id, _NO_ID_ABOVE if before_id is None else before_id, limit),
        )
        return image_rows.with_attachments(self.db, conversation_id, [message_from(row) for row in rows])

    def count_messages(self, conversation_id: str, before_id: int | None = None,
                       skip_role: str | None = None) -> int:
        """How many messages (not counting role `skip_role`) come before `before_id`."""
        return self.db.execute(
            "SELECT count(*) FROM messages WHERE conversation_id = ? AND id < ?"
            " AND role IS NOT ?",
            (conversation_id, _NO_ID_ABOVE if before_id is None else before_id, skip_role),
        ).fetchone()[0]

    def _message(self, message_id: int | None) -> Message:
        row = self.db.execute(
            "SELECT m.*, NULL AS status, NULL AS error FROM messages m WHERE id = ?", (message_id,)
        ).fetchone()
        return message_from(row)



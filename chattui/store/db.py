"""SQLite repository for conversations, messages and turns.

Crash safety: the user's message is committed before the request goes out, the reply's
text is written while it streams (`save_partial`), and a turn still marked `streaming`
when the store next opens was cut short by a crash: it becomes `interrupted`.
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from pathlib import Path

from chattui.core.models import (
    INTERRUPTED,
    STREAMING,
    Conversation,
    Message,
    ToolCall,
    Turn,
    TurnMeta,
    TurnResult,
)
from chattui.core.usage import Usage
from chattui.store.migrations import migrate

_USAGE_COLUMNS = ("input_total", "cache_read", "cache_write_5m", "cache_write_1h", "output", "reasoning")
_TITLE_LENGTH = 60


class Store:
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
        return _conversation(row) if row else None

    def set_mode(self, conversation_id: str, mode: str) -> Conversation:
        with self.db:
            self.db.execute("UPDATE conversations SET mode = ? WHERE id = ?", (mode, conversation_id))
        return self.get_conversation(conversation_id)  # type: ignore[return-value]

    def latest_conversation(self) -> Conversation | None:
        row = self.db.execute(
            "SELECT * FROM conversations ORDER BY updated_at DESC, rowid DESC LIMIT 1"
        ).fetchone()
        return _conversation(row) if row else None

    def _touch(self, conversation_id: str) -> None:
        self.db.execute(
            "UPDATE conversations SET updated_at = ? WHERE id = ?", (time.time(), conversation_id)
        )

    # messages and turns

    def add_user_message(self, conversation_id: str, text: str) -> Message:
        """Commit the user's text before anything is sent; the first one titles the chat."""
        with self.db:
            cursor = self.db.execute(
                "INSERT INTO messages (conversation_id, role, content, created_at)"
                " VALUES (?, 'user', ?, ?)",
                (conversation_id, text, time.time()),
            )
            self.db.execute(
                "UPDATE conversations SET title = ? WHERE id = ? AND title IS NULL",
                (_title(text), conversation_id),
            )
            self._touch(conversation_id)
        return self._message(cursor.lastrowid)

    def add_tool_result(self, conversation_id: str, call: ToolCall, content: str) -> Message:
        """The user's (or a command's) answer to one tool call, committed at once."""
        return self._add(conversation_id, "tool", content, tool_call_id=call.id, name=call.name)

    def add_divider(self, conversation_id: str, text: str) -> Message:
        """A marker for the screen (a persona switch …); never sent to a provider."""
        return self._add(conversation_id, "divider", text)

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
                "UPDATE messages SET content = ?, tool_calls = ? WHERE id = ?",
                (result.text, _calls_json(result.tool_calls), turn.reply_message_id),
            )
            self.db.execute(
                "UPDATE turns SET status = ?, input_total = ?, cache_read = ?, cache_write_5m = ?,"
                " cache_write_1h = ?, output = ?, reasoning = ?, usage_estimated = ?, cost_usd = ?, cost_reported = ?,"
                " response_id = ?, error = ?, finish_reason = ?, first_token_ms = ?,"
                " duration_ms = ?, finished_at = ? WHERE id = ?",
                (result.status, *(getattr(usage, c) for c in _USAGE_COLUMNS), usage.estimated, result.cost_usd,
                 usage.cost_reported, result.response_id, result.error, result.finish_reason,
                 result.first_token_ms, result.duration_ms, time.time(), turn.id),
            )
            self._touch(turn.conversation_id)
        return self.get_turn(turn.id)  # type: ignore[return-value]

    def get_turn(self, turn_id: int) -> Turn | None:
        row = self.db.execute("SELECT * FROM turns WHERE id = ?", (turn_id,)).fetchone()
        return _turn(row) if row else None

    def turns(self, conversation_id: str) -> list[Turn]:
        rows = self.db.execute(
            "SELECT * FROM turns WHERE conversation_id = ? ORDER BY id", (conversation_id,)
        )
        return [_turn(row) for row in rows]

    def messages(self, conversation_id: str) -> list[Message]:
        """The conversation in order; each reply carries its turn's status and error."""
        rows = self.db.execute(
            "SELECT m.*, t.status, t.error FROM messages m"
            " LEFT JOIN turns t ON t.reply_message_id = m.id"
            " WHERE m.conversation_id = ? ORDER BY m.id",
            (conversation_id,),
        )
        return [_message(row) for row in rows]

    def _message(self, message_id: int | None) -> Message:
        row = self.db.execute(
            "SELECT m.*, NULL AS status, NULL AS error FROM messages m WHERE id = ?", (message_id,)
        ).fetchone()
        return _message(row)


def _calls_json(calls: tuple[ToolCall, ...]) -> str | None:
    if not calls:
        return None
    return json.dumps([{"id": c.id, "name": c.name, "arguments": c.arguments} for c in calls])


def _calls(text: str | None) -> tuple[ToolCall, ...]:
    return tuple(ToolCall(**call) for call in json.loads(text)) if text else ()


def _title(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= _TITLE_LENGTH else line[: _TITLE_LENGTH - 1] + "…"


def _conversation(row: sqlite3.Row) -> Conversation:
    return Conversation(
        id=row["id"], title=row["title"], provider=row["provider"], model=row["model"],
        persona=row["persona"], mode=row["mode"], base_url_host=row["base_url_host"],
        created_at=row["created_at"], updated_at=row["updated_at"],
    )


def _message(row: sqlite3.Row) -> Message:
    return Message(
        id=row["id"], conversation_id=row["conversation_id"], role=row["role"],
        content=row["content"], created_at=row["created_at"], status=row["status"],
        error=row["error"], tool_calls=_calls(row["tool_calls"]),
        tool_call_id=row["tool_call_id"], name=row["name"],
    )


def _turn(row: sqlite3.Row) -> Turn:
    usage = Usage(
        **{c: row[c] for c in _USAGE_COLUMNS},
        cost_reported=row["cost_reported"],
        estimated=bool(row["usage_estimated"]),
    )
    meta = TurnMeta(
        provider=row["provider"], model=row["model"], base_url_host=row["base_url_host"],
        persona=row["persona"], prefix_fingerprint=row["prefix_fingerprint"], api=row["api"],
    )
    return Turn(
        id=row["id"], conversation_id=row["conversation_id"],
        user_message_id=row["user_message_id"], reply_message_id=row["reply_message_id"],
        meta=meta, status=row["status"], usage=usage, cost_usd=row["cost_usd"],
        response_id=row["response_id"], error=row["error"], started_at=row["started_at"],
        finished_at=row["finished_at"], first_token_ms=row["first_token_ms"],
        duration_ms=row["duration_ms"], finish_reason=row["finish_reason"],
    )

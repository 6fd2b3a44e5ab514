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
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Mapping

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
from chattui.store.gemini_caches import GeminiCacheBindings
from chattui.store import attachments as image_rows
from chattui.store.migrations import migrate

_USAGE_COLUMNS = ("input_total", "cache_read", "cache_write_5m", "cache_write_1h", "output", "reasoning")
_TITLE_LENGTH = 60
_CONVERSATION_COLUMNS = ("title", "provider", "model", "persona", "mode", "base_url_host",
                         "created_at", "updated_at")
_MESSAGE_COLUMNS = ("role", "content", "created_at", "tool_calls", "tool_call_id", "name")
_TURN_COLUMNS = ("provider", "model", "base_url_host", "persona", "prefix_fingerprint", "api",
                 "status", *_USAGE_COLUMNS, "usage_estimated", "cost_usd", "cost_reported",
                 "response_id", "error", "finish_reason", "started_at", "finished_at",
                 "first_token_ms", "duration_ms", "kind", "cache_diagnosis",
                 "cache_missed_tokens")
"""Every column but the ids (and the message ids a turn points at): what a copy keeps."""
_NO_ID_ABOVE = 2**63 - 1


@dataclass(frozen=True)
class ConversationSummary:
    """One line of the conversation list (Store.list_conversations)."""

    id: str
    title: str | None
    provider: str
    model: str
    persona: str | None
    mode: str
    created_at: float
    updated_at: float
    """Last activity (a message or a finished turn)."""
    turns: int
    messages: int
    cost_usd: float
    """Sum of the turns whose cost is known."""
    unpriced_turns: int
    """Turns nobody could price (cost unknown): `cost_usd` leaves them out."""

    @property
    def unpriced(self) -> bool:
        return self.unpriced_turns > 0


class Store(GeminiCacheBindings):
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
                (_title(text), conversation_id),
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

    def start_side_turn(self, conversation_id: str, meta: TurnMeta, kind: str = "side") -> Turn:
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
                "UPDATE messages SET content = ?, tool_calls = ? WHERE id = ?",
                (result.text, _calls_json(result.tool_calls), turn.reply_message_id),
            )
            self.db.execute(
                "UPDATE turns SET status = ?, input_total = ?, cache_read = ?, cache_write_5m = ?,"
                " cache_write_1h = ?, output = ?, reasoning = ?, usage_estimated = ?, cost_usd = ?, cost_reported = ?,"
                " response_id = ?, error = ?, finish_reason = ?, first_token_ms = ?,"
                " duration_ms = ?, finished_at = ?, cache_diagnosis = ?, cache_missed_tokens = ?"
                " WHERE id = ?",
                (result.status, *(getattr(usage, c) for c in _USAGE_COLUMNS), usage.estimated, result.cost_usd,
                 usage.cost_reported, result.response_id, result.error, result.finish_reason,
                 result.first_token_ms, result.duration_ms, time.time(), result.cache_diagnosis,
                 result.cache_missed_tokens, turn.id),
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
        return image_rows.with_attachments(self.db, conversation_id, [_message(row) for row in rows])

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
        return image_rows.with_attachments(self.db, conversation_id, [_message(row) for row in rows])

    def count_messages(self, conversation_id: str, before_id: int | None = None,
                       skip_role: str | None = None) -> int:
        """How many messages (not counting role `skip_role`) come before `before_id`."""
        return self.db.execute(
            "SELECT count(*) FROM messages WHERE conversation_id = ? AND id < ?"
            " AND role IS NOT ?",
            (conversation_id, _NO_ID_ABOVE if before_id is None else before_id, skip_role),
        ).fetchone()[0]

    # the archive: list, rename, delete, branch, import

    @classmethod
    def open_existing(cls, path: Path | str) -> Store:
        """Open a database that must already exist, for the command line: migrations run,
        but a turn marked streaming is left alone (a chattui window may be streaming it
        right now), so `recovered` is 0. FileNotFoundError when there is no database."""
        if not Path(path).is_file():
            raise FileNotFoundError(str(path))
        store = cls.__new__(cls)
        store.path = path
        store.db = sqlite3.connect(path, timeout=5.0)
        store.db.row_factory = sqlite3.Row
        store.db.execute("PRAGMA journal_mode=WAL")
        store.db.execute("PRAGMA synchronous=NORMAL")
        store.db.execute("PRAGMA foreign_keys=ON")
        migrate(store.db)
        store.recovered = 0
        return store

    def list_conversations(self, limit: int | None = None) -> list[ConversationSummary]:
        """Every conversation, most recent activity first, with its turn count and cost."""
        rows = self.db.execute(
            "SELECT c.*,"
            " (SELECT count(*) FROM turns t WHERE t.conversation_id = c.id) AS n_turns,"
            " (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id) AS n_messages,"
            " (SELECT total(t.cost_usd) FROM turns t WHERE t.conversation_id = c.id) AS cost,"
            " (SELECT count(*) FROM turns t WHERE t.conversation_id = c.id AND t.cost_usd IS NULL)"
            " AS unpriced"
            " FROM conversations c ORDER BY c.updated_at DESC, c.rowid DESC LIMIT ?",
            (-1 if limit is None else limit,),
        )
        return [
            ConversationSummary(
                id=row["id"], title=row["title"], provider=row["provider"], model=row["model"],
                persona=row["persona"], mode=row["mode"], created_at=row["created_at"],
                updated_at=row["updated_at"], turns=row["n_turns"], messages=row["n_messages"],
                cost_usd=row["cost"], unpriced_turns=row["unpriced"],
            )
            for row in rows
        ]

    def rename_conversation(self, conversation_id: str, title: str) -> Conversation:
        """Set the title (whitespace collapsed; not counted as activity). KeyError for an
        unknown id, ValueError for a blank title."""
        title = " ".join(title.split())
        if not title:
            raise ValueError("a title must not be blank")
        with self.db:
            cursor = self.db.execute(
                "UPDATE conversations SET title = ? WHERE id = ?", (title, conversation_id)
            )
        if cursor.rowcount == 0:
            raise KeyError(conversation_id)
        return self.get_conversation(conversation_id)  # type: ignore[return-value]

    def delete_conversation(self, conversation_id: str) -> list[str]:
        """Delete a conversation with its messages and turns (exact id; KeyError if unknown).

        Returns the Responses API ids of its turns (api == "responses") that no other
        conversation still uses (a branch shares its origin's ids), so the caller can offer
        to delete those stored responses on the server as well.
        """
        with self.db:
            if not self.db.execute(
                "SELECT 1 FROM conversations WHERE id = ?", (conversation_id,)
            ).fetchone():
                raise KeyError(conversation_id)
            response_ids = [row[0] for row in self.db.execute(
                "SELECT DISTINCT t.response_id FROM turns t WHERE t.conversation_id = ?"
                " AND t.api = 'responses' AND t.response_id IS NOT NULL"
                " AND NOT EXISTS (SELECT 1 FROM turns o WHERE o.response_id = t.response_id"
                " AND o.conversation_id != t.conversation_id) ORDER BY t.id",
                (conversation_id,),
            )]
            # turns first: they point at messages
            self.db.execute("DELETE FROM turns WHERE conversation_id = ?", (conversation_id,))
            self.db.execute("DELETE FROM messages WHERE conversation_id = ?", (conversation_id,))
            self.db.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))
        return response_ids

    def duplicate_conversation(
        self, conversation_id: str, upto_message_id: int | None = None
    ) -> Conversation:
        """Branch: a new conversation "<title> (branch)" with copies of the messages up to
        and including `upto_message_id` (all when None) and of the turns whose replies are
        among them (usage, cost, response ids … kept, so a chained branch goes on from the
        same stored response). KeyError for an unknown id, ValueError for a message that is
        not in the conversation."""
        source = self.db.execute(
            "SELECT * FROM conversations WHERE id = ?", (conversation_id,)
        ).fetchone()
        if source is None:
            raise KeyError(conversation_id)
        if upto_message_id is not None and not self.db.execute(
            "SELECT 1 FROM messages WHERE id = ? AND conversation_id = ?",
            (upto_message_id, conversation_id),
        ).fetchone():
            raise ValueError(f"message {upto_message_id} is not in conversation {conversation_id}")
        last = -1 if upto_message_id is None else upto_message_id  # -1: no upper bound below
        now = time.time()
        new = dict(source)
        new.update(title=f"{source['title'] or 'Untitled'} (branch)", created_at=now, updated_at=now)
        with self.db:
            new_id = self._insert_conversation(new)
            mapping = self._copy_messages(
                self.db.execute(
                    "SELECT * FROM messages WHERE conversation_id = ? AND (? < 0 OR id <= ?)"
                    " ORDER BY id", (conversation_id, last, last),
                ).fetchall(), new_id,
            )
            image_rows.copy(self.db, image_rows.rows(self.db, conversation_id), mapping)
            self._copy_turns(
                self.db.execute(
                    "SELECT * FROM turns WHERE conversation_id = ? ORDER BY id", (conversation_id,)
                ).fetchall(), new_id, mapping, skip_unmapped=True,
            )
        return self.get_conversation(new_id)  # type: ignore[return-value]

    def import_conversation(self, document: Mapping[str, Any]) -> Conversation:
        """Recreate an exported conversation (chattui.core.export.to_json / import_json).

        It always gets a fresh conversation id and fresh message and turn ids (the turns'
        message references are mapped), so importing never touches an existing
        conversation, and importing the same file twice gives two copies. Every other
        field is kept as it was, updated_at included; a turn exported while it streamed is
        stored as interrupted. ValueError when the document does not validate.
        """
        from chattui.core.export import import_json

        document = import_json(document)
        with self.db:
            new_id = self._insert_conversation(document["conversation"])
            mapping = self._copy_messages(document["messages"], new_id)
            image_rows.copy(self.db, document["attachments"], mapping)
            turns = [
                {**turn, "status": INTERRUPTED if turn["status"] == STREAMING else turn["status"]}
                for turn in document["turns"]
            ]
            self._copy_turns(turns, new_id, mapping, skip_unmapped=False)
        return self.get_conversation(new_id)  # type: ignore[return-value]

    def _insert_conversation(self, row: Mapping[str, Any]) -> str:
        """Insert `row`'s fields under a fresh id; return the id."""
        while True:
            new_id = uuid.uuid4().hex[:12]
            if not self.db.execute("SELECT 1 FROM conversations WHERE id = ?", (new_id,)).fetchone():
                break
        values = [new_id, *(row[c] for c in _CONVERSATION_COLUMNS)]
        self.db.execute(
            f"INSERT INTO conversations (id, {', '.join(_CONVERSATION_COLUMNS)})"
            f" VALUES ({', '.join('?' * len(values))})", values,
        )
        return new_id

    def _copy_messages(self, rows: Any, conversation_id: str) -> dict[int, int]:
        """Insert copies of message rows (tool_calls as JSON text or a list); old id → new id."""
        mapping = {}
        sql = (f"INSERT INTO messages (conversation_id, {', '.join(_MESSAGE_COLUMNS)})"
               f" VALUES (?{', ?' * len(_MESSAGE_COLUMNS)})")
        for row in rows:
            values = {c: row[c] for c in _MESSAGE_COLUMNS}
            if isinstance(values["tool_calls"], list):
                values["tool_calls"] = json.dumps(values["tool_calls"]) if values["tool_calls"] else None
            cursor = self.db.execute(sql, (conversation_id, *values.values()))
            mapping[row["id"]] = cursor.lastrowid
        return mapping

    def _copy_turns(self, rows: Any, conversation_id: str, mapping: dict[int, int],
                    skip_unmapped: bool) -> None:
        """Insert copies of turn rows pointing at the mapped messages; with `skip_unmapped`,
        turns whose reply was not copied are left out."""
        sql = (f"INSERT INTO turns (conversation_id, user_message_id, reply_message_id,"
               f" {', '.join(_TURN_COLUMNS)}) VALUES (?, ?, ?{', ?' * len(_TURN_COLUMNS)})")
        for row in rows:
            user, reply = row["user_message_id"], row["reply_message_id"]
            if skip_unmapped and (reply not in mapping or (user is not None and user not in mapping)):
                continue
            self.db.execute(sql, (
                conversation_id, mapping.get(user) if user is not None else None,
                mapping.get(reply) if reply is not None else None,
                *(row[c] for c in _TURN_COLUMNS),
            ))

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
        duration_ms=row["duration_ms"], finish_reason=row["finish_reason"], kind=row["kind"],
        cache_diagnosis=row["cache_diagnosis"], cache_missed_tokens=row["cache_missed_tokens"],
    )

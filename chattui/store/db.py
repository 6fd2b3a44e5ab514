"""SQLite repository for conversations, messages and turns.

Crash safety: the user's message is committed before the request goes out, the reply's
text is written while it streams (`save_partial`), and a turn still marked `streaming`
when the store next opens was cut short by a crash: it becomes `interrupted`, but only
once the process that streamed it is gone (store/owners.py): a second window on the same
data dir leaves the first window's live reply alone.
"""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
import time
import uuid
from dataclasses import replace
from pathlib import Path

from chattui.core.attachments import Attachment
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
from chattui.store import lines
from chattui.store import owners
from chattui.store.archive import Archive
from chattui.store.drafts import Drafts
from chattui.store.gemini_caches import GeminiCacheBindings
from chattui.store.migrations import migrate
from chattui.store.rows import (
    USAGE_COLUMNS, calls_json, conversation_from, message_from, title_for, turn_from,
)

_NO_ID_ABOVE = 2**63 - 1
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _storable(text: str) -> str:
    """SQLite takes UTF-8 only, and a str may hold a lone surrogate (JSON may escape half an
    emoji, "\\ud83d", in a reply, a tool result or an imported file): writing it raised
    UnicodeEncodeError, and a finished reply's whole save with it. It is stored as U+FFFD."""
    return _LONE_SURROGATE.sub("\ufffd", text)


sqlite3.register_adapter(str, _storable)  # every str this process writes to SQLite


class StoreError(Exception):
    """The database cannot be used: one line naming the path and what to do."""


def open_database(path: Path | str, create: bool = True) -> sqlite3.Connection:
    """Connect (WAL, foreign keys on) and migrate. A new data dir is made 0700 and the
    database 0600 (SQLite gives its -wal and -shm files the database's mode). StoreError
    for a data dir that cannot be written or a file that is not a chattui database."""
    if path == ":memory:":
        return _connect(path)
    path = Path(path)
    try:
        if create and not path.parent.is_dir():
            path.parent.mkdir(mode=0o700, parents=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if os.fstat(fd).st_mode & 0o077:
                os.fchmod(fd, 0o600)  # made by an older chattui, world-readable
        finally:
            os.close(fd)
    except OSError as exc:
        raise StoreError(f"cannot write the database {path} ({exc.strerror or exc}): fix the "
                         "data directory's permissions or free space, or choose another one "
                         "with --data-dir or CHATTUI_DATA_DIR") from None
    try:
        return _connect(path)
    except sqlite3.DatabaseError as exc:
        if "not a database" in str(exc) or "malformed" in str(exc):
            raise StoreError(f"{path} is not a chattui database ({exc}): move it aside "
                             f"(mv {path} {path}.broken) to start with an empty one, or "
                             "restore it from a backup") from None
        raise StoreError(f"cannot use the database {path} ({exc}): check the data "
                         "directory's permissions and free space, or choose another one with "
                         "--data-dir or CHATTUI_DATA_DIR") from None


def _connect(path: Path | str) -> sqlite3.Connection:
    db = sqlite3.connect(path, timeout=5.0)
    try:
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA foreign_keys=ON")
        migrate(db)
    except BaseException:
        db.close()
        raise
    return db


class Store(Archive, GeminiCacheBindings, Drafts):
    """One SQLite database file (or ":memory:"). Not shared between threads. Implements
    chattui.core.storage.Store."""

    errors: tuple[type[Exception], ...] = (sqlite3.Error, OSError)
    """What a write raises when the disk or the database refuses it."""

    owner: str | None = None
    """Recorded on the turns this Store streams (store/owners.py)."""

    def __init__(self, path: Path | str) -> None:
        self.path = path
        self.db = open_database(path)
        self.owner = owners.new_owner()
        self.recovered = self.mark_interrupted()

    def close(self) -> None:
        if self.owner:
            owners.release(self.owner)
        self.db.close()

    def mark_interrupted(self) -> int:
        """Mark the streaming turns whose process is gone interrupted; how many there were."""
        rows = self.db.execute(
            "SELECT t.id, o.owner, o.heartbeat FROM turns t"
            " LEFT JOIN streaming_owners o ON o.turn_id = t.id WHERE t.status = ?",
            (STREAMING,)).fetchall()
        dead = [(row["id"],) for row in rows
                if row["owner"] != self.owner and not owners.alive(row["owner"], row["heartbeat"])]
        with self.db:
            self.db.executemany(f"UPDATE turns SET status = '{INTERRUPTED}' WHERE id = ?", dead)
            self.db.executemany("DELETE FROM streaming_owners WHERE turn_id = ?", dead)
        return len(dead)

    def streaming_elsewhere(self, conversation_id: str) -> list[tuple[Turn, str]]:
        """This conversation's turns streaming in another live window, with who streams them."""
        rows = self.db.execute(
            "SELECT t.*, o.owner AS streaming_owner, o.heartbeat AS streaming_heartbeat"
            " FROM turns t JOIN streaming_owners o ON o.turn_id = t.id"
            " WHERE t.conversation_id = ? AND t.status = ? AND o.owner != ?",
            (conversation_id, STREAMING, self.owner or "")).fetchall()
        return [(turn_from(row), owners.describe(row["streaming_owner"])) for row in rows
                if owners.alive(row["streaming_owner"], row["streaming_heartbeat"])]

    def _own(self, turn_id: int) -> None:
        """Record this Store as the one streaming `turn_id` (inside the caller's transaction)."""
        self.db.execute("INSERT OR REPLACE INTO streaming_owners VALUES (?, ?, ?)",
                        (turn_id, self.owner, time.time()))

    def conversation_exists(self, conversation_id: str) -> bool:
        return self.db.execute(
            "SELECT 1 FROM conversations WHERE id = ?", (conversation_id,)).fetchone() is not None

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

    def add_user_message(self, conversation_id: str, text: str,
                         attachments: tuple[Attachment, ...] = ()) -> Message:
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
            message_id = cursor.lastrowid
            assert message_id is not None  # an INSERT always sets it
            image_rows.save(self.db, message_id, attachments)
            self._touch(conversation_id)
        return replace(self._message(message_id), attachments=tuple(attachments))

    def add_tool_result(self, conversation_id: str, call: ToolCall, content: str,
                        attachments: tuple[Attachment, ...] = ()) -> Message:
        """The user's (or a command's, or an MCP server's) answer to one tool call, with the
        images it returned, committed at once."""
        with self.db:
            message_id = self.db.execute(
                "INSERT INTO messages (conversation_id, role, content, created_at, tool_call_id,"
                " name) VALUES (?, 'tool', ?, ?, ?, ?)",
                (conversation_id, content, time.time(), call.id, call.name)).lastrowid
            assert message_id is not None  # an INSERT always sets it
            image_rows.save(self.db, message_id, attachments)
            self._touch(conversation_id)
        return replace(self._message(message_id), attachments=tuple(attachments))

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
                " prefix_fingerprint, api, status, started_at, kind, prefix_hash, base_url,"
                " image_detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (conversation_id, meta.provider, meta.model, meta.base_url_host, meta.persona,
                 meta.prefix_fingerprint, meta.api, STREAMING, time.time(), kind,
                 meta.prefix_hash, meta.base_url, meta.image_detail),
            ).lastrowid
            assert turn_id is not None  # an INSERT always sets it
            self._own(turn_id)
        return self.get_turn(turn_id)  # type: ignore[return-value]  # just inserted

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
                " model, base_url_host, persona, prefix_fingerprint, api, status, started_at,"
                " prefix_hash, base_url, image_detail)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (conversation_id, user_message_id, reply_id, meta.provider, meta.model,
                 meta.base_url_host, meta.persona, meta.prefix_fingerprint, meta.api, STREAMING, now,
                 meta.prefix_hash, meta.base_url, meta.image_detail),
            ).lastrowid
            assert turn_id is not None  # an INSERT always sets it
            self._own(turn_id)
        return self.get_turn(turn_id)  # type: ignore[return-value]  # just inserted

    def save_partial(self, turn: Turn, text: str) -> None:
        """Write the reply's text so far (called while it streams)."""
        with self.db:
            self.db.execute(
                "UPDATE messages SET content = ? WHERE id = ?", (text, turn.reply_message_id)
            )
            self.db.execute("UPDATE streaming_owners SET heartbeat = ? WHERE turn_id = ?",
                            (time.time(), turn.id))

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
            self.db.execute("DELETE FROM streaming_owners WHERE turn_id = ?", (turn.id,))
            self._touch(turn.conversation_id)
        return self.get_turn(turn.id)  # type: ignore[return-value]

    # request prefixes (content-addressed)

    def save_prefix(self, body: bytes) -> str:
        """Store `body` once under its sha256 (a no-op when it is already there)."""
        digest = hashlib.sha256(body).hexdigest()
        with self.db:
            self.db.execute("INSERT OR IGNORE INTO request_prefixes VALUES (?, ?, ?)",
                            (digest, body, time.time()))
        return digest

    def get_prefix(self, digest: str) -> bytes | None:
        row = self.db.execute("SELECT body FROM request_prefixes WHERE hash = ?", (digest,)).fetchone()
        return bytes(row[0]) if row else None

    def last_sent_turn(self, conversation_id: str) -> Turn | None:
        """The latest turn that recorded its prefix (what a reopen restores), else the latest turn."""
        row = self.db.execute(
            "SELECT * FROM turns WHERE conversation_id = ? ORDER BY prefix_hash IS NOT NULL DESC,"
            " kind = 'chat' DESC, id DESC LIMIT 1", (conversation_id,)).fetchone()
        return turn_from(row) if row else None

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

    def turns_of_messages(self, conversation_id: str, first_id: int,
                          before_id: int | None = None) -> list[Turn]:
        """The turns of the messages from `first_id` on (before `before_id`): each reply's and
        each question's, and every other turn that answers one of those questions (a reply's
        alternatives, also ones from before `first_id`), so that `alternatives.positions`
        places each reply among its alternatives. What a page of a long conversation shows
        needs; reading all of its turns (2,500 of them: ~70 ms) held up its first frame."""
        in_range = "{0} >= :first AND (:before IS NULL OR {0} < :before)"
        rows = self.db.execute(
            "SELECT * FROM turns WHERE conversation_id = :conversation AND (user_message_id IN"
            " (SELECT user_message_id FROM turns WHERE conversation_id = :conversation AND ("
            + in_range.format("reply_message_id") + " OR " + in_range.format("user_message_id") + "))"
            " OR (user_message_id IS NULL AND " + in_range.format("reply_message_id") + ")) ORDER BY id",
            {"conversation": conversation_id, "first": first_id, "before": before_id})
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
        """A page of the line shown (`messages()` minus `inactive` ones): the last `limit`
        messages before message `before_id` (the conversation's very last ones when None),
        in order. Opening a long conversation reads only this page; earlier ones are read
        as the user scrolls up."""
        rows = self.db.execute(
            "SELECT * FROM (SELECT m.*, t.status, t.error FROM messages m"
            " LEFT JOIN turns t ON t.reply_message_id = m.id WHERE m.conversation_id = ?"
            " AND m.id < ? AND m.inactive = 0 ORDER BY m.id DESC LIMIT ?) ORDER BY id",
            (conversation_id, _NO_ID_ABOVE if before_id is None else before_id, limit),
        )
        return image_rows.with_attachments(self.db, conversation_id, [message_from(row) for row in rows])

    def count_messages(self, conversation_id: str, before_id: int | None = None,
                       skip_role: str | None = None) -> int:
        """How many shown messages (not counting role `skip_role`) come before `before_id`."""
        count: int = self.db.execute(
            "SELECT count(*) FROM messages WHERE conversation_id = ? AND id < ?"
            " AND role IS NOT ? AND inactive = 0",
            (conversation_id, _NO_ID_ABOVE if before_id is None else before_id, skip_role),
        ).fetchone()[0]
        return count

    def reply_alternatives(self, user_message_id: int) -> list[int]:
        """The replies to one question that did not fail, oldest first (regenerating adds one)."""
        rows = self.db.execute(
            "SELECT reply_message_id FROM turns WHERE user_message_id = ? AND kind = 'chat'"
            " AND status IS NOT 'failed' AND reply_message_id IS NOT NULL ORDER BY id",
            (user_message_id,))
        return [row[0] for row in rows]

    def set_active_reply(self, user_message_id: int, reply_message_id: int | None) -> None:
        """Show and send `reply_message_id` of the question's replies; the others are kept
        as alternatives, each with the messages that followed it (store.lines; None: all of
        them active again, as before any regenerate)."""
        with self.db:
            lines.choose_reply(self.db, user_message_id, reply_message_id)

    def _message(self, message_id: int | None) -> Message:
        row = self.db.execute(
            "SELECT m.*, NULL AS status, NULL AS error FROM messages m WHERE id = ?", (message_id,)
        ).fetchone()
        return message_from(row)



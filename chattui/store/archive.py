"""The archive side of the store: list, rename, delete, branch and import conversations."""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, cast

from chattui.core.models import INTERRUPTED, STREAMING, Conversation
from chattui.store import attachments as image_rows
from chattui.store import lines
from chattui.store.rows import CONVERSATION_COLUMNS, MESSAGE_COLUMNS, TURN_COLUMNS

_LEDGER_COLUMNS = ("started_at, provider, model, base_url_host, kind, status, input_total,"
                   " cache_read, cache_write_5m, cache_write_1h, output, reasoning,"
                   " usage_estimated, cost_usd, cost_reported, response_id")
_TO_LEDGER = (
    f"INSERT INTO spend_ledger (conversation_id, turn_id, persona, deleted_at, {_LEDGER_COLUMNS})"
    " SELECT t.conversation_id, t.id, COALESCE(t.persona, c.persona), ?, "
    + ", ".join(f"t.{c.strip()}" for c in _LEDGER_COLUMNS.split(","))
    + " FROM turns t JOIN conversations c ON c.id = t.conversation_id WHERE t.conversation_id = ?"
)
"""Copies a conversation's turns (usage and cost, no text) into the spend ledger."""

if TYPE_CHECKING:
    from chattui.store.db import Store


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


class AlreadyImported(ValueError):
    """This store already holds an import of the same export (Store.import_conversation)."""

    def __init__(self, conversation_id: str) -> None:
        super().__init__(f"already imported as {conversation_id}")
        self.conversation_id = conversation_id


class Archive:
    """Mixed into Store: operations on whole conversations."""

    path: Path | str
    db: sqlite3.Connection
    recovered: int

    if TYPE_CHECKING:
        def get_conversation(self, conversation_id: str) -> Conversation | None: ...

    @classmethod
    def open_existing(cls, path: Path | str) -> Store:
        """Open a database that must already exist, for the command line: migrations run,
        but a turn marked streaming is left alone (a chattui window may be streaming it
        right now), so `recovered` is 0. FileNotFoundError when there is no database."""
        from chattui.store.db import open_database

        if not Path(path).is_file():
            raise FileNotFoundError(str(path))
        store = cls.__new__(cls)
        store.path = path
        store.db = open_database(path, create=False)
        store.recovered = 0
        return cast("Store", store)

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

    def delete_conversation(self, conversation_id: str, forget: bool = False) -> list[str]:
        """Delete a conversation with its messages and turns (exact id; KeyError if unknown).
        Its turns' usage and cost stay in the spend ledger for `chattui stats` (money spent
        stays spent) unless `forget`, which erases them too.

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
            if forget:
                self.db.execute("DELETE FROM spend_ledger WHERE conversation_id = ?",
                                (conversation_id,))
            else:
                self.db.execute(_TO_LEDGER, (time.time(), conversation_id))
            # turns first: they point at messages
            self.db.execute("DELETE FROM turns WHERE conversation_id = ?", (conversation_id,))
            self.db.execute("DELETE FROM messages WHERE conversation_id = ?", (conversation_id,))
            self.db.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))
        return response_ids

    def forget_spend(self, conversation_id: str) -> int:
        """Erase the ledger rows a deleted conversation left (rows erased)."""
        with self.db:
            return self.db.execute("DELETE FROM spend_ledger WHERE conversation_id = ?",
                                   (conversation_id,)).rowcount

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
            lines.refresh(self.db, new_id)
        return self.get_conversation(new_id)  # type: ignore[return-value]

    def import_conversation(self, document: Mapping[str, Any], force: bool = False) -> Conversation:
        """Recreate an exported conversation (chattui.core.export.to_json / import_json).

        It always gets a fresh conversation id and fresh message and turn ids (the turns'
        message references are mapped), so importing never touches an existing
        conversation. Importing the same document again raises AlreadyImported (naming the
        copy) unless `force`. Every other field is kept as it was, updated_at included; a
        turn exported while it streamed is stored as interrupted. But not a turn's base URL:
        a reopened conversation is sent where its last turn went, with the user's key, and
        an imported file is someone else's say (its host stays on record, base_url_host);
        the user's settings say where it goes. ValueError when the document does not
        validate (nothing is written then).
        """
        import hashlib

        from chattui.core.export import import_json

        document = import_json(document)
        digest = hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()
        earlier = self.db.execute("SELECT conversation_id FROM imports WHERE digest = ?",
                                  (digest,)).fetchone()
        if earlier and not force:
            raise AlreadyImported(earlier[0])
        with self.db:
            new_id = self._insert_conversation(document["conversation"])
            self.db.execute("INSERT OR REPLACE INTO imports (digest, conversation_id) VALUES (?, ?)",
                            (digest, new_id))
            mapping = self._copy_messages(document["messages"], new_id)
            image_rows.copy(self.db, document["attachments"], mapping)
            turns = [
                {**turn, "status": INTERRUPTED if turn["status"] == STREAMING else turn["status"],
                 "base_url": None}
                for turn in document["turns"]
            ]
            self._copy_turns(turns, new_id, mapping, skip_unmapped=False)
            lines.refresh(self.db, new_id)
        return self.get_conversation(new_id)  # type: ignore[return-value]

    def _insert_conversation(self, row: Mapping[str, Any]) -> str:
        """Insert `row`'s fields under a fresh id; return the id."""
        while True:
            new_id = uuid.uuid4().hex[:12]
            if not self.db.execute("SELECT 1 FROM conversations WHERE id = ?", (new_id,)).fetchone():
                break
        values = [new_id, *(row[c] for c in CONVERSATION_COLUMNS)]
        self.db.execute(
            f"INSERT INTO conversations (id, {', '.join(CONVERSATION_COLUMNS)})"
            f" VALUES ({', '.join('?' * len(values))})", values,
        )
        return new_id

    def _copy_messages(self, rows: Any, conversation_id: str) -> dict[int, int]:
        """Insert copies of message rows (tool_calls as JSON text or a list); old id → new id."""
        mapping: dict[int, int] = {}
        sql = (f"INSERT INTO messages (conversation_id, {', '.join(MESSAGE_COLUMNS)})"
               f" VALUES (?{', ?' * len(MESSAGE_COLUMNS)})")
        for row in rows:
            values = {c: row[c] for c in MESSAGE_COLUMNS}
            if isinstance(values["tool_calls"], list):
                values["tool_calls"] = json.dumps(values["tool_calls"]) if values["tool_calls"] else None
            if isinstance(values["reasoning"], dict):  # an import: JSON text in the store
                values["reasoning"] = json.dumps(values["reasoning"])
            cursor = self.db.execute(sql, (conversation_id, *values.values()))
            mapping[row["id"]] = cursor.lastrowid or 0  # an INSERT always sets it
        for row in rows:
            self._copy_line(row, mapping)
        return mapping

    def _copy_line(self, row: Any, mapping: dict[int, int]) -> None:
        """A replaced reply stays replaced, and what followed it stays attached to it
        (store.lines; in an export made before them, the `inactive` replies were the ones
        set aside)."""
        keys = row.keys()
        inactive = "inactive" in keys and row["inactive"]
        aside = row["set_aside"] if "set_aside" in keys and row["set_aside"] is not None else inactive
        after = mapping.get(row["after_reply"]) if "after_reply" in keys and row["after_reply"] else None
        if aside or after or inactive:
            self.db.execute("UPDATE messages SET set_aside = ?, after_reply = ?, inactive = ?"
                            " WHERE id = ?", (int(bool(aside)), after, int(bool(inactive)),
                                              mapping[row["id"]]))

    def _copy_turns(self, rows: Any, conversation_id: str, mapping: dict[int, int],
                    skip_unmapped: bool) -> None:
        """Insert copies of turn rows pointing at the mapped messages; with `skip_unmapped`,
        turns whose reply was not copied are left out."""
        sql = (f"INSERT INTO turns (conversation_id, user_message_id, reply_message_id,"
               f" {', '.join(TURN_COLUMNS)}) VALUES (?, ?, ?{', ?' * len(TURN_COLUMNS)})")
        stored = {row[0] for row in self.db.execute("SELECT hash FROM request_prefixes")}
        for row in rows:
            user, reply = row["user_message_id"], row["reply_message_id"]
            if skip_unmapped and (reply not in mapping or (user is not None and user not in mapping)):
                continue
            values = {c: row[c] if c in row.keys() else None for c in TURN_COLUMNS}
            if values["prefix_hash"] not in stored:  # an export carries the hash, not the bytes
                values["prefix_hash"] = None
            self.db.execute(sql, (
                conversation_id, mapping.get(user) if user is not None else None,
                mapping.get(reply) if reply is not None else None, *values.values(),
            ))


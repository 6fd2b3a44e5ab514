"""Schema migrations: a list of small named functions, each applied once, in order.

Applied names are recorded in `_migrations`, so a new database and an old one both end
at the same schema. Never edit a released migration; append a new one.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from typing import Callable

Migration = Callable[[sqlite3.Connection], None]


def _script(db: sqlite3.Connection, sql: str) -> None:
    """Run `;`-separated statements inside the caller's transaction (unlike executescript)."""
    for statement in sql.split(";"):
        if statement.strip():
            db.execute(statement)


def m001_initial(db: sqlite3.Connection) -> None:
    _script(
        db,
        """
        CREATE TABLE conversations (
            id TEXT PRIMARY KEY,
            title TEXT,
            provider TEXT NOT NULL,
            model TEXT NOT NULL,
            persona TEXT,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL
        );
        CREATE TABLE messages (
            id INTEGER PRIMARY KEY,
            conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
            role TEXT NOT NULL,
            content TEXT NOT NULL DEFAULT '',
            created_at REAL NOT NULL
        );
        CREATE INDEX messages_by_conversation ON messages(conversation_id, id);
        CREATE TABLE turns (
            id INTEGER PRIMARY KEY,
            conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
            user_message_id INTEGER REFERENCES messages(id),
            reply_message_id INTEGER REFERENCES messages(id),
            provider TEXT NOT NULL,
            model TEXT NOT NULL,
            status TEXT NOT NULL,
            input_total INTEGER,
            cache_read INTEGER,
            cache_write_5m INTEGER,
            cache_write_1h INTEGER,
            output INTEGER,
            reasoning INTEGER,
            cost_usd REAL,
            response_id TEXT,
            error TEXT,
            started_at REAL NOT NULL,
            finished_at REAL
        );
        CREATE INDEX turns_by_conversation ON turns(conversation_id, id);
        """
    )


def m002_turn_details(db: sqlite3.Connection) -> None:
    """Where a turn went and how it went: host, persona prefix, latency, reported cost."""
    for column in (
        "base_url_host TEXT",
        "persona TEXT",
        "prefix_fingerprint TEXT",
        "first_token_ms REAL",
        "duration_ms REAL",
        "cost_reported REAL",
        "finish_reason TEXT",
        "usage_estimated INTEGER NOT NULL DEFAULT 0",
    ):
        db.execute(f"ALTER TABLE turns ADD COLUMN {column}")
    db.execute("ALTER TABLE conversations ADD COLUMN base_url_host TEXT")
    db.execute("ALTER TABLE conversations ADD COLUMN mode TEXT NOT NULL DEFAULT 'full'")


def m003_tool_messages(db: sqlite3.Connection) -> None:
    """Tool calls on replies, tool results as messages, and the persona in use."""
    db.execute("ALTER TABLE messages ADD COLUMN tool_calls TEXT")  # JSON [{id, name, arguments}]
    db.execute("ALTER TABLE messages ADD COLUMN tool_call_id TEXT")
    db.execute("ALTER TABLE messages ADD COLUMN name TEXT")


def m004_turn_api(db: sqlite3.Connection) -> None:
    """Which wire API answered: only a Responses id can be chained on."""
    db.execute("ALTER TABLE turns ADD COLUMN api TEXT")


FTS_TABLE = "messages_fts"
"""The full-text index over messages.content (absent when SQLite was built without FTS5)."""


def m005_message_search(db: sqlite3.Connection) -> None:
    """Full-text search: an external-content FTS5 index on messages.content.

    Triggers keep it in step with every insert, delete and content update (a reply's text
    is UPDATEd while it streams; the WHEN clause skips writes that change nothing, such as
    finish_turn repeating the last partial). Existing rows are indexed here ('rebuild').
    A SQLite built without FTS5 gets no index; chattui.store.search then falls back to LIKE.
    """
    try:
        db.execute(
            f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5("
            "content, content='messages', content_rowid='id', tokenize='unicode61')"
        )
    except sqlite3.OperationalError as exc:
        if "fts5" in str(exc).lower():
            return
        raise
    # Trigger bodies hold ';': run each statement whole (not through _script).
    db.execute(
        f"CREATE TRIGGER {FTS_TABLE}_insert AFTER INSERT ON messages BEGIN"
        f" INSERT INTO {FTS_TABLE}(rowid, content) VALUES (new.id, new.content); END"
    )
    db.execute(
        f"CREATE TRIGGER {FTS_TABLE}_delete AFTER DELETE ON messages BEGIN"
        f" INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, content) VALUES ('delete', old.id, old.content);"
        " END"
    )
    db.execute(
        f"CREATE TRIGGER {FTS_TABLE}_update AFTER UPDATE OF content ON messages"
        " WHEN old.content IS NOT new.content BEGIN"
        f" INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, content) VALUES ('delete', old.id, old.content);"
        f" INSERT INTO {FTS_TABLE}(rowid, content) VALUES (new.id, new.content); END"
    )
    db.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")


def m006_reply_index(db: sqlite3.Connection) -> None:
    """messages() joins each reply to its turn: without this index that join scanned every
    turn per message (0.54 s for 5,000 messages, 0.02 s with it)."""
    db.execute("CREATE INDEX turns_by_reply ON turns(reply_message_id)")


def m007_attachments(db: sqlite3.Connection) -> None:
    """Images attached to a message, in order: a file by path and sha256, or a URL
    (store/attachments.py). Deleting a message deletes its attachments."""
    db.execute(
        "CREATE TABLE attachments ("
        " message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,"
        " position INTEGER NOT NULL, kind TEXT NOT NULL, ref TEXT NOT NULL, sha256 TEXT,"
        " media_type TEXT, size INTEGER, detail TEXT NOT NULL,"
        " PRIMARY KEY (message_id, position))"
    )


def m008_gemini_caches(db: sqlite3.Connection) -> None:
    """Gemini explicit caches bound to conversations (store/gemini_caches.py): which cache a
    conversation names instead of sending its persona, and what chattui knows about it."""
    db.execute(
        "CREATE TABLE gemini_caches ("
        " conversation_id TEXT PRIMARY KEY REFERENCES conversations(id) ON DELETE CASCADE,"
        " cache_name TEXT NOT NULL, model TEXT NOT NULL, persona TEXT,"
        " fingerprint TEXT NOT NULL, expires REAL, tokens INTEGER, bound_at REAL NOT NULL)"
    )
    db.execute("CREATE INDEX gemini_caches_by_name ON gemini_caches(cache_name)")


def m009_turn_kind(db: sqlite3.Connection) -> None:
    """What a turn was: a chat turn (it has a reply), a side turn (a summary draft, a
    compaction) or a keep-warm ping (it re-sent a cached prefix and counts for warm/cold)."""
    db.execute("ALTER TABLE turns ADD COLUMN kind TEXT NOT NULL DEFAULT 'chat'")
    db.execute("UPDATE turns SET kind = 'side' WHERE reply_message_id IS NULL")


def m010_cache_diagnosis(db: sqlite3.Connection) -> None:
    """The provider's own cache verdict on a turn (Anthropic / Responses diagnostics)."""
    db.execute("ALTER TABLE turns ADD COLUMN cache_diagnosis TEXT")
    db.execute("ALTER TABLE turns ADD COLUMN cache_missed_tokens INTEGER")


def m011_import_digests(db: sqlite3.Connection) -> None:
    """Which export each imported conversation came from (a hash of the validated document),
    so importing the same file again says where the first copy is."""
    db.execute(
        "CREATE TABLE imports (digest TEXT PRIMARY KEY,"
        " conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE)"
    )


def m012_streaming_owners(db: sqlite3.Connection) -> None:
    """Who streams a turn and when it last wrote (store/owners.py): a turn is marked
    interrupted only once that process is gone, not when a second window opens. A table of
    its own: process bookkeeping, never part of a conversation (nor of an export)."""
    db.execute(
        "CREATE TABLE streaming_owners ("
        " turn_id INTEGER PRIMARY KEY REFERENCES turns(id) ON DELETE CASCADE,"
        " owner TEXT NOT NULL, heartbeat REAL NOT NULL)"
    )


def m013_spend_ledger(db: sqlite3.Connection) -> None:
    """Spend that outlives a deleted conversation: deleting one copies its turns' usage and
    cost here, so `chattui stats` still counts money spent (`chattui rm --forget` erases
    both). Rows carry no text, only what stats reads."""
    db.execute(
        "CREATE TABLE spend_ledger ("
        " id INTEGER PRIMARY KEY, conversation_id TEXT NOT NULL, turn_id INTEGER,"
        " started_at REAL NOT NULL, provider TEXT NOT NULL, model TEXT NOT NULL,"
        " base_url_host TEXT, persona TEXT, kind TEXT NOT NULL DEFAULT 'chat', status TEXT,"
        " input_total INTEGER, cache_read INTEGER, cache_write_5m INTEGER,"
        " cache_write_1h INTEGER, output INTEGER, reasoning INTEGER,"
        " usage_estimated INTEGER NOT NULL DEFAULT 0, cost_usd REAL, cost_reported REAL,"
        " response_id TEXT, deleted_at REAL NOT NULL)"
    )
    db.execute("CREATE INDEX spend_ledger_by_conversation ON spend_ledger(conversation_id)")


def m014_request_prefixes(db: sqlite3.Connection) -> None:
    """The exact prefix bytes each turn sent (system prompt, tools, params, cache TTL), stored
    once per distinct prefix under its sha256, and what else shaped the request (full base
    URL, image detail): a reopened conversation goes on byte-identically from them."""
    db.execute("CREATE TABLE request_prefixes (hash TEXT PRIMARY KEY, body BLOB NOT NULL,"
               " created_at REAL NOT NULL)")
    for column in ("prefix_hash TEXT REFERENCES request_prefixes(hash)", "base_url TEXT",
                   "image_detail TEXT"):
        db.execute(f"ALTER TABLE turns ADD COLUMN {column}")


def m015_message_reasoning(db: sqlite3.Connection) -> None:
    """A reply's thinking blocks (JSON, core.reasoning.Reasoning): shown folded above the
    answer, exported, and sent back with their signatures where the API needs them."""
    db.execute("ALTER TABLE messages ADD COLUMN reasoning TEXT")


def m016_conversation_tool_lists(db: sqlite3.Connection) -> None:
    """The canonical tool list (with MCP routes) each conversation's requests carried."""
    db.execute(
        "CREATE TABLE conversation_tools (conversation_id TEXT PRIMARY KEY"
        " REFERENCES conversations(id) ON DELETE CASCADE, tools_json TEXT NOT NULL,"
        " updated_at REAL NOT NULL)")


def m017_reply_alternatives(db: sqlite3.Connection) -> None:
    """A regenerated reply keeps the earlier one as an alternative: the replies answering
    the same question (turns.user_message_id) are its alternatives, and `inactive` marks
    those not shown nor sent (exactly one of them is active)."""
    db.execute("ALTER TABLE messages ADD COLUMN inactive INTEGER NOT NULL DEFAULT 0")


def m018_conversation_drafts(db: sqlite3.Connection) -> None:
    """The message being written in each conversation, saved as it is typed: a crash or a
    quit does not lose it, and reopening the conversation puts it back in the composer."""
    db.execute(
        "CREATE TABLE drafts ("
        " conversation_id TEXT PRIMARY KEY REFERENCES conversations(id) ON DELETE CASCADE,"
        " text TEXT NOT NULL, saved_at REAL NOT NULL)"
    )


def m019_reply_lines(db: sqlite3.Connection) -> None:
    """Any reply can be regenerated, not only the last: the messages that followed the
    replaced reply are attached to it (`after_reply`) and shown again with it; `set_aside`
    is the user's choice among a question's replies, and `inactive` becomes what follows
    from the choices (not shown nor sent). Until now the two were the same thing."""
    db.execute("ALTER TABLE messages ADD COLUMN after_reply INTEGER")
    db.execute("ALTER TABLE messages ADD COLUMN set_aside INTEGER NOT NULL DEFAULT 0")
    db.execute("UPDATE messages SET set_aside = inactive")


def m020_tool_lists_into_request_prefixes(db: sqlite3.Connection) -> None:
    """The tool list a conversation used is part of its stored prefix bytes: each
    `conversation_tools` row (m016) becomes the `tool_routes` of the prefix its latest
    sending turn stored (a new prefix row under the new body's sha256), and the table goes."""
    rows = db.execute("SELECT conversation_id, tools_json FROM conversation_tools").fetchall()
    for conversation_id, tools_json in rows:
        turn = db.execute("SELECT prefix_hash FROM turns WHERE conversation_id = ? AND"
                          " prefix_hash IS NOT NULL ORDER BY id DESC LIMIT 1",
                          (conversation_id,)).fetchone()
        stored = db.execute("SELECT body FROM request_prefixes WHERE hash = ?",
                            (turn[0],)).fetchone() if turn else None
        if stored is None:
            continue  # no prefix stored: nothing to attach the list to
        body = json.loads(bytes(stored[0]).decode())
        names = {tool.get("name") for tool in body.get("tools", [])}
        routes = {name: route for name, route in json.loads(tools_json).get("routes", {}).items()
                  if name in names}
        if not routes:
            continue
        body["tool_routes"] = routes
        new = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
        digest = hashlib.sha256(new).hexdigest()
        db.execute("INSERT OR IGNORE INTO request_prefixes VALUES (?, ?, ?)", (digest, new, time.time()))
        db.execute("UPDATE turns SET prefix_hash = ? WHERE conversation_id = ? AND prefix_hash = ?",
                   (digest, conversation_id, turn[0]))
    db.execute("DROP TABLE conversation_tools")


def m021_new_chat_draft(db: sqlite3.Connection) -> None:
    """The message being written in a new chat, before it has a conversation: a crash or a
    kill -9 lost it (drafts belong to a conversation). One row at most."""
    db.execute("CREATE TABLE new_chat_draft (only INTEGER PRIMARY KEY CHECK (only = 1),"
               " text TEXT NOT NULL, saved_at REAL NOT NULL)")


MIGRATIONS: list[Migration] = [
    m001_initial, m002_turn_details, m003_tool_messages, m004_turn_api, m005_message_search,
    m006_reply_index, m007_attachments, m008_gemini_caches, m009_turn_kind,
    m010_cache_diagnosis, m011_import_digests, m012_streaming_owners, m013_spend_ledger,
    m014_request_prefixes, m015_message_reasoning, m016_conversation_tool_lists,
    m017_reply_alternatives, m018_conversation_drafts, m019_reply_lines,
    m020_tool_lists_into_request_prefixes, m021_new_chat_draft,
]


def migrate(db: sqlite3.Connection, migrations: list[Migration] | None = None) -> list[str]:
    """Apply what is missing; return the names applied now."""
    db.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at REAL)")
    done = {row[0] for row in db.execute("SELECT name FROM _migrations")}
    applied = []
    for migration in MIGRATIONS if migrations is None else migrations:
        if migration.__name__ in done:
            continue
        db.execute("BEGIN")  # DDL opens no implicit transaction: make each migration atomic
        try:
            migration(db)
            db.execute("INSERT INTO _migrations VALUES (?, strftime('%s','now'))", (migration.__name__,))
            db.commit()
        except BaseException:
            db.rollback()
            raise
        applied.append(migration.__name__)
    return applied

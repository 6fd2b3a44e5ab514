"""The tool list a conversation used lives in its stored prefix bytes (request_prefixes):
one place, read back on reopen, and moved there from the old conversation_tools table."""

from __future__ import annotations

import json
import sqlite3

from chattui.core import mcp, prefix
from chattui.core.models import TurnMeta
from chattui.core.personas import Persona, PersonaLibrary
from chattui.core.reopen import Setup, reopen
from chattui.core.tools import Tool
from chattui.store import Store
from chattui.store.migrations import MIGRATIONS, migrate

SEARCH = Tool("search_docs", "Search the docs.", {"type": "object", "properties": {}})
OWN = Tool("lookup", "Look it up.", {"type": "object", "properties": {}})
DOCS = mcp.parse_server("docs", {"url": "http://127.0.0.1:9/mcp"})
PERSONA = Persona(name="docs", system="You search the docs.", tools=(OWN,),
                  mcp_servers={"docs": DOCS})
NOW = Setup("openai", "gpt-4.1-mini", None, None, "full", "auto")


def _send(store: Store, persona: Persona, tools: mcp.ToolList) -> str:
    conversation = store.create_conversation("openai", "gpt-4.1-mini", persona.name)
    user = store.add_user_message(conversation.id, "hi")
    body = prefix.stored_body(persona.system, tools.tools, {}, None, tool_routes=tools.routes)
    meta = TurnMeta("openai", "gpt-4.1-mini", None, persona.name, "f", "chat",
                    prefix_hash=store.save_prefix(body))
    store.start_turn(conversation.id, user.id, meta)
    return conversation.id


def test_the_stored_prefix_carries_the_routes_and_reopen_keeps_server_tools_apart():
    store = Store(":memory:")
    _, merged = PERSONA.with_server_tools({"docs": (SEARCH,)})
    cid = _send(store, PERSONA, merged)
    stored = mcp.stored_list(store, cid)
    assert stored is not None and mcp.tool_list_json(stored) == mcp.tool_list_json(merged)
    assert stored.route("docs__search_docs") == ("docs", "search_docs")
    assert mcp.stored_list(store, cid, "docs") is not None
    assert mcp.stored_list(store, cid, "chef") is None  # a persona switch is not a server change
    result = reopen(store, store.get_conversation(cid), PersonaLibrary(personas=(PERSONA,)), NOW)
    # the server's tool is not the persona's own: the file is unchanged, nothing to choose
    assert result.choice is None and result.setup.persona == PERSONA


def test_a_prefix_without_server_tools_has_no_routes_and_the_same_bytes_as_before():
    body = prefix.stored_body("sys", (OWN,), {}, None, tool_routes={})
    assert b"tool_routes" not in body
    assert mcp.stored_tool_list(prefix.read_body(body)) is None


def test_the_migration_moves_old_tool_lists_into_the_prefixes_and_drops_the_table(tmp_path):
    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    old = [m for m in MIGRATIONS if m.__name__ != "m020_tool_lists_into_request_prefixes"]
    migrate(db, old)  # the schema of chattui before the fold
    _, merged = PERSONA.with_server_tools({"docs": (SEARCH,)})
    body = prefix.stored_body(PERSONA.system, merged.tools, {}, None)  # no routes then
    db.execute("INSERT INTO conversations (id, provider, model, persona, mode, created_at,"
               " updated_at) VALUES ('c1', 'openai', 'gpt-4.1-mini', 'docs', 'full', 1, 1)")
    db.execute("INSERT INTO request_prefixes VALUES ('h0', ?, 1)", (body,))
    for prefix_hash in ("h0", "h0"):
        db.execute("INSERT INTO turns (conversation_id, provider, model, status, started_at,"
                   " prefix_hash) VALUES ('c1', 'openai', 'gpt-4.1-mini', 'complete', 1, ?)",
                   (prefix_hash,))
    db.execute("INSERT INTO conversation_tools VALUES ('c1', ?, 1)", (mcp.tool_list_json(merged),))
    db.commit()
    db.close()

    store = Store(path)  # opening it applies the new migration
    tables = {r[0] for r in store.db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "conversation_tools" not in tables
    stored = mcp.stored_list(store, "c1")
    assert stored is not None and stored.route("docs__search_docs") == ("docs", "search_docs")
    assert mcp.tool_list_json(stored) == mcp.tool_list_json(merged)
    hashes = {t.meta.prefix_hash for t in store.turns("c1")}
    assert len(hashes) == 1 and hashes != {"h0"}  # every turn that sent it points at the new row
    new_body = prefix.read_body(store.get_prefix(hashes.pop()))
    assert new_body["tools"] == json.loads(body)["tools"]  # the bytes sent are the same
    store.close()

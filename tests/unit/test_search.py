"""Full-text search over stored messages: ranking, highlighting, safe queries, an index that
follows streaming updates and deletions, the migration of an old database, the fallback."""

from __future__ import annotations

import sqlite3

import pytest

from chattui.core.models import COMPLETE, TurnMeta, TurnResult
from chattui.core.usage import Usage
from chattui.store import Store
from chattui.store.migrations import MIGRATIONS, migrate
from chattui.store import search as search_module
from chattui.store.search import SearchHit, fts_available, fts_query, search

META = TurnMeta("openai", "gpt-4.1-mini", api="chat")


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "s.db")
    yield s
    s.close()


def chat(store: Store, question: str, answer: str, title_from: str | None = None) -> tuple[str, int, int]:
    """One finished exchange in a new conversation: (conversation id, user id, reply id)."""
    c = store.create_conversation("openai", "gpt-4.1-mini")
    user = store.add_user_message(c.id, title_from or question)
    if title_from:
        user = store.add_user_message(c.id, question)
    turn = store.start_turn(c.id, user.id, META)
    store.finish_turn(turn, TurnResult(COMPLETE, answer, Usage(input_total=10, output=5), 0.0001))
    return c.id, user.id, turn.reply_message_id


def index_is_consistent(store: Store) -> bool:
    try:
        store.db.execute("INSERT INTO messages_fts(messages_fts, rank) VALUES ('integrity-check', 1)")
    except sqlite3.DatabaseError:
        return False
    return True


def test_hits_come_best_first_with_conversation_and_message(store):
    _, _, weak = chat(store, "Tell me about databases.",
                      "Many systems exist; one of them, SQLite, is embedded in phones, browsers,"
                      " aircraft and countless desktop applications around the world.")
    cid, _, strong = chat(store, "SQLite question", "SQLite: SQLite in WAL mode. SQLite.")
    chat(store, "Unrelated", "Nothing to see here.")
    question = store.messages(cid)[0].id
    hits = search(store, "sqlite")
    # bm25: many hits in a short reply, then one in a short question, then one in a long reply
    assert [h.message_id for h in hits] == [strong, question, weak]
    assert hits[0].rank < hits[1].rank < hits[2].rank
    top = hits[0]
    assert (top.conversation_id, top.conversation_title, top.role) == (cid, "SQLite question", "assistant")
    assert not hits.fallback
    assert len(search(store, "sqlite", limit=1)) == 1


def test_snippet_marks_every_hit_with_spans_and_markers(store):
    chat(store, "What is WAL?", "The WAL (write-ahead log) lets readers run while a writer writes.")
    hit = next(h for h in search(store, "wal") if h.role == "assistant")
    assert hit.snippet == "The WAL (write-ahead log) lets readers run while a writer writes."
    assert hit.spans == ((4, 7),)
    assert [hit.snippet[s:e] for s, e in hit.spans] == ["WAL"]
    assert hit.marked == "The «WAL» (write-ahead log) lets readers run while a writer writes."
    assert hit.mark("\x1b[1m", "\x1b[22m").startswith("The \x1b[1mWAL\x1b[22m (")
    two = search(store, "readers writer")[0]
    assert [two.snippet[s:e] for s, e in two.spans] == ["readers", "writer"]


def test_a_long_message_gives_a_short_snippet_around_the_hit(store):
    filler = " ".join(f"word{i}" for i in range(400))
    chat(store, "long", f"{filler} needle {filler}")
    hit = search(store, "needle")[0]
    assert hit.snippet.startswith("…") and hit.snippet.endswith("…")
    assert len(hit.snippet.split()) <= 17 and hit.marked.count("«needle»") == 1


def test_words_are_anded_and_a_trailing_star_is_a_prefix(store):
    chat(store, "caching", "The cache was cached while caching.")
    chat(store, "cash", "Cash only, no cards.")
    chat(store, "both", "Prompt cache and cash register.")
    assert {h.snippet for h in search(store, "cach*")} >= {
        "The cache was cached while caching.", "Prompt cache and cash register."}
    assert search(store, "cach") == []  # no star: whole words only
    assert [h.snippet for h in search(store, "cache cash")] == ["Prompt cache and cash register."]
    assert search(store, "cache CASH*")[0].snippet == "Prompt cache and cash register."


@pytest.mark.parametrize("query", [
    "foo-bar", '"', '""', "'", "AND", "OR", "NOT", "NEAR", "NEAR(a b)", "*", "**", "a*b*", "(",
    ")", "content:x", "messages_fts:x", "^x", "-x", "+", "\\", "%", "_", "___", "{a b}", "a AND",
    "AND OR NOT", "", "   ", "sk-proj-abcdefghijk", "😀", "x" * 1000, "\x00", "\x02\x03",
])
def test_any_user_query_is_safe(store, query):
    chat(store, "foo-bar and or not near", "a b content x")
    assert isinstance(search(store, query), list)


def test_punctuation_and_operators_are_plain_words(store):
    chat(store, "Is foo-bar AND baz OR qux legal?", "Yes.")
    assert fts_query("foo-bar") == '"foo-bar"'
    assert fts_query('say "hi"*') == '"say" AND """hi"""*'
    assert fts_query("* - ") is None
    assert search(store, "foo-bar")[0].marked.startswith("Is «foo-bar» AND")
    assert search(store, "AND") and search(store, "OR qux")
    assert search(store, "bar-foo") == []  # a phrase: word order matters


def test_a_streaming_reply_is_found_by_its_current_text_only(store):
    c = store.create_conversation("openai", "gpt-4.1-mini")
    user = store.add_user_message(c.id, "Write something")
    turn = store.start_turn(c.id, user.id, META)
    store.save_partial(turn, "Once upon a time a zebra")
    assert [h.message_id for h in search(store, "zebra")] == [turn.reply_message_id]
    store.save_partial(turn, "Rewritten: an okapi grazed")  # the text so far, replaced
    assert search(store, "zebra") == []
    assert [h.message_id for h in search(store, "okapi")] == [turn.reply_message_id]
    store.finish_turn(turn, TurnResult(COMPLETE, "Final: a giraffe."))
    assert search(store, "okapi") == [] and len(search(store, "giraffe")) == 1
    assert index_is_consistent(store)


def test_deleted_conversations_vanish_from_results(store):
    gone, _, _ = chat(store, "platypus facts", "The platypus lays eggs.")
    kept, _, _ = chat(store, "more platypus", "Platypus again.")
    assert {h.conversation_id for h in search(store, "platypus")} == {gone, kept}
    store.delete_conversation(gone)
    assert {h.conversation_id for h in search(store, "platypus")} == {kept}
    assert index_is_consistent(store)
    store.db.execute("DELETE FROM turns")  # cascading deletes go through the triggers too
    with store.db:
        store.db.execute("DELETE FROM conversations")
    assert search(store, "platypus") == [] and index_is_consistent(store)


def test_branches_and_imports_are_indexed(store):
    cid, user_id, _ = chat(store, "quokka question", "quokka answer")
    branch = store.duplicate_conversation(cid, upto_message_id=user_id)
    assert {(h.conversation_id, h.role) for h in search(store, "quokka")} == {
        (cid, "user"), (cid, "assistant"), (branch.id, "user")}


def test_keys_in_matching_messages_are_masked_in_snippets(store):
    key = "sk-proj-AbCdEf0123456789xyz"
    chat(store, f"my key {key} leaked", "ok")
    for query in ("leaked", key, "sk-proj*", "abcdef0123456789xyz"):
        for hit in search(store, query, secrets=["leaked-secret", key]):
            assert "AbCdEf" not in hit.snippet and "AbCdEf" not in hit.marked
    hit = search(store, "leaked", secrets=[key])[0]
    assert hit.marked == "my key [redacted] «leaked»"
    hit = search(store, "leaked")[0]  # a key-shaped word chattui does not know is text
    assert hit.marked == f"my key {key} «leaked»"


def test_migration_indexes_the_messages_of_an_old_database(tmp_path):
    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    migrate(db, MIGRATIONS[:4])  # as chattui left it before full-text search
    db.execute("INSERT INTO conversations (id, title, provider, model, created_at, updated_at)"
               " VALUES ('c1', 'old chat', 'openai', 'gpt-4o', 1, 2)")
    db.execute("INSERT INTO messages (conversation_id, role, content, created_at)"
               " VALUES ('c1', 'user', 'an ancient axolotl question', 1)")
    db.commit()
    db.close()

    store = Store(path)
    assert fts_available(store)
    hits = search(store, "axolotl")
    assert [(h.conversation_id, h.conversation_title, h.marked) for h in hits] == [
        ("c1", "old chat", "an ancient «axolotl» question")]
    store.add_user_message("c1", "a new axolotl")
    assert len(search(store, "axolotl")) == 2 and index_is_consistent(store)
    store.close()


def test_without_fts5_search_falls_back_to_like_and_says_so(store):
    chat(store, "first 100% sure", "The AXOLOTL regrows limbs; axolotls are salamanders.")
    chat(store, "second", "another axolotl")
    with store.db:
        for name in ("insert", "delete", "update"):
            store.db.execute(f"DROP TRIGGER messages_fts_{name}")
        store.db.execute("DROP TABLE messages_fts")
    assert not fts_available(store)
    hits = search(store, "axolotl")
    assert hits.fallback
    assert [h.snippet for h in hits] == [
        "another axolotl", "The AXOLOTL regrows limbs; axolotls are salamanders."]  # newest first
    assert hits[1].marked == "The «AXOLOTL» regrows limbs; «axolotl»s are salamanders."
    assert [h.snippet for h in search(store, "100%")] == ["first 100% sure"]
    assert search(store, "100_") == [] and search(store, '"') == []


def test_search_hit_mark_with_no_spans_is_the_snippet():
    hit = SearchHit("c", None, 1, "user", 0.0, "plain", (), 0.0)
    assert hit.marked == "plain"


def test_a_word_in_too_many_messages_is_ranked_among_the_newest(store, monkeypatch):
    ids = [chat(store, f"gnu {'gnu ' * (5 - i)}", "x")[1] for i in range(5)]  # oldest = most gnus
    assert [h.message_id for h in search(store, "gnu")] == ids  # best first: oldest first
    full = search(store, "gnu")
    assert (full.total, full.capped) == (5, False)
    monkeypatch.setattr(search_module, "RANK_LIMIT", 2)
    capped = search(store, "gnu")
    assert (capped.total, capped.capped) == (5, True)
    assert [h.message_id for h in capped] == ids[3:]  # the two newest, still by rank
    assert len(search(store, "gnu", limit=1)) == 1

import sqlite3

from chattui.core.models import COMPLETE, INTERRUPTED, STREAMING, TurnMeta, TurnResult
from chattui.core.usage import Usage
from chattui.store import Store
from chattui.store.migrations import MIGRATIONS, m001_initial, migrate

META = TurnMeta("openai", "gpt-4.1-mini", "api.openai.com", "assistant", "abc123")


def test_migrations_on_empty_database_create_every_table():
    db = sqlite3.connect(":memory:")
    applied = migrate(db)
    assert applied == [m.__name__ for m in MIGRATIONS]
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"conversations", "messages", "turns", "_migrations"} <= tables
    assert migrate(db) == []  # applied once only


def test_migrations_upgrade_an_old_database_and_keep_its_rows(tmp_path):
    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    migrate(db, [m001_initial])
    db.execute("INSERT INTO conversations VALUES ('c1', 'old chat', 'openai', 'gpt-4o', NULL, 1, 2)")
    db.execute("INSERT INTO messages (conversation_id, role, content, created_at) VALUES ('c1', 'user', 'hi', 1)")
    db.commit()
    db.close()

    store = Store(path)
    conversation = store.get_conversation("c1")
    assert conversation.title == "old chat" and conversation.mode == "full"
    assert [m.content for m in store.messages("c1")] == ["hi"]
    columns = {r[1] for r in store.db.execute("PRAGMA table_info(turns)")}
    assert {"prefix_fingerprint", "first_token_ms", "usage_estimated"} <= columns


def test_a_failing_migration_leaves_no_half_applied_schema():
    db = sqlite3.connect(":memory:")

    def m099_broken(conn):
        conn.execute("CREATE TABLE half (x)")
        raise RuntimeError("boom")

    try:
        migrate(db, [m001_initial, m099_broken])
    except RuntimeError:
        pass
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "half" not in tables and "conversations" in tables
    assert [r[0] for r in db.execute("SELECT name FROM _migrations")] == ["m001_initial"]


def test_turn_lifecycle_is_stored_with_every_usage_field(tmp_path):
    store = Store(tmp_path / "c.db")
    conversation = store.create_conversation("openai", "gpt-4.1-mini", "assistant")
    user = store.add_user_message(conversation.id, "What is   WAL\nmode?")
    turn = store.start_turn(conversation.id, user.id, META)
    assert turn.status == STREAMING
    store.save_partial(turn, "WAL is")
    assert store.messages(conversation.id)[-1].content == "WAL is"

    usage = Usage(input_total=2006, cache_read=1920, cache_write_5m=0, cache_write_1h=None,
                  output=300, reasoning=12)
    done = store.finish_turn(turn, TurnResult(COMPLETE, "WAL is a journal mode.", usage, 0.0007064,
                                              "chatcmpl-1", finish_reason="stop", first_token_ms=120.5))
    assert done.usage == usage and done.cost_usd == 0.0007064 and done.response_id == "chatcmpl-1"
    assert done.meta == META and done.first_token_ms == 120.5 and done.finish_reason == "stop"
    assert store.get_conversation(conversation.id).title == "What is WAL mode?"
    assert [(m.role, m.content, m.status) for m in store.messages(conversation.id)] == [
        ("user", "What is   WAL\nmode?", None),
        ("assistant", "WAL is a journal mode.", COMPLETE),
    ]


def test_reopening_marks_a_streaming_turn_interrupted_and_keeps_its_text(tmp_path):
    store = Store(tmp_path / "c.db")
    conversation = store.create_conversation("openai", "gpt-4.1-mini")
    user = store.add_user_message(conversation.id, "long question")
    turn = store.start_turn(conversation.id, user.id, META)
    store.save_partial(turn, "half an answ")
    store.close()  # as if the process died here

    reopened = Store(tmp_path / "c.db")
    assert reopened.recovered == 1
    reply = reopened.messages(conversation.id)[-1]
    assert (reply.content, reply.status) == ("half an answ", INTERRUPTED)
    assert reopened.latest_conversation().id == conversation.id


def test_conversation_found_by_id_prefix(tmp_path):
    store = Store(tmp_path / "c.db")
    conversation = store.create_conversation("openai", "m")
    assert store.get_conversation(conversation.id[:5]).id == conversation.id
    assert store.get_conversation("nope") is None


def test_latest_messages_reads_a_page_before_a_message_and_counts_the_rest(tmp_path):
    store = Store(tmp_path / "c.db")
    conversation = store.create_conversation("openai", "gpt-4.1-mini")
    for n in range(5):
        user = store.add_user_message(conversation.id, f"q{n}")
        turn = store.start_turn(conversation.id, user.id, META)
        store.finish_turn(turn, TurnResult(COMPLETE, f"a{n}", Usage(input_total=1, output=1), 0.0))
    everything = store.messages(conversation.id)
    assert store.latest_messages(conversation.id, 4) == everything[-4:]  # with status and error
    assert store.latest_messages(conversation.id, 4, before_id=everything[-4].id) == everything[2:6]
    assert store.latest_messages(conversation.id, 4, before_id=everything[1].id) == everything[:1]
    assert store.latest_messages(conversation.id, 4, before_id=everything[0].id) == []
    assert store.count_messages(conversation.id) == 10
    assert store.count_messages(conversation.id, before_id=everything[-4].id) == 6
    assert store.count_messages(conversation.id, skip_role="user") == 5

"""The archive: Store.list/rename/delete/duplicate, and `chattui ls | search | export | import`
run through chattui.cli.main as a user would."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from chattui.cli import main
from chattui.core.models import COMPLETE, STREAMING, TurnMeta, TurnResult
from chattui.core.usage import Usage
from chattui.store import Store
from chattui.store import DB_NAME
from tests.unit.test_export import KEY, seed

RESPONSES = TurnMeta("openai", "gpt-4.1-mini", api="responses")
CHAT = TurnMeta("openai", "gpt-4.1-mini", api="chat")


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """No config, .env or API key from the machine running the tests."""
    monkeypatch.setenv("CHATTUI_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.delenv("CHATTUI_DATA_DIR", raising=False)
    for var in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "NO_COLOR"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def data(tmp_path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def store(data):
    s = Store(data / DB_NAME)
    yield s
    s.close()


def turn(store: Store, cid: str, text: str, reply: str, cost: float | None, meta=CHAT,
         response_id: str | None = None) -> int:
    user = store.add_user_message(cid, text)
    t = store.start_turn(cid, user.id, meta)
    store.finish_turn(t, TurnResult(COMPLETE, reply, Usage(input_total=100, output=10), cost, response_id))
    return t.reply_message_id


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def set_updated(store: Store, cid: str, when: float) -> None:
    with store.db:
        store.db.execute("UPDATE conversations SET updated_at = ? WHERE id = ?", (when, cid))


# Store


def test_list_conversations_most_recent_first_with_turns_and_costs(store):
    a = store.create_conversation("openai", "gpt-4.1-mini", "chef", "chained")
    turn(store, a.id, "Soup?", "Yes.", 0.25)
    turn(store, a.id, "Salt?", "Some.", None)
    b = store.create_conversation("anthropic", "claude-sonnet-5")
    turn(store, b.id, "Hi", "Hello", 0.5)
    turn(store, b.id, "Bye", "Bye", 0.125)
    empty = store.create_conversation("gemini", "gemini-2.5-flash")
    set_updated(store, a.id, 3000), set_updated(store, b.id, 2000), set_updated(store, empty.id, 1000)

    summaries = store.list_conversations()
    assert [(s.id, s.title, s.persona, s.model, s.provider, s.mode, s.turns, s.messages)
            for s in summaries] == [
        (a.id, "Soup?", "chef", "gpt-4.1-mini", "openai", "chained", 2, 4),
        (b.id, "Hi", None, "claude-sonnet-5", "anthropic", "full", 2, 4),
        (empty.id, None, None, "gemini-2.5-flash", "gemini", "full", 0, 0),
    ]
    assert [(s.cost_usd, s.unpriced_turns, s.unpriced) for s in summaries] == [
        (0.25, 1, True), (0.625, 0, False), (0.0, 0, False)]
    assert [s.id for s in store.list_conversations(limit=2)] == [a.id, b.id]


def test_rename_conversation(store):
    c = store.create_conversation("openai", "m")
    before = store.get_conversation(c.id)
    renamed = store.rename_conversation(c.id, "  Trip\nplanning ")
    assert renamed.title == "Trip planning" and renamed.updated_at == before.updated_at
    with pytest.raises(ValueError):
        store.rename_conversation(c.id, "   ")
    with pytest.raises(KeyError):
        store.rename_conversation("nope", "x")


def test_delete_returns_responses_ids_no_other_conversation_uses(store):
    c = store.create_conversation("openai", "gpt-4.1-mini", mode="chained")
    first = turn(store, c.id, "one", "1", 0.1, RESPONSES, "resp_1")
    turn(store, c.id, "two", "2", 0.1, RESPONSES, "resp_2")
    turn(store, c.id, "three", "3", 0.1, CHAT, "chatcmpl-3")  # not a stored response
    other = store.create_conversation("openai", "m")
    keep = turn(store, other.id, "x", "y", 0.1, CHAT)
    branch = store.duplicate_conversation(c.id, upto_message_id=first)  # shares resp_1

    assert store.delete_conversation(c.id) == ["resp_2"]
    assert store.get_conversation(c.id) is None
    assert store.messages(c.id) == [] and store.turns(c.id) == []
    assert [m.id for m in store.messages(other.id)][-1] == keep
    assert store.delete_conversation(branch.id) == ["resp_1"]  # now nobody else uses it
    with pytest.raises(KeyError):
        store.delete_conversation(c.id)
    assert store.db.execute("SELECT count(*) FROM turns").fetchone()[0] == 1


def test_duplicate_up_to_a_message_copies_messages_and_their_turns(store):
    c = store.create_conversation("openai", "gpt-4.1-mini", "chef", "chained", "api.openai.com")
    first_reply = turn(store, c.id, "Soup?", "Yes.", 0.25, RESPONSES, "resp_1")
    store.add_divider(c.id, "persona → panda")
    second_user = store.add_user_message(c.id, "Salad?")
    t = store.start_turn(c.id, second_user.id, RESPONSES)
    store.finish_turn(t, TurnResult(COMPLETE, "Sure.", Usage(input_total=5, output=1), 0.01, "resp_2"))

    branch = store.duplicate_conversation(c.id, upto_message_id=second_user.id)
    assert branch.id != c.id and branch.title == "Soup? (branch)"
    assert (branch.provider, branch.model, branch.persona, branch.mode, branch.base_url_host) == (
        "openai", "gpt-4.1-mini", "chef", "chained", "api.openai.com")
    copied = store.messages(branch.id)
    assert [(m.role, m.content, m.status) for m in copied] == [
        ("user", "Soup?", None), ("assistant", "Yes.", COMPLETE), ("divider", "persona → panda", None),
        ("user", "Salad?", None)]
    original = store.messages(c.id)
    assert [m.created_at for m in copied] == [m.created_at for m in original[:4]]
    (copy,) = store.turns(branch.id)
    (source, _) = store.turns(c.id)
    assert (copy.user_message_id, copy.reply_message_id) == (copied[0].id, copied[1].id)
    assert (copy.usage, copy.cost_usd, copy.response_id, copy.meta, copy.started_at) == (
        source.usage, source.cost_usd, source.response_id, source.meta, source.started_at)
    assert source.reply_message_id == first_reply

    whole = store.duplicate_conversation(c.id)
    assert len(store.messages(whole.id)) == 5 and len(store.turns(whole.id)) == 2
    assert store.latest_conversation().id == whole.id
    with pytest.raises(ValueError):
        store.duplicate_conversation(c.id, upto_message_id=copied[0].id)  # another conversation's
    with pytest.raises(KeyError):
        store.duplicate_conversation("nope")


def test_open_existing_leaves_a_streaming_turn_alone(data, store):
    c = store.create_conversation("openai", "m")
    user = store.add_user_message(c.id, "q")
    t = store.start_turn(c.id, user.id, CHAT)  # a chattui window is streaming this reply
    cli_store = Store.open_existing(data / DB_NAME)
    assert cli_store.recovered == 0 and cli_store.get_turn(t.id).status == STREAMING
    cli_store.close()
    with pytest.raises(FileNotFoundError):
        Store.open_existing(data / "missing.db")
    assert not (data / "missing.db").exists()



# chattui ls


def test_ls_prints_an_aligned_table_most_recent_first(capsys, data, store, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)  # a key chattui knows is masked
    a = store.create_conversation("openai", "gpt-4.1-mini", "chef")
    turn(store, a.id, "Soup recipes please", "Sure.", 0.25)
    turn(store, a.id, "More", "Ok.", None)
    b = store.create_conversation("anthropic", "claude-sonnet-5")
    turn(store, b.id, f"Use {KEY} for this", "Ok.", 0.0007064)
    set_updated(store, a.id, 2_000_000_000), set_updated(store, b.id, 1_000_000_000)

    code, out, err = run(capsys, "ls", "--data-dir", str(data))
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].split() == ["ID", "UPDATED", "TURNS", "COST", "MODEL", "PERSONA", "TITLE"]
    assert lines[1].split()[0] == a.id and lines[2].split()[0] == b.id
    assert lines[1].split()[3:] == ["2", "$0.2500+?", "gpt-4.1-mini", "chef", "Soup", "recipes", "please"]
    assert lines[2].split()[3:] == [
        "1", "$0.000706", "claude-sonnet-5", "-", "Use", "[redacted]", "for", "this"]
    title_column = lines[0].index("TITLE")
    assert all(line[title_column - 2:title_column] == "  " for line in lines[1:])
    assert lines[1].index("gpt") == lines[2].index("claude") == lines[0].index("MODEL")
    assert KEY not in out

    code, out, _ = run(capsys, "ls", "--data-dir", str(data), "--limit", "1")
    assert len(out.splitlines()) == 2
    code, out, _ = run(capsys, "ls", "--data-dir", str(data), "--json")
    listed = json.loads(out)
    assert [c["id"] for c in listed] == [a.id, b.id]
    assert listed[0] | {"created": None} == {
        "id": a.id, "title": "Soup recipes please", "provider": "openai", "model": "gpt-4.1-mini",
        "persona": "chef", "mode": "full", "created": None, "updated": "2033-05-18T03:33:20Z",
        "turns": 2, "messages": 4, "cost_usd": 0.25, "unpriced_turns": 1}


def test_ls_on_an_empty_store_is_a_clear_error_and_creates_nothing(capsys, data):
    code, out, err = run(capsys, "ls", "--data-dir", str(data))
    assert code == 1 and out == ""
    assert err == f"chattui ls: no conversations yet (no database at {data / DB_NAME})\n"
    assert not data.exists()
    assert run(capsys, "ls", "--data-dir", str(data), "--json")[:2] == (0, "[]\n")
    Store(data / DB_NAME).close()
    assert run(capsys, "ls", "--data-dir", str(data)) == (1, "", "chattui ls: no conversations yet\n")


def test_ls_rejects_a_bad_limit(capsys, data):
    with pytest.raises(SystemExit) as exit_:
        main(["ls", "--data-dir", str(data), "--limit", "0"])
    assert exit_.value.code == 2 and "must be 1 or more" in capsys.readouterr().err


# chattui search


def test_search_prints_hits_with_marked_snippets(capsys, data, store):
    a = store.create_conversation("openai", "m")
    turn(store, a.id, "How does WAL mode work?", "WAL appends changes to a separate log.", 0.1)
    b = store.create_conversation("openai", "m")
    turn(store, b.id, "Unrelated", "Nothing here.", 0.1)

    code, out, err = run(capsys, "search", "--data-dir", str(data), "wal")
    assert code == 0 and err == ""
    assert out.splitlines()[0].startswith(f"{a.id}  How does WAL mode work?  · #")
    assert "    «WAL» appends changes to a separate log.\n" in out
    assert "    How does «WAL» mode work?\n" in out
    assert b.id not in out and "\x1b" not in out

    code, out, _ = run(capsys, "search", "--data-dir", str(data), "--json", "separate", "lo*")
    (hit,) = json.loads(out)
    assert hit["conversation_id"] == a.id and hit["role"] == "assistant"
    assert hit["marked"] == "WAL appends changes to a «separate» «log»."
    assert [hit["snippet"][s:e] for s, e in hit["spans"]] == ["separate", "log"]


def test_search_highlights_in_bold_on_a_terminal(capsys, data, store, monkeypatch):
    c = store.create_conversation("openai", "m")
    turn(store, c.id, "a kiwi", "b", 0.1)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    code, out, _ = run(capsys, "search", "--data-dir", str(data), "kiwi")
    assert "    a \x1b[1mkiwi\x1b[22m\n" in out and "«" not in out


def test_search_without_hits_or_store_and_odd_queries(capsys, data, store):
    c = store.create_conversation("openai", "m")
    turn(store, c.id, 'a "quoted" foo-bar', "b", 0.1)
    assert run(capsys, "search", "--data-dir", str(data), "zebra") == (
        1, "", "chattui search: no messages match 'zebra'\n")
    for query in ('"', "AND", "foo-bar*", "NEAR(", "*", "col:x"):
        code, _, err = run(capsys, "search", "--data-dir", str(data), query)
        assert code in (0, 1) and "Traceback" not in err
    assert run(capsys, "search", "--data-dir", str(data), "foo-bar")[0] == 0
    code, _, err = run(capsys, "search", "--data-dir", str(data / "elsewhere"), "x")
    assert code == 1 and err.startswith("chattui search: no conversations yet")


# chattui export


def test_export_to_stdout_in_each_format(capsys, data, store):
    cid = seed(store)
    code, out, err = run(capsys, "export", "--data-dir", str(data), "last", "--format", "md")
    assert code == 0 and err == "" and out.startswith("---\ntitle: ")
    assert "_prompt 2,006 · cached 1,920 · out 300 · $0.000706_" in out
    code, out, _ = run(capsys, "export", "--data-dir", str(data), cid[:6], "--format", "json")
    assert json.loads(out)["conversation"]["id"] == cid
    code, out, _ = run(capsys, "export", "--data-dir", str(data), cid, "--format", "html")
    assert out.startswith("<!DOCTYPE html>") and "Where is order 42?" in out
    assert run(capsys, "export", "--data-dir", str(data), "last")[1].startswith("---\n")  # md default


def test_export_masks_the_configured_api_key(capsys, data, store, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "plain-looking-configured-key")
    c = store.create_conversation("openai", "m")
    turn(store, c.id, "the key is plain-looking-configured-key", "noted", 0.1)
    for fmt in ("md", "json", "html"):
        code, out, _ = run(capsys, "export", "--data-dir", str(data), "last", "--format", fmt)
        assert code == 0 and "plain-looking-configured-key" not in out and "[redacted]" in out


def test_export_to_a_file_is_atomic_and_infers_the_format(capsys, data, store, tmp_path):
    cid = seed(store)
    target = tmp_path / "out" / "chat.html"
    target.parent.mkdir()
    code, out, err = run(capsys, "export", "--data-dir", str(data), cid, "-o", str(target))
    assert code == 0 and out == ""
    assert err == f"Exported {cid} (9 messages) to {target}\n"
    assert target.read_text().startswith("<!DOCTYPE html>")
    assert [p.name for p in target.parent.iterdir()] == ["chat.html"]
    code, _, _ = run(capsys, "export", "--data-dir", str(data), cid, "-o", str(target), "--format", "json")
    assert json.loads(target.read_text())["version"] == 1
    assert [p.name for p in target.parent.iterdir()] == ["chat.html"]
    code, _, err = run(capsys, "export", "--data-dir", str(data), cid, "-o", str(tmp_path / "no" / "x.md"))
    assert code == 1 and err.startswith("chattui export: cannot write ") and len(err.splitlines()) == 1


def test_export_errors_are_one_line(capsys, data, store):
    assert run(capsys, "export", "--data-dir", str(data / "none"), "last") == (
        1, "", f"chattui export: no conversations yet (no database at {data / 'none' / DB_NAME})\n")
    assert run(capsys, "export", "--data-dir", str(data), "last") == (
        1, "", "chattui export: no conversations yet\n")
    assert run(capsys, "export", "--data-dir", str(data), "abc") == (
        1, "", "chattui export: no conversation with id 'abc' (the store is empty); see `chattui ls`\n")
    ids = set()
    while len(ids) < 2 or len({i[0] for i in ids}) == len(ids):  # two ids sharing a first digit
        ids.add(store.create_conversation("openai", "m").id)
    shared = next(i[0] for i in ids if sum(j[0] == i[0] for j in ids) > 1)
    code, _, err = run(capsys, "export", "--data-dir", str(data), shared)
    assert code == 1 and err.startswith(f"chattui export: id prefix '{shared}' matches ")
    code, _, err = run(capsys, "export", "--data-dir", str(data), "%")
    assert code == 1 and "no conversation with id '%'" in err


# chattui import


def test_import_prints_the_new_id_and_round_trips(capsys, data, store, tmp_path):
    cid = seed(store)
    exported = tmp_path / "chat.json"
    assert run(capsys, "export", "--data-dir", str(data), cid, "-o", str(exported))[0] == 0
    other = tmp_path / "other"
    code, out, err = run(capsys, "import", "--data-dir", str(other), str(exported))
    assert code == 0 and err == ""
    new_id = out.strip()
    assert len(new_id) == 12 and new_id != cid
    imported = Store(other / DB_NAME)
    assert imported.get_conversation(new_id).title == "Where is order 42? Ünïcode ✓"
    assert [m.content for m in imported.messages(new_id)] == [m.content for m in store.messages(cid)]
    imported.close()
    code, out, _ = run(capsys, "export", "--data-dir", str(other), new_id, "--format", "json")
    again = json.loads(out)
    original = json.loads(exported.read_text())
    ids = {"id", "conversation_id", "user_message_id", "reply_message_id"}

    def strip_ids(rows):
        return [{k: v for k, v in r.items() if k not in ids} for r in rows]

    assert strip_ids(again["messages"]) == strip_ids(original["messages"])
    assert strip_ids(again["turns"]) == strip_ids(original["turns"])
    # importing into the same store adds a copy
    code, out, _ = run(capsys, "import", "--data-dir", str(data), str(exported))
    assert code == 0 and len(store.list_conversations()) == 2


def test_import_refuses_bad_files_in_one_line(capsys, data, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{nope")
    code, out, err = run(capsys, "import", "--data-dir", str(data), str(bad))
    assert (code, out) == (1, "") and err.startswith(f"chattui import: {bad}: not JSON")
    bad.write_text(json.dumps({"format": "chattui.conversation", "version": 9}))
    code, _, err = run(capsys, "import", "--data-dir", str(data), str(bad))
    assert code == 1 and "newer chattui" in err and len(err.splitlines()) == 1
    code, _, err = run(capsys, "import", "--data-dir", str(data), str(tmp_path / "missing.json"))
    assert code == 1 and err.startswith("chattui import: cannot read ")
    bad.write_bytes(b"\xff\xfe\x00garbage")
    code, _, err = run(capsys, "import", "--data-dir", str(data), str(bad))
    assert code == 1 and len(err.splitlines()) == 1
    assert not (data / DB_NAME).exists()  # nothing was imported, nothing created


def test_archive_commands_do_not_load_textual():
    import subprocess

    code = ("import sys; import chattui.subcommands.ls, chattui.subcommands.search, "
            "chattui.subcommands.export, chattui.subcommands.import_, chattui.store.search, "
            "chattui.core.export; print(any(m.split('.')[0] == 'textual' for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_stored_control_characters_are_shown_not_sent_to_the_terminal(capsys, data, store, monkeypatch):
    osc = "\x1b]0;PWNED\x07"  # would set the terminal's title (an imported file, a provider's name)
    c = store.create_conversation("openai", f"gpt{osc}")
    turn(store, c.id, f"title{osc} kiwi", f"reply{osc} kiwi", 0.1, meta=TurnMeta("openai", f"gpt{osc}"))
    store.rename_conversation(c.id, f"T{osc}")
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    for argv in (["ls"], ["search", "kiwi"], ["stats"], ["stats", "--chart"], ["export", c.id]):
        code, out, _ = run(capsys, *argv, "--data-dir", str(data))
        assert code == 0 and "\x07" not in out and "\x1b]" not in out, argv
        assert "␛]0;PWNED␇" in out, argv
    code, out, _ = run(capsys, "search", "kiwi", "--data-dir", str(data))
    assert f"    title␛]0;PWNED␇ \x1b[1mkiwi\x1b[22m\n" in out  # the bold is chattui's own
    monkeypatch.setattr(sys.stdout, "isatty", lambda: False)
    code, out, _ = run(capsys, "export", c.id, "--format", "md", "--data-dir", str(data))
    assert osc in out  # to a file or a pipe, exactly as stored


def test_rm_refuses_a_conversation_another_window_streams_into(capsys, data, store):
    c = store.create_conversation("openai", "m")
    user = store.add_user_message(c.id, "a long question")
    store.save_partial(store.start_turn(c.id, user.id, CHAT), "The first half")  # this "window" streams
    code, out, err = run(capsys, "rm", c.id, "--data-dir", str(data))
    assert code == 1 and f"a reply is streaming into {c.id} in another window" in err
    assert store.get_conversation(c.id) is not None  # its reply would have been lost


def test_output_that_cannot_be_written_is_one_line_not_a_traceback(capsys, data, store, monkeypatch):
    import errno

    c = store.create_conversation("openai", "m")
    turn(store, c.id, "q", "a", 0.1)

    def full(text):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(sys.stdout, "write", full)
    for argv in (["ls"], ["export", c.id], ["stats"]):  # `> /dev/full`: a traceback before
        code, _, err = run(capsys, *argv, "--data-dir", str(data))
        assert code == 1 and err == f"chattui {argv[0]}: cannot write its output: No space left on device\n"


def test_stats_since_before_1970_and_trust_of_no_directory_say_so(capsys, data, store, tmp_path):
    c = store.create_conversation("openai", "m")
    turn(store, c.id, "q", "a", 0.1)
    with pytest.raises(SystemExit) as exited:  # year 1: ValueError out of datetime, a traceback
        main(["stats", "--since", "0001-01-01", "--data-dir", str(data)])
    assert exited.value.code == 2
    assert "expected a date from 1970-01-01 on, got '0001-01-01'" in capsys.readouterr().err
    code, out, err = run(capsys, "trust", str(tmp_path / "typo"))  # "Nothing to trust", exit 0
    assert code == 1 and "no such directory" in err

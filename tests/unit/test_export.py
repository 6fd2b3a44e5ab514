"""Export (Markdown, JSON, HTML), JSON import and atomic writes, on conversations seeded
through the real Store API."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
import re

import pytest

from chattui.core import export
from chattui.core.export import files as export_files
from chattui.core.export import import_json, to_document, to_html, to_json, to_markdown, write_atomic
from chattui.core.models import COMPLETE, FAILED, STOPPED, ToolCall, TurnMeta, TurnResult
from chattui.core.usage import Usage
from chattui.store import Store

META = TurnMeta("openai", "gpt-4.1-mini", "api.openai.com", "support", "fp-abc123", "responses")
KEY = "sk-proj-AbCdEf0123456789xyzXYZ"
SCRIPT = "<script>alert(1)</script>"


def seed(store: Store, question: str = "Where is order 42? Ünïcode ✓") -> str:
    """A conversation with every kind of row and every turn field set somewhere."""
    c = store.create_conversation("openai", "gpt-4.1-mini", "support", "chained", "api.openai.com")
    user = store.add_user_message(c.id, question)
    turn = store.start_turn(c.id, user.id, META)
    store.save_partial(turn, "Let me")
    store.finish_turn(turn, TurnResult(
        COMPLETE, "Let me look that up.",
        Usage(input_total=2006, cache_read=1920, cache_write_5m=0, cache_write_1h=None,
              output=300, reasoning=None),
        cost_usd=0.0007064, response_id="resp_1", finish_reason="tool_calls",
        first_token_ms=120.5, duration_ms=900.25,
        tool_calls=(ToolCall("call_1", "get_delivery_date", '{"order_id": "42"}'),),
    ))
    result = store.add_tool_result(c.id, ToolCall("call_1", "get_delivery_date", ""),
                                   '{"date": "Friday"}')
    turn = store.start_turn(c.id, result.id, META)
    store.finish_turn(turn, TurnResult(
        COMPLETE, "Order 42 arrives **Friday**.\n\n```python\nprint('x')\n```",
        Usage(input_total=2100, cache_read=2000, cache_write_5m=10, cache_write_1h=5, output=20,
              reasoning=7, cost_reported=0.0004, estimated=False),
        cost_usd=0.0004, response_id="resp_2", finish_reason="stop", first_token_ms=80.0,
        duration_ms=300.0,
    ))
    store.add_divider(c.id, "persona → chef · gpt-4.1")
    user = store.add_user_message(c.id, "And order 7?")
    turn = store.start_turn(c.id, user.id, META)
    store.save_partial(turn, "Order 7 is")
    store.finish_turn(turn, TurnResult(
        STOPPED, "Order 7 is", Usage(input_total=2200, output=3, estimated=True), cost_usd=None,
        duration_ms=40.0,
    ))
    user = store.add_user_message(c.id, "Hello?")
    turn = store.start_turn(c.id, user.id, META)
    store.finish_turn(turn, TurnResult(FAILED, "", error="HTTP 500: upstream error"))
    return c.id


def rendered(store: Store, conversation_id: str, renderer, **options) -> str:
    conversation = store.get_conversation(conversation_id)
    return renderer(conversation, store.messages(conversation_id), store.turns(conversation_id),
                    **options)


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "a.db")
    yield s
    s.close()


# Markdown


def test_markdown_has_front_matter_usage_lines_tools_and_dividers(store):
    cid = seed(store)
    md = rendered(store, cid, to_markdown)
    front = md.split("---\n")[1]
    conversation = store.get_conversation(cid)
    created = export.iso_utc(conversation.created_at)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", created)
    for line in ('title: "Where is order 42? Ünïcode ✓"', f'id: "{cid}"', 'model: "gpt-4.1-mini"',
                 'provider: "openai"', 'persona: "support"', 'mode: "chained"',
                 f'created: "{created}"', "turns: 4", "tokens_in: 6306", "tokens_cached: 3920",
                 "tokens_out: 323", "cost_usd: 0.0011064", "unpriced_turns: 2"):
        assert line + "\n" in front
    body = md.split("---\n", 2)[2]
    assert "# Where is order 42? Ünïcode ✓\n" in body
    assert "\n_prompt 2,006 · cached 1,920 · out 300 · $0.000706_\n" in body
    assert ("\n_prompt 2,100 · cached 2,000 · write 15 · out 20 (+reasoning 7) · $0.000400_\n"
            in body)
    assert "\n_prompt ≈2,200 · out ≈3 · cost ? · stopped_\n" in body
    assert "\n_failed: HTTP 500: upstream error_\n" in body
    assert '**Tool call** `get_delivery_date` (call_1)\n\n```json\n{\n  "order_id": "42"\n}\n```' in body
    assert '### Tool result `get_delivery_date` (call_1)\n\n```\n{"date": "Friday"}\n```' in body
    assert "* * *\n\n_persona → chef · gpt-4.1_ · " in body
    assert "Order 42 arrives **Friday**.\n\n```python\nprint('x')\n```\n" in body
    assert body.index("## You") < body.index("## Assistant (gpt-4.1-mini)") < body.index("Tool result")


def test_markdown_fences_outgrow_backticks_in_tool_output(store):
    c = store.create_conversation("openai", "m")
    store.add_tool_result(c.id, ToolCall("c1", "shell", ""), "before\n```\ninside\n```\nafter")
    md = rendered(store, c.id, to_markdown)
    assert "````\nbefore\n```\ninside\n```\nafter\n````" in md


# JSON


def test_json_export_has_every_column_of_every_row(store):
    cid = seed(store)
    document = json.loads(rendered(store, cid, to_json))
    assert (document["format"], document["version"]) == ("chattui.conversation", 1)

    def columns(table):
        return {row[1] for row in store.db.execute(f"PRAGMA table_info({table})")}

    assert set(document["conversation"]) == columns("conversations")
    assert all(set(m) == columns("messages") for m in document["messages"])
    assert all(set(t) == columns("turns") for t in document["turns"])
    first = document["turns"][0]
    assert first | {"id": 0, "started_at": 0, "finished_at": 0} == {
        "id": 0, "conversation_id": cid, "user_message_id": document["messages"][0]["id"],
        "reply_message_id": document["messages"][1]["id"], "provider": "openai",
        "model": "gpt-4.1-mini", "base_url_host": "api.openai.com", "persona": "support",
        "prefix_fingerprint": "fp-abc123", "api": "responses", "status": "complete",
        "input_total": 2006, "cache_read": 1920, "cache_write_5m": 0, "cache_write_1h": None,
        "output": 300, "reasoning": None, "usage_estimated": False, "cost_usd": 0.0007064,
        "cost_reported": None, "response_id": "resp_1", "error": None,
        "finish_reason": "tool_calls", "started_at": 0, "finished_at": 0,
        "first_token_ms": 120.5, "duration_ms": 900.25, "kind": "chat",
        "cache_diagnosis": None, "cache_missed_tokens": None, "prefix_hash": None,
        "base_url": None, "image_detail": None,
    }
    assert document["messages"][1]["tool_calls"] == [
        {"id": "call_1", "name": "get_delivery_date", "arguments": '{"order_id": "42"}'}]
    assert document["messages"][2]["tool_call_id"] == "call_1"
    assert document["turns"][3]["error"] == "HTTP 500: upstream error"


def test_export_then_import_keeps_every_field(tmp_path, store):
    cid = seed(store)
    text = rendered(store, cid, to_json)
    other = Store(tmp_path / "b.db")
    seed(other, "an unrelated conversation, so ids differ")
    for target in (store, other):  # into the same store and into another one
        imported = target.import_conversation(import_json(text))
        assert imported.id != cid
        assert dataclasses.replace(imported, id=cid) == store.get_conversation(cid)

        def rows(db, table, conversation_id):
            return [dict(r) for r in db.execute(
                f"SELECT * FROM {table} WHERE conversation_id = ? ORDER BY id", (conversation_id,))]

        old_messages, new_messages = rows(store.db, "messages", cid), rows(target.db, "messages", imported.id)
        assert len(old_messages) == len(new_messages) == 9
        mapping = {old["id"]: new["id"] for old, new in zip(old_messages, new_messages)}
        if target is store:
            assert not set(mapping) & set(mapping.values())  # copies, not the originals
        strip = {"id": None, "conversation_id": None}
        assert [m | strip for m in old_messages] == [m | strip for m in new_messages]
        old_turns, new_turns = rows(store.db, "turns", cid), rows(target.db, "turns", imported.id)
        assert len(old_turns) == len(new_turns) == 4
        for old, new in zip(old_turns, new_turns):
            assert new["user_message_id"] == mapping[old["user_message_id"]]
            assert new["reply_message_id"] == mapping[old["reply_message_id"]]
            mapped = old | strip | {"user_message_id": new["user_message_id"],
                                    "reply_message_id": new["reply_message_id"]}
            assert mapped == new | strip
        # and through the dataclasses the app reads
        assert [dataclasses.replace(m, id=0, conversation_id="") for m in store.messages(cid)] == [
            dataclasses.replace(m, id=0, conversation_id="") for m in target.messages(imported.id)]
        again = json.loads(rendered(target, imported.id, to_json))
        assert len(again["turns"]) == 4 and again["turns"][1]["usage_estimated"] is False
    other.close()


def test_import_gives_a_streaming_turn_interrupted(store):
    c = store.create_conversation("openai", "m")
    user = store.add_user_message(c.id, "q")
    store.start_turn(c.id, user.id, META)
    document = import_json(rendered(store, c.id, to_json))
    assert document["turns"][0]["status"] == "streaming"
    imported = store.import_conversation(document)
    assert [t.status for t in store.turns(imported.id)] == ["interrupted"]


@pytest.mark.parametrize("mutate, message", [
    (lambda d: "{not json", "not JSON"),
    (lambda d: [1, 2], "expected a JSON object"),
    (lambda d: d | {"format": "something.else"}, "not a chattui conversation export"),
    (lambda d: d | {"version": 2}, "version 2, made by a newer chattui"),
    (lambda d: d | {"version": "1"}, "invalid export version"),
    (lambda d: d | {"messages": None}, "messages: expected a list"),
    (lambda d: {**d, "conversation": {k: v for k, v in d["conversation"].items() if k != "model"}},
     "conversation: missing 'model'"),
    (lambda d: _set(d, "messages", 0, "content", 5), "messages[0].content: expected string, got integer"),
    (lambda d: _set(d, "messages", 0, "role", "system"), "messages[0]: unknown role 'system'"),
    (lambda d: _set(d, "turns", 0, "reply_message_id", 999), "turns[0]: reply_message_id 999 is not"),
    (lambda d: _set(d, "turns", 0, "input_total", True), "turns[0].input_total: expected integer or null"),
    (lambda d: _set(d, "turns", 0, "conversation_id", "other"), "turns[0]: belongs to another"),
    (lambda d: _set(d, "messages", 1, "tool_calls", [{"id": "x"}]),
     "messages[1].tool_calls[0]: missing 'name'"),
])
def test_import_json_rejects_bad_input_with_a_clear_reason(store, mutate, message):
    document = json.loads(rendered(store, seed(store), to_json))
    bad = mutate(document)
    with pytest.raises(ValueError, match=re.escape(message)):
        import_json(bad if isinstance(bad, str) else json.dumps(bad))


def _set(document, table, index, key, value):
    document[table][index][key] = value
    return document


def test_import_json_accepts_a_file_without_optional_fields(store):
    document = json.loads(rendered(store, seed(store), to_json))
    for message in document["messages"]:
        del message["tool_call_id"], message["name"]
    parsed = import_json(document)
    assert parsed["messages"][0]["tool_call_id"] is None


# HTML


def test_html_is_inert_self_contained_and_redacted(store):
    c = store.create_conversation("openai", "gpt-4.1-mini", "assistant")
    user = store.add_user_message(c.id, f"My key is {KEY} and my password is hunter2-secret")
    turn = store.start_turn(c.id, user.id, META)
    store.finish_turn(turn, TurnResult(
        COMPLETE, f'Do not run {SCRIPT}\n\n```html\n<img src=x onerror="alert(2)">\n```\n'
                  f'<a href="javascript:alert(3)">x</a> & {KEY}',
        Usage(input_total=10, output=5), cost_usd=0.00001,
        tool_calls=(ToolCall("c1", "</code><script>", '{"q": "<b>bold</b>"}'),),
    ))
    page = rendered(store, c.id, to_html, secrets=["hunter2-secret", KEY])
    lower = page.lower()
    assert "<script" not in lower and "<img" not in lower and "<a " not in lower
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    code = re.sub(r"</?span[^>]*>", "", page)  # code is highlighted: Pygments' spans aside
    assert '&lt;img src=x onerror="alert(2)"&gt;' in code  # inside <pre><code>: text, not a tag
    assert re.search(r'<pre><code class="language-html">&lt;img', code)
    assert KEY not in page and "AbCdEf0123456789" not in page and "hunter2" not in page
    assert page.count("[redacted]") >= 3
    assert "http://" not in page and "https://" not in page
    assert not re.search(r"<[^>]*\s(src|href|on\w+)\s*=", page)  # no live attribute anywhere
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert "&lt;/code&gt;&lt;script&gt;" in page  # a hostile tool name is text too


def test_html_uses_the_theme_colours_and_ignores_anything_else(store):
    cid = seed(store)
    page = rendered(store, cid, to_html, theme={
        "background": "#101820", "primary": "rgb(1, 2, 3)",
        "accent": "red; } body { background: url(http://evil.example/x) }", "unknown": "#fff",
    })
    assert "background: #101820" in page and "border-left-color: rgb(1, 2, 3)" in page
    assert "evil.example" not in page
    assert export.DARK_THEME["accent"] in page  # the bad value fell back to the default
    assert "<h1>Where is order 42? Ünïcode ✓</h1>" in page
    assert page.count('<section class="message') == 8 and '<div class="divider">' in page


@pytest.mark.parametrize("renderer", [to_markdown, to_json, to_html])
def test_every_format_masks_the_known_keys_and_nothing_else(store, renderer):
    gemini = "AIzaSyA1234567890abcdefghijkl"
    c = store.create_conversation("openai", "m")
    user = store.add_user_message(c.id, f"{KEY} {gemini} my-own-secret-42 sk-learn-contrib-extras"
                                        " sk-proj-NotAKeyChattuiKnows0123")
    turn = store.start_turn(c.id, user.id, META)
    store.finish_turn(turn, TurnResult(
        COMPLETE, "ok", tool_calls=(ToolCall("c1", "f", json.dumps({"key": KEY})),),
        error=None))
    out = rendered(store, c.id, renderer, secrets=["my-own-secret-42", None, KEY, gemini])
    assert KEY not in out and "AIzaSy" not in out and "my-own-secret-42" not in out
    assert "[redacted]" in out
    # a key's shape is not a key: text chattui does not know as a key comes out as written
    assert "sk-learn-contrib-extras" in out and "sk-proj-NotAKeyChattuiKnows0123" in out


def test_json_export_and_import_are_lossless_for_key_shaped_text(tmp_path, store):
    text = "pip install sk-learn-contrib-extras; token sk-or-v1-abcdefghijklmnop"
    c = store.create_conversation("openai", "m")
    user = store.add_user_message(c.id, text)
    turn = store.start_turn(c.id, user.id, META)
    store.finish_turn(turn, TurnResult(COMPLETE, f"Sure: {text}", Usage(input_total=1, output=1)))
    exported = to_json(store.get_conversation(c.id), store.messages(c.id), store.turns(c.id),
                       secrets=["sk-the-real-key-0123456789"])
    assert "[redacted]" not in exported
    other = Store(tmp_path / "other.db")
    copy = other.import_conversation(import_json(exported))
    assert [m.content for m in other.messages(copy.id)] == [text, f"Sure: {text}"]
    other.close()


def test_document_is_the_json_export_parsed(store):
    cid = seed(store)
    conversation = store.get_conversation(cid)
    args = (conversation, store.messages(cid), store.turns(cid))
    assert json.loads(to_json(*args)) == to_document(*args)


# atomic writes


def test_write_atomic_replaces_the_file_and_leaves_no_temp_file(tmp_path):
    target = tmp_path / "out.md"
    target.write_text("old")
    os.chmod(target, 0o644)
    write_atomic(target, "new ✓\n")
    assert target.read_bytes() == "new ✓\n".encode()
    assert os.stat(target).st_mode & 0o777 == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["out.md"]


def test_write_atomic_failure_keeps_the_old_file_and_no_temp_file(tmp_path, monkeypatch):
    target = tmp_path / "out.md"
    target.write_text("old")

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(export_files.os, "replace", broken_replace)
    with pytest.raises(OSError):
        write_atomic(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.md"]


def test_write_atomic_into_a_missing_folder_fails_cleanly(tmp_path):
    with pytest.raises(FileNotFoundError):
        write_atomic(tmp_path / "nope" / "out.md", "x")
    assert list(tmp_path.iterdir()) == []


def test_write_atomic_follows_a_link_and_never_replaces_a_device_or_a_folder(tmp_path):
    real = tmp_path / "dotfiles" / "config.toml"
    real.parent.mkdir()
    real.write_text("old")
    link = tmp_path / "config.toml"
    link.symlink_to(real)
    write_atomic(link, "new")
    assert link.is_symlink() and real.read_text() == "new"  # the link was replaced by a file
    os.mkfifo(tmp_path / "pipe.md")
    for target in (tmp_path / "pipe.md", tmp_path / "dotfiles", Path("/dev/null")):
        with pytest.raises(OSError, match="not a regular file"):
            write_atomic(target, "x")  # as root, /dev/full itself became a regular file
    assert (tmp_path / "pipe.md").exists() and not (tmp_path / "pipe.md").is_file()


def test_write_atomic_takes_a_name_as_long_as_the_file_system_does(tmp_path):
    target = tmp_path / ("n" * 250 + ".md")  # its temporary file's name was too long
    write_atomic(target, "x")
    assert target.read_text() == "x" and len(list(tmp_path.iterdir())) == 1

"""Attachments in the store (m007), in branches and deletes, and in export/import."""

from __future__ import annotations

import dataclasses
import json
import re
import sqlite3

import pytest

from chattui.core.attachments import Attachment
from chattui.core.export import import_json, to_html, to_json, to_markdown
from chattui.store import Store
from chattui.store.migrations import MIGRATIONS, migrate

CAT = Attachment("path", "/home/me/pics/cat.png", "image/png", 219_136, "ab" * 32, "auto")
URL = Attachment("url", "https://example.com/dog.webp", "image/webp", None, None, "low")
ODD = Attachment("path", "/tmp/<script>alert(1)</script> `x`.png", "image/gif", 10, "cd" * 32, "high")


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "a.db")
    yield s
    s.close()


def seed(store: Store) -> str:
    c = store.create_conversation("openai", "gpt-4.1-mini")
    first = store.add_user_message(c.id, "Two pictures", (CAT, URL))
    assert first.attachments == (CAT, URL)
    store.add_user_message(c.id, "no picture")
    store.add_user_message(c.id, "an odd name", (ODD,))
    return c.id


def test_m007_creates_the_attachments_table_on_an_old_database(tmp_path):
    db = sqlite3.connect(tmp_path / "old.db")
    migrate(db, MIGRATIONS[:6])
    assert "m007_attachments" in migrate(db)
    columns = [r[1] for r in db.execute("PRAGMA table_info(attachments)")]
    assert columns == ["message_id", "position", "kind", "ref", "sha256", "media_type", "size", "detail"]


def test_attachments_come_back_with_their_messages_in_order(store, tmp_path):
    cid = seed(store)
    again = Store(tmp_path / "a.db")
    for s in (store, again):
        assert [m.attachments for m in s.messages(cid)] == [(CAT, URL), (), (ODD,)]
    again.close()


def test_a_branch_copies_attachments_and_deleting_the_origin_keeps_them(store):
    cid = seed(store)
    first = store.messages(cid)[0]
    branch = store.duplicate_conversation(cid, upto_message_id=first.id)
    copied = store.messages(branch.id)
    assert [m.attachments for m in copied] == [(CAT, URL)] and copied[0].id != first.id
    store.delete_conversation(cid)
    rows = store.db.execute("SELECT message_id FROM attachments").fetchall()
    assert {r[0] for r in rows} == {copied[0].id}
    assert store.messages(branch.id)[0].attachments == (CAT, URL)


def test_json_export_lists_every_column_of_every_attachment_and_imports_back(store, tmp_path):
    cid = seed(store)
    document = json.loads(to_json(store.get_conversation(cid), store.messages(cid), store.turns(cid)))
    columns = {r[1] for r in store.db.execute("PRAGMA table_info(attachments)")}
    assert [set(row) for row in document["attachments"]] == [columns] * 3
    assert document["attachments"][1] == {
        "message_id": document["messages"][0]["id"], "position": 1, "kind": "url",
        "ref": "https://example.com/dog.webp", "sha256": None, "media_type": "image/webp",
        "size": None, "detail": "low"}
    other = Store(tmp_path / "b.db")
    imported = other.import_conversation(import_json(json.dumps(document)))

    def same(messages):
        return [dataclasses.replace(m, id=0, conversation_id="") for m in messages]

    assert same(other.messages(imported.id)) == same(store.messages(cid))
    assert [m.attachments for m in other.messages(imported.id)] == [(CAT, URL), (), (ODD,)]
    other.close()


def test_import_accepts_exports_without_attachments_and_rejects_bad_rows(store):
    cid = seed(store)
    document = json.loads(to_json(store.get_conversation(cid), store.messages(cid), store.turns(cid)))
    older = {k: v for k, v in document.items() if k != "attachments"}
    assert import_json(older)["attachments"] == []
    for change, reason in (({"message_id": 999_999}, "attachments[0]: message_id 999999 is not among the messages"),
                           ({"kind": "blob"}, "attachments[0]: unknown attachment kind 'blob'"),
                           ({"detail": "medium"}, "attachments[0]: unknown image detail 'medium'"),
                           ({"size": "big"}, "attachments[0].size: expected integer or null, got string")):
        broken = {**document, "attachments": [{**document["attachments"][0], **change}]}
        with pytest.raises(ValueError, match=f"^{re.escape(reason)}$"):
            import_json(broken)


def test_markdown_and_html_name_each_image_escaped(store):
    cid = seed(store)
    args = (store.get_conversation(cid), store.messages(cid), store.turns(cid))
    md = to_markdown(*args)
    assert "- 🖼 `/home/me/pics/cat.png` (image/png · 214 KB · detail auto · sha256 abababababab…)" in md
    assert "- 🖼 `https://example.com/dog.webp` (image/webp · detail low)" in md
    assert "- 🖼 ``/tmp/<script>alert(1)</script> `x`.png`` (image/gif · 10 B · detail high" in md
    page = to_html(*args)
    assert "<script>" not in page
    assert ('🖼 <code>/tmp/&lt;script&gt;alert(1)&lt;/script&gt; `x`.png</code> '
            '<span class="muted">image/gif · 10 B · detail high · sha256 cdcdcdcdcdcd…</span>') in page
    assert "🖼 <code>https://example.com/dog.webp</code>" in page

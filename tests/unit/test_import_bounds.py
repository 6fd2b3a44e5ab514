"""Hostile imports are refused in one line before anything is written; odd rows already in the
store never crash a listing or an export; a re-import says where the first copy went."""

from __future__ import annotations

import json

import pytest

from chattui.store import DB_NAME, Store
from tests.unit.test_archive_cli import isolated, run  # noqa: F401  (fixture)
from tests.unit.test_export import seed


@pytest.fixture
def exported(tmp_path, capsys):
    """A valid JSON export of a seeded conversation, as a dict, and where to write variants."""
    source = Store(tmp_path / "source" / DB_NAME)
    cid = seed(source)
    source.close()
    code, out, _ = run(capsys, "export", "--data-dir", str(tmp_path / "source"), cid,
                       "--format", "json")
    assert code == 0
    return json.loads(out)


def refused(capsys, tmp_path, text: str | bytes) -> str:
    """Import `text`; assert exit 1, one line on stderr, nothing stored; return that line."""
    path = tmp_path / "hostile.json"
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    code, out, err = run(capsys, "import", "--data-dir", str(tmp_path / "data"), str(path))
    assert code == 1 and out == "" and len(err.splitlines()) == 1, err
    assert err.startswith(f"chattui import: {path}: ")
    assert not (tmp_path / "data" / DB_NAME).exists()
    return err


def test_deep_nesting_is_a_clear_error_not_a_recursion_error(capsys, tmp_path):
    err = refused(capsys, tmp_path, "[" * 200_000 + "]" * 200_000)
    assert "nested too deeply" in err


def test_a_huge_integer_is_refused(capsys, tmp_path, exported):
    exported["messages"][0]["id"] = 2**70
    err = refused(capsys, tmp_path, json.dumps(exported))
    assert "messages[0].id" in err and "out of range" in err


def test_a_timestamp_far_in_the_future_is_refused(capsys, tmp_path, exported):
    exported["conversation"]["updated_at"] = 1e20
    err = refused(capsys, tmp_path, json.dumps(exported))
    assert "conversation.updated_at" in err and "not a plausible time" in err


@pytest.mark.parametrize(("where", "value", "reason"), [
    (("turns", 0, "cost_usd"), float("nan"), "not JSON"),  # NaN is not JSON
    (("turns", 0, "output"), -5, "out of range"),
    (("messages", 0, "created_at"), -1.0, "not a plausible time"),
    (("turns", 0, "duration_ms"), 1e300, "out of range"),
])
def test_other_out_of_bounds_values_are_refused(capsys, tmp_path, exported, where, value, reason):
    kind, index, key = where
    exported[kind][index][key] = value
    assert reason in refused(capsys, tmp_path, json.dumps(exported))


def test_an_oversized_file_is_refused(capsys, tmp_path, monkeypatch):
    from chattui.core.export import json_format

    monkeypatch.setattr(json_format, "MAX_BYTES", 1000)
    assert "too large" in refused(capsys, tmp_path, json.dumps({"x": "y" * 2000}))


def test_reimport_says_already_imported_unless_forced(capsys, tmp_path, exported):
    path = tmp_path / "chat.json"
    path.write_text(json.dumps(exported))
    data = str(tmp_path / "data")
    code, first, _ = run(capsys, "import", "--data-dir", data, str(path))
    assert code == 0
    code, out, err = run(capsys, "import", "--data-dir", data, str(path))
    assert code == 1 and out == ""
    assert f"already imported as {first.strip()}" in err and "--force" in err
    code, out, _ = run(capsys, "import", "--data-dir", data, "--force", str(path))
    assert code == 0 and out.strip() != first.strip()
    store = Store(tmp_path / "data" / DB_NAME)
    assert len(store.list_conversations()) == 2
    store.delete_conversation(out.strip())
    store.delete_conversation(first.strip())
    store.close()
    code, out, _ = run(capsys, "import", "--data-dir", data, str(path))  # deleted: importable again
    assert code == 0


def poison(tmp_path) -> str:
    """A store holding a conversation whose updated_at is 1e20, written straight into SQLite."""
    store = Store(tmp_path / "data" / DB_NAME)
    cid = seed(store)
    with store.db:
        store.db.execute("UPDATE conversations SET updated_at = 1e20, created_at = -1e20")
        store.db.execute("UPDATE messages SET created_at = 1e20")
        store.db.execute("UPDATE turns SET started_at = 1e20, finished_at = 1e300")
    store.close()
    return cid


def test_odd_rows_already_stored_do_not_crash_ls_or_export(capsys, tmp_path):
    cid = poison(tmp_path)
    data = str(tmp_path / "data")
    code, out, err = run(capsys, "ls", "--data-dir", data)
    assert code == 0 and cid in out and "?" in out, err
    code, out, err = run(capsys, "ls", "--data-dir", data, "--json")
    assert code == 0 and json.loads(out)[0]["id"] == cid
    for fmt in ("json", "md", "html"):
        code, out, err = run(capsys, "export", "--data-dir", data, "last", "--format", fmt)
        assert code == 0 and "Where is order 42?" in out, (fmt, err)


async def test_the_conversations_screen_lists_and_opens_a_row_with_odd_times(tmp_path, monkeypatch):
    """Ctrl+G over a store holding updated_at 1e20: the row shows "?", search and open work."""
    from chattui.app import make_app
    from chattui.config import load_settings
    from chattui.screens.main import MainScreen
    from tests.app.pilot import settle, views
    from tests.app.test_conversations_ui import open_screen, rows

    cid = poison(tmp_path)
    settings = load_settings({"data_dir": str(tmp_path / "data"), "emulator": True},
                             {"CHATTUI_CONFIG_DIR": str(tmp_path / "config")}, tmp_path)
    app = make_app(settings, cwd=tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await open_screen(pilot)
        assert rows(app)[0][0] == "?" and "Where is order 42?" in rows(app)[0][1]
        await pilot.press(*"order")
        await pilot.pause(app.screen.SEARCH_DELAY + 0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen) and app.session.conversation.id == cid
        assert any("Order 42 arrives" in v.text for v in views(app))

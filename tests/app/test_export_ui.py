"""Export as a user meets it: the dialog, each format written atomically, keys masked,
HTML in the theme's colours, errors that leave nothing behind."""

from __future__ import annotations

import json
from datetime import datetime

from textual.color import Color
from textual.widgets import Input, RadioSet

from chattui.screens.export import ExportScreen
from chattui.screens.main import MainScreen
from tests.app.pilot import API_KEY
from tests.app.test_conversations_ui import open_screen, seed, select

KEY_LOOKALIKE = "sk-proj-AbCdEf0123456789xyzXYZ"
REPLY = f"Here: <script>alert('x')</script> and {KEY_LOOKALIKE} and {API_KEY}."


def leftovers(folder) -> list:
    """Temporary files write_atomic might have left."""
    return [p.name for p in folder.iterdir() if p.name.startswith(".") and p.name.endswith(".tmp")]


async def open_dialog(pilot) -> ExportScreen:
    await pilot.press("ctrl+s")
    await pilot.pause()
    assert isinstance(pilot.app.screen, ExportScreen)
    return pilot.app.screen


async def export_as(pilot, name: str) -> tuple[ExportScreen, str]:
    """Type `name` in the dialog and press Enter; the dialog and the format it had chosen."""
    dialog = await open_dialog(pilot)
    dialog.query_one("#path", Input).value = name
    await pilot.pause()
    chosen = dialog.format
    await pilot.press("enter")
    await pilot.pause()
    return dialog, chosen


async def test_markdown_by_default_with_the_suggested_name(app_for, tmp_path):
    conversation = seed(tmp_path / "data", [("what is in the reply?", REPLY, 0.001)], title="Export me")
    app = app_for(conversation=conversation)
    async with app.run_test(size=(120, 30)) as pilot:
        dialog = await open_dialog(pilot)
        name = f"chattui-{conversation}-{datetime.now():%Y%m%d}.md"
        assert dialog.query_one("#path", Input).value == name
        assert dialog.format == "md"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
    text = (tmp_path / name).read_text()
    assert text.startswith("---\n") and '\ntitle: "Export me"\n' in text
    assert "## You · " in text and "what is in the reply?" in text
    assert API_KEY not in text and "[redacted]" in text
    assert KEY_LOOKALIKE in text  # key-shaped text that is not a key chattui knows is kept
    assert leftovers(tmp_path) == []


async def test_json_is_chosen_by_the_extension_and_is_lossless(app_for, tmp_path):
    conversation = seed(tmp_path / "data", [("q", REPLY, 0.0025)])
    app = app_for(conversation=conversation)
    async with app.run_test(size=(120, 30)) as pilot:
        _, chosen = await export_as(pilot, "out.json")
        assert chosen == "json"
    document = json.loads((tmp_path / "out.json").read_text())
    assert document["format"] == "chattui.conversation" and document["conversation"]["id"] == conversation
    assert [m["role"] for m in document["messages"]] == ["user", "assistant"]
    assert document["turns"][0]["cost_usd"] == 0.0025
    assert API_KEY not in json.dumps(document)
    assert KEY_LOOKALIKE in document["messages"][1]["content"]  # lossless: not a key chattui knows


async def test_choosing_a_format_changes_the_extension(app_for, tmp_path):
    conversation = seed(tmp_path / "data", [("q", "a", 0.001)])
    app = app_for(conversation=conversation)
    async with app.run_test(size=(120, 30)) as pilot:
        dialog = await open_dialog(pilot)
        radio = dialog.query_one(RadioSet)
        radio.focus()
        await pilot.press("down", "down", "enter")  # Markdown → JSON → HTML
        await pilot.pause()
        assert dialog.format == "html"
        assert dialog.query_one("#path", Input).value.endswith(f"{conversation}-{datetime.now():%Y%m%d}.html")


async def test_html_has_no_live_script_no_key_and_the_theme_colours(app_for, tmp_path):
    conversation = seed(tmp_path / "data", [("show me", REPLY, 0.001)])
    app = app_for(conversation=conversation, theme="chattui-light")
    async with app.run_test(size=(120, 30)) as pilot:
        assert app.theme == "chattui-light"
        _, chosen = await export_as(pilot, "page.html")
        assert chosen == "html"
        background = Color.parse(app.current_theme.background).hex
    page = (tmp_path / "page.html").read_text()
    assert "<script" not in page.lower() and "&lt;script&gt;" in page
    assert API_KEY not in page and KEY_LOOKALIKE in page
    assert f"background: {background};" in page and background == "#FAFAF7"
    assert "default-src 'none'" in page


async def test_a_missing_folder_is_an_error_and_leaves_nothing_behind(app_for, tmp_path):
    conversation = seed(tmp_path / "data", [("q", "a", 0.001)])
    app = app_for(conversation=conversation)
    before = sorted(p.name for p in tmp_path.iterdir())
    async with app.run_test(size=(120, 30)) as pilot:
        dialog, _ = await export_as(pilot, "no-such-folder/out.md")
        assert app.screen is dialog  # stays open to fix the name
        error = str(dialog.query_one("#error").render())
        assert "No such file or directory" in error and "no-such-folder" in error
        assert any(n.severity == "error" and "no-such-folder" in n.message for n in app._notifications)
        dialog.query_one("#path", Input).value = "fixed.md"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(before + ["fixed.md"])


async def test_export_from_the_conversations_screen_takes_the_selected_one(app_for, tmp_path):
    data = tmp_path / "data"
    other = seed(data, [("the other conversation", "yes", 0.001)])
    current = seed(data, [("the open one", "ok", 0.001)])
    app = app_for(conversation=current)
    async with app.run_test(size=(120, 30)) as pilot:
        await open_screen(pilot)
        await select(pilot, other)
        dialog, _ = await export_as(pilot, "other.md")
        assert dialog.conversation_id == other
    text = (tmp_path / "other.md").read_text()
    assert "the other conversation" in text and "the open one" not in text


async def test_a_new_chat_has_nothing_to_export(app_for, tmp_path):
    app = app_for()
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        assert any("Nothing to export" in n.message for n in app._notifications)


async def test_a_file_already_there_is_replaced_only_when_the_user_says_so(app_for, tmp_path):
    from chattui.screens.confirm import Confirm

    conversation = seed(tmp_path / "data", [("q", "a", 0.001)])
    (tmp_path / "notes.md").write_text("MY IMPORTANT NOTES")  # it was replaced without a word
    app = app_for(conversation=conversation)
    async with app.run_test(size=(120, 30)) as pilot:
        dialog, _ = await export_as(pilot, "notes.md")
        assert isinstance(app.screen, Confirm) and "notes.md exists" in str(app.screen.question)
        await pilot.press("n")
        await pilot.pause()
        assert app.screen is dialog and (tmp_path / "notes.md").read_text() == "MY IMPORTANT NOTES"
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        assert "MY IMPORTANT NOTES" not in (tmp_path / "notes.md").read_text()


async def test_a_home_folder_of_no_such_user_is_an_error_not_a_crash(app_for, tmp_path):
    conversation = seed(tmp_path / "data", [("q", "a", 0.001)])
    app = app_for(conversation=conversation)
    async with app.run_test(size=(120, 30)) as pilot:
        dialog, _ = await export_as(pilot, "~no-such-user-here/out.md")  # RuntimeError stopped the app
        assert app.is_running and app.screen is dialog
        assert "Not exported: Could not determine home directory" in str(dialog.query_one("#error").render())

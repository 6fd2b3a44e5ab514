"""Data is text, never markup (issue #18): text chattui did not write (messages, replies,
server errors, file names, titles, persona and theme files) is shown literally on every
surface, never crashes the app and never becomes an action."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Input

from chattui.emulator import Fault, Reply
from chattui.screens.confirm import Confirm
from chattui.screens.conversations import ConversationsScreen
from chattui.screens.main import MainScreen
from chattui.widgets.plain import visible
from tests.app.pilot import main_screen, send, settle, status_bar, views, wait_until

RICH_QUESTION = "How do I close a tag with [/] in Rich?"


def rendered(widget) -> str:
    """What a Label/Static shows, as plain text."""
    return str(widget.render())


def notifications(app) -> list[str]:
    return [f"{n.title} {n.message}" for n in app._notifications]


async def test_markup_in_a_first_message_survives_branch_and_delete(app_for):
    app = app_for()
    async with app.run_test(size=(120, 30)) as pilot:
        await send(pilot, RICH_QUESTION)
        await settle(pilot)
        assert views(app)[0].text == RICH_QUESTION
        await pilot.press("ctrl+g")
        await pilot.pause()
        assert isinstance(app.screen, ConversationsScreen)
        await pilot.press("down", "f5")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, ConversationsScreen)
        assert any(f"Branched into “{RICH_QUESTION}" in n for n in notifications(app))
        assert app.screen.query_one(DataTable).row_count == 2

        await pilot.press("f8")
        await pilot.pause()
        assert isinstance(app.screen, Confirm)
        assert f"Delete “{RICH_QUESTION} (branch)”" in rendered(app.screen.query_one("Label"))
        await pilot.press("y")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, ConversationsScreen)
        assert app.screen.query_one(DataTable).row_count == 1
        assert any(f"Deleted “{RICH_QUESTION} (branch)”" in n for n in notifications(app))


async def test_an_image_path_with_markup_is_reported_not_a_crash(app_for, tmp_path):
    app = app_for()
    async with app.run_test(size=(120, 30)) as pilot:
        await send(pilot, "/image ./[/]cat.png")
        await pilot.pause()
        assert app.is_running
        turn = rendered(status_bar(app).query_one("#turn"))
        assert "[/]cat.png" in turn and turn.startswith("⚠")


async def test_a_server_error_with_markup_is_shown_and_the_conversation_reopens(app_for, emulator):
    body = "upstream said [/] and [@click=app.quit]x[/]"
    emulator.queue(Fault(status=400, message=body))
    app = app_for()
    async with app.run_test(size=(120, 30)) as pilot:
        await send(pilot, "hi")
        await settle(pilot)
        assert app.is_running
        reply = views(app)[-1]
        assert reply.status == "failed" and body in reply.error
        assert body in rendered(reply.query_one(".error"))
        await send(pilot, "again")
        await settle(pilot)
        assert views(app)[-1].status == "complete"  # the status bar and the app go on

    again = app_for(continue_last=True)
    async with again.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        assert again.is_running and isinstance(again.screen, MainScreen)
        failed = next(v for v in views(again) if v.status == "failed")
        assert body in rendered(failed.query_one(".error"))


async def test_a_theme_with_markup_is_reported_broken_and_the_app_starts(app_for, tmp_path):
    folder = tmp_path / "config" / "themes"
    folder.mkdir(parents=True)
    (folder / "evil.toml").write_text('name = "evil"\n[colors]\nprimary = "[/]"\n')
    (folder / "named.toml").write_text('name = "[@click=app.quit]x[/]"\n[colors]\nprimary = "#884400"\n')
    app = app_for()
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, MainScreen)
        reported = [n.message for n in app._notifications if n.title == "Theme file not loaded"]
        assert any("evil.toml" in m and "'[/]' is not a colour" in m for m in reported)
        assert any("named.toml" in m and "name:" in m for m in reported)
        assert "[@click=app.quit]x[/]" not in app.available_themes

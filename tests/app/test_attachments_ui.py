"""Images as a user meets them: `/image PATH` in the composer, the chip above it, the image
in the log and on the wire, bad paths, and a file that goes missing before the next turn."""

from __future__ import annotations

import base64

from textual.widgets import Button, Static

from chattui.widgets.attachment_tray import AttachmentTray
from chattui.widgets.composer import Composer

from tests.app.pilot import main_screen, palette_has_results, send, settle, status_bar, views, wait_until
from tests.image_files import png, write


def tray(app) -> AttachmentTray:
    return main_screen(app).query_one(AttachmentTray)


def chips(app) -> list[str]:
    return [str(chip.label) for chip in tray(app).query(".chip").results(Button)]


def attachment_line(view) -> str:
    return str(view.query_one(".attachments", Static).content)


async def test_an_image_attached_in_the_composer_goes_with_the_next_message(app_for, emulator, tmp_path):
    data = png((1, 2, 3))
    write(tmp_path / "cat.png", data)
    app = app_for()
    async with app.run_test(size=(100, 40)) as pilot:
        assert not tray(app).display  # no chip row until something is attached
        await send(pilot, "/image cat.png")
        assert await wait_until(pilot, lambda: chips(app) == [f"🖼 cat.png {len(data)} B ×"])
        assert tray(app).display and main_screen(app).query_one(Composer).text == ""
        assert status_bar(app).turn == f"🖼 cat.png {len(data)} B attached: it goes with your next message"

        await send(pilot, "What is in this picture?")
        await settle(pilot)
        user, reply = views(app)
        assert user.text == "What is in this picture?"
        assert attachment_line(user) == f"🖼 cat.png {len(data)} B"
        assert reply.status == "complete" and not tray(app).display
        sent = emulator.requests[-1].json["messages"][-1]["content"]
        assert sent[1] == {"type": "image_url", "image_url": {
            "url": "data:image/png;base64," + base64.b64encode(data).decode(), "detail": "auto"}}
        stored = app.session.messages()[0].attachments
        assert [(a.ref, a.size) for a in stored] == [(str(tmp_path / "cat.png"), len(data))]

    reopened = app_for(continue_last=True)
    async with reopened.run_test(size=(100, 40)) as pilot:
        assert await wait_until(pilot, lambda: len(views(reopened)) >= 2)
        assert attachment_line(views(reopened)[0]) == f"🖼 cat.png {len(data)} B"


async def test_a_bad_path_is_reported_in_the_status_bar_and_the_draft_stays(app_for, tmp_path):
    write(tmp_path / "notes.png", b"not an image at all")
    app = app_for()
    async with app.run_test(size=(100, 40)) as pilot:
        composer = main_screen(app).query_one(Composer)
        await send(pilot, "/image missing.png")
        assert await wait_until(pilot, lambda: "No such file" in status_bar(app).turn)
        assert str(tmp_path / "missing.png") in status_bar(app).turn
        assert status_bar(app).has_class("-warning")
        assert composer.text == "/image missing.png" and not tray(app).display
        await send(pilot, "/image notes.png")
        assert await wait_until(pilot, lambda: "notes.png is not a PNG, JPEG, GIF or WebP" in status_bar(app).turn)
        assert composer.text == "/image notes.png" and views(app) == []
        await send(pilot, "/image http://[x/cat.png")  # urlsplit raised: the app stopped
        assert await wait_until(pilot, lambda: "Not a usable image URL" in status_bar(app).turn)
        assert app.is_running and composer.text == "/image http://[x/cat.png"


async def test_a_chip_removes_its_image_and_the_palette_starts_the_command(app_for, tmp_path):
    write(tmp_path / "a.png", png((1, 1, 1)))
    write(tmp_path / "b.png", png((2, 2, 2)))
    app = app_for()
    async with app.run_test(size=(100, 40)) as pilot:
        await send(pilot, "/image a.png")
        await send(pilot, "/image b.png")
        assert await wait_until(pilot, lambda: len(chips(app)) == 2)
        first = tray(app).query(".chip").first(Button)
        await pilot.click(first)
        assert await wait_until(pilot, lambda: [c.split()[1] for c in chips(app)] == ["b.png"])
        await pilot.press("ctrl+p")
        await pilot.press(*"Attach image")
        assert await wait_until(pilot, lambda: palette_has_results(app))
        await pilot.press("enter")
        composer = main_screen(app).query_one(Composer)
        assert await wait_until(pilot, lambda: composer.text == "/image " and composer.has_focus)
        await pilot.press(*"a.png", "enter")
        assert await wait_until(pilot, lambda: [c.split()[1] for c in chips(app)] == ["b.png", "a.png"])


async def test_a_missing_file_on_the_next_turn_keeps_the_message_and_retry_sends_it(app_for, emulator, tmp_path):
    path = write(tmp_path / "cat.png")
    app = app_for()
    async with app.run_test(size=(100, 40)) as pilot:
        await send(pilot, "/image cat.png")
        await send(pilot, "Look at this")
        await settle(pilot)
        hidden = path.rename(tmp_path / "elsewhere.png")

        await send(pilot, "Is it still there?")
        await settle(pilot)
        expected = f"Not sent: the image cat.png is missing ({path})."
        assert status_bar(app).turn.startswith(f"⚠ {expected}")
        shown = [(v.role, v.text) for v in views(app)]
        assert shown[2] == ("user", "Is it still there?")  # the message stays
        assert shown[3][0] == "notice" and expected in shown[3][1]
        assert "restore the file, then retry (ctrl+r)" in shown[3][1]
        assert len(emulator.requests) == 1  # nothing went out
        assert [m.content for m in app.session.messages() if m.role == "user"] == [
            "Look at this", "Is it still there?"]
        assert main_screen(app).query_one(Composer).text == ""  # not put back: it is stored

        hidden.rename(path)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert len(emulator.requests) == 2
        assert [m["role"] for m in emulator.requests[-1].json["messages"]][-2:] == ["assistant", "user"]
        assert views(app)[-1].role == "assistant" and views(app)[-1].status == "complete"


async def test_a_summary_draft_with_a_missing_image_says_why_and_leaves_no_placeholder(
        app_for, emulator, tmp_path):
    write(tmp_path / "cat.png", png((1, 2, 3)))
    app = app_for()
    async with app.run_test(size=(100, 40)) as pilot:
        await send(pilot, "/image cat.png")
        await send(pilot, "What is in this picture?")
        await settle(pilot)
        (tmp_path / "cat.png").unlink()

        await pilot.press("ctrl+o")
        assert await wait_until(pilot, lambda: views(app)[-1].role == "notice")
        assert views(app)[-1].text.startswith("No summary: ")
        assert "cat.png" in views(app)[-1].text and views(app)[-1].text.endswith("History unchanged.")
        assert [v.role for v in views(app)] == ["user", "assistant", "notice"]
        assert len(emulator.requests) == 1


async def test_an_image_alone_can_be_sent_but_an_empty_draft_sends_nothing(app_for, emulator, tmp_path):
    write(tmp_path / "cat.png", png((1, 2, 3)))
    app = app_for()
    async with app.run_test(size=(100, 40)) as pilot:
        await send(pilot, "   ")
        await pilot.pause()
        assert views(app) == [] and emulator.requests == []

        await send(pilot, "/image cat.png")
        await send(pilot, "")
        await settle(pilot)
        [part] = emulator.requests[-1].json["messages"][-1]["content"]
        assert part["type"] == "image_url"
        assert [v.role for v in views(app)] == ["user", "assistant"]
        assert attachment_line(views(app)[0]).startswith("🖼 cat.png")

"""A reopened conversation whose reply is long (a 6k-token answer): only its last screens
are built, the rest is built as it comes into sight, and a search hit in it is lit."""

from __future__ import annotations

from textual.widgets.markdown import MarkdownBlock

from chattui.emulator.script import long_markdown
from chattui.widgets.chat_log import ChatLog
from tests.app.pilot import open_search_hit, settle, views, wait_until
from tests.app.test_conversations_ui import seed

REPLY = long_markdown(6000) + "\nThe last line of a long answer.\n"
FIRST_HEADING = "A long emulated answer"


def reply_view(app):
    return next(v for v in views(app) if v.role == "assistant")


def built_texts(view) -> list[str]:
    return [block._content.plain for block in view.query(MarkdownBlock)]


def on_screen(app, text: str) -> bool:
    log = app.screen.query_one(ChatLog)
    view = reply_view(app)
    return any(text in block._content.plain and log.scrollable_content_region.overlaps(block.region)
               for block in view.query(MarkdownBlock))


async def test_a_long_reply_reopens_at_its_end_built_only_there_and_home_builds_its_start(app_for, tmp_path):
    seed(tmp_path / "data", [("write at length", REPLY, 0.01)])
    app = app_for(continue_last=True)
    async with app.run_test(size=(120, 40)) as pilot:
        assert await wait_until(pilot, lambda: on_screen(app, "The last line of a long answer."))
        await settle(pilot)
        view = reply_view(app)
        assert view.text == REPLY.rstrip("\n") or view.text == REPLY  # nothing of it is lost
        top_level_blocks = REPLY.count("\n\n")
        assert len(built_texts(view)) < top_level_blocks / 2  # the whole reply: more than that
        assert not any(FIRST_HEADING in text for text in built_texts(view))

        app.screen.query_one(ChatLog).focus()
        await pilot.press("home")
        assert await wait_until(pilot, lambda: on_screen(app, FIRST_HEADING))


async def test_a_search_hit_in_the_unbuilt_part_of_a_long_reply_is_lit(app_for, tmp_path):
    reply = REPLY.replace("Section 2: streaming", "Section 2: axolotl streaming", 1)
    assert reply != REPLY
    seed(tmp_path / "data", [("write at length", reply, 0.01)])
    app = app_for()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+g")
        await open_search_hit(pilot, "axolotl", 1, "axolotl")
        assert await wait_until(pilot, lambda: any(
            "axolotl" in b._content.plain for v in views(app) if v.role == "assistant"
            for b in v.query(MarkdownBlock)))
        lit = [b._content.plain[s.start:s.end] for b in reply_view(app).query(MarkdownBlock)
               for s in b._content.spans if str(s.style) == "reverse"]
        assert lit == ["axolotl"]

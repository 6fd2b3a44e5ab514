"""Start-up and typing in a long conversation: the price data loads after the first frame and
the figures follow at once; a pause in typing counts the draft, not the whole history."""

from __future__ import annotations

from chattui.core import pricing, tokens
from chattui.core.models import COMPLETE
from chattui.widgets.composer import Composer
from tests.app.pilot import estimate_for, main_screen, send, settle, status_bar, views, wait_until
from tests.app.test_long_history import seed


async def test_the_estimate_and_figures_show_once_the_price_data_is_loaded(app_for):
    pricing.genai_calculation.cache_clear()  # as in a fresh process: nothing priced yet
    app = app_for()
    async with app.run_test(size=(140, 40)) as pilot:
        composer = main_screen(app).query_one(Composer)
        assert await wait_until(pilot, lambda: " tok" in str(composer.border_subtitle))
        assert pricing.is_warm()
        shown = str(composer.border_subtitle).split(" · ")[0].lstrip("≈")
        assert shown == f"{app.session.estimate('').n:,} tok"
        assert await wait_until(pilot, lambda: "0 turns" in status_bar(app).session)


async def test_typing_in_a_long_conversation_does_not_count_the_history_again(settings_for, app_for,
                                                                             monkeypatch):
    seed(settings_for(), 150)  # 300 messages
    app = app_for(continue_last=True)
    async with app.run_test(size=(140, 40)) as pilot:
        assert await wait_until(pilot, lambda: " 150 turns " in status_bar(app).session)  # settled
        await pilot.pause()
        counted: list[str] = []
        real = tokens.count
        monkeypatch.setattr(tokens, "count", lambda text: counted.append(text) or real(text))
        before = app.session.estimate("").n  # what the composer shows for an empty draft
        history = {m.content for m in app.session.messages()}
        counted.clear()
        line = await estimate_for(pilot, "a new question")
        assert line.split(" · ")[0].lstrip("≈") == f"{before + real('a new question').n:,} tok"
        assert "a new question" in counted
        assert not history & set(counted), "a pause in typing counted the history again"


async def test_a_failed_price_warm_up_still_lets_the_estimate_show(app_for, monkeypatch):
    pricing.genai_calculation.cache_clear()

    def broken() -> None:
        raise RuntimeError("price data unreadable")

    monkeypatch.setattr(pricing, "warm_up", broken)
    app = app_for()
    async with app.run_test(size=(140, 40)) as pilot:
        composer = main_screen(app).query_one(Composer)
        assert await wait_until(pilot, lambda: " tok" in str(composer.border_subtitle))
        assert str(composer.border_subtitle).split(" · ")[0].lstrip("≈") == f"{app.session.estimate('').n:,} tok"


async def test_the_warm_up_registers_the_reply_blocks_styles_and_leaves_nothing_on_screen(app_for):
    """The first table or code block of the first reply no longer re-parses the stylesheet
    while it streams: a hidden sample registered those blocks' CSS after the first frame."""
    from textual.widgets import Markdown

    app = app_for()
    async with app.run_test(size=(120, 40)) as pilot:
        def registered() -> set[str]:
            return {name for _, name in app.stylesheet.source}

        blocks = {"MarkdownTable.DEFAULT_CSS", "TableGrid.DEFAULT_CSS", "MarkdownFence.DEFAULT_CSS",
                  "MarkdownBulletList.DEFAULT_CSS"}
        assert await wait_until(pilot, lambda: blocks <= registered())
        assert await wait_until(pilot, lambda: not main_screen(app).query(".style-warm-up"))
        assert not main_screen(app).query(Markdown), "nothing of the sample is left mounted"
        assert main_screen(app).query_one(Composer).has_focus


async def test_block_styles_skipped_while_a_reply_streams_are_registered_when_it_ends(app_for, monkeypatch):
    """A send made before the warm-up ended: the sample is not mounted under the streaming
    reply, and the styles are registered once the reply is done (they used to be skipped
    for good, and the first long reply re-parsed the stylesheet for its first table)."""
    from chattui.core.chat import ChatSession
    from chattui.screens.main import MainScreen

    monkeypatch.setattr(MainScreen, "_prepare", lambda self: None)  # the warm-up's end: by hand
    app = app_for()
    async with app.run_test(size=(120, 40)) as pilot:
        def registered() -> set[str]:
            return {name for _, name in app.stylesheet.source}

        blocks = {"MarkdownTable.DEFAULT_CSS", "MarkdownFence.DEFAULT_CSS"}
        with monkeypatch.context() as streaming:
            streaming.setattr(ChatSession, "busy", property(lambda session: True))
            await main_screen(app)._style_markdown_blocks()
        await pilot.pause()
        assert not blocks & registered()

        await send(pilot, "hello")  # its reply has neither a table nor a code block
        await settle(pilot)
        assert await wait_until(pilot, lambda: blocks <= registered())
        assert await wait_until(pilot, lambda: not main_screen(app).query(".style-warm-up"))


async def test_a_reopened_conversation_says_its_turns_are_being_priced_not_that_there_are_none(
        settings_for, app_for, monkeypatch):
    from chattui.screens.main import MainScreen

    seed(settings_for(), 3)
    pricing.genai_calculation.cache_clear()  # as in a fresh process: nothing priced yet
    monkeypatch.setattr(MainScreen, "_prepare", lambda self: None)  # the price data never loads
    app = app_for(continue_last=True)
    async with app.run_test(size=(140, 40)) as pilot:
        assert await wait_until(pilot, lambda: status_bar(app).turn == "pricing this conversation's turns…")
        await main_screen(app).action_new_conversation()
        assert await wait_until(pilot, lambda: status_bar(app).turn == "no turns yet")


def _record_the_warm_up(monkeypatch, done: list[str], markdown_after=None) -> dict[str, float]:
    """The warm-up's steps append their names to `done`; returned: when each ran
    (time.monotonic()). markdown_after: an Event the markdown step waits for."""
    import time

    import chattui.screens.warm_up as warm_up

    ran_at: dict[str, float] = {}

    def step(name: str):
        def run() -> None:
            if name == "markdown" and markdown_after is not None:
                markdown_after.wait(5)
            ran_at[name] = time.monotonic()
            done.append(name)
        return run

    monkeypatch.setattr(warm_up, "_warm_markdown", step("markdown"))
    monkeypatch.setattr(warm_up, "_warm_highlighting", step("lexer"))
    monkeypatch.setattr(pricing, "warm_up", step("prices"))
    return ran_at


async def test_the_warm_up_leaves_the_prices_until_a_reply_that_streams_has_ended(app_for, monkeypatch):
    """A send that came before the warm-up ended: a pygments lexer and the price data (the
    rest of the warm-up) are not loaded beside the reply, which would share the GIL with
    them; then they are."""
    from chattui.core.chat import ChatSession

    done: list[str] = []
    streaming = [True]
    _record_the_warm_up(monkeypatch, done)
    monkeypatch.setattr(ChatSession, "busy", property(lambda session: streaming[0]))
    app = app_for()
    async with app.run_test(size=(100, 30)) as pilot:
        assert await wait_until(pilot, lambda: done == ["markdown"])
        await pilot.pause(0.3)
        assert done == ["markdown"]  # waiting for the reply to end
        streaming[0] = False
        assert await wait_until(pilot, lambda: done == ["markdown", "lexer", "prices"])


async def test_before_the_first_send_the_rest_of_the_warm_up_waits_for_typing_to_pause(app_for, monkeypatch):
    """Typing comes before a send: the rest of the warm-up (a lexer, the price data, the
    blocks' styles, ~0.3 s of CPU) ran into the first send made a second after the composer
    showed and delayed its reply by 0.1-0.2 s. It now starts once typing has paused."""
    import threading
    import time

    from chattui.screens.main import MainScreen

    done: list[str] = []
    typed = threading.Event()
    ran_at = _record_the_warm_up(monkeypatch, done, markdown_after=typed)
    pause = MainScreen.TYPING_PAUSE_SECONDS  # 1.5 s: a key press here takes up to 0.4 s
    app = app_for()
    async with app.run_test(size=(100, 30)) as pilot:
        assert await wait_until(pilot, lambda: isinstance(app.screen, MainScreen))  # not the start screen
        await pilot.press("a")
        await pilot.pause()
        typed.set()  # the warm-up goes on from here (its markdown step waited)
        for key in "question":
            last_key = time.monotonic()
            await pilot.press(key)
            await pilot.pause(0.05)
        assert done == ["markdown"]
        assert await wait_until(pilot, lambda: "prices" in done)
        assert done == ["markdown", "lexer", "prices"]
        assert ran_at["lexer"] - last_key >= pause
        assert main_screen(app).query_one(Composer).text == "aquestion"


async def test_once_a_reply_has_ended_the_rest_of_the_warm_up_no_longer_waits_for_typing(app_for, monkeypatch):
    """The user reads the first reply: the rest runs then, while the next message is typed."""
    import threading

    from chattui.screens.main import MainScreen

    done: list[str] = []
    typed = threading.Event()
    _record_the_warm_up(monkeypatch, done, markdown_after=typed)
    monkeypatch.setattr(MainScreen, "TYPING_PAUSE_SECONDS", 60)
    app = app_for()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("h", "i")
        typed.set()
        await pilot.pause(0.3)
        assert done == ["markdown"]
        await send(pilot, "hello")
        assert await wait_until(pilot, lambda: len(views(app)) == 2 and views(app)[-1].status == COMPLETE)
        await pilot.press("a", "g", "a", "i", "n")
        assert await wait_until(pilot, lambda: done == ["markdown", "lexer", "prices"])


async def test_the_garbage_collector_is_tuned_once_after_the_warm_up_not_with_the_first_frame(
        app_for, monkeypatch):
    """Its full collection (60-80 ms of the UI thread) came with the chat's first frame, in
    the second a first send has to find the SDK ready; now it comes after the warm-up."""
    import chattui.app as chat_app
    import chattui.screens.warm_up as warm_up

    done: list[str] = []
    monkeypatch.setattr(warm_up, "_warm_markdown", lambda: done.append("markdown"))
    monkeypatch.setattr(chat_app, "_tune_gc", lambda: done.append("gc"))
    app = app_for()
    app.TUNE_GC = True
    async with app.run_test(size=(100, 30)) as pilot:
        assert await wait_until(pilot, lambda: "gc" in done)
        assert done == ["markdown", "gc"]
        main_screen(app).post_message(warm_up.WarmUp.WarmedUp())  # another warm-up's end: no second one
        await pilot.pause(0.2)
        assert done == ["markdown", "gc"]

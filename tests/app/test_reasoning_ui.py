"""Thinking as a user meets it: streamed above the answer, folded to one line, unfolded."""

from __future__ import annotations

from chattui.emulator import Reply
from chattui.widgets.thinking import ThinkingView

from tests.app.pilot import send, settle, status_bar, views, wait_until

THINKING = "Weigh [bold]this[/bold] literally.\n\nThen answer."


def shown(view: ThinkingView) -> str:
    return str(view.render())


async def test_thinking_folds_once_answered_unfolds_with_a_key_and_counts_in_the_status(
        app_for, emulator):
    emulator.queue(Reply(text="The answer.", thinking=THINKING))
    app = app_for({"CHATTUI_REASONING": "medium"}, model="gpt-5.5")
    async with app.run_test(size=(100, 40)) as pilot:
        await send(pilot, "think about it")
        await settle(pilot)
        _, reply = views(app)
        thinking = reply.thinking
        turn = app.session.turns()[-1]
        assert emulator.requests[-1].json["reasoning_effort"] == "medium"
        assert thinking.display and thinking.folded
        assert shown(thinking) == f"▸ thinking · {turn.usage.reasoning:,} tokens · " \
            f"{reply_seconds(app)} s"
        assert f"(+reasoning {turn.usage.reasoning:,})" in status_bar(app).turn

        await pilot.press("ctrl+f")
        assert await wait_until(pilot, lambda: not thinking.folded)
        assert shown(thinking).endswith("\n" + THINKING)  # markup-like text stays literal
        await pilot.click(ThinkingView)
        assert await wait_until(pilot, lambda: thinking.folded)

    app = app_for(model="gpt-5.5", continue_last=True)  # reopened: stored, folded
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        assert await wait_until(pilot, lambda: len(views(app)) == 2)
        thinking = views(app)[1].thinking
        assert thinking.folded and shown(thinking) == f"▸ thinking · {turn.usage.reasoning:,} " \
            f"tokens · {reply_seconds(app)} s"


def reply_seconds(app) -> str:
    return f"{app.session.messages()[-1].reasoning.seconds:.1f}"


async def test_an_escape_sequence_in_the_thinking_never_reaches_the_terminal(app_for, emulator):
    clipboard = "\x1b]52;c;cm0gLXJmIH4=\x07"  # OSC 52: would set the terminal's clipboard
    emulator.queue(Reply(text="Done.", thinking=f"Plan{clipboard} then \x1b[2Jclear."))
    app = app_for({"CHATTUI_REASONING": "medium"}, model="gpt-5.5")
    async with app.run_test(size=(100, 40)) as pilot:
        await send(pilot, "think")
        await settle(pilot)
        thinking = views(app)[-1].thinking
        await pilot.press("ctrl+f")
        assert await wait_until(pilot, lambda: not thinking.folded)
        await pilot.pause()
        drawn = "".join(thinking.render_line(y).text for y in range(thinking.size.height))
        assert "Plan␛]52;c;cm0gLXJmIH4=␇ then ␛[2Jclear." in drawn
        assert not any(ch in drawn for ch in "\x1b\x07")

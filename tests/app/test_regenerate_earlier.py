"""Regenerating an earlier reply (issue 17): the new reply is an alternative at that point,
the later turns stay on the old reply's line, and what is shown is exactly what is sent."""

from __future__ import annotations

from textual.widgets import Label

from chattui.emulator import Reply
from chattui.screens.confirm import Confirm
from chattui.widgets.chat_log import ChatLog
from chattui.widgets.composer import Composer
from tests.app.pilot import open_search_hit, palette_has_results, send, settle, views, wait_until

OLD_LINE = ["one", "reply one", "two", "reply two", "three", "reply three"]


def _texts(app) -> list[str]:
    return [v.text for v in views(app) if v.role in ("user", "assistant")]


def _label(view) -> str:
    return str(view.query_one(".role", Label).render())


async def _send(pilot, text: str) -> None:
    """Back in the composer (the focus was in the log), send `text` and wait for the reply."""
    pilot.app.screen.query_one(Composer).focus()
    await send(pilot, text)
    await settle(pilot)


def _sent(emulator) -> list[str]:
    return [m.get("content") for m in emulator.requests[-1].json["messages"] if m["role"] != "system"]


async def _three_turns(pilot, emulator) -> None:
    for text in ("one", "two", "three"):
        emulator.queue(Reply(text=f"reply {text}"))
        await send(pilot, text)
        await settle(pilot)


async def _select(pilot, app, text: str) -> None:
    await pilot.press("ctrl+up")
    log = app.screen.query_one(ChatLog)
    texts = [v.text for v in log.selectable()]
    step = texts.index(text) - log.selectable().index(log.selected)
    await pilot.press(*["down" if step > 0 else "up"] * abs(step))
    assert log.selected is not None and log.selected.text == text, [v.text for v in log.selectable()]


async def test_regenerate_the_first_of_three_replies_then_switch_and_go_on_from_either(app_for, emulator):
    app = app_for()
    async with app.run_test(size=(100, 40)) as pilot:
        await _three_turns(pilot, emulator)
        conversation = app.session.conversation.id
        await _select(pilot, app, "reply one")
        emulator.queue(Reply(text="reply one, again"))
        await pilot.press("ctrl+r")
        assert await wait_until(pilot, lambda: isinstance(app.screen, Confirm))
        asked = str(app.screen.query_one(Label).render())
        assert "kept, with the 4 messages after it" in asked
        assert "Expected: ≈" in asked and "$" in asked  # the cost, with the cache, before sending
        await pilot.press("y")
        assert await wait_until(pilot, lambda: _texts(app) == ["one", "reply one, again"])
        await settle(pilot)
        assert _sent(emulator) == ["one"]  # asked from that point: the later turns are not sent
        assert _label(views(app)[-1]) == "Assistant · reply 2/2 ‹ ›"

        log = app.screen.query_one(ChatLog)
        log.focus()
        log.select(views(app)[-1])
        await pilot.press("left")  # the old reply, and the turns built on it, again
        assert await wait_until(pilot, lambda: _texts(app) == OLD_LINE)
        assert _label(views(app)[1]) == "Assistant · reply 1/2 ‹ ›"
        assert log.selected is views(app)[1]
        emulator.queue(Reply(text="reply four"))
        await _send(pilot, "four")
        assert _sent(emulator) == [*OLD_LINE, "four"]

        await _select(pilot, app, "reply one")
        await pilot.press("right")  # the new reply: turns two to four are hidden again
        assert await wait_until(pilot, lambda: _texts(app) == ["one", "reply one, again"])
        emulator.queue(Reply(text="reply five"))
        await _send(pilot, "five")
        assert _sent(emulator) == ["one", "reply one, again", "five"]
        stored = [m.content for m in app.session.messages() if not m.inactive]
        assert stored == ["one", "reply one, again", "five", "reply five"]

        await _select(pilot, app, "reply one, again")
        await pilot.press("left")
        assert await wait_until(pilot, lambda: _texts(app) == [*OLD_LINE, "four", "reply four"])

    reopened = app_for(conversation=conversation)  # a restart: the choice is stored
    async with reopened.run_test(size=(100, 40)) as pilot:
        assert await wait_until(pilot, lambda: _texts(reopened) == [*OLD_LINE, "four", "reply four"])
        assert _label(views(reopened)[1]) == "Assistant · reply 1/2 ‹ ›"
        emulator.queue(Reply(text="reply six"))
        await _send(pilot, "six")
        assert _sent(emulator) == [*OLD_LINE, "four", "reply four", "six"]


async def test_the_palette_regenerates_the_selected_reply(app_for, emulator):
    app = app_for()
    async with app.run_test(size=(100, 40)) as pilot:
        await _three_turns(pilot, emulator)
        await _select(pilot, app, "reply two")
        emulator.queue(Reply(text="reply two, again"))
        await pilot.press("ctrl+p")
        await pilot.press(*"Regenerate reply")
        assert await wait_until(pilot, lambda: palette_has_results(app))
        await pilot.press("enter")
        assert await wait_until(pilot, lambda: isinstance(app.screen, Confirm))
        await pilot.press("y")
        assert await wait_until(pilot, lambda: _texts(app) == ["one", "reply one", "two", "reply two, again"])
        await settle(pilot)
        assert _sent(emulator) == ["one", "reply one", "two"]

        await _select(pilot, app, "one")  # a question selected: its answer is asked again
        emulator.queue(Reply(text="reply one, again"))
        await pilot.press("ctrl+r")
        assert await wait_until(pilot, lambda: isinstance(app.screen, Confirm))
        assert "kept, with the 2 messages after it" in str(app.screen.query_one(Label).render())
        await pilot.press("y")
        assert await wait_until(pilot, lambda: _texts(app) == ["one", "reply one, again"])
        await settle(pilot)
        assert _sent(emulator) == ["one"]


async def test_a_reply_that_called_tools_is_refused_the_answer_after_its_results_is_not(app_for, emulator):
    from chattui.emulator import ToolCall
    from chattui.widgets.tool_call import ToolCallCard
    from textual.widgets import Input

    emulator.queue(Reply(text="Let me look.", tool_calls=(ToolCall("get_delivery_date", {"order_id": "42"}),)),
                   Reply(text="Friday."), Reply(text="You are welcome."))
    app = app_for(persona="support")
    async with app.run_test(size=(140, 40)) as pilot:
        await send(pilot, "Where is order 42?")
        await settle(pilot)
        card = app.screen.query_one(ToolCallCard)
        card.query_one(Input).value = '{"date": "Friday"}'
        card.query_one(Input).focus()
        await pilot.press("enter")
        await settle(pilot)
        await _send(pilot, "thanks")
        await _select(pilot, app, "Let me look.")
        await pilot.press("ctrl+r")
        assert await wait_until(pilot, lambda: any(
            n.message.startswith("This reply called tools: it cannot be regenerated")
            for n in app._notifications))
        assert not isinstance(app.screen, Confirm)

        await _select(pilot, app, "Friday.")  # it answered the tool's result: asked again from there
        emulator.queue(Reply(text="On Friday."))
        await pilot.press("ctrl+r")
        assert await wait_until(pilot, lambda: isinstance(app.screen, Confirm))
        await pilot.press("y")
        assert await wait_until(pilot, lambda: _texts(app) == ["Where is order 42?", "Let me look.", "On Friday."])
        await settle(pilot)
        sent = emulator.requests[-1].json["messages"]
        assert [m["role"] for m in sent] == ["system", "user", "assistant", "tool"]


async def test_a_search_hit_on_the_line_not_shown_opens_that_line(app_for, emulator):
    app = app_for()
    async with app.run_test(size=(100, 40)) as pilot:
        await _three_turns(pilot, emulator)
        await _select(pilot, app, "reply one")
        emulator.queue(Reply(text="reply one, again"))
        await pilot.press("ctrl+r")
        assert await wait_until(pilot, lambda: isinstance(app.screen, Confirm))
        await pilot.press("y")
        assert await wait_until(pilot, lambda: _texts(app) == ["one", "reply one, again"])
        await settle(pilot)

        await pilot.press("escape", "ctrl+g")
        await open_search_hit(pilot, "three", 2, "reply three")
        assert await wait_until(pilot, lambda: _texts(app) == OLD_LINE)  # the old reply's line, at the hit
        log = app.screen.query_one(ChatLog)
        assert await wait_until(pilot, lambda: log.selected is not None and log.selected.text == "reply three")
        assert _label(views(app)[1]) == "Assistant · reply 1/2 ‹ ›"

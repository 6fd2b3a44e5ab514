"""Tool calls in the chat: cards, answers typed by the user, confirmed commands, resume."""

from __future__ import annotations

import json

from textual.widgets import Button, Input, Label, Static

from chattui.emulator import Reply, ToolCall
from chattui.screens.confirm import Confirm
from chattui.widgets.plain import quoted
from chattui.widgets.tool_call import ToolCallCard
from tests.app.pilot import extends, raw_field, send, settle, views, wait_until

TWO_CALLS = Reply(text="Let me look that up.", tool_calls=(
    ToolCall("get_delivery_date", {"order_id": "42"}),
    ToolCall("cancel_order", {"order_id": "7", "reason": "duplicate"}),
))


async def answer(pilot, card: ToolCallCard, text: str) -> None:
    card.query_one(Input).value = text
    card.query_one(Input).focus()
    await pilot.press("enter")


async def test_several_tool_calls_are_answered_then_the_conversation_goes_on(app_for, emulator):
    emulator.queue(TWO_CALLS, Reply(text="Order 42 arrives Friday; order 7 is cancelled."))
    app = app_for(persona="support")
    async with app.run_test(size=(140, 40)) as pilot:
        await send(pilot, "Where is order 42? And cancel 7, it is a duplicate.")
        await settle(pilot)
        cards = list(app.screen.query(ToolCallCard))
        assert [c.call.name for c in cards] == ["get_delivery_date", "cancel_order"]
        assert '"order_id": "42"' in str(cards[0].query_one(".arguments").render())
        assert app.screen.focused is cards[0].query_one(Input)

        await answer(pilot, cards[0], '{"date": "Friday"}')
        await settle(pilot)
        assert len(emulator.requests) == 1  # waits for every call's result
        await answer(pilot, cards[1], '{"cancelled": true}')
        await settle(pilot)

        assert views(app)[-1].text == "Order 42 arrives Friday; order 7 is cancelled."
        first, second = emulator.requests[0].json, emulator.requests[1].json
        assistant, *results = second["messages"][-3:]
        calls = assistant["tool_calls"]
        assert [c["function"]["name"] for c in calls] == ["get_delivery_date", "cancel_order"]
        assert json.loads(calls[0]["function"]["arguments"]) == {"order_id": "42"}
        assert results == [
            {"role": "tool", "tool_call_id": calls[0]["id"], "content": '{"date": "Friday"}'},
            {"role": "tool", "tool_call_id": calls[1]["id"], "content": '{"cancelled": true}'},
        ]
        assert second["messages"][:len(first["messages"])] == first["messages"]

        await send(pilot, "thanks")
        await settle(pilot)
        # the earlier calls and results are resent byte for byte
        assert extends(raw_field(emulator.requests[-1].body, "messages"),
                       raw_field(emulator.requests[1].body, "messages"))


async def test_a_persona_command_runs_only_after_the_user_confirms(app_for, emulator, tmp_path):
    folder = tmp_path / ".chattui" / "personas"
    folder.mkdir(parents=True)
    marker = tmp_path / "ran.txt"
    (folder / "ops.md").write_text(
        '+++\nname = "ops"\n[[tool]]\nname = "disk_usage"\n'
        'parameters = { type = "object", properties = { path = { type = "string" } } }\n'
        f'[tool_commands]\ndisk_usage = "cat > {marker}; echo 42% used"\n+++\nYou run ops.\n')
    emulator.queue(Reply(tool_calls=(ToolCall("disk_usage", {"path": "/"}),)), Reply(text="Disk is 42% full."))
    app = app_for(persona="ops")
    async with app.run_test(size=(140, 40)) as pilot:
        await send(pilot, "how full is the disk?")
        await settle(pilot)
        card = app.screen.query_one(ToolCallCard)
        await pilot.pause(0.3)
        assert not marker.exists()  # nothing ran on its own
        card.query_one(Button).press()
        await pilot.pause()
        assert isinstance(app.screen, Confirm)  # asks first, showing the exact command
        assert quoted(f"cat > {marker}; echo 42% used") in str(app.screen.query_one(Label).render())
        await pilot.press("y")
        for _ in range(50):
            await pilot.pause(0.05)
            if card.query_one(Input).value not in ("", "(running…)"):
                break
        assert card.query_one(Input).value == "42% used"
        assert json.loads(marker.read_text()) == {"path": "/"}  # the arguments came on stdin
        await pilot.press("enter")
        await settle(pilot)
        assert emulator.requests[-1].json["messages"][-1] == {
            "role": "tool", "tool_call_id": card.call.id, "content": "42% used"}
        assert views(app)[-1].text == "Disk is 42% full."


async def test_a_pending_tool_call_is_still_answerable_after_a_restart(app_for, emulator):
    emulator.queue(Reply(tool_calls=(ToolCall("get_delivery_date", {"order_id": "9"}),)))
    app = app_for(persona="support")
    async with app.run_test(size=(140, 40)) as pilot:
        await send(pilot, "order 9?")
        await settle(pilot)

    again = app_for(persona="support", continue_last=True)
    async with again.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        card = again.screen.query_one(ToolCallCard)
        assert card.result is None and card.call.name == "get_delivery_date"
        await answer(pilot, card, "tomorrow")
        await settle(pilot)
        assert emulator.requests[-1].json["messages"][-1]["content"] == "tomorrow"
        assert card.result == "tomorrow"


async def test_tool_calls_on_anthropic_with_dropped_params_said_in_the_log(app_for, emulator):
    emulator.queue(Reply(text="Checking.", tool_calls=(ToolCall("get_delivery_date", {"order_id": "3"}),)),
                   Reply(text="Tuesday it is."))
    app = app_for(environ={"ANTHROPIC_API_KEY": "sk-ant-test-000000000000"}, provider="anthropic",
                  base_url=emulator.base_url, persona="support")
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        notice = [v.text for v in views(app) if v.role == "notice"][-1]
        assert notice == ("support: temperature is not supported by the Anthropic API version "
                          "2026-10-21; ignored.")
        await send(pilot, "order 3?")
        await settle(pilot)
        await answer(pilot, app.screen.query_one(ToolCallCard), "Tuesday")
        await settle(pilot)
        first, second = (r.json for r in emulator.requests)
        assert "temperature" not in first
        assert [t["name"] for t in second["tools"]] == [t["name"] for t in first["tools"]]
        assistant, results = second["messages"][-2:]
        assert assistant["content"][-1]["type"] == "tool_use"
        assert assistant["content"][-1]["input"] == {"order_id": "3"}
        assert results["role"] == "user"
        assert results["content"][0]["type"] == "tool_result"
        assert results["content"][0]["content"] == "Tuesday"
        assert results["content"][0]["tool_use_id"] == assistant["content"][-1]["id"]
        assert views(app)[-1].text == "Tuesday it is."
        turn = app.session.turns()[-1]
        assert turn.meta.api == "messages" and turn.cost_usd is not None


HIDDEN = "echo safe[b] && touch {marker} [/b]" + " " * 200 + "; touch {marker}2; printf 'x\\n\\033[31my'"
"""A command whose label used to hide what it runs: markup, then padding pushing the rest
out of a cropped button."""


async def test_a_tool_command_is_shown_exactly_and_runs_only_on_confirming_that_text(
        app_for, emulator, tmp_path):
    folder = tmp_path / ".chattui" / "personas"
    folder.mkdir(parents=True)
    marker = tmp_path / "ran"
    command = HIDDEN.format(marker=marker)
    persona_file = folder / "ops.md"
    persona_file.write_text(
        '+++\nname = "ops"\n[[tool]]\nname = "disk_usage"\n'
        'parameters = { type = "object", properties = {} }\n'
        f'[tool_commands]\ndisk_usage = {json.dumps(command)}\n+++\nYou run ops.\n')
    emulator.queue(Reply(tool_calls=(ToolCall("disk_usage", {}),)))
    app = app_for(persona="ops")
    async with app.run_test(size=(100, 40)) as pilot:
        await send(pilot, "how full is the disk?")
        await settle(pilot)
        card = app.screen.query_one(ToolCallCard)
        shown = str(card.query_one(".command", Static).render())
        assert quoted(command) in shown and str(persona_file) in shown  # verbatim, quoted, whole
        assert "␣" * 200 in shown and "(␣ is a space)" in shown  # the padding shows
        assert card.query_one(".command").size.height > 3  # wrapped, not cropped to one line
        assert "[b]" not in str(card.query_one(Button).label)  # the button only asks

        card.query_one(Button).press()
        await pilot.pause()
        assert isinstance(app.screen, Confirm)
        assert quoted(command) in str(app.screen.query_one(Label).render())
        await pilot.press("n")  # declined: nothing runs
        await pilot.pause()
        assert not isinstance(app.screen, Confirm) and card.query_one(Input).value == ""

        card.query_one(Button).press()
        await pilot.pause()
        await pilot.press("y")
        assert await wait_until(pilot, lambda: card.query_one(Input).value not in ("", "(running…)"))
        assert marker.exists() and (tmp_path / "ran2").exists()  # ran exactly what was shown
        answer_box = card.query_one(Input)
        assert answer_box.value == "safe[b]\nx\n\x1b[31my"  # kept as printed, shown one line:
        answer_box.cursor_position = 0
        assert answer_box.render_line(0).text.startswith("safe[b]␤x␤␛[31my")  # nothing spills
        assert app.is_running


async def test_calls_a_server_sends_without_ids_each_get_one_and_are_answered(app_for, emulator, monkeypatch):
    from chattui.emulator import openai_chat

    monkeypatch.setattr(openai_chat, "_call_ids", lambda sent: ["" for _ in sent.tool_calls])
    emulator.queue(TWO_CALLS, Reply(text="Both done."))  # some compatible servers send no id
    app = app_for(persona="support")
    async with app.run_test(size=(140, 40)) as pilot:
        await send(pilot, "Where is order 42? And cancel 7.")
        await settle(pilot)
        cards = list(app.screen.query(ToolCallCard))
        assert len({card.call.id for card in cards}) == 2 and all(card.call.id for card in cards)
        await answer(pilot, cards[0], "Friday")  # KeyError: '' stopped the app
        await settle(pilot)
        await answer(pilot, cards[1], "cancelled")
        await settle(pilot)
        assert views(app)[-1].text == "Both done."
        assistant, *results = emulator.requests[-1].json["messages"][-3:]
        assert [r["tool_call_id"] for r in results] == [c["id"] for c in assistant["tool_calls"]]


async def test_a_call_cut_off_by_a_dropped_stream_is_no_card_live_or_reopened(app_for, emulator):
    from chattui.emulator import Fault

    emulator.queue(Fault(drop_after=4, reply=Reply(tool_calls=(
        ToolCall("get_delivery_date", {"order_id": "4" * 40}),))))
    app = app_for(persona="support")
    async with app.run_test(size=(140, 40)) as pilot:
        await send(pilot, "Where is my order?")
        await settle(pilot)
        assert views(app)[-1].status == "failed" and not app.screen.query(ToolCallCard)
    app = app_for(persona="support", continue_last=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        assert await wait_until(pilot, lambda: len(views(app)) == 2)
        assert not app.screen.query(ToolCallCard)  # it was answerable, its answer going nowhere

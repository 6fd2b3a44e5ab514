"""Chained mode (Responses API, previous_response_id) as a user meets it."""

from __future__ import annotations

import openai

from chattui.emulator import Reply, ToolCall
from chattui.widgets.tool_call import ToolCallCard
from tests.app.pilot import API_KEY, palette_has_results, send, settle, status_bar, views, wait_until


def responses_requests(emulator):
    return [r for r in emulator.requests if r.path == "/v1/responses" and r.method == "POST"]


async def test_five_chained_turns_send_only_the_new_input(app_for, emulator):
    app = app_for(mode="chained", persona="styleguide")
    async with app.run_test(size=(140, 40)) as pilot:
        assert "chained" in app.sub_title
        for n in range(5):
            await send(pilot, f"question {n}")
            await settle(pilot)
        sent = [r.json for r in responses_requests(emulator)]
        turns = app.session.turns()
        assert len(sent) == 5 and all(t.status == "complete" for t in turns)
        assert "previous_response_id" not in sent[0]
        for n in range(1, 5):
            assert sent[n]["previous_response_id"] == turns[n - 1].response_id
            assert sent[n]["input"] == [{"role": "user", "content": f"question {n}"}]
        persona = app.session.persona
        assert all(body["instructions"] == persona.system for body in sent)  # resent every turn
        # the server holds the history: prompt tokens grow though only new input is sent
        assert turns[4].usage.input_total > turns[1].usage.input_total
        assert turns[4].usage.cache_read > 0


async def test_a_restart_resumes_the_chain_from_the_last_response(app_for, emulator):
    app = app_for(mode="chained")
    async with app.run_test(size=(140, 40)) as pilot:
        await send(pilot, "one")
        await settle(pilot)
        last_id = app.session.turns()[-1].response_id

    again = app_for(continue_last=True)  # the conversation remembers its mode
    async with again.run_test(size=(140, 40)) as pilot:
        assert again.session.mode == "chained" and "chained" in again.sub_title
        await send(pilot, "two")
        await settle(pilot)
        body = responses_requests(emulator)[-1].json
        assert body["previous_response_id"] == last_id
        assert body["input"] == [{"role": "user", "content": "two"}]


async def test_a_deleted_response_falls_back_to_full_history_once(app_for, emulator):
    app = app_for(mode="chained")
    async with app.run_test(size=(140, 40)) as pilot:
        await send(pilot, "remember the number 7")
        await settle(pilot)
        await send(pilot, "and 8")
        await settle(pilot)
        gone = app.session.turns()[-1].response_id
        client = openai.AsyncOpenAI(api_key=API_KEY, base_url=emulator.openai_base_url)
        await client.responses.delete(gone)
        await client.close()

        await send(pilot, "which numbers?")
        await settle(pilot)
        failed, resent = responses_requests(emulator)[-2:]
        assert failed.status == 400 and failed.json["previous_response_id"] == gone
        assert "previous_response_id" not in resent.json
        assert [i["content"] for i in resent.json["input"] if i.get("role") == "user"] == [
            "remember the number 7", "and 8", "which numbers?"]
        assert views(app)[-1].status == "complete"
        assert status_bar(app).turn.startswith("↺ chain lost on the server: full history resent once · prompt ")
        assert "$" in status_bar(app).turn  # and what the resend cost

        await send(pilot, "thanks")
        await settle(pilot)
        body = responses_requests(emulator)[-1].json
        assert body["previous_response_id"] == app.session.turns()[-2].response_id
        assert body["input"] == [{"role": "user", "content": "thanks"}]


async def test_a_tool_call_in_chained_mode(app_for, emulator):
    emulator.queue(Reply(tool_calls=(ToolCall("get_delivery_date", {"order_id": "5"}),)),
                   Reply(text="It arrives Monday."))
    app = app_for(mode="chained", persona="support")
    async with app.run_test(size=(140, 40)) as pilot:
        await send(pilot, "order 5?")
        await settle(pilot)
        card = app.screen.query_one(ToolCallCard)
        card.query_one("Input").value = "Monday"
        card.query_one("Input").focus()
        await pilot.press("enter")
        await settle(pilot)
        first, second = (r.json for r in responses_requests(emulator))
        assert [t["name"] for t in second["tools"]] == [t["name"] for t in first["tools"]]
        assert second["previous_response_id"] == app.session.turns()[0].response_id
        assert second["input"] == [{"type": "function_call_output", "call_id": card.call.id,
                                    "output": "Monday"}]
        assert views(app)[-1].text == "It arrives Monday."


async def test_mode_switches_from_the_palette(app_for, emulator):
    app = app_for()
    async with app.run_test(size=(140, 40)) as pilot:
        await send(pilot, "full first")
        await settle(pilot)
        assert emulator.requests[-1].path == "/v1/chat/completions"
        await pilot.press("ctrl+p")
        await pilot.press(*"Mode: chained")
        assert await wait_until(pilot, lambda: palette_has_results(app))
        await pilot.press("enter")
        await pilot.pause()
        assert app.session.mode == "chained" and "chained" in app.sub_title
        await send(pilot, "now chained")
        await settle(pilot)
        [first_chained] = responses_requests(emulator)  # no 400 and fallback: never chained on
        body = first_chained.json                       # a Chat Completions id
        assert first_chained.status == 200 and "previous_response_id" not in body
        assert [i["content"] for i in body["input"]][:1] == ["full first"]
        await send(pilot, "and again")
        await settle(pilot)
        assert responses_requests(emulator)[-1].json["input"] == [{"role": "user", "content": "and again"}]

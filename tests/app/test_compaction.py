"""Compaction only when the user asks: a summary they approve (full), responses.compact (chained)."""

from __future__ import annotations

from chattui.core.pricing import format_usd
from chattui.emulator import Reply
from chattui.screens.confirm import Confirm
from tests.app.pilot import send, settle, status_bar, views

SUMMARY = "- The user asked about **WAL** twice.\n- Open question: checkpoints."


async def chat(pilot, n: int) -> None:
    for i in range(n):
        await send(pilot, f"question {i} " + "about WAL mode " * 40)
        await settle(pilot)


async def wait_for_dialog(pilot):
    for _ in range(100):
        await pilot.pause(0.05)
        if isinstance(pilot.app.screen, Confirm):
            return pilot.app.screen
    raise AssertionError("no confirmation dialog")


async def test_a_summary_replaces_the_history_only_after_the_user_accepts(app_for, emulator):
    app = app_for()
    async with app.run_test(size=(140, 40)) as pilot:
        await chat(pilot, 3)
        before = app.session.turns()[-1].usage.input_total
        emulator.queue(Reply(text=SUMMARY))
        await pilot.press("ctrl+o")
        dialog = await wait_for_dialog(pilot)
        draft = [v for v in views(app) if v.role == "summary"][-1]
        assert draft.text == SUMMARY and "waiting for your answer" in str(draft.query_one(".role").render())
        asked = emulator.requests[-1].json["messages"]
        assert "Summarise our conversation" in asked[-1]["content"]
        await pilot.press("y")
        await settle(pilot)
        assert dialog is not app.screen
        bar = status_bar(app).turn
        assert bar.startswith(f"compacted: history {before:,} → ≈") and "the summary cost $" in bar

        await send(pilot, "what was open?")
        await settle(pilot)
        sent = emulator.requests[-1].json["messages"]
        assert [m["role"] for m in sent] == ["system", "user", "user"]
        assert sent[1]["content"] == "Summary of our conversation so far:\n\n" + SUMMARY
        assert app.session.turns()[-1].usage.input_total < before
        # nothing was deleted: the earlier turns are still stored and on screen
        assert sum(1 for m in app.session.messages() if m.role == "user") == 4
        assert sum(1 for v in views(app) if v.role == "user") == 4
        assert len(app.session.turns()) == 5  # 3 + the draft (a priced side turn) + 1


async def test_a_declined_summary_changes_nothing_but_its_cost_is_counted(app_for, emulator):
    app = app_for()
    async with app.run_test(size=(140, 40)) as pilot:
        await chat(pilot, 2)
        emulator.queue(Reply(text=SUMMARY))
        await pilot.press("ctrl+o")
        await wait_for_dialog(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert not [v for v in views(app) if v.role == "summary"]
        assert views(app)[-1].text.startswith("Kept the full history; the draft cost $")
        await send(pilot, "go on")
        await settle(pilot)
        roles = [m["role"] for m in emulator.requests[-1].json["messages"]]
        assert roles == ["system", "user", "assistant", "user", "assistant", "user"]
        turns = app.session.turns()
        assert status_bar(app).session.startswith(
            f"session {format_usd(sum(t.cost_usd for t in turns))} · 4 turns")
        assert len(turns) == 4


async def test_chained_compaction_uses_responses_compact_and_then_sends_the_items(app_for, emulator):
    app = app_for(mode="chained")
    async with app.run_test(size=(140, 40)) as pilot:
        await chat(pilot, 3)
        await pilot.press("ctrl+o")
        await settle(pilot)
        compact = [r for r in emulator.requests if r.path == "/v1/responses/compact"]
        assert len(compact) == 1
        assert compact[0].json["previous_response_id"] == app.session.turns()[2].response_id
        assert views(app)[-1].role == "compaction"
        assert status_bar(app).turn.startswith("compacted: history ")
        assert "compacting cost $" in status_bar(app).turn

        await send(pilot, "continue")
        await settle(pilot)
        body = emulator.requests[-1].json
        assert "previous_response_id" not in body  # a fresh chain from the compacted items
        assert body["input"][-1] == {"role": "user", "content": "continue"}
        assert any(item.get("type") == "compaction" for item in body["input"])
        await send(pilot, "and on")
        await settle(pilot)
        assert emulator.requests[-1].json["previous_response_id"] == app.session.turns()[-2].response_id

    again = app_for(continue_last=True)
    async with again.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        assert "compaction" in [v.role for v in views(again)]

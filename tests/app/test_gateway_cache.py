"""Claude through an OpenAI-compatible gateway (the emulator's OpenRouter route): the
breakpoints pass through as `cache_control` parts, the cache reads grow, and the cost the
gateway reports is the one shown and stored."""

from __future__ import annotations

from chattui.core.pricing import format_usd
from chattui.emulator import openrouter
from tests.app.pilot import send, settle, status_bar

MARK = {"type": "ephemeral"}


def marked(body: dict) -> list[str]:
    """Where the breakpoints are: "m<index>:<role>"."""
    return [f"m{i}:{m['role']}" for i, m in enumerate(body["messages"])
            if isinstance(m["content"], list) and any(p.get("cache_control") for p in m["content"])]


async def test_claude_via_openrouter_caches_and_shows_the_gateways_cost(app_for, emulator):
    app = app_for(provider="openai-compatible", base_url=emulator.openrouter_base_url,
                  model="anthropic/claude-sonnet-5", persona="styleguide")
    async with app.run_test(size=(140, 40)) as pilot:
        for text in ("first", "second", "third"):
            await send(pilot, text)
            await settle(pilot)

        bodies = [r.json for r in emulator.requests]
        assert marked(bodies[0]) == ["m0:system", "m1:user"]
        assert marked(bodies[2]) == ["m0:system", "m3:user", "m5:user"]
        assert bodies[2]["messages"][0]["content"][0]["cache_control"] == MARK
        turns = app.session.turns()
        reads = [t.usage.cache_read for t in turns]
        assert reads[0] == 0 and 0 < reads[1] < reads[2]
        assert turns[0].usage.cache_write_5m == turns[0].usage.input_total
        for turn, record in zip(turns, emulator.requests):
            reported = record.usage["cost"]
            assert turn.usage.cost_reported == reported == openrouter.cost(
                turn.usage.input_total, turn.usage.cache_read, turn.usage.cache_write,
                turn.usage.output)
            assert turn.cost_usd == reported
        assert status_bar(app).turn.endswith(f"{format_usd(turns[-1].cost_usd)} · price: gateway")
        session = status_bar(app).session  # Anthropic's 5-minute TTL, not OpenAI's 10
        assert "· warm · 4:5" in session or "· warm · 5:00 left" in session
        await pilot.press("ctrl+t")
        await pilot.pause()
        figures = str(app.screen.query_one("#figures").render())
        assert f"cost {format_usd(turns[-1].cost_usd)} (reported by the gateway; no split)" in figures


async def test_other_models_through_the_gateway_get_no_markers(app_for, emulator):
    app = app_for(provider="openai-compatible", base_url=emulator.openrouter_base_url,
                  model="openai/gpt-4.1-mini", persona="styleguide")
    async with app.run_test(size=(140, 40)) as pilot:
        await send(pilot, "first")
        await settle(pilot)
        body = emulator.requests[0].json
        assert marked(body) == [] and isinstance(body["messages"][0]["content"], str)
        assert app.session.turns()[0].cost_usd == emulator.requests[0].usage["cost"]

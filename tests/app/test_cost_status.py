"""What the status bar says about cost on the usage shapes real services send (issue 14)."""

from __future__ import annotations

from chattui.core.pricing import format_usd
from chattui.emulator import Reply

from tests.app.pilot import send, settle, status_bar


async def test_gemini_thinking_shows_as_reasoning_and_is_billed(app_for, emulator):
    emulator.queue(Reply(text="Short.", reasoning_tokens=300))
    app = app_for({"GEMINI_API_KEY": "k"}, provider="gemini", model="gemini-2.5-flash",
                  base_url=emulator.gemini_base_url)
    async with app.run_test(size=(120, 30)) as pilot:
        await send(pilot, "think")
        await settle(pilot)
        turn = app.session.turns()[-1]
        wire = emulator.requests[-1].usage
        assert wire["completion_tokens"] + 300 + wire["prompt_tokens"] == wire["total_tokens"]
        bar = status_bar(app).turn
        assert f"out {wire['completion_tokens'] + 300:,} (+reasoning 300)" in bar
        assert bar.endswith(f"{format_usd(turn.cost_usd)} · price: genai-prices")


async def test_an_unpriced_local_model_says_so_and_an_endpoint_price_says_where(
        app_for, emulator, tmp_path):
    app = app_for(provider="openai-compatible", model="deepseek-r1:8b",
                  base_url=emulator.openai_base_url)
    async with app.run_test(size=(120, 30)) as pilot:
        await send(pilot, "hi")
        await settle(pilot)
        assert status_bar(app).turn.endswith("cost ? · price ?")
        assert app.session.turns()[-1].cost_usd is None

    host = emulator.base_url.split("//", 1)[1]
    (tmp_path / "config").mkdir(exist_ok=True)
    (tmp_path / "config" / "config.toml").write_text(f'[endpoints."{host}"]\nprice = 0\n')
    app = app_for(provider="openai-compatible", model="deepseek-r1:8b",
                  base_url=emulator.openai_base_url)
    async with app.run_test(size=(120, 30)) as pilot:
        await send(pilot, "hi again")
        await settle(pilot)
        assert status_bar(app).turn.endswith(f"$0 · price: endpoint {host}")
        assert app.session.turns()[-1].cost_usd == 0

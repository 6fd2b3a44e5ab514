"""Keep-warm in the app: configured in config.toml, toggled from the palette, pings shown
in the status bar and counted in the session cost."""

from __future__ import annotations

from dataclasses import replace

from textual.widgets import DataTable

from chattui.core.insight import session_summary
from chattui.core.pricing import format_usd
from chattui.emulator import Reply
from tests.app.pilot import (
    main_screen, palette_has_results, send, settle, status_bar, wait_until,
)

ANTHROPIC = {"ANTHROPIC_API_KEY": "sk-ant-test-000000000000"}


def anthropic_app(app_for, emulator, tmp_path):
    """The app on Anthropic with a persona long enough to be cached, one reply queued."""
    folder = tmp_path / ".chattui" / "personas"
    folder.mkdir(parents=True)
    (folder / "reader.md").write_text('+++\nname = "reader"\n+++\nAnswer about this text.\n'
                                      + "ctx " * 1500 + "\n")
    emulator.queue(Reply(text="Read it."))
    return app_for(environ=ANTHROPIC, provider="anthropic", model="claude-sonnet-5",
                   base_url=emulator.base_url, persona="reader")


def config(tmp_path, text: str) -> None:
    (tmp_path / "config").mkdir(exist_ok=True)
    (tmp_path / "config" / "config.toml").write_text(text)


async def test_a_due_ping_goes_out_is_shown_and_counted_then_stops_at_the_limit(app_for, emulator,
                                                                              tmp_path):
    config(tmp_path, "[keep_warm]\nenabled = true\nmax_pings = 1\n")
    app = anthropic_app(app_for, emulator, tmp_path)
    async with app.run_test(size=(160, 40)) as pilot:
        await send(pilot, "What is it about?")
        await settle(pilot)
        screen = main_screen(app)
        assert await wait_until(pilot, lambda: "keep-warm 0/1 · next 4:" in status_bar(app).session)

        screen.keep_warm.policy = replace(screen.keep_warm.policy, margin=300)  # due now
        assert await wait_until(pilot, lambda: "keep-warm stopped: 1/1 pings used"
                                in status_bar(app).session)

        chat, ping = app.session.turns()
        assert ping.kind == "ping" and emulator.requests[-1].json["max_tokens"] == 0
        assert ping.usage.cache_read and ping.cost_usd
        session_text = status_bar(app).session
        assert session_summary([chat, ping]).text in session_text
        assert f"keep-warm stopped: 1/1 pings used · {format_usd(ping.cost_usd)}" in session_text
        assert "warm · 4:" in session_text
        assert len(emulator.requests) == 2  # the limit holds
        await pilot.press("ctrl+t")
        await pilot.pause()
        table = app.screen.query_one(DataTable)
        assert [str(table.get_row_at(i)[3]) for i in range(2)] == ["complete", "ping: complete"]


async def test_keep_warm_is_off_by_default_and_the_palette_switches_it(app_for, emulator, tmp_path):
    app = anthropic_app(app_for, emulator, tmp_path)
    async with app.run_test(size=(160, 40)) as pilot:
        await send(pilot, "What is it about?")
        await settle(pilot)
        assert "keep-warm" not in status_bar(app).session

        await pilot.press("ctrl+p")
        await pilot.press(*"keep cache warm")
        assert await wait_until(pilot, lambda: palette_has_results(app))
        await pilot.press("enter")

        assert await wait_until(pilot, lambda: "keep-warm 0/6 · next 4:" in status_bar(app).session)
        assert len(emulator.requests) == 1


async def test_keep_warm_on_openai_says_it_is_not_available(app_for, emulator, tmp_path):
    config(tmp_path, "[keep_warm]\nenabled = true\n")
    emulator.queue(Reply(text="Hi."))
    app = app_for()
    async with app.run_test(size=(160, 40)) as pilot:
        await send(pilot, "hello")
        await settle(pilot)
        assert await wait_until(pilot, lambda: "keep-warm: not available on openai"
                                in status_bar(app).session)


async def test_openai_chained_gpt_5_6_keeps_a_twelve_hour_cache_warm_with_prewarm(
        app_for, emulator, tmp_path):
    config(tmp_path, "[keep_warm]\nenabled = true\nmax_pings = 1\n")
    folder = tmp_path / ".chattui" / "personas"
    folder.mkdir(parents=True)
    (folder / "guide.md").write_text('+++\nname = "guide"\ncache_ttl = "12h"\n+++\n'
                                     "Answer about this text.\n" + "ctx " * 1500 + "\n")
    emulator.queue(Reply(text="Read it."), Reply(text="Again."))
    app = app_for(model="gpt-5.6", mode="chained", persona="guide")
    async with app.run_test(size=(160, 40)) as pilot:
        await send(pilot, "What is it about?")
        await settle(pilot)
        screen = main_screen(app)
        assert await wait_until(pilot, lambda: "keep-warm 0/1 · next 11:59:" in status_bar(app).session)
        assert "warm · 11:59:" in status_bar(app).session
        assert " · write " in status_bar(app).turn and "write 0 " not in status_bar(app).turn

        screen.keep_warm.policy = replace(screen.keep_warm.policy, margin=12 * 3600)  # due now
        assert await wait_until(pilot, lambda: "keep-warm stopped: 1/1 pings used"
                                in status_bar(app).session)

        chat, ping = app.session.turns()
        sent = emulator.requests[-1].json
        assert sent["prompt_cache_options"] == {"mode": "explicit", "ttl": "12h", "prewarm": True}
        assert ping.kind == "ping" and ping.usage.output == 0 and ping.cost_usd
        assert f"pings 1 {format_usd(ping.cost_usd)}" in status_bar(app).session
        assert [m.role for m in app.session.messages()] == ["user", "assistant"]

        screen.keep_warm.policy = replace(screen.keep_warm.policy, margin=30)  # not due again
        await send(pilot, "And then?")
        assert await wait_until(pilot, lambda: len(app.session.turns()) == 3
                                and app.session.turns()[-1].status == "complete")
        last = app.session.turns()[-1]
        assert last.kind == "chat" and last.usage.cache_read >= chat.usage.cache_write
        assert emulator.requests[-1].json["previous_response_id"] == chat.response_id

"""Cache insight at a glance: warm/cold, miss causes, pre-send estimate, details panel."""

from __future__ import annotations

import time

import pytest

from textual.widgets import DataTable

from chattui.core.pricing import format_usd
from chattui.screens.details import DetailsScreen
from tests.app.pilot import estimate_for, send, settle, status_bar, wait_until


class Clock:
    """Stands in for `time` in chattui.core.glance, so a test can let a TTL run out."""

    def __init__(self) -> None:
        self.offset = 0.0

    def time(self) -> float:
        return time.time() + self.offset


async def test_warm_then_cold_after_the_ttl_with_the_cause_named(app_for, emulator, monkeypatch):
    clock = Clock()
    monkeypatch.setattr("chattui.core.glance.time", clock)
    monkeypatch.setattr("chattui.store.db.time", clock)  # turns are stamped on the same clock
    app = app_for(persona="styleguide")  # a prefix well above OpenAI's 1,024 minimum
    async with app.run_test(size=(140, 40)) as pilot:
        await send(pilot, "first")
        await settle(pilot)
        await send(pilot, "second")
        await settle(pilot)
        second = app.session.turns()[-1]
        bar = status_bar(app)
        assert second.usage.cache_read > 1024
        assert "⚠ miss" not in bar.turn
        assert " · warm · 9:5" in bar.session or " · warm · 10:00" in bar.session

        clock.offset = 11 * 60  # the idle window (10 min) has passed on our side…
        emulator.advance(11 * 60)  # …and on the server's
        assert await wait_until(pilot, lambda: "· cold (" in bar.session)
        assert "· cold (expired 1 min ago)" in bar.session
        assert "cache cold (≈" in await estimate_for(pilot, "third")
        await send(pilot, "third")
        await settle(pilot)
        assert app.session.turns()[-1].usage.cache_read == 0
        assert "⚠ miss: TTL expired" in bar.turn


async def test_switching_persona_names_the_miss(app_for, emulator):
    app = app_for(persona="styleguide")
    async with app.run_test(size=(140, 40)) as pilot:
        await send(pilot, "first")
        await settle(pilot)
        await pilot.press("f2")  # support
        await send(pilot, "second")
        await settle(pilot)
        assert "⚠ miss: persona changed (styleguide → support)" in status_bar(app).turn


async def test_a_persona_below_the_minimum_says_so_before_and_after(app_for, emulator):
    app = app_for(persona="panda")
    async with app.run_test(size=(140, 40)) as pilot:
        assert "below the 1,024 cache minimum" in await estimate_for(pilot, "안녕")
        await send(pilot, "tell me a story about bamboo " * 30)
        await settle(pilot)
        await send(pilot, "and another one")
        await settle(pilot)
        assert status_bar(app).session.endswith("· never written")
        assert "⚠ miss: prefix below the model's minimum" in status_bar(app).turn


async def test_details_panel_splits_the_cost_and_charts_every_turn(app_for, emulator):
    app = app_for(persona="styleguide")
    async with app.run_test(size=(140, 40)) as pilot:
        for text in ("one", "two", "three"):
            await send(pilot, text)
            await settle(pilot)
        await pilot.press("ctrl+t")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DetailsScreen)
        figures = str(screen.query_one("#figures").render())
        last = app.session.turns()[-1]
        assert f"cost {format_usd(last.cost_usd)} = uncached $" in figures
        assert "without cache $" in figures and "saved $" in figures
        assert "Cache for styleguide on gpt-4.1-mini: warm ·" in figures
        chart = str(screen.query_one("#chart").render())
        assert "Spend █ and cache savings ▒ per turn" in chart
        assert all(f"#{n}" in chart for n in (1, 2, 3)) and "USD" in chart and "turn number" in chart
        table = screen.query_one("#turns", DataTable)
        assert table.row_count == 3 and str(table.get_row_at(2)[-1]) == format_usd(last.cost_usd)
        total = sum(t.cost_usd for t in app.session.turns())
        by_model = screen.query_one("#by-model", DataTable)
        assert [str(c) for c in by_model.get_row_at(0)[:3]] == ["gpt-4.1-mini", "3", format_usd(total)]
        assert screen.query_one("#by-day", DataTable).row_count == 1
        day_chart = str(screen.query_one("#chart-day").render())
        assert "per day" in day_chart and "USD" in day_chart
        await pilot.press("escape")
        assert not isinstance(app.screen, DetailsScreen)


async def test_the_providers_own_diagnosis_is_shown_with_the_miss(app_for, emulator):
    app = app_for(environ={"ANTHROPIC_API_KEY": "sk-ant-test-000000000000"}, provider="anthropic",
                  model="claude-sonnet-5", base_url=emulator.base_url, persona="styleguide")
    async with app.run_test(size=(140, 40)) as pilot:
        await send(pilot, "first")
        await settle(pilot)
        await pilot.press("f2")  # support
        await send(pilot, "second")
        await settle(pilot)
        first = app.session.turns()[0]
        said = f"tools changed ({first.usage.input_total:,} tokens not reused)"  # support has tools
        assert status_bar(app).turn.endswith(
            f"⚠ miss: persona changed (styleguide → support); the provider says: {said}")
        await pilot.press("ctrl+t")
        await pilot.pause()
        figures = str(app.screen.query_one("#figures").render())
        assert f"Provider's cache diagnosis: {said}" in figures


@pytest.mark.parametrize("size", [(80, 24), (100, 30), (140, 40)])
async def test_details_tables_and_charts_fit_the_terminal(app_for, emulator, size):
    app = app_for(persona="styleguide")
    async with app.run_test(size=size) as pilot:
        for text in ("one", "two"):
            await send(pilot, text)
            await settle(pilot)
        await pilot.press("ctrl+t")
        assert await wait_until(pilot, lambda: isinstance(app.screen, DetailsScreen) and bool(
            tables := list(app.screen.query(DataTable))) and all(
            table.content_region.width > 0 for table in tables))  # laid out
        screen = app.screen
        for table in screen.query(DataTable):
            assert table.virtual_size.width <= table.content_region.width, table.id
        for chart in screen.query(".chart"):
            lines = str(chart.render()).splitlines()
            assert lines and max(len(line) for line in lines) <= chart.content_region.width

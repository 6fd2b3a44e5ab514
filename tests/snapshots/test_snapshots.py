"""SVG snapshots of the layout in each shipped theme (pytest-textual-snapshot).

Everything on screen is fixed: conversation ids (uuid4 patched while seeding), every
timestamp (seeded at fixed times, shown in UTC), the terminal size, the theme, the costs
(seeded turns far below the cache minimum, so the cache line says "never written").
Regenerate after an intended change: pytest tests/snapshots --snapshot-update.
"""

from __future__ import annotations

import itertools
import time
import uuid

import pytest

from tests.app.test_conversations_ui import seed

SIZE = (100, 30)
JAN_1 = 1767225600.0  # 2026-01-01 00:00 UTC
SHIPPED = ("chattui-dark", "chattui-light", "solarized-ish")


@pytest.fixture
def fixed_world(monkeypatch, tmp_path):
    """UTC clock for display, deterministic conversation ids; seeds the archive."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    counter = itertools.count(1)
    monkeypatch.setattr(uuid, "uuid4", lambda: uuid.UUID(f"c0ffee{next(counter):06x}" + "0" * 20))
    data = tmp_path / "data"
    ids = {
        "trip": seed(data, [("Plan a weekend in Lisbon", "Day one: **Alfama** and a tram ride.\n\n"
                             "- pastéis de nata\n- the castle at sunset", 0.00042)],
                     title="Lisbon weekend", at=JAN_1 - 86400 * 3),
        "sql": seed(data, [("Why is my query slow?", "Add an index on `orders.customer_id`:\n\n"
                            "```sql\nCREATE INDEX ix ON orders(customer_id);\n```", 0.0011),
                           ("And for the join?", "The same, on the other side.", 0.0009)],
                    at=JAN_1 - 3600),
        "local": seed(data, [("hello local model", "Hi! Running offline.", None)],
                      persona="chef", model="my-local-model", at=JAN_1 - 86400 * 10),
    }
    monkeypatch.undo()  # real uuids (and the real TZ) for the app itself…
    monkeypatch.setenv("TZ", "UTC")  # …except the clock the screen shows
    time.tzset()
    yield ids
    monkeypatch.undo()
    time.tzset()


async def _settle(pilot) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    for widget in pilot.app.screen.query("*"):  # a blinking cursor is drawn, or not, by time
        if hasattr(widget, "cursor_blink"):
            widget.cursor_blink = False  # a focused one is now always drawn…
            widget.notify_style_update()  # …once lines cached while it was off are redrawn
            widget.refresh()
    await pilot.pause()


@pytest.mark.parametrize("theme", SHIPPED)
def test_main_screen_with_a_short_conversation(snap_compare, app_for, fixed_world, theme):
    app = app_for(conversation=fixed_world["sql"], theme=theme)
    assert snap_compare(app, terminal_size=SIZE, run_before=_settle)


def test_conversations_screen(snap_compare, app_for, fixed_world):
    app = app_for(conversation=fixed_world["sql"], theme="chattui-dark")

    async def open_list(pilot) -> None:
        await _settle(pilot)
        await pilot.press("ctrl+g")
        await _settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=open_list)

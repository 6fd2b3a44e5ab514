"""The first reply of a run may end while genai-prices is still loading (0.1-0.3 s, the
app's warm-up is at it): the event loop goes on drawing meanwhile, and the turn is priced
once the data has loaded."""

from __future__ import annotations

import asyncio
import threading
import time

from chattui.core import pricing
from chattui.emulator import Emulator, Reply
from tests.unit.sessions import emulated_session, ignore


async def test_the_first_price_loads_in_a_thread_while_the_event_loop_runs(tmp_path, monkeypatch):
    load = pricing.warm_up
    loaded_in: list[str] = []

    def cold_load() -> None:
        time.sleep(0.3)  # a cold genai-prices import, at its slowest
        loaded_in.append(threading.current_thread().name)
        load()

    monkeypatch.setattr(pricing, "warm_up", cold_load)
    monkeypatch.setattr(pricing, "is_warm", lambda: bool(loaded_in))
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    with Emulator() as emulator:
        session = emulated_session(emulator, tmp_path, model="gpt-4.1-mini")
        emulator.queue(Reply(text="The answer."))
        ticker = asyncio.create_task(tick())
        started = ticks
        outcome = await session.send("hi", ignore)
        ticker.cancel()
    assert loaded_in and loaded_in != [threading.main_thread().name]
    assert ticks - started >= 10  # ~30 in the 0.3 s; none while a load held the loop
    (turn,) = session.turns()
    assert turn.cost_usd is not None and turn.cost_usd == outcome.cost.usd

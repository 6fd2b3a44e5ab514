"""The first send of a run, while the app's warm-up may still be importing the SDK or
loading the price data: the event loop goes on (drawing, taking keys) while it waits for
either, and the turn is streamed and priced once they are there."""

from __future__ import annotations

import asyncio
import threading
import time

from chattui.core import pricing
from chattui.emulator import Emulator, Reply
from tests.unit.sessions import emulated_session, ignore


class LoopTurns:
    """Counts the event loop's 10 ms sleeps while it is free (none while something holds it)."""

    def __init__(self) -> None:
        self.count = 0
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(0.01)
            self.count += 1

    def stop(self) -> int:
        self._task.cancel()
        return self.count


async def test_the_first_price_loads_in_a_thread_while_the_event_loop_runs(tmp_path, monkeypatch):
    load = pricing.warm_up
    loaded_in: list[str] = []

    def cold_load() -> None:
        time.sleep(0.3)  # a cold genai-prices import, at its slowest
        loaded_in.append(threading.current_thread().name)
        load()

    monkeypatch.setattr(pricing, "warm_up", cold_load)
    monkeypatch.setattr(pricing, "is_warm", lambda: bool(loaded_in))
    with Emulator() as emulator:
        session = emulated_session(emulator, tmp_path, model="gpt-4.1-mini")
        emulator.queue(Reply(text="The answer."))
        turns = LoopTurns()
        outcome = await session.send("hi", ignore)
        ticks = turns.stop()
    assert loaded_in and loaded_in != [threading.main_thread().name]
    assert ticks >= 10  # ~30 in the 0.3 s; none while a load held the loop
    (turn,) = session.turns()
    assert turn.cost_usd is not None and turn.cost_usd == outcome.cost.usd


async def test_a_send_while_the_warm_up_imports_the_sdk_waits_without_freezing_the_event_loop():
    """The warm-up thread builds the client (importing the SDK: 0.6-1 s here) under a lock;
    a send in the meantime waited for it on the event loop, so typing froze until it ended."""
    from chattui.core.events import TextDelta
    from chattui.core.request import ChatMessage, ChatRequest
    from chattui.providers.openai_chat import OpenAIChatProvider

    with Emulator() as emulator:
        provider = OpenAIChatProvider("openai", "sk-test", emulator.openai_base_url)
        build = provider._new_client

        def slow_build(**options):
            time.sleep(0.3)  # the SDK's import
            return build(**options)

        provider._new_client = slow_build  # type: ignore[method-assign]
        warm_up = threading.Thread(target=provider.prepare)
        warm_up.start()
        await asyncio.sleep(0.01)  # the warm-up holds the client's lock now
        turns = LoopTurns()
        emulator.queue(Reply(text="The answer."))
        request = ChatRequest("gpt-4.1-mini", (ChatMessage("user", "hi"),))
        text = "".join([e.text async for e in provider.stream(request) if isinstance(e, TextDelta)])
        ticks = turns.stop()
        warm_up.join()
        await provider.aclose()
    assert text == "The answer."
    assert ticks >= 10  # ~25 while the client was built; none while the send held the loop

"""Helpers for pilot tests."""

from __future__ import annotations

import json

from chattui.widgets.composer import Composer
from chattui.widgets.message_view import MessageView
from chattui.widgets.status_bar import StatusBar

API_KEY = "sk-test-SECRETSECRET1234567890"


async def send(pilot, text: str) -> None:
    """Type `text` into the composer and press Enter."""
    pilot.app.screen.query_one(Composer).text = text
    await pilot.press("enter")


async def settle(pilot) -> None:
    """Wait for the turn in flight to end and the screen to catch up."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def main_screen(app):
    """The chat screen, even while a dialog is on top of it."""
    from chattui.screens.main import MainScreen

    return next(s for s in app.screen_stack if isinstance(s, MainScreen))


def views(app) -> list[MessageView]:
    return list(main_screen(app).query(MessageView))


def status_bar(app) -> StatusBar:
    return main_screen(app).query_one(StatusBar)


def raw_field(body: bytes, key: str) -> bytes:
    """The exact bytes of a top-level field's value as the SDK sent them."""
    value = json.loads(body)[key]
    raw = json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
    assert f'"{key}":'.encode() + raw in body, "the SDK serialised this field differently"
    return raw


def extends(later: bytes, earlier: bytes) -> bool:
    """True when JSON array `later` starts with every element of array `earlier`, byte for byte."""
    return later.startswith(earlier[:-1]) and len(later) > len(earlier)


async def estimate_for(pilot, text: str) -> str:
    """Type `text` and return the composer's pre-send line once it has been recomputed
    (it is debounced: wait for the change, not for a fixed time)."""
    composer = main_screen(pilot.app).query_one(Composer)
    before = composer.border_subtitle
    composer.text = text
    for _ in range(60):
        await pilot.pause(0.05)
        if composer.border_subtitle != before:
            break
    return composer.border_subtitle


async def wait_until(pilot, predicate, timeout: float = 5.0) -> bool:
    """Poll `predicate` while the app runs (machines here are shared: no fixed sleeps)."""
    for _ in range(int(timeout / 0.05)):
        if predicate():
            return True
        await pilot.pause(0.05)
    return predicate()


def palette_has_results(app) -> bool:
    from textual.command import CommandList

    return any(results.option_count for results in app.screen.query(CommandList))


def palette_options(app) -> list[str]:
    """The command palette's results as plain text, best first."""
    from textual.command import CommandList

    return [str(results.get_option_at_index(i).prompt) for results in app.screen.query(CommandList)
            for i in range(results.option_count)]


async def settled_screenshot(pilot, unlike: str | None = None, timeout: float = 5.0) -> str:
    """The app's SVG screenshot once the screen stops changing (alike 50 ms apart), and,
    with `unlike`, once it differs from that earlier one (the change has been drawn)."""
    shot = pilot.app.export_screenshot()
    for _ in range(int(timeout / 0.05)):
        await pilot.pause(0.05)
        shot, previous = pilot.app.export_screenshot(), shot
        if shot == previous != unlike:
            break
    return shot


def asked(emulator) -> bool:
    """A chat request has reached the emulator (a paced reply keeps time from then on)."""
    return any(r.path.endswith("/chat/completions") for r in emulator.requests)


async def open_search_hit(pilot, words: str, hits: int, containing: str) -> None:
    """On the conversations screen: search `words`, wait for `hits` hits, open the one whose
    text has `containing` in it."""
    from textual.widgets import OptionList

    await pilot.press(*words)
    found = pilot.app.screen.query_one("#hits", OptionList)
    assert await wait_until(pilot, lambda: found.display and found.option_count == hits)
    found.focus()
    found.highlighted = next(i for i in range(hits) if containing in found.get_option_at_index(i).prompt.plain)
    await pilot.press("enter")

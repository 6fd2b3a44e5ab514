"""The Gemini caches screen, from the palette: create a cache from the persona, see it
listed with its expiry and storage cost, bind the conversation (its next turn names the
cache), delete it. The real google-genai and openai SDKs talk to the emulator."""

from __future__ import annotations

from textual.widgets import Input, Label, OptionList

from chattui.screens.gemini_caches import GeminiCachesScreen
from tests.app.pilot import palette_has_results, send, settle, status_bar, wait_until

GEMINI = {"GEMINI_API_KEY": "gk-test-000000000000"}


def caches_screen(app) -> GeminiCachesScreen | None:
    return app.screen if isinstance(app.screen, GeminiCachesScreen) else None


def status(app) -> str:
    return str(app.screen.query_one("#status", Label).render())


def options(app) -> list[str]:
    listing = app.screen.query_one(OptionList)
    return [str(listing.get_option_at_index(i).prompt) for i in range(listing.option_count)]


async def open_caches(pilot) -> None:
    await pilot.press("ctrl+p")
    await pilot.press(*"Gemini caches")
    assert await wait_until(pilot, lambda: palette_has_results(pilot.app))
    await pilot.press("enter")
    assert await wait_until(pilot, lambda: caches_screen(pilot.app) is not None
                            and not status(pilot.app).startswith("Loading"))


async def test_create_list_bind_use_and_delete_a_cache(app_for, emulator):
    app = app_for(GEMINI, provider="gemini", base_url=emulator.gemini_base_url, persona="styleguide")
    async with app.run_test(size=(140, 40)) as pilot:
        await send(pilot, "First question")
        await settle(pilot)
        await open_caches(pilot)
        assert status(app) == "No caches: n makes one from the persona."

        await pilot.press("n")
        assert app.screen.query_one("#file", Input).display
        await pilot.press("enter")  # no file: the persona only
        assert await wait_until(pilot, lambda: status(app).startswith("Created"))
        [entry] = emulator.cached_contents.live(emulator.now())
        [line] = options(app)
        assert f"chattui styleguide  {entry.name} · gemini-2.5-flash" in line
        assert f"{entry.tokens:,} tok · expires " in line and "(in 1 h 00 min)" in line
        assert f"storage ≈ ${entry.tokens / 1e6:.4f}/h" in line

        await pilot.press("b")
        conversation_id = app.session.conversation.id
        assert app.session.store.gemini_cache_binding(conversation_id).cache_name == entry.name
        assert "bound here" in options(app)[0]
        await pilot.press("escape")
        await send(pilot, "Second question")
        await settle(pilot)
        body = emulator.requests[-1].json
        assert body["extra_body"] == {"google": {"cached_content": entry.name}}
        assert body["messages"][0]["role"] == "user"
        assert app.session.turns()[-1].usage.cache_read == entry.tokens
        short = entry.name.removeprefix("cachedContents/")[:10]
        assert await wait_until(pilot, lambda: f"· explicit cache {short}… · 59:" in status_bar(app).session)

        await open_caches(pilot)
        await pilot.press("d")
        await pilot.press("y")  # the confirm dialog
        assert await wait_until(pilot, lambda: caches_screen(app) is not None and options(app) == [])
        assert emulator.cached_contents.live(emulator.now()) == []
        assert app.session.store.gemini_cache_binding(conversation_id) is None
        assert "sends its persona inline" in str(app.screen.query_one("#binding", Label).render())

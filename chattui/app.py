"""ChatApp and make_app(): the one factory the CLI and the tests both use."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from textual.app import App
from textual.binding import Binding

from chattui.commands import ModeCommands, PersonaCommands
from chattui.core.chaining import CHAINABLE_PROVIDERS, CHAINED, FULL
from chattui.core.chat import ChatSession
from chattui.core.personas import PersonaLibrary, load_personas
from chattui.screens.main import MainScreen
from chattui.store import Store, database_path

if TYPE_CHECKING:
    from chattui.config import Settings
    from chattui.providers.base import Provider


class ChatApp(App):
    CSS_PATH = "app.tcss"
    TITLE = "chattui"
    BINDINGS = [Binding("ctrl+q", "quit", "Quit", id="quit", priority=True)]
    COMMANDS = App.COMMANDS | {PersonaCommands, ModeCommands}

    def __init__(self, session: ChatSession, notices: list[str],
                 load_library: Callable[[], PersonaLibrary] = PersonaLibrary,
                 keymap: dict[str, str] | None = None, theme: str | None = None,
                 emulated: bool = False,
                 provider_for: Callable[[str], Provider | None] = lambda mode: None) -> None:
        super().__init__()
        self.session = session
        self.provider_for = provider_for
        """The adapter that serves a conversation mode (full: Chat Completions, chained: Responses)."""
        self.notices = notices
        self.load_library = load_library
        if emulated:
            self.title = "chattui · EMULATED (offline trial)"
        if keymap:
            self.set_keymap(keymap)
        if theme and theme in self.available_themes:
            self.theme = theme

    def on_mount(self) -> None:
        self.push_screen(MainScreen(self.session, self.notices, self.load_library))
        self.call_after_refresh(_tune_gc)

    async def on_unmount(self) -> None:
        gc.unfreeze()  # the app's objects may go now (matters when apps run one after another)
        if self.session.provider is not None:
            await self.session.provider.aclose()


def _tune_gc() -> None:
    """Keep the garbage collector off the streaming path.

    Textual allocates many short-lived objects per frame; with CPython's default gen-0
    threshold (700) collections ran constantly and full ones re-scanned every widget, about
    40% of the time of a long streaming reply (bench/stream_render.py). The objects that
    exist once the first screen is up live as long as the app, so they are frozen out of
    collection, and the gen-0 threshold is raised.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 20, 50)


def make_app(settings: Settings, store: Store | None = None, provider: Provider | None = None,
             cwd: Path | None = None) -> ChatApp:
    """Open the store, load the personas, pick the conversation and the provider, build the app."""
    from chattui.providers.registry import make_provider

    store = store or Store(database_path(settings.data_dir))
    notices = [str(problem) for problem in settings.problems]
    cwd = cwd or Path.cwd()

    def load_library() -> PersonaLibrary:
        return load_personas(Path(settings.config_dir), cwd)

    library = load_library()
    notices += [f"Persona file not loaded: {problem}" for problem in library.all_problems()]
    persona = library.get(settings.persona)
    if persona is None:
        notices.append(f"No persona named '{settings.persona}'; using none.")
    model = _model_for(settings, persona, notices)
    conversation = _conversation(settings, store, notices)
    mode = conversation.mode if conversation else settings.mode
    if mode == CHAINED and settings.provider not in CHAINABLE_PROVIDERS:
        notices.append(f"Chained mode needs the OpenAI Responses API; {settings.provider} uses full mode.")
        mode = FULL
    unavailable = settings.missing_key_hint()

    def provider_for(mode: str) -> Provider:
        api = "responses" if mode == CHAINED else "chat"
        return make_provider(settings.provider, settings.api_key(), settings.base_url, api=api)

    if provider is None and unavailable is None:
        try:
            provider = provider_for(mode)
        except ValueError as exc:
            unavailable = str(exc)
    if unavailable:
        notices.append(f"{unavailable}. You can still read your conversations.")
    if store.recovered:
        notices.append(f"{store.recovered} reply(s) were cut short when chattui last closed: "
                       "they are marked interrupted; ctrl+r asks again.")
    session = ChatSession(
        store, provider, provider_name=settings.provider, model=model,
        base_url=settings.base_url, persona=persona, prices=settings.prices,
        secrets=settings.api_keys.values(), conversation=conversation, unavailable=unavailable,
        mode=mode,
    )
    session.base_model = settings.model  # personas without a model of their own use this
    return ChatApp(session, notices, load_library, dict(settings.keys), settings.theme,
                   settings.emulator, provider_for)


def _model_for(settings: Settings, persona, notices: list[str]) -> str:
    """The persona's model when it names one for this provider and the user chose none."""
    from chattui.config import DEFAULT_MODELS

    if persona is None or not persona.model:
        return settings.model
    if persona.provider not in (None, settings.provider):
        notices.append(f"Persona {persona.name} is made for {persona.provider}; "
                       f"start with --provider {persona.provider} to use its model.")
        return settings.model
    return persona.model if settings.model == DEFAULT_MODELS[settings.provider] else settings.model


def _conversation(settings: Settings, store: Store, notices: list[str]):
    if settings.conversation:
        found = store.get_conversation(settings.conversation)
        if found is None:
            notices.append(f"No conversation '{settings.conversation}': starting a new one.")
        return found
    if settings.continue_last:
        found = store.latest_conversation()
        if found is None:
            notices.append("No earlier conversation to continue: starting a new one.")
        return found
    return None

"""ChatApp and make_app(): the one factory the CLI and the tests both use."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from textual.app import App
from textual.binding import Binding

from chattui.commands import AppCommands, ModeCommands, PersonaCommands
from chattui.core.chaining import CHAINABLE_PROVIDERS, CHAINED, FULL
from chattui.core.chat import ChatSession
from chattui.core.estimates import price_interrupted
from chattui.core.keepwarm import Policy
from chattui.core.personas import PersonaLibrary, load_personas
from chattui.screens.main import MainScreen
from chattui.store import Store, database_path
from chattui.widgets.reply_stream import call_when_drawn

if TYPE_CHECKING:
    from textual.theme import Theme

    from chattui.config import Settings
    from chattui.core.gemini_caches import GeminiCaches
    from chattui.providers.base import Provider
    from chattui.themes import ThemeSet


class ChatApp(App):
    CSS_PATH = "app.tcss"
    TITLE = "chattui"
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", id="quit", priority=True),
        Binding("ctrl+p", "command_palette", "palette", id="command-palette", show=False, priority=True),
        Binding("ctrl+g", "show_conversations", "Conversations", id="show-conversations"),
        Binding("ctrl+s", "export_conversation", "Export", id="export-conversation", show=False),
        Binding("f12,question_mark", "show_help", "Keys", id="show-help"),
    ]
    COMMANDS = App.COMMANDS | {PersonaCommands, ModeCommands, AppCommands}
    gemini_caches: GeminiCaches | None = None
    """Gemini explicit caches (the palette's "Gemini caches"), set by make_app."""
    trust_prompt: Callable[[], object] | None = None
    """Builds the start-up question for an untrusted working directory (set by make_app)."""

    def __init__(self, session: ChatSession, notices: list[str],
                 load_library: Callable[[], PersonaLibrary] = PersonaLibrary,
                 keymap: dict[str, str] | None = None, theme: str | None = None,
                 emulated: bool = False,
                 provider_for: Callable[[str], Provider | None] = lambda mode: None,
                 themes: ThemeSet | None = None, remember_theme: Callable[[str], None] | None = None,
                 cwd: Path | None = None, keep_warm: Policy | None = None) -> None:
        super().__init__()
        gc.set_threshold(*GC_THRESHOLDS)  # no full collection of the imports during start-up
        self.session = session
        self.keep_warm = keep_warm
        self.provider_for = provider_for
        """The adapter that serves a conversation mode (full: Chat Completions, chained: Responses)."""
        self.notices = notices
        self.load_library = load_library
        if emulated:
            self.title = "chattui · EMULATED (offline trial)"
        self.cwd = cwd or Path.cwd()
        """Where exports with a relative file name go."""
        if keymap:
            self.set_keymap(keymap)
        self.theme_problems = list(themes.problems) if themes else []
        for registered in (themes.themes.values() if themes else ()):
            self.register_theme(registered)
        if theme and theme in self.available_themes:
            self.theme = theme
        elif theme:
            self.notices.append(f"No theme named '{theme}'; using {self.theme}.")
        self._remember_theme = remember_theme
        self._remembered_theme = self.theme

    def on_mount(self) -> None:
        self.push_screen(MainScreen(self.session, self.notices, self.load_library, self.keep_warm))
        if self.trust_prompt is not None:
            self.push_screen(self.trust_prompt())
        call_when_drawn(self, _tune_gc)  # a full collection: not in front of the first frame
        for problem in self.theme_problems:
            self.notify(f"{problem.path}: {problem.reason}", title="Theme file not loaded",
                        severity="error", timeout=10)
        self.theme_changed_signal.subscribe(self, self._theme_changed)

    # themes, conversations, export, keys

    def _theme_changed(self, theme: Theme) -> None:
        """Remember a theme the user picks, for the next run."""
        if theme.name == self._remembered_theme or self._remember_theme is None:
            return
        try:
            self._remember_theme(theme.name)
        except (OSError, ValueError) as exc:
            self.notify(f"Theme not remembered: {exc}", severity="warning")
            return
        self._remembered_theme = theme.name

    def get_system_commands(self, screen):
        """Textual's own, but "Keys" is chattui's key table (AppCommands), not the help panel."""
        return (command for command in super().get_system_commands(screen) if command.title != "Keys")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The conversations key is off on the conversations screen (Esc goes back)."""
        if action == "show_conversations":
            return type(self.screen).__name__ != "ConversationsScreen"
        return True

    def action_show_conversations(self) -> None:
        from chattui.screens.conversations import ConversationsScreen

        if not isinstance(self.screen, ConversationsScreen):
            self.push_screen(ConversationsScreen(self.session.store, self.session._secrets))

    async def on_conversations_screen_chosen(self, event) -> None:
        if await self.open_conversation(event.conversation_id) and event.message_id is not None:
            main = next(s for s in self.screen_stack if isinstance(s, MainScreen))
            await main.show_hit(event.message_id, event.terms, event.hit_ids)

    async def open_conversation(self, conversation_id: str | None, show: bool = True) -> bool:
        """Make a stored conversation (None: a new one) the session's, in its own mode, and
        re-render the chat screen; with `show`, go back to the chat screen."""
        session = self.session
        if session.busy:
            self.notify("A reply is still streaming: Esc stops it.", severity="warning")
            return False
        conversation = session.store.get_conversation(conversation_id) if conversation_id else None
        if conversation_id and conversation is None:
            self.notify(f"No conversation '{conversation_id}'.", severity="error")
            return False
        mode = conversation.mode if conversation else session.mode
        if mode == CHAINED and session.provider_name not in CHAINABLE_PROVIDERS:
            self.notify(f"Chained mode needs the OpenAI Responses API; {session.provider_name} "
                        "continues this conversation in full mode.", severity="warning")
            mode = FULL
        if mode != session.mode:
            old = session.provider
            try:
                provider = old if session.unavailable else self.provider_for(mode)
            except ValueError as exc:
                self.notify(f"Cannot open it in {mode} mode: {exc}", severity="error")
                return False
            session.mode, session.provider = mode, provider
            if old is not None and old is not provider:
                await old.aclose()
        session.conversation = conversation
        while show and not isinstance(self.screen, MainScreen) and len(self.screen_stack) > 1:
            await self.pop_screen()
        main = next(s for s in self.screen_stack if isinstance(s, MainScreen))
        await main.reload_conversation()
        return True

    def action_export_conversation(self) -> None:
        from chattui.screens.export import ExportScreen

        target = getattr(self.screen, "export_target", None)
        conversation_id = target() if target else (
            self.session.conversation.id if self.session.conversation else None)
        conversation = self.session.store.get_conversation(conversation_id) if conversation_id else None
        if conversation is None:
            self.notify("Nothing to export yet.", severity="warning")
            return
        self.push_screen(ExportScreen(self.session.store, conversation.id, conversation.title,
                                      self.cwd, self.session._secrets))

    def action_show_help(self) -> None:
        from chattui.screens.help import HelpScreen, key_rows, screen_places

        self.push_screen(HelpScreen(key_rows(self, screen_places(self))))

    async def on_unmount(self) -> None:
        gc.unfreeze()  # the app's objects may go now (matters when apps run one after another)
        self.session.save_unsaved()  # a last try for replies a full disk kept in memory
        if self.session.provider is not None:
            await self.session.provider.aclose()


def _tune_gc() -> None:
    """Keep the garbage collector off the streaming path.

    Textual allocates many short-lived objects per frame; with CPython's default gen-0
    threshold (700) collections ran constantly and full ones re-scanned every widget, about
    40% of the time of a long streaming reply (bench/stream_render.py). The objects that
    exist once the first screen is up live as long as the app, so they are frozen out of
    collection (after that first frame: a full collection took 0.1 s), and the thresholds
    are raised (already when the app is built: during start-up, full collections of the
    imported modules took 60-80 ms).
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


GC_THRESHOLDS = (10_000, 20, 50)


def make_app(settings: Settings, store: Store | None = None, provider: Provider | None = None,
             cwd: Path | None = None) -> ChatApp:
    """Open the store, load the personas, pick the conversation and the provider, build the app."""
    from functools import partial

    from chattui.config import save_theme
    from chattui.core.gemini_caches import for_settings as gemini_caches_for
    from chattui.providers.registry import make_provider
    from chattui.themes import load_themes

    from chattui.trust import untrusted_notice, was_asked

    store = store or Store(database_path(settings.data_dir))
    notices = [str(problem) for problem in settings.problems]
    cwd = cwd or Path.cwd()
    if notice := untrusted_notice(settings, cwd):
        notices.append(notice)

    def load_library() -> PersonaLibrary:
        """A directory trusted at start stays trusted for this run (persona edits are picked
        up live); the next start checks its contents again."""
        return load_personas(Path(settings.config_dir), cwd, local=settings.local_trusted)

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
                       "they are marked interrupted and priced from chattui's own count (≈); "
                       "ctrl+r asks again.")
    price_interrupted(store, settings.prices)
    session = ChatSession(
        store, provider, provider_name=settings.provider, model=model,
        base_url=settings.base_url, persona=persona, prices=settings.prices,
        secrets=settings.known_secrets(), conversation=conversation, unavailable=unavailable,
        mode=mode,
    )
    session.base_model = settings.model  # personas without a model of their own use this
    session.image_detail = settings.image_detail
    app = ChatApp(session, notices, load_library, dict(settings.keys), settings.theme,
                  settings.emulator, provider_for, themes=load_themes(settings.config_dir),
                  remember_theme=partial(save_theme, settings.config_file), cwd=cwd,
                  keep_warm=Policy(**settings.keep_warm))
    app.gemini_caches = gemini_caches_for(settings, store)
    if notice and settings.trust_store and not was_asked(settings.local_files, settings.trust_store):
        app.trust_prompt = partial(_trust_prompt, settings, notice)
    return app


def _trust_prompt(settings: Settings, notice: str):
    from functools import partial

    from chattui import trust
    from chattui.screens.trust_prompt import TrustPrompt

    local, store = settings.local_files, settings.trust_store
    return TrustPrompt(trust.prompt_text(notice), partial(trust.allow, local, store),
                       partial(trust.ignore, local, store))


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

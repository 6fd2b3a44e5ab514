"""ChatApp and make_app(): the one factory the CLI and the tests both use."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping

from textual.app import App
from textual.binding import Binding

from chattui.commands import AppCommands, ModeCommands, PersonaCommands
from chattui.core.chaining import CHAINABLE_PROVIDERS, CHAINED, FULL
from chattui.core.provider import PROVIDERS
from chattui.core.chat import ChatSession
from chattui.core.estimates import price_interrupted
from chattui.core.keepwarm import Policy
from chattui.core.personas import PersonaLibrary, load_personas
from chattui.screens.main import MainScreen
from chattui.store import Store, database_path
from chattui.widgets.plain import visible
from chattui.failures import log_path, reason, record
from chattui.widgets.lazy_chunks import call_when_drawn
from chattui.widgets.textual_compat import CrashReportingApp

if TYPE_CHECKING:
    from textual.screen import Screen
    from textual.theme import Theme
    from textual.worker import Worker

    from chattui.config import Settings
    from chattui.core.gemini_caches import GeminiCaches
    from chattui.core.provider import Provider
    from chattui.mcp_client.runtime import McpRuntime
    from chattui.screens.trust_prompt import TrustPrompt
    from chattui.themes import ThemeSet
    from chattui.trust import LocalFiles


def _no_provider(mode: str) -> Provider:
    """ChatApp's provider_for when make_app gives none: no adapter serves `mode`."""
    raise ValueError("No provider is configured.")


class ChatApp(CrashReportingApp):
    CSS_PATH = ["app.tcss", "chat.tcss", "screens.tcss"]
    TITLE = "chattui"
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", id="quit", priority=True),
        Binding("ctrl+p", "command_palette", "palette", id="command-palette", show=False, priority=True),
        Binding("ctrl+g", "show_conversations", "Conversations", id="show-conversations"),
        Binding("ctrl+s", "export_conversation", "Export", id="export-conversation", show=False),
        Binding("f12,question_mark", "show_help", "Keys", id="show-help"),
    ]
    COMMANDS = App.COMMANDS | {PersonaCommands, ModeCommands, AppCommands}
    TUNE_GC = True
    """Freeze what exists after the first frame out of garbage collection (`_tune_gc`). Tests
    turn it off: there that full collection scans the whole test process at every start."""
    gemini_caches: GeminiCaches | None = None
    """Gemini explicit caches (the palette's "Gemini caches"), set by make_app."""
    mcp: McpRuntime | None = None
    """This run's MCP servers (set by make_app)."""
    trust_prompt: Callable[[], Screen[Any]] | None = None
    """Builds the start-up question for an untrusted working directory (set by make_app)."""
    keymap: dict[str, str] = {}
    """The `[keys]` remaps in effect, as given (Textual keeps its own copy private)."""
    reopener: Callable | None = None
    """(conversation, library, flags) -> core.reopen.Reopened, set by make_app."""
    connect: Callable = staticmethod(lambda setup: (None, "No provider is configured."))
    """setup -> (provider or None, why unavailable): the adapter serving a reopened setup."""
    model_abilities: Mapping[str, Any] = {}
    """config `[models."pattern"]`: what models can take (core.capabilities.Abilities)."""

    def __init__(self, session: ChatSession, notices: list[str],
                 load_library: Callable[[], PersonaLibrary] = PersonaLibrary,
                 keymap: dict[str, str] | None = None, theme: str | None = None,
                 emulated: bool = False,
                 provider_for: Callable[[str], Provider] = _no_provider,
                 themes: ThemeSet | None = None, remember_theme: Callable[[str], None] | None = None,
                 cwd: Path | None = None, keep_warm: Policy | None = None,
                 log_file: Path | None = None) -> None:
        super().__init__()
        self.log_file = log_file or log_path(Path.cwd())
        """Where failures nobody expected are written (chattui.log in the data dir)."""
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

    url_for: Callable = staticmethod(lambda provider: None)
    """provider -> the base URL a model switch to it uses, set by make_app."""
    switch_targets: Callable = staticmethod(lambda: [])
    """() -> configured core.model_switch.Targets for "Switch model…", set by make_app."""
    reopen_notes: list[str] = []
    """What the command line changed in the reopened conversation (shown before the first send)."""

    def crashed(self, error: Exception) -> str:
        record(self.log_file, error, "chattui", self.session.secrets)
        return f"chattui crashed ({reason(error, self.session.secrets)}); the traceback is in {self.log_file}"

    def worker_failed(self, worker: Worker[object]) -> None:
        """The one handler of a worker that failed: the traceback to the log, a toast."""
        error = worker.error if isinstance(worker.error, BaseException) else RuntimeError(worker.error)
        what = worker.name or worker.group
        record(self.log_file, error, what, self.session.secrets)
        self.notify(f"{what} failed: {reason(error, self.session.secrets)}\nDetails: {self.log_file}",
                    title="Something went wrong", severity="error", timeout=12, markup=False)

    def set_keymap(self, keymap: Mapping[str, str]) -> None:
        self.keymap = dict(keymap)
        super().set_keymap(keymap)

    def update_keymap(self, keymap: Mapping[str, str]) -> None:
        self.keymap = {**self.keymap, **keymap}
        super().update_keymap(keymap)

    def on_mount(self) -> None:
        self.push_screen(MainScreen(self.session, self.notices, self.load_library, self.keep_warm,
                                    self.reopen_notes))
        if self.trust_prompt is not None:
            self.push_screen(self.trust_prompt())
        if self.TUNE_GC:
            call_when_drawn(self, _tune_gc)  # a full collection: not in front of the first frame
        for problem in self.theme_problems:
            self.notify(f"{problem.path}: {problem.reason}", title="Theme file not loaded",
                        severity="error", timeout=10)
        self.theme_changed_signal.subscribe(self, self._theme_changed)

    def notify(self, message: str, *, title: str = "", severity="information",
               timeout: float | None = None, markup: bool = True) -> None:
        """Every toast of chattui (and of its screens and widgets): its text is data (file
        names, titles, server errors), so never markup, and control characters show."""
        super().notify(visible(message), title=visible(title), severity=severity,
                       timeout=timeout, markup=False)

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
            self.push_screen(ConversationsScreen(self.session.store, self.session.secrets))

    async def on_conversations_screen_chosen(self, event) -> None:
        if await self.open_conversation(event.conversation_id) and event.message_id is not None:
            main = next(s for s in self.screen_stack if isinstance(s, MainScreen))
            await main.show_hit(event.message_id, event.terms, event.hit_ids)

    async def open_conversation(self, conversation_id: str | None, show: bool = True) -> bool:
        """Make a stored conversation (None: a new one) the session's, with everything that
        shaped its requests (core.reopen), and re-render the chat screen; with `show`, go
        back to the chat screen."""
        session = self.session
        if session.busy:
            self.notify("A reply is still streaming: Esc stops it.", severity="warning")
            return False
        conversation = session.store.get_conversation(conversation_id) if conversation_id else None
        if conversation_id and conversation is None:
            self.notify(f"No conversation '{conversation_id}'.", severity="error")
            return False
        notes: list[str] = []
        if conversation is not None and self.reopener is not None:
            reopened = self.reopener(conversation, self.load_library(), {})
            setup, notes = reopened.setup, reopened.notes
            old = session.provider
            if (setup.provider, setup.base_url, setup.mode) != (
                    session.provider_name, session.base_url, session.mode) or old is None:
                provider, unavailable = self.connect(setup)
            else:
                provider, unavailable = old, session.unavailable
            session.adopt(setup, provider, unavailable)
            session.wait_for_choice(reopened.choice)
            if old is not None and old is not provider:
                await old.aclose()
        session.open(conversation)
        while show and not isinstance(self.screen, MainScreen) and len(self.screen_stack) > 1:
            await self.pop_screen()
        main = next(s for s in self.screen_stack if isinstance(s, MainScreen))
        await main.reload_conversation()
        await main.show_reopen_notes(notes)
        main.mcp_warm()  # its servers' tool list is checked against the stored one once they are up
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
                                      self.cwd, self.session.secrets))

    def action_show_help(self) -> None:
        from chattui.screens.help import HelpScreen, key_rows, screen_places

        self.push_screen(HelpScreen(key_rows(self, screen_places(self))))

    async def on_unmount(self) -> None:
        gc.unfreeze()  # the app's objects may go now (matters when apps run one after another)
        self.session.save_unsaved()  # a last try for replies a full disk kept in memory
        if self.mcp is not None:
            await self.mcp.close()
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
    from dataclasses import replace
    from functools import partial

    from chattui.config import save_theme
    from chattui.core.reopen import Reopened, Setup, reopen
    from chattui.providers.registry import gemini_caches_for, make_provider
    from chattui.mcp_client.runtime import McpRuntime
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
    setup = Setup(settings.provider, model, settings.base_url, persona, settings.mode,
                  settings.image_detail)

    def reopener(conversation, library, flags) -> Reopened:
        reopened = reopen(store, conversation, library, setup, flags, settings.prices)
        if settings.emulator:  # the emulator of this run serves every provider
            url = settings.emulator_urls.get(reopened.setup.provider, reopened.setup.base_url)
            reopened.setup = replace(reopened.setup, base_url=url)
        if reopened.setup.mode == CHAINED and reopened.setup.provider not in CHAINABLE_PROVIDERS:
            reopened.notes.append(f"Chained mode needs the OpenAI Responses API; "
                                  f"{reopened.setup.provider} uses full mode.")
            reopened.setup = replace(reopened.setup, mode=FULL)
        return reopened

    def connect(setup: Setup) -> tuple[Provider | None, str | None]:
        if setup.provider not in PROVIDERS:  # a stored conversation's, from an older chattui
            return None, f"chattui does not know provider '{setup.provider}'"
        target = settings.for_provider(setup.provider, setup.base_url)
        hint = target.missing_key_hint()
        if hint is None:
            try:
                api = "responses" if setup.mode == CHAINED else "chat"
                return make_provider(setup.provider, target.api_key(), setup.base_url, api=api), None
            except ValueError as exc:
                hint = str(exc)
        if setup.provider != settings.provider:  # name the provider the conversation needs
            hint = f"This conversation uses {setup.provider}: {hint}"
        return None, hint

    reopened = reopener(conversation, library, settings.flags) if conversation else None
    if reopened is None and setup.mode == CHAINED and setup.provider not in CHAINABLE_PROVIDERS:
        notices.append(f"Chained mode needs the OpenAI Responses API; {settings.provider} uses full mode.")
        setup = replace(setup, mode=FULL)
    if reopened is not None:
        setup = reopened.setup
    unavailable = None
    if provider is None:
        provider, unavailable = connect(setup)
    if unavailable:
        notices.append(f"{unavailable}. You can still read your conversations.")
    if store.recovered:
        notices.append(f"{store.recovered} reply(s) were cut short when chattui last closed: "
                       "they are marked interrupted and priced from chattui's own count (≈); "
                       "ctrl+r asks again.")
    price_interrupted(store, settings.prices)
    session = ChatSession(
        store, provider, provider_name=setup.provider, model=setup.model,
        base_url=setup.base_url, persona=setup.persona, prices=settings.prices,
        secrets=settings.known_secrets(), conversation=conversation, unavailable=unavailable,
        mode=setup.mode, base_model=settings.model if reopened is None else setup.model,
        image_detail=setup.image_detail,
    )
    session.wait_for_choice(reopened.choice if reopened else None)
    session.default_reasoning = settings.reasoning

    def provider_for(mode: str) -> Provider:
        """The adapter that serves `mode` for the session's provider and base URL."""
        provider, why = connect(Setup(session.provider_name, session.model, session.base_url,
                                      session.persona, mode, session.image_detail))
        if provider is None:
            raise ValueError(why)
        return provider

    app = ChatApp(session, notices, load_library, dict(settings.keys), settings.theme,
                  settings.emulator, provider_for, themes=load_themes(settings.config_dir),
                  remember_theme=partial(save_theme, settings.config_file), cwd=cwd,
                  keep_warm=Policy(**settings.keep_warm), log_file=log_path(settings.data_dir))
    app.gemini_caches = gemini_caches_for(settings, store)
    app.mcp = McpRuntime(settings.mcp_servers, settings.data_dir)
    if notice and settings.trust_store and not was_asked(settings.local_files, settings.trust_store):
        app.trust_prompt = partial(_trust_prompt, settings.local_files, settings.trust_store, notice)
    app.reopener, app.connect = reopener, connect

    def url_for(provider: str) -> str | None:
        """The base URL a switch to `provider` goes to."""
        if settings.emulator:
            return settings.emulator_urls.get(provider)
        if provider == session.provider_name:
            return session.base_url
        if provider == settings.provider:
            return settings.base_url
        return settings.provider_urls.get(provider)

    def switch_targets() -> list:
        """Models to offer besides the provider's list: each provider's default where it has
        a key, the personas' models, the models priced in config.toml."""
        from chattui.config import DEFAULT_MODELS
        from chattui.core.model_switch import Target

        out = [Target(name, model) for name, model in DEFAULT_MODELS.items()
               if settings.for_provider(name, url_for(name)).missing_key_hint() is None
               and (name != "openai-compatible" or url_for(name))]
        out += [Target(p.provider or session.provider_name, p.model) for p in load_library().personas if p.model]
        out += [Target(session.provider_name, model) for model in settings.prices]
        return out

    app.url_for, app.switch_targets = url_for, switch_targets
    app.model_abilities = settings.models
    app.reopen_notes = reopened.notes if reopened else []
    return app


def _trust_prompt(local: LocalFiles, store: Path, notice: str) -> TrustPrompt:
    from functools import partial

    from chattui import trust
    from chattui.screens.trust_prompt import TrustPrompt

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

"""ChatApp, and its two builders: make_app() builds everything before the app runs (the
tests); start_app() (the command line) draws the chat screen's frame first and builds the
store, the personas and the session once it is on screen (chattui.assemble)."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping

from textual.app import App
from textual.binding import Binding

from chattui.commands import AppCommands, ModeCommands, PersonaCommands
from chattui.widgets.plain import visible
from chattui.failures import log_path, reason, record
from chattui.widgets.drawn import call_when_drawn
from chattui.widgets.textual_compat import CrashReportingApp, guard_pasted_escapes

if TYPE_CHECKING:
    from textual.screen import Screen
    from textual.theme import Theme
    from textual.worker import Worker

    from chattui.config import Settings
    from chattui.core.chat import ChatSession
    from chattui.core.gemini_caches import GeminiCaches
    from chattui.core.keepwarm import Policy
    from chattui.core.personas import PersonaLibrary
    from chattui.core.provider import Provider
    from chattui.mcp_client.runtime import McpRuntime
    from chattui.screens.main import MainScreen
    from chattui.store import Store
    from chattui.themes import ThemeSet


def _no_provider(mode: str) -> Provider:
    """ChatApp's provider_for before chattui.assemble gives one: no adapter serves `mode`."""
    raise ValueError("No provider is configured.")


class ChatApp(CrashReportingApp):
    CSS_PATH = ["app.tcss", "chat.tcss"]  # the dialogs bring screens.tcss (chattui.screens.DIALOG_CSS)
    TITLE = "chattui"
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", id="quit", priority=True),
        Binding("ctrl+p", "command_palette", "palette", id="command-palette", show=False, priority=True),
        Binding("ctrl+g", "show_conversations", "Conversations", id="show-conversations"),
        Binding("ctrl+s", "export_conversation", "Export", id="export-conversation", show=False),
        Binding("f12,question_mark", "show_help", "Keys", id="show-help"),
    ]
    COMMANDS = App.COMMANDS | {PersonaCommands, ModeCommands, AppCommands}
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    """Below 100 columns the persona sidebar is narrower (chat.tcss)."""
    TUNE_GC = True
    """Freeze what exists after the warm-up out of garbage collection (`_tune_gc`). Tests
    turn it off: there that full collection scans the whole test process at every start."""
    _gc_tuned = False
    gemini_caches: GeminiCaches | None = None
    """Gemini explicit caches (the palette's "Gemini caches"), set by chattui.assemble."""
    mcp: McpRuntime | None = None
    """This run's MCP servers (set by chattui.assemble)."""
    trust_prompt: Callable[[], Screen[Any]] | None = None
    """Builds the start-up question for an untrusted working directory (set by chattui.assemble)."""
    keymap: dict[str, str] = {}
    """The `[keys]` remaps in effect, as given (Textual keeps its own copy private)."""
    reopener: Callable | None = None
    """(conversation, library, flags) -> core.reopen.Reopened, set by chattui.assemble."""
    connect: Callable = staticmethod(lambda setup: (None, "No provider is configured."))
    """setup -> (provider or None, why unavailable): the adapter serving a reopened setup."""
    model_abilities: Mapping[str, Any] = {}
    """config `[models."pattern"]`: what models can take (core.capabilities.Abilities)."""

    session: ChatSession
    """The chat's session (set by chattui.assemble; start_app's app has none until its first
    frame is drawn: `assembled` says whether it is there)."""
    load_library: Callable[[], PersonaLibrary]
    keep_warm: Policy | None = None
    provider_for: Callable[[str], Provider] = staticmethod(_no_provider)
    """The adapter that serves a conversation mode (full: Chat Completions, chained: Responses)."""
    assemble_later: Callable[[], None] | None = None
    """start_app: builds the chat once the start screen is drawn."""
    start_error: Exception | None = None
    """What failed while building the chat after the first frame: the app exits and the
    command line reports it as it reports a failure before the app runs."""

    def __init__(self, secrets: tuple[str, ...] = (), keymap: Mapping[str, str] | None = None,
                 theme: str | None = None, emulated: bool = False, themes: ThemeSet | None = None,
                 remember_theme: Callable[[str], None] | None = None, cwd: Path | None = None,
                 log_file: Path | None = None) -> None:
        """The app without its chat: chattui.assemble gives it the session (make_app now,
        start_app's `assemble_later` after the first frame)."""
        super().__init__()
        guard_pasted_escapes()  # a pasted ESC is text, not the start of a key
        self.log_file = log_file or log_path(Path.cwd())
        """Where failures nobody expected are written (chattui.log in the data dir)."""
        gc.set_threshold(*GC_THRESHOLDS)  # no full collection of the imports during start-up
        self.secrets = secrets
        """The API keys, masked in what a failure writes (the session's own, before it exists)."""
        self.notices: list[str] = []
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

    @property
    def assembled(self) -> bool:
        """The session is there (always with make_app; with start_app once it is built)."""
        return "session" in vars(self)

    url_for: Callable = staticmethod(lambda provider: None)
    """provider -> the base URL a model switch to it uses, set by chattui.assemble."""
    switch_targets: Callable = staticmethod(lambda: [])
    """() -> configured core.model_switch.Targets for "Switch model…", set by chattui.assemble."""
    reopen_notes: list[str] = []
    """What the command line changed in the reopened conversation (shown before the first send)."""

    def crashed(self, error: Exception) -> str:
        record(self.log_file, error, "chattui", self.secrets)
        return f"chattui crashed ({reason(error, self.secrets)}); the traceback is in {self.log_file}"

    def worker_failed(self, worker: Worker[object]) -> None:
        """The one handler of a worker that failed: the traceback to the log, a toast."""
        error = worker.error if isinstance(worker.error, BaseException) else RuntimeError(worker.error)
        what = worker.name or worker.group
        record(self.log_file, error, what, self.secrets)
        self.notify(f"{what} failed: {reason(error, self.secrets)}\nDetails: {self.log_file}",
                    title="Something went wrong", severity="error", timeout=12, markup=False)

    def set_keymap(self, keymap: Mapping[str, str]) -> None:
        self.keymap = dict(keymap)
        super().set_keymap(keymap)

    def update_keymap(self, keymap: Mapping[str, str]) -> None:
        self.keymap = {**self.keymap, **keymap}
        super().update_keymap(keymap)

    def on_mount(self) -> None:
        if self.assembled:
            self.push_screen(self._chat_screen())
            self._after_chat()
        else:  # start_app: the frame first, the chat once it is drawn
            self.call_later(self._show_start)
        for problem in self.theme_problems:
            self.notify(f"{problem.path}: {problem.reason}", title="Theme file not loaded",
                        severity="error", timeout=10)
        self.theme_changed_signal.subscribe(self, self._theme_changed)

    def _show_start(self) -> None:
        """The start screen, pushed once Textual's start-up batch is over (`on_mount` runs
        inside it: a screen pushed there was laid out in the batch, its first frame dropped,
        and its composer drawn two frames, 15-30 ms, after the rest)."""
        from chattui.screens.start import StartScreen

        self.push_screen(StartScreen())
        call_when_drawn(self, self._finish_start)

    def _chat_screen(self) -> MainScreen:
        from chattui.screens.main import MainScreen

        return MainScreen(self.session, self.notices, self.load_library, self.keep_warm,
                          self.reopen_notes)

    def _after_chat(self) -> None:
        """Once the chat screen is there: the start-up question for an untrusted directory."""
        if self.trust_prompt is not None:
            self.push_screen(self.trust_prompt())

    def on_warm_up_warmed_up(self) -> None:
        """The garbage collector's tuning, once: after the chat screen's warm-up (the SDK and
        the Markdown widgets, whose objects live as long as the app too, are imported), while
        no reply streams. Its full collection (60-80 ms) used to come with the chat's first
        frame, in the second in which a first send has to find everything ready."""
        if self.TUNE_GC and not self._gc_tuned:
            self._gc_tuned = True
            call_when_drawn(self, _tune_gc)

    def _finish_start(self) -> None:
        """start_app, once the start screen is drawn: build the chat, then swap it in. A
        failure ends the app; the command line reports it (`start_error`)."""
        try:
            assert self.assemble_later is not None
            self.assemble_later()
        except Exception as exc:  # noqa: BLE001 - reported by chattui.cli, as before the app ran
            self.start_error = exc
            self.exit(return_code=1)
            return
        # In the app's own queue, behind the keys pressed while the chat was built: they
        # reach the start screen's composer first, and the keys after them wait for the swap.
        self.call_later(self._swap_in_chat)

    async def _swap_in_chat(self) -> None:
        """The chat screen in place of the start screen, with what was typed there."""
        from chattui.screens.start import StartScreen

        start = next(s for s in self.screen_stack if isinstance(s, StartScreen))
        main = self._chat_screen()
        main.typed, main.to_send = await start.typed()
        await self.switch_screen(main)
        await main.shown.wait()  # the keys pressed meanwhile wait in this app's queue
        self._after_chat()

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
        """The conversations key is off on the conversations screen (Esc goes back). While
        the chat is being built only Quit acts: the others show, dimmed (nothing opens over
        the start screen that the chat screen replaces)."""
        if action in _WAIT_FOR_CHAT and not self.assembled:
            return None
        if action == "show_conversations":
            return type(self.screen).__name__ != "ConversationsScreen"
        return True

    def action_show_conversations(self) -> None:
        from chattui.screens.conversations import ConversationsScreen

        if not isinstance(self.screen, ConversationsScreen):
            self.push_screen(ConversationsScreen(self.session.store, self.session.secrets))

    async def on_conversations_screen_chosen(self, event) -> None:
        from chattui.screens.main import MainScreen

        if await self.open_conversation(event.conversation_id) and event.message_id is not None:
            main = next(s for s in self.screen_stack if isinstance(s, MainScreen))
            await main.show_hit(event.message_id, event.terms, event.hit_ids)

    async def open_conversation(self, conversation_id: str | None, show: bool = True) -> bool:
        """Make a stored conversation (None: a new one) the session's, with everything that
        shaped its requests (core.reopen), and re-render the chat screen; with `show`, go
        back to the chat screen."""
        from chattui.screens.main import MainScreen

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
        if not self.assembled:  # quit, or failed, before the chat was built
            return
        self.session.save_unsaved()  # a last try for replies a full disk kept in memory
        if self.mcp is not None:
            await self.mcp.close()
        if self.session.provider is not None:
            await self.session.provider.aclose()


_WAIT_FOR_CHAT = ("show_conversations", "export_conversation", "show_help", "command_palette")


def _tune_gc() -> None:
    """Keep the garbage collector off the streaming path.

    Textual allocates many short-lived objects per frame; with CPython's default gen-0
    threshold (700) collections ran constantly and full ones re-scanned every widget, about
    40% of the time of a long streaming reply (bench/stream_render.py). The objects that
    exist once the chat is up and warmed up live as long as the app, so they are frozen out
    of collection (a full collection of them took 0.1 s), and the thresholds are raised
    (already when the app is built: during start-up, full collections of the imported
    modules took 60-80 ms).
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


GC_THRESHOLDS = (10_000, 20, 50)




def _shell(settings: Settings, cwd: Path | None) -> ChatApp:
    """The app without its chat: what its first frame needs (title, theme, keys)."""
    from functools import partial

    from chattui.config import save_theme
    from chattui.themes import load_themes

    return ChatApp(settings.known_secrets(), settings.keys, settings.theme, settings.emulator,
                   themes=load_themes(settings.config_dir),
                   remember_theme=partial(save_theme, settings.config_file), cwd=cwd,
                   log_file=log_path(settings.data_dir))


def make_app(settings: Settings, store: Store | None = None, provider: Provider | None = None,
             cwd: Path | None = None) -> ChatApp:
    """The app with its chat built now: the store, the personas, the conversation and the
    provider (chattui.assemble)."""
    from chattui.assemble import assemble

    app = _shell(settings, cwd)
    assemble(app, settings, store, provider)
    return app


def start_app(settings: Settings, cwd: Path | None = None,
              prepare: Callable[[Settings], Settings] | None = None) -> ChatApp:
    """The app for the command line: its first frame is the chat screen's frame with the
    composer (chattui.screens.start); the chat is built once that is drawn (first
    `prepare(settings)`, when given: the `--emulator` run starts its emulator there).
    Unless the start-up may ask whether to trust the working directory: then the chat is
    built now, and the question is in the first frame, before anything is typed (typed
    into a composer, it would reach the question when it opens)."""
    from chattui.trust import may_ask  # light: reading the settings imported it

    app = _shell(settings, cwd)

    def assemble_now() -> None:
        from chattui.assemble import assemble

        assemble(app, prepare(settings) if prepare else settings)

    if may_ask(settings):
        assemble_now()
    else:
        app.assemble_later = assemble_now
    return app


"""Gemini explicit caches: list them with expiry and storage cost, create one from the
current persona (and an optional text file), extend (+1h), delete, and bind the current
conversation to one (its turns then name the cache instead of sending the persona).

Every call goes through core.gemini_caches.GeminiCaches, in a worker: the screen never
waits on the network and never touches the SDK or SQL itself.
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from chattui.core.chat import ChatSession
from chattui.core.explicit_cache import CacheInfo
from chattui.core.gemini_caches import GEMINI, GeminiCaches, short_name
from chattui.core.secrets import redact
from chattui.core.provider import ProviderError
from chattui.screens.confirm import Confirm
from chattui.widgets.plain import plain, visible
from chattui.screens.worker_failures import ReportsFailedWorkers
from chattui.screens import DIALOG_CSS

HOUR = 3600
HINT = "n new from persona · e +1h · d delete · b bind/unbind · r refresh · esc close"


def show_gemini_caches(app) -> None:
    """Open the screen (the palette's "Gemini caches")."""
    service = getattr(app, "gemini_caches", None)
    if service is None:
        app.notify("Gemini caches are not set up in this window.", severity="warning")
        return
    app.push_screen(GeminiCachesScreen(app.session, service))


class GeminiCachesScreen(ReportsFailedWorkers, ModalScreen[None]):
    """The caches this Gemini API key has, and this conversation's binding."""
    CSS_PATH = DIALOG_CSS

    BINDINGS = [
        Binding("escape", "close", "Close", id="close-gemini-caches"),
        Binding("n", "new_cache", "New", id="new-gemini-cache"),
        Binding("e", "extend_cache", "+1h", id="extend-gemini-cache"),
        Binding("d", "delete_cache", "Delete", id="delete-gemini-cache"),
        Binding("b", "bind_cache", "Bind", id="bind-gemini-cache"),
        Binding("r", "refresh", "Refresh", id="refresh-gemini-caches"),
    ]

    def __init__(self, session: ChatSession, service: GeminiCaches) -> None:
        super().__init__()
        self.session = session
        self.service = service
        self.caches: list[CacheInfo] = []

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Gemini caches", classes="title")
            yield Label(HINT, classes="hint")
            yield Label("", id="binding", markup=False)
            yield OptionList(id="caches")
            yield Input(placeholder="Optional text file to cache too (Enter: create, Esc: cancel)",
                        id="file")
            yield Label("Loading…", id="status", markup=False)

    def on_mount(self) -> None:
        self.query_one("#file", Input).display = False
        self.query_one(OptionList).focus()
        self._show_binding()
        self.action_refresh()

    async def on_unmount(self) -> None:
        await self.service.aclose()  # its connections; the next use opens new ones

    # what is shown

    def selected(self) -> CacheInfo | None:
        index = self.query_one(OptionList).highlighted
        return self.caches[index] if index is not None and index < len(self.caches) else None

    def status(self, text: str, error: bool = False) -> None:
        label = self.query_one("#status", Label)
        label.update(plain(redact(text, self.session.secrets)))
        label.set_class(error, "-error")

    def _show(self, caches: list[CacheInfo], select: str | None = None) -> None:
        self.caches = caches
        options = self.query_one(OptionList)
        keep = select or (selected.name if (selected := self.selected()) else None)
        options.clear_options()
        options.add_options([Option(self._line(c), id=c.name) for c in caches])
        names = [c.name for c in caches]
        if names:
            options.highlighted = names.index(keep) if keep in names else 0
        self.status(f"{len(caches)} cache(s)." if caches else "No caches: n makes one from the persona.")
        self._show_binding()

    def _line(self, info: CacheInfo) -> Text:
        bound = self._bound_name() == info.name
        text = Text.assemble((visible(info.display_name or short_name(info.name)), "bold"),
                             visible(f"  {info.name} · {info.model}"), (" · bound here" if bound else "", "bold"))
        text.append(visible("\n  " + self.service.describe(info)))
        return text

    def _bound_name(self) -> str | None:
        conversation = self.session.conversation
        binding = self.service.binding(conversation.id if conversation else None)
        return binding.cache_name if binding else None

    def _show_binding(self) -> None:
        conversation = self.session.conversation
        binding = self.service.binding(conversation.id if conversation else None)
        if binding is None:
            text = "This conversation sends its persona inline (not bound to a cache)."
        elif not binding.usable(self.session.model, self.session.prefix_fingerprint()):
            text = (f"This conversation is bound to {binding.cache_name} (persona "
                    f"{binding.persona}, {binding.model}), not used now: persona, model or expiry differ.")
        else:
            text = f"This conversation sends {binding.cache_name} instead of persona {binding.persona}."
        self.query_one("#binding", Label).update(plain(text))

    # actions: each call runs in a worker

    @work(group="gemini-caches", exclusive=True, exit_on_error=False)
    async def action_refresh(self) -> None:
        try:
            self._show(await self.service.list())
        except ProviderError as exc:
            self.status(str(exc), error=True)

    def action_new_cache(self) -> None:
        if self.session.persona is None:
            self.status("No persona in use: pick one first (F1–F9 or the sidebar).", error=True)
            return
        file_input = self.query_one("#file", Input)
        file_input.display = True
        file_input.focus()
        self.status(f"New cache from persona {self.session.persona.name} on {self._model()}, "
                    "TTL 1 h.")

    @on(Input.Submitted, "#file")
    def _file_given(self, event: Input.Submitted) -> None:
        event.input.display = False
        self.query_one(OptionList).focus()
        self._create(event.value.strip())

    @work(group="gemini-caches", exclusive=True, exit_on_error=False)
    async def _create(self, path: str) -> None:
        persona = self.session.persona
        if persona is None:  # checked when the file input opened; a switch may have cleared it
            self.status("No persona in use: pick one first (F1–F9 or the sidebar).", error=True)
            return
        self.status(f"Creating a cache from persona {persona.name}…")
        try:
            info = await self.service.create(persona, self._model(), HOUR,
                                             [Path(path)] if path else [])
            self._show(await self.service.list(), select=info.name)
        except (ProviderError, ValueError) as exc:
            self.status(f"Not created: {exc}", error=True)
            return
        self.status(f"Created {info.name}: {self.service.describe(info)}")

    def _model(self) -> str:
        from chattui.config import DEFAULT_MODELS

        session = self.session
        return session.model if session.provider_name == GEMINI else DEFAULT_MODELS[GEMINI]

    @work(group="gemini-caches", exclusive=True, exit_on_error=False)
    async def action_extend_cache(self) -> None:
        info = self.selected()
        if info is None:
            return
        try:
            extended = await self.service.extend_by(info, HOUR)
            self._show(await self.service.list(), select=info.name)
        except ProviderError as exc:
            self.status(f"Not extended: {exc}", error=True)
            return
        self.status(f"Extended {short_name(info.name)}: {self.service.describe(extended)}")

    @work(group="gemini-caches", exclusive=True, exit_on_error=False)
    async def action_delete_cache(self) -> None:
        info = self.selected()
        if info is None:
            return
        question = f"Delete cache {info.display_name or info.name} ({info.name}) at Gemini?"
        if not await self.app.push_screen_wait(Confirm(question, yes="Delete", no="Keep")):
            return
        try:
            await self.service.delete(info.name)
        except ProviderError as exc:
            self.status(str(exc), error=True)
        else:
            self.notify(f"Deleted {info.name}")
        try:
            self._show(await self.service.list())
        except ProviderError as exc:
            self.status(str(exc), error=True)

    def action_bind_cache(self) -> None:
        message, error = self._toggle_binding()
        self._show(self.caches)
        self.status(message, error)

    def _toggle_binding(self) -> tuple[str, bool]:
        """Bind the conversation to the selected cache, or unbind it; (what happened, error)."""
        info, conversation = self.selected(), self.session.conversation
        if conversation is None:
            return "Send a first message to start the conversation, then bind it.", True
        if self.session.provider_name != GEMINI:
            return (f"This conversation is on {self.session.provider_name}: Gemini caches serve "
                    "Gemini conversations only.", True)
        if self._bound_name() and (info is None or self._bound_name() == info.name):
            self.service.unbind(conversation.id)
            return "Unbound: the persona goes inline again from the next turn.", False
        if info is None or self.session.persona is None:
            return "Select a cache (and use a persona) to bind.", True
        self.service.bind(conversation.id, info, self.session.persona)
        return (f"Bound: the next turns send {info.name} instead of persona "
                f"{self.session.persona.name}.", False)

    def action_close(self) -> None:
        file_input = self.query_one("#file", Input)
        if file_input.display:
            file_input.display = False
            self.query_one(OptionList).focus()
            self.status("Cancelled.")
            return
        self.dismiss(None)

"""The chat screen: log, composer, status bar. It asks the ChatSession to act and shows
what comes back; it never calls an SDK, touches SQL or computes a price."""

from __future__ import annotations

import threading

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Header, TextArea

from chattui.core import report, tokens
from chattui.core.chat import ChatSession, TurnOutcome
from chattui.core.models import STREAMING
from chattui.core.personas import PersonaLibrary
from chattui.providers.base import ProviderError
from chattui.widgets.chat_log import ChatLog
from chattui.widgets.composer import Composer
from chattui.widgets.message_view import MessageView


class MainScreen(Screen):
    BINDINGS = [
        Binding("escape", "stop_reply", "Stop", id="stop-reply"),
        Binding("ctrl+r", "retry_turn", "Retry", id="retry-turn"),
        Binding("end", "follow", "Follow", id="follow-reply", show=False),
        Binding("ctrl+n", "new_conversation", "New chat", id="new-conversation"),
    ]

    def __init__(self, session: ChatSession, notices: list[str], library: PersonaLibrary) -> None:
        super().__init__()
        self.session = session
        self.notices = notices
        self.library = library
        self._estimate_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        from chattui.widgets.status_bar import StatusBar

        yield Header()
        yield ChatLog()
        yield Composer(id="composer")
        yield StatusBar()
        yield Footer()

    async def on_mount(self) -> None:
        log = self.query_one(ChatLog)
        for message in self.session.messages():
            await log.add(message.role, message.content, message.status, message.error)
        for notice in self.notices:
            await log.add_notice(notice)
        self._show_figures()
        self._update_header()
        self.query_one(Composer).focus()
        self.run_worker(self._prepare, thread=True, group="prepare", exit_on_error=False)

    def _prepare(self) -> None:
        """Off the UI thread: load the SDK and, if it can be had, the tokenizer file."""
        if self.session.provider is not None:
            self.session.provider.prepare()
        threading.Thread(target=tokens.warm_up, daemon=True).start()  # may hang offline

    # figures

    def _show_figures(self, outcome: TurnOutcome | None = None) -> None:
        from chattui.core.pricing import price
        from chattui.widgets.status_bar import StatusBar

        bar = self.query_one(StatusBar)
        turns = self.session.turns()
        if outcome is not None:
            bar.turn = report.turn_line(outcome.turn.usage, outcome.cost)
        elif turns:
            last = turns[-1]
            bar.turn = report.turn_line(last.usage, price(last.usage, last.meta.model, last.meta.provider,
                                                          self.session.prices, self.session.base_url))
        bar.session = report.totals_line(self.session.totals())

    def _update_header(self) -> None:
        conversation = self.session.conversation
        title = conversation.title if conversation and conversation.title else "new conversation"
        persona = self.session.persona.name if self.session.persona else "no persona"
        self.app.sub_title = f"{self.session.model} · {persona} · {title}"

    @on(TextArea.Changed, "#composer")
    def _draft_changed(self) -> None:
        if self._estimate_timer is not None:
            self._estimate_timer.stop()
        self._estimate_timer = self.set_timer(0.25, self._show_estimate)

    def _show_estimate(self) -> None:
        composer = self.query_one(Composer)
        composer.border_subtitle = report.estimate_line(self.session.estimate(composer.text))

    # actions

    @on(Composer.Submitted)
    async def _submitted(self, event: Composer.Submitted) -> None:
        if self.session.unavailable:
            await self.query_one(ChatLog).add_notice(self.session.unavailable)
            return
        if self.session.busy:
            self.notify("A reply is still streaming: Esc stops it.", severity="warning")
            return
        event.composer.clear()
        self.run_turn(event.text)

    def action_stop_reply(self) -> None:
        self.session.stop()

    def action_retry_turn(self) -> None:
        if self.session.unavailable or self.session.busy or not self.session.turns():
            self.notify("Nothing to retry.", severity="warning")
            return
        self.run_turn(None)

    def action_follow(self) -> None:
        self.query_one(ChatLog).follow()

    async def action_new_conversation(self) -> None:
        if self.session.busy:
            self.notify("A reply is still streaming: Esc stops it.", severity="warning")
            return
        self.session.conversation = None
        await self.query_one(ChatLog).remove_children()
        self._show_figures()
        self._update_header()

    @work(group="turn", exit_on_error=False)
    async def run_turn(self, text: str | None) -> None:
        """Send `text` (or re-ask the last question when None) and stream the reply."""
        log = self.query_one(ChatLog)
        log.follow()
        user_view = await log.add("user", text) if text is not None else None
        view = await log.add("assistant", status=STREAMING)
        stream = view.stream()

        async def on_text(fragment: str) -> None:
            await stream.write(fragment)

        try:
            if text is None:
                outcome = await self.session.retry(on_text)
            else:
                outcome = await self.session.send(text, on_text)
        except Exception as exc:  # noqa: BLE001 - refused before anything was sent
            for unsent in (user_view, view):
                if unsent is not None:
                    await unsent.remove()
            reason = str(exc) if isinstance(exc, ProviderError) else f"Not sent: {exc}"
            await log.add_notice(reason)
            if text is not None:
                self.query_one(Composer).text = text
            return
        finally:
            await stream.stop()
        self._finished(view, outcome)

    def _finished(self, view: MessageView, outcome: TurnOutcome | None) -> None:
        if outcome is None:
            return
        turn = outcome.turn
        view.status = turn.status
        view.error = (turn.error + " · ctrl+r retries") if turn.error else None
        if not outcome.saved:
            self.notify("This turn could not be saved; it stays on screen.", severity="error")
        self._show_figures(outcome)
        self._update_header()

"""The chat screen: log, composer, status bar. It asks the ChatSession to act and shows
what comes back; it never calls an SDK, touches SQL or computes a price."""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Awaitable, Callable

from textual import on, work
from textual.app import ComposeResult
from textual.content import Content
from textual.screen import Screen
from textual.timer import Timer
from textual.containers import Horizontal, Vertical
from textual.widgets import Header, Input, TextArea

from chattui.core import attachments as images
from chattui.core import compaction, glance, structured, tokens
from chattui.core.chaining import CHAINED
from chattui.core.chat import ChatSession, ConversationGone, OnText
from chattui.core.turn_record import TurnOutcome
from chattui.core.events import Retrying
from chattui.core.keepwarm import KeepWarm, Policy
from chattui.core.models import COMPLETE, STREAMING
from chattui.core.tool_commands import run_tool_command
from chattui.core.personas import PersonaLibrary
from chattui.core.provider import ProviderError
from chattui.screens.chat_keys import CHAT_BINDINGS
from chattui.screens.confirm import Confirm
from chattui.screens.mcp_calls import McpCalls
from chattui.widgets.chat_log import ChatLog
from chattui.screens.attach import AttachImages
from chattui.screens.figures import ChatFigures
from chattui.screens.history_page import HistoryPage
from chattui.screens.warm_up import WarmUp
from chattui.screens.keep_warm import KeepWarmControls
from chattui.screens.worker_failures import ReportsFailedWorkers
from chattui.screens.prefix_choice import PrefixChoice
from chattui.screens.switch_model import SwitchModel
from chattui.screens.message_actions import MessageActions
from chattui.screens.persona_actions import PersonaActions
from chattui.widgets.attachment_tray import AttachmentTray
from chattui.widgets.chat_footer import ChatFooter
from chattui.widgets.composer import Composer
from chattui.widgets.foldable import Foldable
from chattui.widgets.message_view import MessageView
from chattui.trust import endpoint_host
from chattui.widgets.plain import plain, visible
from chattui.widgets.drawn import call_when_drawn
from chattui.widgets.persona_list import PersonaList, hotkey_binding
from chattui.widgets.textual_compat import add_binding
from chattui.widgets.tool_call import ToolCallCard, command_text


class MainScreen(ReportsFailedWorkers, MessageActions, McpCalls, AttachImages, KeepWarmControls,
                 PrefixChoice, SwitchModel, PersonaActions, ChatFigures, WarmUp, Screen):
    BINDINGS = CHAT_BINDINGS
    PERSONA_POLL_SECONDS = 2.0
    TICK_SECONDS = 1.0
    """How often the cache countdown and keep-warm's plan are refreshed (tests shorten it)."""
    ESTIMATE_DELAY = 0.25
    """The composer's estimate waits for typing to pause this long."""
    AUTO_FOCUS = "#composer"
    typed = ""
    """What is in the start screen's composer (chattui.screens.start), for this one's."""
    to_send = ""
    """What was sent there with Enter, before this screen was up: sent once it is."""

    def __init__(self, session: ChatSession, notices: list[str],
                 load_library: Callable[[], PersonaLibrary],
                 keep_warm: Policy | None = None, reopen_notes: list[str] | None = None) -> None:
        super().__init__()
        self.session = session
        self.reopen_notes = list(reopen_notes or ())
        self.keep_warm = KeepWarm(session, keep_warm or Policy())
        self.notices = notices
        self.load_library = load_library
        self.library = load_library()
        self._persona_files = self._file_stamps()
        self.shown = asyncio.Event()
        """Set once on_mount is through: ChatApp's swap from the start screen waits for it,
        so that no key reaches this screen before the composer has the start screen's text."""
        self._estimate_timer: Timer | None = None
        self._tool_answers: dict[str, str] = {}
        self._turns: list = []
        self._long_history = False
        """The conversation has more messages than the page read when it was shown."""
        self._new_chat = False
        """The screen opened a new chat: its draft is the new chat's until it has a conversation."""
        self._waiting_for_prices = []
        for hotkey, name in self.library.hotkeys.items():  # a shared key: the library's pick
            if key := hotkey_binding(hotkey):  # priority: the composer binds F6/F7 itself
                add_binding(self, key, f"switch_persona({name!r})", name, show=False, priority=True)

    def compose(self) -> ComposeResult:
        from chattui.widgets.status_bar import StatusBar

        yield Header()
        with Horizontal():
            yield PersonaList(id="personas")
            with Vertical():
                yield ChatLog()
                yield AttachmentTray()
                yield Composer(id="composer")
        yield StatusBar()
        yield ChatFooter()

    async def on_mount(self) -> None:
        try:
            await self.reload_conversation()
            log = self.query_one(ChatLog)
            for notice in self.notices:
                await log.add_notice(notice)
            await self.show_reopen_notes(self.reopen_notes)
            self.mcp_warm(show=False)  # the personas were shown with the reopen notes
            self.set_interval(self.PERSONA_POLL_SECONDS, self._check_persona_files)
            self.set_interval(self.TICK_SECONDS, self._tick)
            self.query_one(Composer).focus()
            await self._take_typed()
            call_when_drawn(self, self._after_first_frame)
        finally:
            self.shown.set()

    async def _take_typed(self) -> None:
        """What was sent on the start screen is sent now, as Enter sends (a refusal, as
        without an API key, leaves it in the composer), unless the conversation has a draft
        the user had not seen then: it joins the draft. What was typed there after it goes
        in the composer, on a line of its own after a draft."""
        composer = self.query_one(Composer)
        draft = composer.text
        if self.to_send and not draft:
            composer.text = self.to_send
            await self._submitted(Composer.Submitted(composer, self.to_send))
            draft = composer.text
        elif self.to_send:
            draft = f"{draft}\n{self.to_send}"
        if self.typed or draft != composer.text:
            composer.text = "\n".join(filter(None, (draft, self.typed)))
            composer.move_cursor(composer.document.end)

    async def _after_first_frame(self) -> None:
        """What reads a long history whole, or would compete with the first frame for the CPU:
        the personas' token counts (once the tokenizer is loaded, if it is on disk), what the
        provider changes in this persona's requests."""
        if tokens.ready():
            self._count_personas()
        await self._show_request_notice()
        self.start_warm_up()

    async def reload_conversation(self) -> None:
        """Show the session's conversation from the store: only its latest messages are read
        (earlier ones page by page as the user scrolls up), and the header; the figures and
        the estimate, which go over the whole history, once that frame is drawn when the
        history is longer than that page."""
        conversation, store = self.session.conversation, self.session.store
        if conversation is not None and not self.session.busy:
            store.mark_interrupted()  # a window that streamed here may have closed since
        history = HistoryPage(self.session, conversation)
        self._long_history = bool(history.unloaded)
        self._history_counted = not self._long_history
        self._new_chat = conversation is None
        if draft := store.draft(conversation.id if conversation else None):
            self.query_one(Composer).text = draft  # written before it closed (or crashed)
        await self.query_one(ChatLog).show_history(
            history.shown(), history.build, load_earlier=history.load_earlier,
            unloaded=history.unloaded)
        self._update_header()
        self._bar().turn = ("pricing this conversation's turns…" if glance.chat_turns(history.turns)
                            else "no turns yet")
        if self._long_history or not self._priced():  # pricing every turn, counting every
            self._after_first_frame_priced(self._show_history_figures)  # message's tokens
        else:
            self._show_figures()

    def _update_header(self) -> None:
        conversation = self.session.conversation
        title = conversation.title if conversation and conversation.title else "new conversation"
        persona = self.session.persona.name if self.session.persona else "no persona"
        host = endpoint_host(self.session.provider_name, self.session.base_url)
        where = f" → {host}" if host else ""
        level = self.session.effective_reasoning()
        thinking = f" · thinking {level}" if level and level != "off" else ""
        self.app.sub_title = visible(f"{self.session.model}{where}{thinking} · {persona}"
                                     f" · {self.session.mode} · {title}")

    @on(TextArea.Changed, "#composer")
    def _draft_changed(self) -> None:
        self.note_typing()
        if self._estimate_timer is not None:
            self._estimate_timer.stop()
        self._estimate_timer = self.set_timer(self.ESTIMATE_DELAY, self._draft_settled)

    def _draft_settled(self) -> None:
        self._show_estimate(draft_only=True)
        self._save_draft()

    def _save_draft(self) -> None:
        """The composer's text is the conversation's draft (restored when it is reopened),
        or the new chat's until its first message makes it a conversation."""
        conversation, store = self.session.conversation, self.session.store
        if self.editing is not None:
            return
        try:
            store.save_draft(conversation.id if conversation else None, self.query_one(Composer).text)
            if conversation is not None and self._new_chat:  # its draft became this conversation
                self._new_chat = False
                store.save_draft(None, "")
        except sqlite3.Error:  # a full disk: the draft stays on screen
            pass

    # actions

    @on(Composer.Submitted)
    async def _submitted(self, event: Composer.Submitted) -> None:
        if (ref := images.command_ref(event.text)) is not None:
            self.attach_image(ref)
            return
        if not event.text.strip() and not self.query_one(AttachmentTray).pending:
            return  # nothing to send
        if self.session.unavailable:
            await self.query_one(ChatLog).add_notice(self.session.unavailable)
            return
        if self.session.choice is not None:
            await self.query_one(ChatLog).add_notice(self.session.choice.reason)
            return
        await self._ping_done()
        if self.session.busy:
            self.notify("A reply is still streaming: Esc stops it.", severity="warning")
            return
        event.composer.take(event.text)
        pending = self.query_one(AttachmentTray).take()
        if self.editing is not None:
            await self.send_edit(event.text, pending)
            return
        self.run_turn(self.mcp_ready_then(
            lambda on_text: self.session.send(event.text, on_text, pending)), event.text, pending)

    def action_stop_reply(self) -> None:
        if self.mcp_stop():  # waiting for MCP servers, or running calls: those first
            return
        if not self.session.stop():
            self.cancel_edit()

    def action_retry_turn(self) -> None:
        if self.session.unavailable or self.session.busy or not self.session.turns():
            self.notify("Nothing to retry.", severity="warning")
            return
        self.run_turn(self.session.retry)

    def action_toggle_thinking(self) -> None:
        """Unfold (or fold) the latest folded block: a reply's thinking, or its JSON (a
        structured reply, which comes after its thinking)."""
        shown = [block for block in self.query(Foldable) if block.display]
        if shown:
            shown[-1].toggle()
        else:
            self.notify("No thinking to show.", severity="information")

    def action_follow(self) -> None:
        self.query_one(ChatLog).follow()

    async def action_new_conversation(self) -> None:
        if self.session.busy:
            self.notify("A reply is still streaming: Esc stops it.", severity="warning")
            return
        self.session.open(None)
        await self.reload_conversation()

    @work(group="turn", exit_on_error=False)
    async def run_turn(self, ask: Callable[[OnText], Awaitable[TurnOutcome | None]],
                       text: str | None = None, attachments: tuple = ()) -> None:
        """Stream the reply to `ask` (send `text` with `attachments`, retry, or answer tool calls)."""
        self.keep_warm.new_stretch()
        log = self.query_one(ChatLog)
        log.follow()
        user_view = await log.add("user", text, attachments=attachments) if text is not None else None
        view = await log.add("assistant", status=STREAMING)
        stream = view.stream()
        thinking = view.thinking

        async def on_text(fragment: str) -> None:
            if thinking is not None:
                thinking.answer_started()
            await stream.write(fragment)

        async def on_thinking(fragment: str) -> None:
            if thinking is not None:
                thinking.append(fragment)
            await stream.pace()

        async def on_retry(retrying: Retrying) -> None:
            self._bar().warn(retrying.line())  # the next figures replace it

        self.session.reasoning_sink, self.session.retry_sink = on_thinking, on_retry

        refused: tuple[type[Exception], ...] = (ProviderError, *self.session.store.errors)  # else: a bug
        try:
            outcome = await ask(on_text)
            if outcome is not None and user_view is not None:
                user_view.message_id = outcome.turn.user_message_id
        except refused as exc:  # refused before anything was sent
            kept = getattr(exc, "kept", False)  # stored, but an image of the history is missing
            for unsent in (view,) if kept else (user_view, view):
                if unsent is not None:
                    await unsent.remove()
            reason = str(exc) if isinstance(exc, ProviderError) else f"Not sent: {exc}"
            if isinstance(exc, ConversationGone):
                await self.reload_conversation()  # an empty log: the next message starts anew
            await log.add_notice(reason)
            if isinstance(exc, images.AttachmentError):
                self._bar().warn(f"⚠ {reason}")
            if text is not None and not kept:
                self.query_one(Composer).text = text
                self.query_one(AttachmentTray).restore(attachments)
            return
        finally:
            self.session.reasoning_sink = self.session.retry_sink = None
            await stream.stop()
        if outcome is not None and thinking is not None:
            thinking.finish(outcome.reasoning)
        await self._finished(view, outcome)

    async def _finished(self, view: MessageView, outcome: TurnOutcome | None) -> None:
        if outcome is None:
            return
        turn = outcome.turn
        view.status, view.message_id = turn.status, turn.reply_message_id
        if view.text and (fmt := structured.turn_format(self.session.store, turn)) is not None:
            await view.show_structured(structured.check(view.text, fmt))
        if outcome.saved:  # an unsaved reply is whole: asking again would only bill it twice
            view.error = (turn.error + " · ctrl+r retries") if turn.error else None
        else:
            self.notify("This reply could not be saved (is the disk full?). It is kept in memory "
                        "and saved as soon as there is room (quit before that, and its text is "
                        "printed to the terminal).",
                        severity="error", timeout=15)
            self.set_timer(self.session.unsaved_retry_seconds, self._save_unsaved)
        self._show_figures(outcome)
        self._update_header()
        self.after_a_reply()
        if turn.status == COMPLETE:
            await self._show_tool_calls(self.session.pending_tool_calls())

    def _save_unsaved(self) -> None:
        """Retry writing the replies a full disk kept in memory, until they are written."""
        if not self.session.unsaved:
            return
        if self.session.save_unsaved():
            self.notify("The reply that did not fit on the disk is now saved."
                        if not self.session.unsaved else "Some of the unsaved replies are now saved.")
        if self.session.unsaved:
            self.set_timer(self.session.unsaved_retry_seconds, self._save_unsaved)

    # tool calls

    async def _show_tool_calls(self, calls, results: dict[str, str] | None = None) -> None:
        """A card per call; pending ones take the focus so the user can answer."""
        log = self.query_one(ChatLog)
        commands = self.session.persona.tool_commands if self.session.persona else {}
        source = self.session.persona.source if self.session.persona else None
        cards = [self.mcp_card(call, commands.get(call.name), (results or {}).get(call.id), source)
                 for call in calls]
        if cards:
            await log.mount_all(cards)
            pending = [card for card in cards if card.result is None and card.server is None]
            if pending:
                pending[0].query_one(Input).focus()
            if results is None:  # shown as the model asked (not a reopened history)
                self.mcp_begin(cards)
            log.follow()

    @on(ToolCallCard.Answered)
    def _tool_answered(self, event: ToolCallCard.Answered) -> None:
        event.card.result = event.text
        self._tool_answers[event.call.id] = event.text
        pending = self.session.pending_tool_calls()
        if pending and all(call.id in self._tool_answers for call in pending):
            results = [(call, self._tool_answers.pop(call.id)) for call in pending]
            returned = self.mcp_images(pending)  # images MCP tools returned go to the model
            self.query_one(Composer).focus()
            self.run_turn(lambda on_text: self.session.answer_tools(results, on_text, returned))

    @on(ToolCallCard.RunRequested)
    @work(group="tool-command", exclusive=True)
    async def _tool_run(self, event: ToolCallCard.RunRequested) -> None:
        """Run the persona's command only once the user confirms that exact text."""
        question = Content.assemble(
            plain(f"Run this command for tool call {event.call.name}?\n\n"),
            command_text(event.command, event.card.source))
        if not await self.app.push_screen_wait(Confirm(question, yes="Run it", no="Don't run")):
            return
        event.card.propose("(running…)")
        event.card.propose(await run_tool_command(event.command, event.call))

    def action_set_reasoning(self, level: str) -> None:
        """Reasoning level for the next turns (overrides the persona's)."""
        self.session.reasoning_level = level
        change = self.session.reasoning_change()
        self.notify(f"Reasoning: {level}" + (f" · {change}" if change else ""))
        self._update_header()
        self._show_estimate()

    async def action_set_mode(self, mode: str) -> None:
        """Switch the conversation between full history and Responses chaining."""
        from chattui.core.chaining import CHAINABLE_PROVIDERS, CHAINED

        if self.session.busy or mode == self.session.mode:
            return
        if mode == CHAINED and self.session.provider_name not in CHAINABLE_PROVIDERS:
            self.notify(f"Chained mode needs the OpenAI Responses API, not {self.session.provider_name}.",
                        severity="warning")
            return
        old = self.session.provider
        provider = old if self.session.unavailable else self.app.provider_for(mode)
        self.session.set_mode(mode, provider)
        if old is not None and old is not provider:
            await old.aclose()
        self._update_header()
        self.notify(f"Mode: {mode}")

    def action_show_details(self) -> None:
        from chattui.screens.details import DetailsScreen

        self.app.push_screen(DetailsScreen(self.session))

    # compaction (only when the user asks)

    async def action_compact_conversation(self) -> None:
        if self.session.unavailable or self.session.busy or not self.session.turns():
            self.notify("Nothing to compact yet (or a reply is streaming).", severity="warning")
            return
        if self.session.mode == CHAINED:
            self.run_chain_compaction()
        else:
            self.run_summary_draft()

    @work(group="turn", exit_on_error=False)
    async def run_summary_draft(self) -> None:
        """Full mode: the model drafts a summary; the user decides whether it replaces the history."""
        log = self.query_one(ChatLog)
        before = compaction.tokens_before(self.session)
        view = await log.add("assistant", status=STREAMING)
        stream = view.stream()

        async def on_text(fragment: str) -> None:
            await stream.write(fragment)

        try:
            text, outcome = await compaction.draft_summary(self.session, on_text)
        except ProviderError as exc:  # refused before anything was sent (e.g. a missing image)
            await view.remove()
            await log.add_notice(f"No summary: {exc}. History unchanged.")
            return
        finally:
            await stream.stop()
        self._show_figures(outcome)
        await view.remove()
        if outcome.turn.status != COMPLETE or not text.strip():
            await log.add_notice(f"No summary: {outcome.turn.error or outcome.turn.status}. History unchanged.")
            return
        draft = await log.add("summary", text, status="draft: waiting for your answer")
        question = ("Send this summary instead of the history from the next turn on? Nothing is "
                    "deleted: earlier messages stay stored and shown.")
        if await self.app.push_screen_wait(Confirm(question, yes="Replace", no="Keep history")):
            compacted = compaction.accept_summary(self.session, text, before)
            draft.status = None
            self._bar().warn(f"{compacted} · the summary cost {outcome.cost}")
            self._show_estimate()  # the history the next request sends just shrank
        else:
            await draft.remove()
            await log.add_notice(f"Kept the full history; the draft cost {outcome.cost}.")

    @work(group="turn", exit_on_error=False)
    async def run_chain_compaction(self) -> None:
        """Chained mode: `responses.compact` on the server-side chain."""
        try:
            compacted = await compaction.compact_chain(self.session)
        except ProviderError as exc:
            await self.query_one(ChatLog).add_notice(f"Compaction failed: {exc}. History unchanged.")
            return
        await self.query_one(ChatLog).add("compaction")
        self._show_figures(compacted.outcome)
        cost = f" · compacting cost {compacted.outcome.cost}" if compacted.outcome else ""
        self._bar().warn(f"{compacted}{cost}")

    def _bar(self):
        from chattui.widgets.status_bar import StatusBar

        return self.query_one(StatusBar)

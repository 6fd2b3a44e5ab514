"""ChatSession: one conversation's turns, from the user's text to a stored, priced reply.

The order of writes is what makes a crash lose nothing: the user's message is committed
before the request goes out, the reply's text is saved while it streams (every
`flush_interval` seconds), and the turn is finalised when the stream ends, however it ends
(complete, stopped by the user, failed). A turn left `streaming` by a crash is marked
`interrupted` by the store when it next opens, and nothing re-sends it on its own. A turn
that cannot be finalised (a full disk) is kept in memory and written by `save_unsaved()`:
before the next write, and whenever the UI retries (core.turn_record).
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Iterable, Mapping, Sequence
from urllib.parse import urlparse

from chattui.core import attachments as images
from chattui.core import cache_key, gemini_caches, prefix, responses_system, structured, tokens
from chattui.core.events import ReasoningDelta, Retrying, TextDelta
from chattui.core.reasoning import change_note, effort, refused
from chattui.core.models import (
    CHAT, COMPLETE, FAILED, SIDE, STOPPED, Conversation, Message, ToolCall, Turn, TurnMeta,
    TurnResult,
)
from chattui.core.chaining import CHAINABLE_PROVIDERS, CHAINED, FULL, chain_point
from chattui.core.estimates import MESSAGE_OVERHEAD, HistoryCounts, PastCount
from chattui.core.mcp import ToolList, merge_tools
from chattui.core.personas import Persona
from chattui.core.pricing import Rates
from chattui.core.reply_so_far import ReplySoFar
from chattui.core.request import BOUNDARIES, ChatRequest, history
from chattui.core.secrets import redact
from chattui.core.storage import Store
from chattui.core.tools import Tool
from chattui.core.turn_record import Ledger, TurnOutcome, load_prices, priced, result_of
from chattui.core.reopen import without
from chattui.core.usage import Usage
from chattui.core.provider import (
    CACHED_CONTENT_NOT_FOUND, PREVIOUS_RESPONSE_NOT_FOUND, Provider, ProviderError,
)


if TYPE_CHECKING:
    from chattui.core.reopen import Setup

OnText = Callable[[str], Awaitable[None]]
_UNSENT = "unsent"
"""No request went out in this session yet (so no reasoning level to compare with)."""
_IMAGE_TOKENS = 765
"""An image's tokens for estimates: OpenAI's figure for a 1024x1024 image at high detail
(Anthropic's for the same image is about 1,400; a low-detail one is 85)."""


class ConversationGone(ProviderError):
    """The open conversation was deleted in another window (nothing was written)."""

    def __init__(self) -> None:
        super().__init__("This conversation was deleted in another window. Your draft is kept; "
                         "sending it starts a new conversation.", kind="gone")


class ChatSession:
    image_detail: str = images.DEFAULT_DETAIL
    """`detail` recorded on images attached from now on (config `image_detail`)."""
    choice = None
    """A reopen.Choice the user must make before anything is sent (a changed or missing
    persona file, an unknown provider); None when the conversation can go on."""

    def __init__(
        self, store: Store, provider: Provider | None, *, provider_name: str, model: str,
        base_url: str | None = None, persona: Persona | None = None,
        prices: Mapping[str, Rates] | None = None, secrets: Iterable[str | None] = (),
        conversation: Conversation | None = None, unavailable: str | None = None,
        mode: str = FULL, flush_interval: float = 0.5, base_model: str | None = None,
        image_detail: str = images.DEFAULT_DETAIL,
    ) -> None:
        self.store = store
        self.provider = provider
        self.provider_name = provider_name
        self.model = model
        self.base_model = base_model or model
        """The model of personas that name none (the one chattui was started with)."""
        self.image_detail = image_detail
        self.base_url = base_url
        self.persona = persona
        self.prices = prices or {}
        self.conversation = conversation
        self.mode = mode
        """full: resend the whole history; chained: previous_response_id + new input."""
        self.unavailable = unavailable
        """Why no request can go out (no API key …); history still browses."""
        self.flush_interval = flush_interval
        self._secrets = tuple(s for s in secrets if s)
        self._task: asyncio.Task[None] | None = None
        self._history_counts = HistoryCounts()
        """The history's token count of the last estimate (typing counts only the draft)."""
        self._stop_requested = False
        self.ledger = Ledger(store)
        """Writes the turns; keeps those a full disk refused (`ledger.unsaved`)."""
        self.unsaved_retry_seconds = 3.0
        """How often the UI tries `save_unsaved()` while something is unsaved."""
        self.reasoning_sink: OnText | None = None
        """Where thinking text streams (the screen sets it while a turn runs)."""
        self.retry_sink: Callable[[Retrying], Awaitable[None]] | None = None
        """Told when the SDK waits to ask again (a 429's Retry-After): the screen says so."""
        self.reasoning_level: str | None = None
        """The palette's reasoning level; None: the persona's (or the provider default)."""
        self._sent_reasoning: str | None = _UNSENT
        self.default_reasoning: str | None = None
        """The config's reasoning level, for personas that set none."""
        self.cannot_reason: set[str] = set()
        """Models that refused a reasoning setting: it is no longer sent to them."""
        self.server_tools: dict[str, tuple[Tool, ...]] = {}
        """The current persona's MCP servers -> their tools (set by the UI once they started)."""
        self.pinned_tools: ToolList | None = None
        """The stored tool list the user chose to keep (cache hits) over the servers' new one."""

    def tool_list(self) -> tuple[Persona | None, ToolList]:
        """The persona with its MCP servers' tools merged in (the canonical list), and the
        routes of those tools; the persona as is when no server tools are known."""
        if self.persona is None:
            return None, merge_tools((), {})
        if self.pinned_tools is not None:
            return replace(self.persona, tools=self.pinned_tools.tools), self.pinned_tools
        return self.persona.with_server_tools(self.server_tools)

    # reading

    @property
    def secrets(self) -> tuple[str, ...]:
        """The API keys in use: what must never be shown, stored or exported."""
        return self._secrets

    def messages(self) -> list[Message]:
        return self.store.messages(self.conversation.id) if self.conversation else []

    def turns(self) -> list[Turn]:
        return self.store.turns(self.conversation.id) if self.conversation else []

    def estimate(self, draft: str, images: int = 0, until_id: int | None = None,
                 draft_only: bool = False) -> tokens.TokenCount:
        """Prompt tokens the next request would carry with `draft` (and `images` attached
        images) as the new message; images are counted at `_IMAGE_TOKENS` each (an estimate).
        With `until_id`: after message `until_id` instead (to regenerate or branch there).
        Thinking that goes back (Anthropic's signed blocks, Responses' encrypted items) is
        not counted: with a new user message both APIs drop earlier turns' thinking from
        the context. With `draft_only` (only the draft changed since the last estimate), the
        history's count is reused while the store shows no new message: O(draft), not O(history)."""
        system = self.persona.system if self.persona else ""
        past = self._history_counts.get(
            self._history_key(until_id), lambda: PastCount.of(history(self.messages(), until_id)),
            reuse=draft_only)
        texts = [system, *([draft] if draft or until_id is None else [])]
        counts = [tokens.count(text) for text in texts]
        images += past.images
        n = past.n + sum(c.n for c in counts) + MESSAGE_OVERHEAD * len(texts) + _IMAGE_TOKENS * images
        return tokens.TokenCount(n, exact=past.exact and all(c.exact for c in counts) and not images)

    def _history_key(self, until_id: int | None) -> tuple[object, ...]:
        """What a kept history count holds for: the conversation, where the request stops,
        and its messages' count and newest id (another window may have added some)."""
        if self.conversation is None:
            return (None, until_id)
        cid = self.conversation.id
        newest = self.store.latest_messages(cid, 1)
        return (cid, until_id, self.store.count_messages(cid), newest[-1].id if newest else None)

    @property
    def busy(self) -> bool:
        return self._task is not None and not self._task.done()

    # acting

    def stop(self) -> bool:
        """Stop the reply in flight, keeping what arrived. False when nothing streams."""
        if not self.busy:
            return False
        self._stop_requested = True
        assert self._task is not None  # busy
        self._task.cancel()
        return True

    async def send(self, text: str, on_text: OnText,
                   attachments: tuple[images.Attachment, ...] = ()) -> TurnOutcome:
        """Store `text` (and its images), stream the reply into `on_text`, store and price
        the turn. An image whose file changed since it was attached stops it before storing."""
        self._check_ready()
        images.check(attachments)
        self.save_unsaved()
        if self.conversation is None:
            self.conversation = self.store.create_conversation(
                self.provider_name, self.model, self._persona_name(), self.mode, self._host()
            )
        try:
            user_message = self.store.add_user_message(self.conversation.id, text, attachments)
        except sqlite3.IntegrityError:  # deleted elsewhere since the check
            self.conversation = None
            raise ConversationGone() from None
        self.conversation = self.store.get_conversation(self.conversation.id)  # titled now
        return await self._answer(user_message.id, on_text)

    async def answer_tools(self, results: list[tuple[ToolCall, str]], on_text: OnText,
                           returned: Mapping[str, tuple[images.Attachment, ...]] | None = None,
                           ) -> TurnOutcome:
        """Store the results of the last reply's tool calls (with the images, by call id, that
        `returned` holds) and let the model go on."""
        self._check_ready()
        assert self.conversation is not None, "tool results need a conversation"
        returned = returned or {}
        stored = [self.store.add_tool_result(self.conversation.id, call, text,
                                             returned.get(call.id, ()))
                  for call, text in results]
        return await self._answer(stored[-1].id, on_text)

    async def retry(self, on_text: OnText) -> TurnOutcome | None:
        """Answer the last question (or tool results) again, after a failure or an interruption."""
        self._check_ready()
        asked = [m for m in self.messages() if m.role in ("user", "tool") and not m.inactive]
        return await self._answer(asked[-1].id, on_text) if asked else None

    def adopt(self, setup: Setup, provider: Provider | None, unavailable: str | None) -> None:
        """Take a reopened conversation's setup (core.reopen.Setup) and the provider serving it."""
        self.provider_name, self.model, self.base_model = setup.provider, setup.model, setup.model
        self.base_url, self.persona, self.mode = setup.base_url, setup.persona, setup.mode
        self.image_detail = setup.image_detail
        self.provider, self.unavailable = provider, unavailable

    def wait_for_choice(self, choice: Any) -> None:
        """Hold every send until the user makes `choice` (a reopen.Choice; None: go on)."""
        self.choice = choice

    def keep_stored_prefix(self) -> None:
        """The user's choice: go on with the bytes the conversation already sent."""
        if self.choice is not None and self.choice.stored is not None:
            self.persona = self.choice.stored
        self.choice = without(self.choice, "persona")

    def take_persona_file(self) -> bool:
        """The user's choice: the persona file as it is now (False when there is none)."""
        if self.choice is None or self.choice.on_disk is None:
            return False
        self.persona, self.choice = self.choice.on_disk, without(self.choice, "persona")
        return True

    def switch_persona(self, persona: Persona) -> Message | None:
        """Use `persona` (and its model, when it names one for this provider) from the next
        turn on; a divider marks the switch in the log."""
        self.choice = without(self.choice, "persona")  # the choice a reopen waited for
        self.persona = persona
        own_model = persona.provider in (None, self.provider_name)
        self.model = persona.model if persona.model and own_model else self.base_model
        if self.conversation is None:
            return None
        text = f"persona → {persona.name}" + (f" · {self.model}" if persona.model else "")
        try:
            if not self.store.conversation_exists(self.conversation.id):
                raise sqlite3.IntegrityError("deleted")
            return self.store.add_divider(self.conversation.id, text)
        except sqlite3.IntegrityError:  # the persona is switched; there is no conversation to mark
            self.conversation = None
            raise ConversationGone() from None

    def switch_model(self, provider_name: str, model: str, provider: Provider | None,
                     base_url: str | None, unavailable: str | None = None) -> Message | None:
        """Go on with `model` on `provider_name` from the next turn on (the history is sent
        as stored, in the new API's form); a divider marks the switch in the log."""
        if self.mode == CHAINED and provider_name not in CHAINABLE_PROVIDERS:
            self.mode = FULL
            if self.conversation is not None:
                self.conversation = self.store.set_mode(self.conversation.id, FULL)
        self.provider_name, self.model, self.base_model = provider_name, model, model
        self.provider, self.base_url, self.unavailable = provider, base_url, unavailable
        self.choice = without(self.choice, "model", "provider")  # a reopen may wait for this
        if self.conversation is None:
            return None
        return self.store.add_divider(self.conversation.id, f"model → {provider_name} · {model}")

    def pending_tool_calls(self, latest: list[Message] | None = None) -> tuple[ToolCall, ...]:
        """Calls of the last reply that have no result yet (empty when none). `latest`: the
        conversation's last messages, when the caller has read them; they are enough when
        they hold a reply (its results come after it), else the whole history is read."""
        def shown_replies(messages: list[Message]) -> list[Message]:
            return [m for m in messages if m.role == "assistant" and m.status != FAILED
                    and not m.inactive]

        messages = latest if latest and shown_replies(latest) else self.messages()
        answered = {m.tool_call_id for m in messages if m.role == "tool" and not m.inactive}
        replies = shown_replies(messages)
        calls = replies[-1].tool_calls if replies else ()
        return tuple(c for c in calls if c.id not in answered)

    def open(self, conversation: Conversation | None, mode: str | None = None,
             provider: Provider | None = None) -> None:
        """Continue `conversation` (None: start a new one) from the next turn on; with
        `mode`, in that mode with `provider` (the conversation already records its mode)."""
        self.conversation = conversation
        if mode is not None:
            self.mode, self.provider = mode, provider

    def refresh_conversation(self) -> None:
        """Read the conversation again (it was renamed elsewhere)."""
        if self.conversation is not None:
            self.conversation = self.store.get_conversation(self.conversation.id)

    def refresh_persona(self, persona: Persona) -> None:
        """The current persona's file changed: its new text goes out from the next turn."""
        self.persona = persona

    def set_mode(self, mode: str, provider: Provider | None) -> None:
        """Switch this conversation between full and chained (with the provider that serves it)."""
        self.mode, self.provider = mode, provider
        if self.conversation is not None:
            self.conversation = self.store.set_mode(self.conversation.id, mode)

    def prefix_fingerprint(self) -> str:
        """The current persona's prefix fingerprint (what the next request's will be)."""
        persona, _ = self.tool_list()
        return persona.fingerprint() if persona else prefix.fingerprint(None)

    def request(self, until_id: int | None = None, chained: bool | None = None) -> ChatRequest:
        """The request the next turn sends: the persona's frozen prefix, then history (or,
        chained, only what came after the last stored response)."""
        (persona, _), messages, turns = self.tool_list(), self.messages(), self.turns()
        messages = [m for m in messages if not m.inactive]  # the line shown (core.alternatives)
        shown = {m.id for m in messages}
        turns = [t for t in turns if t.reply_message_id is None or t.reply_message_id in shown]
        chaining = self.mode == CHAINED if chained is None else chained
        boundary = max((m.id for m in messages if m.role in BOUNDARIES
                        and (until_id is None or m.id <= until_id)), default=0)
        point = chain_point(turns, until_id, after_id=boundary) if chaining else None
        point = point if responses_system.chain_may_go_on(
            self.store, turns, point, self.provider_name, self.model,
            persona.system if persona else None, persona.cache_ttl if persona else None) else None
        if point is not None:
            messages = [m for m in messages if m.id > point.reply_message_id]
        return ChatRequest(
            self.model, history(messages, until_id),
            previous_response_id=point.response_id if point else None,
            system=persona.system if persona else None,
            tools=persona.tools if persona else (),
            params=dict(persona.params) if persona else {},
            cache_ttl=persona.cache_ttl if persona else None,
            cached_content=gemini_caches.cached_content(self),
            compare_with=_previous_response(turns, until_id),
            reasoning=self.effective_reasoning(),
            prompt_cache_key=self.cache_key(),
            response_format=persona.response_format if persona else None,
        )

    def cache_key(self) -> str | None:
        """The `prompt_cache_key` the next request sends (core.cache_key)."""
        persona = self.persona
        return cache_key.resolve(self.provider_name, self.prefix_fingerprint(),
                                 persona.prompt_cache_key if persona else None,
                                 self.conversation.id if self.conversation else None)

    def cache_key_change(self, turns: Sequence[Turn] | None = None) -> str | None:
        """The cache-miss cause a changed `prompt_cache_key` will be, named before the send
        (`turns`: this conversation's, when the caller has them)."""
        body = self._last_sent_body(turns)
        if body is None:
            return None
        return cache_key.change_note(body.get("prompt_cache_key"), self.cache_key())

    def text_format_change(self, turns: Sequence[Turn] | None = None) -> str | None:
        """The cache-miss cause a changed response schema will be (`text_format_changed`),
        named before the send (core.structured)."""
        body = self._last_sent_body(turns)
        if body is None:
            return None
        now = self.persona.response_format if self.persona else None
        return structured.change_note(structured.stored_format(body), now)

    def _last_sent_body(self, turns: Sequence[Turn] | None) -> dict[str, Any] | None:
        """The stored prefix body of the conversation's last chat turn (None: none stored)."""
        turns = self.turns() if turns is None else turns
        sent = [t for t in turns if t.kind == CHAT and t.meta.prefix_hash]
        return prefix.sent_body(self.store, sent[-1]) if sent else None

    def reasoning_change(self) -> str | None:
        """The cache-miss cause a changed reasoning level will be, named before the send,
        where the provider invalidates on it (None: unchanged, or no effect)."""
        if self._sent_reasoning is _UNSENT:
            return None
        return change_note(self.provider_name, getattr(self.provider, "api", None),
                           self._sent_reasoning, self.effective_reasoning())

    def effective_reasoning(self) -> str | None:
        """The reasoning level the next request asks for: the palette's, else the persona's."""
        if self.model in self.cannot_reason:
            return None
        if self.reasoning_level is not None:
            return self.reasoning_level
        own = getattr(self.persona, "reasoning", None) if self.persona else None
        return own or self.default_reasoning

    def resend_request(self, **params: object) -> ChatRequest | None:
        """The last answered question's request again, byte for byte up to its end, with
        `params` on top (a keep-warm ping); None before the first answered turn."""
        shown = {m.id for m in self.messages() if not m.inactive}
        answered = [t.user_message_id for t in self.turns() if t.kind == CHAT
                    and t.status != FAILED and t.user_message_id and t.reply_message_id in shown]
        if not answered:
            return None
        request = self.request(until_id=answered[-1])
        return replace(request, params={**request.params, **params})

    def add_marker(self, role: str, content: str) -> Message:
        """A compaction boundary (role summary or compaction): the next turns send what
        follows it instead of the history before it."""
        return self.store.add_marker(self._conversation_id(), role, content)

    def ready_provider(self) -> Provider:
        """The provider a request goes to now; ProviderError when none can be sent."""
        if self.unavailable or self.provider is None:
            raise ProviderError(self.unavailable or "No provider is configured.", kind="config")
        return self.provider

    def _conversation_id(self) -> str:
        assert self.conversation is not None, "this needs a conversation (send creates it)"
        return self.conversation.id

    def _persona_name(self) -> str | None:
        return self.persona.name if self.persona else None

    def _check_ready(self) -> None:
        if self.choice is not None:
            raise ProviderError(self.choice.reason, kind="config")
        self.ready_provider()
        if self.busy:
            raise ProviderError("A reply is still streaming; press Esc to stop it first.", kind="busy")
        self._check_conversation()

    def _check_conversation(self) -> None:
        """Refuse to write into a conversation another window deleted, or is answering in
        (asking again there would send, and bill, the question twice)."""
        if self.conversation is None:
            return
        if not self.store.conversation_exists(self.conversation.id):
            self.conversation = None
            raise ConversationGone()
        if elsewhere := self.store.streaming_elsewhere(self.conversation.id):
            raise ProviderError(f"A reply is streaming in this conversation in another chattui "
                                f"window ({elsewhere[0][1]}); wait for it to finish, then reopen "
                                "the conversation (ctrl+g) to see it.", kind="elsewhere")

    def _host(self) -> str | None:
        return urlparse(self.base_url).hostname if self.base_url else None

    def _meta(self, request: ChatRequest) -> TurnMeta:
        body = prefix.stored_body(request.system, request.tools, request.params, request.cache_ttl,
                                  request.prompt_cache_key, request.text_format(),
                                  self.tool_list()[1].routes)
        return TurnMeta(self.provider_name, self.model, self._host(), self._persona_name(),
                        request.fingerprint(), getattr(self.provider, "api", None),
                        prefix_hash=self.store.save_prefix(body), base_url=self.base_url,
                        image_detail=self.image_detail)

    async def _answer(self, user_message_id: int, on_text: OnText) -> TurnOutcome:
        expired = gemini_caches.drop_expired(self)
        request = images.load(self.request(until_id=user_message_id))
        self._sent_reasoning = request.reasoning
        turn = self.store.start_turn(self._conversation_id(), user_message_id, self._meta(request))
        _, outcome = await self._drive(
            turn, request, on_text,
            full_history=lambda: images.load(self.request(until_id=user_message_id, chained=False)))
        return replace(outcome, note=outcome.note or expired) if expired else outcome

    async def side_turn(self, request: ChatRequest, on_text: OnText,
                        kind: str = SIDE) -> tuple[str, TurnOutcome]:
        """Stream `request` as a turn that is priced and stored but adds nothing to the
        history (a summary draft; `kind` PING: a keep-warm ping)."""
        self._check_ready()
        request = images.load(request)
        turn = self.store.start_side_turn(self._conversation_id(), self._meta(request), kind)
        reply, outcome = await self._drive(turn, request, on_text)
        return reply.text, outcome

    def record_side_usage(self, request: ChatRequest, usage: Usage, status: str = COMPLETE) -> TurnOutcome:
        """Store and price a call that streamed nothing (a compaction, a cache ping)."""
        turn = self.store.start_side_turn(self._conversation_id(), self._meta(request))
        return self._finish(turn, request, ReplySoFar(usage=usage), time.monotonic(), status, None)

    async def _drive(self, turn: Turn, request: ChatRequest, on_text: OnText,
                     full_history: Callable[[], ChatRequest] | None = None) -> tuple[ReplySoFar, TurnOutcome]:
        """Stream `turn` and record how it ended: complete, stopped (Esc), failed. With
        `full_history`, a chain the server lost is resent once as the full history."""
        reply, started, note = ReplySoFar(), time.monotonic(), None
        self._stop_requested = False
        status, error = COMPLETE, None
        try:
            try:
                await self._run(request, turn, reply, on_text)
            except ProviderError as exc:
                if (note := self._cannot_reason(exc, request, reply)) is not None:
                    request = replace(request, reasoning=None)
                else:
                    note = self._resend_note(exc, request) if full_history and not reply.parts else None
                    if note is None or full_history is None:
                        raise
                    request = full_history()
                await self._run(request, turn, reply, on_text)
        except asyncio.CancelledError:
            status = STOPPED
            if not self._stop_requested:  # the app is closing: record, then let it close
                self._finish(turn, request, reply, started, status, error)
                raise
        except ProviderError as exc:
            status, error = FAILED, redact(exc.message, self._secrets)
        try:
            await load_prices()
        except asyncio.CancelledError:  # the app is closing: record, then let it close
            self._finish(turn, request, reply, started, status, error)
            raise
        return reply, replace(self._finish(turn, request, reply, started, status, error), note=note)

    def _cannot_reason(self, exc: ProviderError, request: ChatRequest, reply: ReplySoFar) -> str | None:
        """The model refused the reasoning setting before answering: say so, and send
        without it (now and for the rest of the session), instead of failing the turn."""
        if reply.parts or reply.thinking or effort(request.reasoning) is None:
            return None
        if exc.kind != "bad_request" or not refused(exc.message):
            return None
        self.cannot_reason.add(request.model)
        return f"⚠ {request.model} cannot reason: sent without thinking"

    def _resend_note(self, exc: ProviderError, request: ChatRequest) -> str | None:
        """Why a request that failed is sent once more in full (the server lost the chain,
        or the Gemini cache it named is gone), else None."""
        if exc.kind == PREVIOUS_RESPONSE_NOT_FOUND:
            return "↺ chain lost on the server: full history resent once"
        if exc.kind == CACHED_CONTENT_NOT_FOUND and request.cached_content:
            return gemini_caches.drop_gone(self, request.cached_content)
        return None

    async def _run(self, request: ChatRequest, turn: Turn, reply: ReplySoFar, on_text: OnText) -> None:
        self._task = asyncio.ensure_future(self._stream(request, turn, reply, on_text))
        await self._task

    async def _stream(self, request: ChatRequest, turn: Turn, reply: ReplySoFar, on_text: OnText) -> None:
        last_flush = time.monotonic()
        async for event in self.ready_provider().stream(request):
            reply.take(event)
            if isinstance(event, ReasoningDelta) and self.reasoning_sink is not None:
                await self.reasoning_sink(event.text)
            if isinstance(event, Retrying) and self.retry_sink is not None:
                await self.retry_sink(event)
            if isinstance(event, TextDelta):
                await on_text(event.text)
                if time.monotonic() - last_flush >= self.flush_interval:
                    last_flush = time.monotonic()
                    self.ledger.save_partial(turn, reply.text)

    @property
    def unsaved(self) -> list[tuple[Turn, TurnResult]]:
        """Finished turns the store could not write yet (a full disk), oldest first."""
        return self.ledger.unsaved

    def save_unsaved(self) -> int:
        """Write the turns a full disk kept in memory; how many were written now."""
        return self.ledger.save_unsaved()

    def _finish(
        self, turn: Turn, request: ChatRequest, reply: ReplySoFar, started: float, status: str,
        error: str | None,
    ) -> TurnOutcome:
        usage, cost = priced(request, reply, status, self.provider_name, self.prices, self.base_url)
        return self.ledger.finish(turn, result_of(reply, usage, cost, status, started, error), cost)


def _previous_response(turns: list[Turn], until_id: int | None) -> str | None:
    """The id of the last answered chat turn before `until_id`: what a provider's cache
    diagnostics compare the next request with."""
    ids = [t.response_id for t in turns if t.kind == CHAT and t.status == COMPLETE
           and t.response_id and (until_id is None or (t.user_message_id or 0) < until_id)]
    return ids[-1] if ids else None


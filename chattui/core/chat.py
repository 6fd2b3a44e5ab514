"""ChatSession: one conversation's turns, from the user's text to a stored, priced reply.

The order of writes is what makes a crash lose nothing: the user's message is committed
before the request goes out, the reply's text is saved while it streams (every
`flush_interval` seconds), and the turn is finalised when the stream ends, however it ends
(complete, stopped by the user, failed). A turn left `streaming` by a crash is marked
`interrupted` by the store when it next opens, and nothing re-sends it on its own. A turn
that cannot be finalised (a full disk) is kept in memory (`unsaved`) and written by
`save_unsaved()`: before the next write, and whenever the UI retries.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from dataclasses import dataclass, field, replace
from typing import Awaitable, Callable, Iterable, Mapping
from urllib.parse import urlparse

from chattui.core import attachments as images
from chattui.core import gemini_caches, prefix, tokens
from chattui.core.events import (
    CacheDiagnosed, Finished, ResponseId, StreamEvent, TextDelta, ToolCallDelta, UsageReported,
)
from chattui.core.models import (
    CHAT, COMPLETE, FAILED, SIDE, STOPPED, Conversation, Message, ToolCall, Turn, TurnMeta,
    TurnResult,
)
from chattui.core.chaining import CHAINED, FULL, chain_point
from chattui.core.personas import Persona
from chattui.core.pricing import Cost, Rates, price
from chattui.core.request import BOUNDARIES, ChatRequest, history
from chattui.core.secrets import redact
from chattui.core.usage import Usage
from chattui.providers.base import Provider, ProviderError
from chattui.providers.errors import CACHED_CONTENT_NOT_FOUND, PREVIOUS_RESPONSE_NOT_FOUND

OnText = Callable[[str], Awaitable[None]]
_MESSAGE_OVERHEAD = 4
"""Tokens each chat message costs beyond its text (role and separators), for estimates."""


@dataclass(frozen=True)
class TurnOutcome:
    turn: Turn
    cost: Cost
    saved: bool = True
    """False when the store could not write the turn (e.g. a full disk)."""
    note: str | None = None
    """Something the user should know about how the turn went (e.g. a chain fallback)."""


@dataclass
class _Reply:
    """What has arrived so far for the turn in flight."""

    parts: list[str] = field(default_factory=list)
    calls: dict[int, list[str]] = field(default_factory=dict)
    """Tool calls by index: [id, name, arguments so far]."""
    usage: Usage | None = None
    response_id: str | None = None
    finish_reason: str | None = None
    first_token_at: float | None = None
    diagnosis: CacheDiagnosed | None = None

    @property
    def text(self) -> str:
        return "".join(self.parts)

    def tool_calls(self) -> tuple[ToolCall, ...]:
        return tuple(ToolCall(*self.calls[index]) for index in sorted(self.calls))


class ConversationGone(ProviderError):
    """The open conversation was deleted in another window (nothing was written)."""

    def __init__(self) -> None:
        super().__init__("This conversation was deleted in another window. Your draft is kept; "
                         "sending it starts a new conversation.", kind="gone")


class ChatSession:
    image_detail: str = images.DEFAULT_DETAIL
    """`detail` recorded on images attached from now on (config `image_detail`)."""

    def __init__(
        self, store, provider: Provider | None, *, provider_name: str, model: str,
        base_url: str | None = None, persona: Persona | None = None,
        prices: Mapping[str, Rates] | None = None, secrets: Iterable[str | None] = (),
        conversation: Conversation | None = None, unavailable: str | None = None,
        mode: str = FULL, flush_interval: float = 0.5,
    ) -> None:
        self.store = store
        self.provider = provider
        self.provider_name = provider_name
        self.model = model
        self.base_model = model
        """The model of personas that name none (the one chattui was started with)."""
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
        self._task: asyncio.Task | None = None
        self._stop_requested = False
        self.unsaved: list[tuple[Turn, TurnResult]] = []
        """Finished turns the store could not write yet (a full disk), oldest first."""
        self.unsaved_retry_seconds = 3.0
        """How often the UI tries `save_unsaved()` while something is unsaved."""

    # reading

    def messages(self) -> list[Message]:
        return self.store.messages(self.conversation.id) if self.conversation else []

    def turns(self) -> list[Turn]:
        return self.store.turns(self.conversation.id) if self.conversation else []

    def estimate(self, draft: str, until_id: int | None = None) -> tokens.TokenCount:
        """Prompt tokens the next request would carry with `draft` as the new message (with
        `until_id`: after message `until_id` instead, e.g. to regenerate or branch there)."""
        system = self.persona.system if self.persona else ""
        sent = (m.content for m in history(self.messages(), until_id))
        texts = [system, *sent, *([draft] if draft or until_id is None else [])]
        counts = [tokens.count(text) for text in texts]
        n = sum(c.n for c in counts) + _MESSAGE_OVERHEAD * len(texts)
        return tokens.TokenCount(n, exact=all(c.exact for c in counts))

    @property
    def busy(self) -> bool:
        return self._task is not None and not self._task.done()

    # acting

    def stop(self) -> bool:
        """Stop the reply in flight, keeping what arrived. False when nothing streams."""
        if not self.busy:
            return False
        self._stop_requested = True
        self._task.cancel()  # type: ignore[union-attr]
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

    async def answer_tools(self, results: list[tuple[ToolCall, str]], on_text: OnText) -> TurnOutcome:
        """Store the results of the last reply's tool calls and let the model go on."""
        self._check_ready()
        assert self.conversation is not None, "tool results need a conversation"
        stored = [self.store.add_tool_result(self.conversation.id, call, text) for call, text in results]
        return await self._answer(stored[-1].id, on_text)

    async def retry(self, on_text: OnText) -> TurnOutcome | None:
        """Answer the last question (or tool results) again, after a failure or an interruption."""
        self._check_ready()
        asked = [m for m in self.messages() if m.role in ("user", "tool")]
        return await self._answer(asked[-1].id, on_text) if asked else None

    def switch_persona(self, persona: Persona) -> Message | None:
        """Use `persona` (and its model, when it names one for this provider) from the next
        turn on; a divider marks the switch in the log."""
        self.persona = persona
        own_model = persona.model and persona.provider in (None, self.provider_name)
        self.model = persona.model if own_model else self.base_model
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

    def pending_tool_calls(self, latest: list[Message] | None = None) -> tuple[ToolCall, ...]:
        """Calls of the last reply that have no result yet (empty when none). `latest`: the
        conversation's last messages, when the caller has read them; they are enough when
        they hold a reply (its results come after it), else the whole history is read."""
        replies = [m for m in latest or () if m.role == "assistant" and m.status != FAILED]
        messages = latest if replies else self.messages()
        answered = {m.tool_call_id for m in messages if m.role == "tool"}
        replies = [m for m in messages if m.role == "assistant" and m.status != FAILED]
        calls = replies[-1].tool_calls if replies else ()
        return tuple(c for c in calls if c.id not in answered)

    def set_mode(self, mode: str, provider: Provider | None) -> None:
        """Switch this conversation between full and chained (with the provider that serves it)."""
        self.mode, self.provider = mode, provider
        if self.conversation is not None:
            self.conversation = self.store.set_mode(self.conversation.id, mode)

    def prefix_fingerprint(self) -> str:
        """The current persona's prefix fingerprint (what the next request's will be)."""
        return prefix.fingerprint(self.persona.system if self.persona else None,
                                  self.persona.tools if self.persona else ())

    def request(self, until_id: int | None = None, chained: bool | None = None) -> ChatRequest:
        """The request the next turn sends: the persona's frozen prefix, then history (or,
        chained, only what came after the last stored response)."""
        persona, messages, turns = self.persona, self.messages(), self.turns()
        chaining = self.mode == CHAINED if chained is None else chained
        boundary = max((m.id for m in messages if m.role in BOUNDARIES
                        and (until_id is None or m.id <= until_id)), default=0)
        point = chain_point(turns, until_id, after_id=boundary) if chaining else None
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
        )

    def resend_request(self, **params: object) -> ChatRequest | None:
        """The last answered question's request again, byte for byte up to its end, with
        `params` on top (a keep-warm ping); None before the first answered turn."""
        answered = [t.user_message_id for t in self.turns()
                    if t.kind == CHAT and t.status != FAILED and t.user_message_id]
        if not answered:
            return None
        request = self.request(until_id=answered[-1])
        return replace(request, params={**request.params, **params})

    def _persona_name(self) -> str | None:
        return self.persona.name if self.persona else None

    def _check_ready(self) -> None:
        if self.unavailable or self.provider is None:
            raise ProviderError(self.unavailable or "No provider is configured.", kind="config")
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
        return TurnMeta(self.provider_name, self.model, self._host(), self._persona_name(),
                        request.fingerprint(), getattr(self.provider, "api", None))

    async def _answer(self, user_message_id: int, on_text: OnText) -> TurnOutcome:
        expired = gemini_caches.drop_expired(self)
        request = images.load(self.request(until_id=user_message_id))
        turn = self.store.start_turn(self.conversation.id, user_message_id, self._meta(request))  # type: ignore[union-attr]
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
        turn = self.store.start_side_turn(self.conversation.id, self._meta(request), kind)  # type: ignore[union-attr]
        reply, outcome = await self._drive(turn, request, on_text)
        return reply.text, outcome

    def record_side_usage(self, request: ChatRequest, usage: Usage, status: str = COMPLETE) -> TurnOutcome:
        """Store and price a call that streamed nothing (a compaction, a cache ping)."""
        turn = self.store.start_side_turn(self.conversation.id, self._meta(request))  # type: ignore[union-attr]
        return self._finish(turn, request, _Reply(usage=usage), time.monotonic(), status, None)

    async def _drive(self, turn: Turn, request: ChatRequest, on_text: OnText,
                     full_history: Callable[[], ChatRequest] | None = None) -> tuple[_Reply, TurnOutcome]:
        """Stream `turn` and record how it ended: complete, stopped (Esc), failed. With
        `full_history`, a chain the server lost is resent once as the full history."""
        reply, started, note = _Reply(), time.monotonic(), None
        self._stop_requested = False
        status, error = COMPLETE, None
        try:
            try:
                await self._run(request, turn, reply, on_text)
            except ProviderError as exc:
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
        return reply, replace(self._finish(turn, request, reply, started, status, error), note=note)

    def _resend_note(self, exc: ProviderError, request: ChatRequest) -> str | None:
        """Why a request that failed is sent once more in full (the server lost the chain,
        or the Gemini cache it named is gone), else None."""
        if exc.kind == PREVIOUS_RESPONSE_NOT_FOUND:
            return "↺ chain lost on the server: full history resent once"
        if exc.kind == CACHED_CONTENT_NOT_FOUND and request.cached_content:
            return gemini_caches.drop_gone(self, request.cached_content)
        return None

    async def _run(self, request: ChatRequest, turn: Turn, reply: _Reply, on_text: OnText) -> None:
        self._task = asyncio.ensure_future(self._stream(request, turn, reply, on_text))
        await self._task

    async def _stream(self, request: ChatRequest, turn: Turn, reply: _Reply, on_text: OnText) -> None:
        last_flush = time.monotonic()
        async for event in self.provider.stream(request):  # type: ignore[union-attr]
            self._take(event, reply)
            if isinstance(event, TextDelta):
                await on_text(event.text)
                if time.monotonic() - last_flush >= self.flush_interval:
                    last_flush = time.monotonic()
                    self._save_partial(turn, reply.text)

    @staticmethod
    def _take(event: StreamEvent, reply: _Reply) -> None:
        if isinstance(event, TextDelta):
            reply.parts.append(event.text)
            reply.first_token_at = reply.first_token_at or time.monotonic()
        elif isinstance(event, UsageReported):
            reply.usage = event.usage
        elif isinstance(event, ResponseId):
            reply.response_id = event.id
        elif isinstance(event, Finished):
            reply.finish_reason = event.reason
        elif isinstance(event, CacheDiagnosed):
            reply.diagnosis = event
        elif isinstance(event, ToolCallDelta):
            call = reply.calls.setdefault(event.index, ["", "", ""])
            call[0] = event.id or call[0]
            call[1] = event.name or call[1]
            call[2] += event.arguments

    def save_unsaved(self) -> int:
        """Write the turns a full disk kept in memory, oldest first, until one fails;
        returns how many were written now."""
        written = 0
        while self.unsaved:
            turn, result = self.unsaved[0]
            try:
                self.store.finish_turn(turn, result)
            except sqlite3.IntegrityError:  # its conversation was deleted meanwhile
                pass
            except Exception:  # noqa: BLE001 - still no room
                return written
            self.unsaved.pop(0)
            written += 1
        return written

    def _save_partial(self, turn: Turn, text: str) -> None:
        try:
            self.store.save_partial(turn, text)
        except Exception:  # a full disk must not kill the stream; _finish reports it
            pass

    def _finish(
        self, turn: Turn, request: ChatRequest, reply: _Reply, started: float, status: str,
        error: str | None,
    ) -> TurnOutcome:
        usage, cost = self._priced(request, reply, status)
        now = time.monotonic()
        result = TurnResult(
            status=status, text=reply.text, usage=usage, cost_usd=cost.usd,
            response_id=reply.response_id, error=error, finish_reason=reply.finish_reason,
            first_token_ms=(reply.first_token_at - started) * 1000 if reply.first_token_at else None,
            duration_ms=(now - started) * 1000, tool_calls=reply.tool_calls(),
            cache_diagnosis=reply.diagnosis.code if reply.diagnosis else None,
            cache_missed_tokens=reply.diagnosis.missed_tokens if reply.diagnosis else None,
        )
        try:
            if self.unsaved:
                raise sqlite3.OperationalError("an earlier reply is still waiting to be saved")
            return TurnOutcome(self.store.finish_turn(turn, result), cost)
        except Exception as exc:  # noqa: BLE001 - e.g. "database or disk is full"
            self.unsaved.append((turn, result))  # written by save_unsaved() once there is room
            unsaved = replace(turn, status=status, usage=usage, cost_usd=cost.usd,
                              error=f"Not saved yet: {exc}" + (f"; {error}" if error else ""))
            return TurnOutcome(unsaved, cost, saved=False)


    def _priced(self, request: ChatRequest, reply: _Reply, status: str) -> tuple[Usage, Cost]:
        """The turn's usage (reported, else counted) and its cost. Nothing here may keep
        a turn from being finalised: any failure leaves the usage as reported and the
        cost unknown."""
        try:
            usage = reply.usage or _estimated_usage(request, reply.text, status)
        except Exception:  # noqa: BLE001 - e.g. a tokenizer that cannot load
            usage = Usage()
        return usage, price(usage, self.model, self.provider_name, self.prices, self.base_url)


def _previous_response(turns: list[Turn], until_id: int | None) -> str | None:
    """The id of the last answered chat turn before `until_id`: what a provider's cache
    diagnostics compare the next request with."""
    ids = [t.response_id for t in turns if t.kind == CHAT and t.status == COMPLETE
           and t.response_id and (until_id is None or (t.user_message_id or 0) < until_id)]
    return ids[-1] if ids else None


def _estimated_usage(request: ChatRequest, text: str, status: str) -> Usage:
    """No usage came (stopped or dropped): count it ourselves, marked as an estimate.
    A request that failed before any text (401, 429, 5xx …) was not billed: nothing."""
    if status == FAILED and not text:
        return Usage(input_total=0, output=0)
    prompt = [request.system or "", *(m.content for m in request.messages)]
    input_total = sum(tokens.count(t).n for t in prompt) + _MESSAGE_OVERHEAD * len(prompt)
    return Usage(input_total=input_total, output=tokens.count(text).n, estimated=True)

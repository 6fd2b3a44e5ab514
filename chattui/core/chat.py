"""ChatSession: one conversation's turns, from the user's text to a stored, priced reply.

The order of writes is what makes a crash lose nothing: the user's message is committed
before the request goes out, the reply's text is saved while it streams (every
`flush_interval` seconds), and the turn is finalised when the stream ends, however it ends
(complete, stopped by the user, failed). A turn left `streaming` by a crash is marked
`interrupted` by the store when it next opens, and nothing re-sends it on its own.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field, replace
from typing import Awaitable, Callable, Iterable, Mapping
from urllib.parse import urlparse

from chattui.core import tokens
from chattui.core.events import Finished, ResponseId, StreamEvent, TextDelta, UsageReported
from chattui.core.models import COMPLETE, FAILED, STOPPED, Conversation, Message, Turn, TurnMeta, TurnResult
from chattui.core.pricing import Cost, Rates, price
from chattui.core.request import ChatRequest, history, prefix_fingerprint
from chattui.core.secrets import redact
from chattui.core.usage import Usage
from chattui.providers.base import Provider, ProviderError

OnText = Callable[[str], Awaitable[None]]
_MESSAGE_OVERHEAD = 4
"""Tokens each chat message costs beyond its text (role and separators), for estimates."""


@dataclass(frozen=True)
class TurnOutcome:
    turn: Turn
    cost: Cost
    saved: bool = True
    """False when the store could not write the turn (e.g. a full disk)."""


@dataclass(frozen=True)
class Totals:
    """The conversation so far: every turn's tokens and what the known costs add to."""

    cost_usd: float = 0.0
    unpriced_turns: int = 0
    input_total: int = 0
    cache_read: int = 0
    turns: int = 0

    @property
    def hit_ratio(self) -> float | None:
        return self.cache_read / self.input_total if self.input_total else None


@dataclass
class _Reply:
    """What has arrived so far for the turn in flight."""

    parts: list[str] = field(default_factory=list)
    usage: Usage | None = None
    response_id: str | None = None
    finish_reason: str | None = None
    first_token_at: float | None = None

    @property
    def text(self) -> str:
        return "".join(self.parts)


class ChatSession:
    def __init__(
        self, store, provider: Provider | None, *, provider_name: str, model: str,
        base_url: str | None = None, system: str | None = None, persona: str | None = None,
        prices: Mapping[str, Rates] | None = None, secrets: Iterable[str | None] = (),
        conversation: Conversation | None = None, unavailable: str | None = None,
        flush_interval: float = 0.5,
    ) -> None:
        self.store = store
        self.provider = provider
        self.provider_name = provider_name
        self.model = model
        self.base_url = base_url
        self.system = system
        self.persona = persona
        self.prices = prices or {}
        self.conversation = conversation
        self.unavailable = unavailable
        """Why no request can go out (no API key …); history still browses."""
        self.flush_interval = flush_interval
        self._secrets = tuple(s for s in secrets if s)
        self._task: asyncio.Task | None = None
        self._stop_requested = False

    # reading

    def messages(self) -> list[Message]:
        return self.store.messages(self.conversation.id) if self.conversation else []

    def turns(self) -> list[Turn]:
        return self.store.turns(self.conversation.id) if self.conversation else []

    def totals(self) -> Totals:
        total = Totals()
        for turn in self.turns():
            usage = turn.usage
            total = replace(
                total, turns=total.turns + 1, input_total=total.input_total + (usage.input_total or 0),
                cache_read=total.cache_read + (usage.cache_read or 0),
                cost_usd=total.cost_usd + (turn.cost_usd or 0.0),
                unpriced_turns=total.unpriced_turns + (turn.cost_usd is None),
            )
        return total

    def estimate(self, draft: str) -> tokens.TokenCount:
        """Prompt tokens the next request would carry with `draft` as the new message."""
        texts = [self.system or "", *(m["content"] for m in history(self.messages())), draft]
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

    async def send(self, text: str, on_text: OnText) -> TurnOutcome:
        """Store `text`, stream the reply into `on_text`, store and price the turn."""
        self._check_ready()
        if self.conversation is None:
            self.conversation = self.store.create_conversation(
                self.provider_name, self.model, self.persona, base_url_host=self._host()
            )
        user_message = self.store.add_user_message(self.conversation.id, text)
        return await self._answer(user_message.id, on_text)

    async def retry(self, on_text: OnText) -> TurnOutcome | None:
        """Answer the last user message again (after a failure or an interruption)."""
        self._check_ready()
        users = [m for m in self.messages() if m.role == "user"]
        return await self._answer(users[-1].id, on_text) if users else None

    def _check_ready(self) -> None:
        if self.unavailable or self.provider is None:
            raise ProviderError(self.unavailable or "No provider is configured.", kind="config")
        if self.busy:
            raise ProviderError("A reply is still streaming; press Esc to stop it first.", kind="busy")

    def _host(self) -> str | None:
        return urlparse(self.base_url).hostname if self.base_url else None

    async def _answer(self, user_message_id: int, on_text: OnText) -> TurnOutcome:
        request = ChatRequest(self.model, history(self.messages(), until_id=user_message_id), self.system)
        meta = TurnMeta(self.provider_name, self.model, self._host(), self.persona, prefix_fingerprint(request))
        turn = self.store.start_turn(self.conversation.id, user_message_id, meta)  # type: ignore[union-attr]
        reply, started = _Reply(), time.monotonic()
        self._stop_requested = False
        self._task = asyncio.ensure_future(self._stream(request, turn, reply, on_text))
        status, error = COMPLETE, None
        try:
            await self._task
        except asyncio.CancelledError:
            status = STOPPED
            if not self._stop_requested:  # the app is closing: record, then let it close
                self._finish(turn, request, reply, started, status, error)
                raise
        except ProviderError as exc:
            status, error = FAILED, redact(exc.message, self._secrets)
        return self._finish(turn, request, reply, started, status, error)

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

    def _save_partial(self, turn: Turn, text: str) -> None:
        try:
            self.store.save_partial(turn, text)
        except Exception:  # a full disk must not kill the stream; _finish reports it
            pass

    def _finish(
        self, turn: Turn, request: ChatRequest, reply: _Reply, started: float, status: str,
        error: str | None,
    ) -> TurnOutcome:
        usage = reply.usage or _estimated_usage(request, reply.text)
        cost = price(usage, self.model, self.provider_name, self.prices, self.base_url)
        now = time.monotonic()
        result = TurnResult(
            status=status, text=reply.text, usage=usage, cost_usd=cost.usd,
            response_id=reply.response_id, error=error, finish_reason=reply.finish_reason,
            first_token_ms=(reply.first_token_at - started) * 1000 if reply.first_token_at else None,
            duration_ms=(now - started) * 1000,
        )
        try:
            return TurnOutcome(self.store.finish_turn(turn, result), cost)
        except Exception as exc:  # noqa: BLE001 - e.g. "database or disk is full"
            unsaved = replace(turn, status=status, usage=usage, cost_usd=cost.usd,
                              error=f"Not saved: {exc}" + (f"; {error}" if error else ""))
            return TurnOutcome(unsaved, cost, saved=False)


def _estimated_usage(request: ChatRequest, text: str) -> Usage:
    """No usage came (stopped or dropped): count it ourselves, marked as an estimate."""
    prompt = [request.system or "", *(m["content"] for m in request.messages)]
    input_total = sum(tokens.count(t).n for t in prompt) + _MESSAGE_OVERHEAD * len(prompt)
    return Usage(input_total=input_total, output=tokens.count(text).n, estimated=True)

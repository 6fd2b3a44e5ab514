"""A finished turn, priced and written, and what a full disk must not lose.

Its usage is the provider's, else chattui's own count (marked as an estimate); its cost is
priced from that. A turn the store cannot write (a full disk) is kept in memory by the
`Ledger` and written, oldest first, before the next write and whenever the UI retries.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from dataclasses import dataclass, field, replace
from typing import Mapping

from chattui.core import pricing, tokens
from chattui.core.estimates import counted_usage
from chattui.core.models import FAILED, Turn, TurnResult
from chattui.core.pricing import Cost, Rates, price
from chattui.core.reasoning import Reasoning
from chattui.core.reply_so_far import ReplySoFar
from chattui.core.request import ChatRequest
from chattui.core.storage import Store
from chattui.core.usage import Usage


@dataclass(frozen=True)
class TurnOutcome:
    turn: Turn
    cost: Cost
    saved: bool = True
    """False when the store could not write the turn (e.g. a full disk)."""
    note: str | None = None
    """Something the user should know about how the turn went (e.g. a chain fallback)."""
    reasoning: Reasoning = field(default_factory=Reasoning)
    """The reply's thinking as stored (empty when the model showed none)."""


class Ledger:
    """Writes a conversation's turns; keeps the finished ones the store refused (`unsaved`)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.unsaved: list[tuple[Turn, TurnResult]] = []
        """Finished turns the store could not write yet (a full disk), oldest first."""

    def save_partial(self, turn: Turn, text: str) -> None:
        """The reply's text so far (while it streams); a full disk must not stop the stream
        (`finish` reports it)."""
        try:
            self.store.save_partial(turn, text)
        except self.store.errors:
            pass

    def finish(self, turn: Turn, result: TurnResult, cost: Cost) -> TurnOutcome:
        """Write the finished turn; kept in `unsaved` (and said so) when the store cannot,
        or while an earlier one still waits (the turns are written in order)."""
        try:
            if self.unsaved:
                raise sqlite3.OperationalError("an earlier reply is still waiting to be saved")
            stored = self.store.finish_turn(turn, result)
            return TurnOutcome(stored, cost, reasoning=result.reasoning)
        except self.store.errors as exc:  # e.g. "database or disk is full"
            self.unsaved.append((turn, result))  # written by save_unsaved() once there is room
            error = f"Not saved yet: {exc}" + (f"; {result.error}" if result.error else "")
            kept = replace(turn, status=result.status, usage=result.usage, cost_usd=cost.usd,
                           error=error)
            return TurnOutcome(kept, cost, saved=False, reasoning=result.reasoning)

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


def result_of(reply: ReplySoFar, usage: Usage, cost: Cost, status: str, started: float,
              error: str | None) -> TurnResult:
    """What is stored of a turn that began at `started` (time.monotonic) and ended now."""
    return TurnResult(
        status=status, text=reply.text, usage=usage, cost_usd=cost.usd,
        response_id=reply.response_id, error=error, finish_reason=reply.finish_reason,
        first_token_ms=(reply.first_token_at - started) * 1000 if reply.first_token_at else None,
        duration_ms=(time.monotonic() - started) * 1000, tool_calls=reply.tool_calls(),
        cache_diagnosis=reply.diagnosis.code if reply.diagnosis else None,
        cache_missed_tokens=reply.diagnosis.missed_tokens if reply.diagnosis else None,
        reasoning=reply.reasoning(usage),
    )


def priced(request: ChatRequest, reply: ReplySoFar, status: str, provider: str,
           prices: Mapping[str, Rates], base_url: str | None) -> tuple[Usage, Cost]:
    """The turn's usage (reported, else counted) and its cost. Nothing here may keep a
    turn from being finalised: any failure leaves the usage as reported and the cost
    unknown."""
    try:
        usage = reply.usage or _counted(request, reply.text, status)
        if usage.reasoning is None and reply.thinking:  # inside output, not reported apart
            usage = replace(usage, reasoning=tokens.count("".join(reply.thinking)).n)
    except Exception:  # noqa: BLE001 - e.g. a tokenizer that cannot load
        usage = Usage()
    return usage, price(usage, request.model, provider, prices, base_url)


async def load_prices() -> None:
    """The first price loads genai-prices and its data (0.1-0.3 s; the app's warm-up may
    still be at it when the first reply ends): in a thread, so that the event loop draws the
    reply's last frames meanwhile rather than after it. A failure is the price's to report."""
    try:
        if not pricing.is_warm():
            await asyncio.to_thread(pricing.warm_up)
    except Exception:  # noqa: BLE001 - a warm-up only
        pass


def _counted(request: ChatRequest, text: str, status: str) -> Usage:
    """No usage came (stopped or dropped): count it ourselves, marked as an estimate.
    A request that failed before any text (401, 429, 5xx …) was not billed: nothing."""
    if status == FAILED and not text:
        return Usage(input_total=0, output=0)
    return counted_usage([request.system or "", *(m.content for m in request.messages)], text)

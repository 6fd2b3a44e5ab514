"""Token estimates from chattui's own counts.

`HistoryCounts`: the composer's estimate is the stored history's count (kept per
conversation) plus the draft's, so a pause in typing counts the draft, not the history.

Pricing turns a crash cut short: the provider billed them, but no usage came back.
When chattui next opens, each `interrupted` turn without usage gets chattui's own count
(the history it sent, the reply text that was saved), marked estimated ("≈"), and is
priced like any other turn. The system prompt is not known any more, so the count is low
by that much: an estimate, said as one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Hashable, Iterable, Mapping, Sequence

from chattui.core import tokens
from chattui.core.pricing import Rates, price
from chattui.core.request import ChatMessage, history
from chattui.core.storage import Store
from chattui.core.usage import Usage

MESSAGE_OVERHEAD = 4
"""Tokens each chat message costs beyond its text (role and separators)."""


def counted_usage(prompt: Sequence[str], reply: str) -> Usage:
    """chattui's own count of a turn no usage came back for (the texts it sent, the reply
    that came), marked as an estimate."""
    return Usage(input_total=sum(tokens.count(t).n for t in prompt) + MESSAGE_OVERHEAD * len(prompt),
                 output=tokens.count(reply).n, estimated=True)


def price_interrupted(store: Store, prices: Mapping[str, Rates] | None = None) -> int:
    """Give every interrupted turn without usage an estimate and a price; how many."""
    done = 0
    for turn in store.unpriced_interrupted():
        messages = store.messages(turn.conversation_id)
        reply = next((m.content for m in messages if m.id == turn.reply_message_id), "")
        usage = counted_usage([m.content for m in history(messages, until_id=turn.user_message_id)],
                              reply)
        base_url = f"https://{turn.meta.base_url_host}" if turn.meta.base_url_host else None
        cost = price(usage, turn.meta.model, turn.meta.provider, prices, base_url)
        store.set_estimated_usage(turn.id, usage, cost.usd)
        done += 1
    return done


@dataclass(frozen=True)
class PastCount:
    """What a request carries before the new message: its history's tokens (each message's
    text plus MESSAGE_OVERHEAD), whether all were counted exactly, its images."""

    n: int
    exact: bool
    images: int

    @classmethod
    def of(cls, messages: Iterable[ChatMessage]) -> PastCount:
        counts = [(tokens.count(m.content), len(m.attachments)) for m in messages]
        return cls(sum(c.n for c, _ in counts) + MESSAGE_OVERHEAD * len(counts),
                   all(c.exact for c, _ in counts), sum(i for _, i in counts))


class HistoryCounts:
    """The last history count, under the key it was taken for (conversation, where the
    request stops, the store's stamp of its messages). `get(key, count, reuse=True)` gives
    it back while the key holds (a pause in typing: only the draft changed); otherwise,
    and always without `reuse` (after a turn, a reopen, a switch, a compaction: whatever
    may have changed a stored message in place), it counts again."""

    def __init__(self) -> None:
        self._key: Hashable = None
        self._count: PastCount | None = None

    def get(self, key: Hashable, count: Callable[[], PastCount], reuse: bool = False) -> PastCount:
        if not (reuse and self._count is not None and key == self._key):
            self._key, self._count = key, count()
        assert self._count is not None
        return self._count

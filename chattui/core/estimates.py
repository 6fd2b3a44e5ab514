"""Pricing turns a crash cut short: the provider billed them, but no usage came back.

When chattui next opens, each `interrupted` turn without usage gets chattui's own count
(the history it sent, the reply text that was saved), marked estimated ("≈"), and is
priced like any other turn. The system prompt is not known any more, so the count is low
by that much: an estimate, said as one.
"""

from __future__ import annotations

from typing import Mapping

from chattui.core import tokens
from chattui.core.pricing import Rates, price
from chattui.core.request import history
from chattui.core.storage import Store
from chattui.core.usage import Usage

MESSAGE_OVERHEAD = 4
"""Tokens each chat message costs beyond its text (as chat.py counts it)."""


def price_interrupted(store: Store, prices: Mapping[str, Rates] | None = None) -> int:
    """Give every interrupted turn without usage an estimate and a price; how many."""
    done = 0
    for turn in store.unpriced_interrupted():
        messages = store.messages(turn.conversation_id)
        reply = next((m.content for m in messages if m.id == turn.reply_message_id), "")
        past = [m.content for m in history(messages, until_id=turn.user_message_id)]
        usage = Usage(
            input_total=sum(tokens.count(t).n for t in past) + MESSAGE_OVERHEAD * len(past),
            output=tokens.count(reply).n, estimated=True)
        base_url = f"https://{turn.meta.base_url_host}" if turn.meta.base_url_host else None
        cost = price(usage, turn.meta.model, turn.meta.provider, prices, base_url)
        store.set_estimated_usage(turn.id, usage, cost.usd)
        done += 1
    return done

"""Chained mode (Responses API): send only the new input plus `previous_response_id`.

The server keeps the conversation behind a response id; the local store keeps every turn
too, so when the server has lost a response (deleted, expired, `store=false`, another
org) the full history can be rebuilt and sent once, and the chain goes on from there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from chattui.core.models import COMPLETE, Turn

FULL, CHAINED = "full", "chained"
MODES = (FULL, CHAINED)
CHAINABLE_PROVIDERS = ("openai", "openai-compatible")


@dataclass(frozen=True)
class ChainPoint:
    response_id: str
    reply_message_id: int
    """Messages after this one are the new input."""


def chain_point(turns: Iterable[Turn], until_id: int | None = None,
                after_id: int = 0) -> ChainPoint | None:
    """The latest complete Responses turn between `after_id` (a compaction boundary: the
    chain starts afresh there) and `until_id` that the server may still hold."""
    point = None
    for turn in turns:
        if (turn.status != COMPLETE or not turn.response_id or turn.reply_message_id is None
                or turn.meta.api != "responses" or turn.reply_message_id < after_id):
            continue
        if until_id is not None and turn.reply_message_id >= until_id:
            break
        point = ChainPoint(turn.response_id, turn.reply_message_id)
    return point

"""Where a Responses request carries the persona's system prompt, and what that means for
chained mode.

As `instructions` (the default), it must go with every request: instructions do not carry
over along a `previous_response_id` chain. With an explicit cache TTL on GPT-5.6+ it is the
chain's first input item instead, so that a `prompt_cache_breakpoint` can end the persona
prefix (providers.openai_cache): input items DO carry over, so it is sent once, when a
chain starts, and the prompt has the same bytes as in full mode ([system, history …]).

A chain may therefore go on only from a turn that placed the same system prompt the same
way; otherwise (the persona, its TTL or the model changed) the next request starts a new
chain with the full history, else the old system prompt would stay in the chain or none
would be sent at all.
"""

from __future__ import annotations

from typing import Sequence

from chattui.core import prefix
from chattui.core.chaining import ChainPoint
from chattui.core.insight.rules import openai_ttl_kind
from chattui.core.models import Turn
from chattui.core.storage import Store


def in_input(provider: str, model: str, cache_ttl: str | None) -> bool:
    """True when the system prompt goes as an input item rather than `instructions`."""
    return openai_ttl_kind(provider, model, cache_ttl) is not None


def chain_may_go_on(store: Store, turns: Sequence[Turn], point: ChainPoint | None,
                    provider: str, model: str, system: str | None,
                    cache_ttl: str | None) -> bool:
    """Whether the next request (on `model`, with `system` and `cache_ttl`) may chain from
    `point`: both place the system prompt as `instructions`, or both in the chain's input
    with the same text."""
    if point is None:
        return False
    now_in_input = in_input(provider, model, cache_ttl)
    turn = next((t for t in turns if t.response_id == point.response_id), None)
    sent = prefix.sent_body(store, turn)
    if sent is None:  # nothing known of how it was sent: only the default is safe
        return not now_in_input
    assert turn is not None  # a body was found through it
    then_in_input = in_input(turn.meta.provider, turn.meta.model, sent.get("cache_ttl"))
    if not (now_in_input or then_in_input):
        return True
    return now_in_input and then_in_input and sent.get("system", "") == (system or "")

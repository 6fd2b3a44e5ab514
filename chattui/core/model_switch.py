"""Switching a conversation's model or provider mid-way: which models to offer, and what the
switch does before it is made (the cache starts cold, the next turn's estimated input cost
on the old and the new model, features the new one lacks).

The history needs no conversion: it is stored provider-neutral (core.request) and each
adapter renders it, tool calls, tool results and images included, in its own API's form.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Mapping

from chattui.core import insight
from chattui.core.capabilities import Abilities, abilities
from chattui.core.chaining import CHAINABLE_PROVIDERS, CHAINED
from chattui.core.glance import cache_turns, chat_turns
from chattui.core.pricing import format_usd
from chattui.core.tokens import TokenCount

if TYPE_CHECKING:
    from chattui.core.chat import ChatSession


@dataclass(frozen=True)
class Target:
    provider: str
    model: str

    @property
    def label(self) -> str:
        return f"{self.provider} · {self.model}"


def candidates(current: Target, listed: Iterable[str], configured: Iterable[Target]) -> list[Target]:
    """The current provider's models (its models endpoint's, in order), then the configured
    ones (other providers' defaults, personas' models), without repeats or the current one."""
    seen, out = {current}, []
    for target in [Target(current.provider, m) for m in listed] + list(configured):
        if target not in seen:
            seen.add(target)
            out.append(target)
    return out


def next_turn_cost(session: ChatSession, target: Target) -> str:
    """The next turn's estimated input cost on `target` (warm only where its cache is)."""
    persona = session.persona
    prefix = persona.prefix_tokens() if persona else TokenCount(0, exact=True)
    count = session.estimate("")
    turns = session.turns()
    chat = chat_turns(turns)
    fingerprint = session.prefix_fingerprint()
    state = insight.cache_state(cache_turns(turns), target.provider, target.model, time.time(),
                                fingerprint=fingerprint)
    messages = count.n - prefix.n
    expected = insight.expected_turn(
        messages, prefix, chat[-1] if chat else None, state, target.model, target.provider,
        session.prices, session.base_url if target.provider == session.provider_name else None,
        fingerprint=fingerprint, cache_ttl=persona.cache_ttl if persona else None)
    cost = "cost ?" if expected.input_cost is None else "≈" + format_usd(expected.input_cost)
    return f"{cost} ({'warm' if expected.warm else 'cold'}, {expected.prompt:,} tok)"


def lacks(session: ChatSession, target: Target, attached: int = 0,
          overrides: Mapping[str, Abilities] | None = None) -> list[str]:
    """What this conversation uses that `target` cannot do: images (in its history, or
    `attached` to the composer), tools (the persona's, its MCP servers', or calls in the
    history), chained mode. What a model can take: core.capabilities (`overrides` from config)."""
    can = abilities(target.model, overrides)
    messages = session.messages()
    out = []
    images = attached + sum(len(m.attachments) for m in messages)
    if images and not can.images:
        out.append(f"images ({images} in this conversation: {target.model} cannot read them)")
    persona, _ = session.tool_list()
    tools = [t.name for t in persona.tools] if persona else []
    if not can.tools and (tools or any(m.tool_calls or m.role == "tool" for m in messages)):
        shown = ", ".join(tools[:3]) + (f" and {len(tools) - 3} more" if len(tools) > 3 else "")
        out.append(f"tools ({shown or 'calls in the history'}: {target.model} cannot call them)")
    if session.mode == CHAINED and target.provider not in CHAINABLE_PROVIDERS:
        out.append("chained mode (it continues in full mode)")
    return out


def consequences(session: ChatSession, target: Target, attached: int = 0,
                 overrides: Mapping[str, Abilities] | None = None) -> str:
    """The question asked before switching: what changes, what it costs. `attached`: images
    waiting in the composer."""
    current = Target(session.provider_name, session.model)
    lines = [f"Switch this conversation from {current.label} to {target.label}?",
             "The cache starts cold on the new model: the whole prompt is sent uncached.",
             f"Next turn's input: {next_turn_cost(session, current)} on {current.model}, "
             f"{next_turn_cost(session, target)} on {target.model}."]
    if missing := lacks(session, target, attached, overrides):
        lines.append("The new one lacks: " + ", ".join(missing) + ".")
    if target.provider != current.provider:
        lines.append(f"The history is sent in {target.provider}'s format (tool calls, results "
                     "and images included).")
    return "\n".join(lines)

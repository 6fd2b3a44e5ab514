"""Keep-warm: while a conversation idles, re-send its cached prefix just before the cache's
TTL runs out, so the next turn still reads from the cache instead of writing it again.

Off by default. A ping re-sends the last answered request byte for byte (its breakpoints
land where they did, so it reads the cache and refreshes the entry's TTL) as a pre-warm
that generates nothing: `max_tokens=0` on Anthropic, `prompt_cache_options.prewarm` on
OpenAI's Responses API from GPT-5.6 on (core.prewarm). It fires only while the cache is
warm (for the TTL the requests carried, core.ttl_in_force), while what the next turn
saves by finding the cache warm exceeds what the ping costs, and at most `max_pings`
times per idle stretch (a new turn starts a new one). Every ping is stored as a `ping`
turn, so it is priced and counted in the session cost, never as a saving.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Mapping, Sequence

from chattui.core import insight, prewarm, ttl_in_force
from chattui.core.glance import cache_turns
from chattui.core.insight.fmt import clock
from chattui.core.models import CHAT, COMPLETE, PING, Turn
from chattui.core.prefix import cache_minimum
from chattui.core.pricing import Rates, format_usd, price
from chattui.core.usage import Usage

if TYPE_CHECKING:
    from chattui.core.chat import ChatSession
    from chattui.core.turn_record import TurnOutcome

DEFAULT_MAX_PINGS = 6
DEFAULT_MARGIN = 30.0
"""Seconds before the expiry a ping goes out (room for a slow request)."""


@dataclass(frozen=True)
class Policy:
    enabled: bool = False
    max_pings: int = DEFAULT_MAX_PINGS
    """Per idle stretch: walking away costs at most this many pings."""
    margin: float = DEFAULT_MARGIN


@dataclass(frozen=True)
class Plan:
    """What keep-warm will do next: ping at `at` (wall-clock seconds), or nothing and why."""

    at: float | None
    reason: str
    pings: int
    max_pings: int
    ping_cost: float | None = None
    saving: float | None = None
    spent: float = 0.0
    """What this conversation's pings have cost so far."""

    def text(self, now: float | None = None) -> str:
        """For the status bar: `keep-warm 1/6 · next 3:52 · $0.0012` (what the pings cost so
        far), or why it is idle."""
        spent = f" · {format_usd(self.spent)}" if self.spent else ""
        if self.at is None:
            return self.reason + (spent if self.reason else "")
        left = self.at - (time.time() if now is None else now)
        return f"keep-warm {self.pings}/{self.max_pings} · next {clock(left)}{spent}"


@dataclass(frozen=True)
class Economics:
    ping_cost: float | None
    """One ping: the prefix read from the cache, no output."""
    saving: float | None
    """The next turn's input cost with a cold cache minus with a warm one."""


def economics(last: Turn, provider: str, model: str, ttl_kind: str | None,
              prices: Mapping[str, Rates] | None = None, base_url: str | None = None) -> Economics:
    """What a ping costs and what keeping the cache warm saves the next turn, from the
    last turn's prompt (the prefix the ping re-sends and the next turn will extend)."""
    prompt = last.usage.input_total or 0
    minimum = cache_minimum(provider, model)
    cached = insight.cacheable(provider, prompt, minimum)

    def input_cost(read: int, write: int) -> float | None:
        one_hour = write if ttl_kind == "1h" else 0
        usage = Usage(input_total=prompt, cache_read=read, cache_write_5m=write - one_hour,
                      cache_write_1h=one_hour, output=0)
        return price(usage, model, provider, prices, base_url).usd

    ping = input_cost(cached, 0)
    cold = input_cost(0, insight.simulated_writes(provider, model, prompt, 0, minimum))
    warm = input_cost(cached, insight.simulated_writes(provider, model, prompt, cached, minimum))
    saving = None if cold is None or warm is None else cold - warm
    return Economics(ping, saving)


def plan(policy: Policy, turns: Sequence[Turn], pings: int, provider: str, model: str,
         fingerprint: str | None, now: float, prices: Mapping[str, Rates] | None = None,
         base_url: str | None = None, *, api: str | None = None,
         cache_ttl: str | None = None) -> Plan:
    """When to ping next, given the conversation's chat and ping `turns` (oldest first)
    and the `pings` already sent in this idle stretch; `api`: the wire API in use (OpenAI's
    prewarm needs Responses), `cache_ttl`: the TTL in force (core.ttl_in_force)."""

    def idle(reason: str, economics: Economics | None = None) -> Plan:
        e = economics or Economics(None, None)
        return Plan(None, reason, pings, policy.max_pings, e.ping_cost, e.saving)

    if not policy.enabled:
        return idle("")
    if why := prewarm.unavailable(provider, model, api):
        return idle(why)
    if pings >= policy.max_pings:
        return idle(f"keep-warm stopped: {pings}/{policy.max_pings} pings used")
    state = insight.cache_state(turns, provider, model, now, fingerprint=fingerprint,
                                cache_ttl=cache_ttl)
    chat = [t for t in turns if t.kind == CHAT and t.usage.input_total]
    if not state.warm or not chat:
        return idle("keep-warm: cache cold, nothing to keep")
    e = economics(chat[-1], provider, model, state.ttl_kind, prices, base_url)
    if e.ping_cost is None or e.saving is None:
        return idle(f"keep-warm: no price known for {model}")
    if e.saving <= e.ping_cost:
        return idle(f"keep-warm idle: a ping ({format_usd(e.ping_cost)}) would cost more than "
                    f"it saves ({format_usd(e.saving)})", e)
    at = max(now, (state.expires_at or now) - policy.margin)
    return Plan(at, "", pings, policy.max_pings, e.ping_cost, e.saving)


class KeepWarm:
    """Keep-warm for one ChatSession: its plan and its pings. The UI owns the timer."""

    def __init__(self, session: ChatSession, policy: Policy) -> None:
        self.session = session
        self.policy = policy
        self.pings = 0
        """Pings sent since the last turn the user asked for."""
        self.failure: str | None = None

    def toggle(self) -> bool:
        """Switch keep-warm on or off for this session; True when now on."""
        self.policy = replace(self.policy, enabled=not self.policy.enabled)
        self.new_stretch()
        return self.policy.enabled

    def new_stretch(self) -> None:
        """The user asked something: the ping limit counts afresh."""
        self.pings, self.failure = 0, None

    def plan(self, turns: Sequence[Turn] | None = None, now: float | None = None) -> Plan:
        """The next ping, from the conversation's stored `turns` (read when not given)."""
        s = self.session
        if not self.policy.enabled:
            return Plan(None, "", self.pings, self.policy.max_pings)
        turns = cache_turns(s.turns() if turns is None else turns)
        spent = sum(t.cost_usd or 0.0 for t in turns if t.kind == PING)
        if self.failure:
            found = Plan(None, f"keep-warm stopped: {self.failure}", self.pings, self.policy.max_pings)
        else:
            found = plan(self.policy, turns, self.pings, s.provider_name, s.model,
                         s.prefix_fingerprint(), time.time() if now is None else now, s.prices,
                         s.base_url, api=getattr(s.provider, "api", None),
                         cache_ttl=ttl_in_force.in_force(s, turns))
        return replace(found, spent=spent)

    async def ping(self) -> TurnOutcome | None:
        """Send one ping now (None when there is nothing to re-send or a reply streams)."""
        s = self.session
        request = prewarm.ping_request(s)
        if request is None or s.busy or s.unavailable:
            return None
        self.pings += 1
        _, outcome = await s.side_turn(request, _discard, kind=PING)
        if outcome.turn.status != COMPLETE:
            self.failure = f"a ping failed ({outcome.turn.error or outcome.turn.status})"
        return outcome


async def _discard(text: str) -> None:
    """A pre-warm generates nothing; were any text to come, it is not shown."""

"""What the status bar and composer say about the cache and the cost, from a session.

Thin glue between ChatSession and core.insight, so the screen only shows strings.
Turns that stream a reply are "chat turns"; side turns (a summary draft, a compaction)
count in the totals but not in miss causes or warm/cold; keep-warm pings count in the
totals and in warm/cold (they refresh the cache).
"""

from __future__ import annotations

import time
from typing import Any, Iterable, Mapping, Sequence

from chattui.core import cache_key, gemini_caches, insight, tokens, ttl_in_force
from chattui.core.chat import ChatSession
from chattui.core.models import CHAT, COMPLETE, PING, Message, Turn
from chattui.core.pricing import Rates


def chat_turns(turns: Sequence[Turn]) -> list[Turn]:
    return [t for t in turns if t.kind == CHAT]


def cache_turns(turns: Sequence[Turn]) -> list[Turn]:
    """Turns that reached the cache with the conversation's prefix: chat turns and pings."""
    return [t for t in turns if t.kind in (CHAT, PING)]


def warm_figures(turns: Sequence[Turn], messages: Iterable[Message],
                 prices: Mapping[str, Rates] | None, base_url: str | None) -> None:
    """Price every turn and count every message once, filling the memos that the session's
    figures and the composer's estimate read (`pricing.genai_calculation`, `tokens.count`).
    Called from a thread before a long history's figures are shown: on the UI thread they
    are then lookups (5,000 messages: 1-2 s of pricing and counting, the keys frozen)."""
    insight.session_summary(turns, prices, base_url)
    for message in messages:
        tokens.count(message.content)


def session_line(session: ChatSession, turns: Sequence[Turn]) -> str:
    """`session $0.0123 · 5 turns · hit 62% · saved $0.0040`."""
    return insight.session_summary(turns, session.prices, session.base_url).text


def cache_line(session: ChatSession, turns: Sequence[Turn], now: float | None = None) -> str:
    """Warm or cold for the current persona prefix and model: `warm · 4:12 left`; with a
    Gemini explicit cache in use, its own expiry instead."""
    now = time.time() if now is None else now
    if binding := gemini_caches.active_binding(session):
        return gemini_caches.state_text(binding, now)
    fingerprint = session.prefix_fingerprint()
    state = insight.cache_state(cache_turns(turns), session.provider_name, session.model, now,
                                fingerprint=fingerprint,
                                cache_ttl=ttl_in_force.in_force(session, turns))
    return state.text


def miss_line(turns: Sequence[Turn], session: ChatSession | None = None) -> str | None:
    """Why the last turn read fewer cached tokens than the one before made possible (with
    `session`, from what the two requests carried too: the earlier one's TTL judges an
    expiry, and a changed `prompt_cache_key` is named)."""
    done = [t for t in chat_turns(turns) if t.status == COMPLETE]
    if len(done) < 2:
        return None
    before, after = done[-2], done[-1]
    ttl = key_change = None
    if session is not None:
        ttl = ttl_in_force.sent_ttl(session.store, before)
        key_change = cache_key.change_note(
            ttl_in_force.sent(session.store, before, "prompt_cache_key"),
            ttl_in_force.sent(session.store, after, "prompt_cache_key"))
    cause = insight.miss_cause(before, after, cache_ttl=ttl, key_change=key_change)
    return f"⚠ miss: {cause.text}" if cause else None


def expected_line(session: ChatSession, draft: str, turns: Sequence[Turn], images: int = 0,
                  until_id: int | None = None, draft_only: bool = False) -> str:
    """The composer's pre-send line: prompt, what the cache should serve, input cost
    (`images`: images attached to the draft; `until_id`: for asking message `until_id` again;
    `draft_only`: only the draft changed since the last line, see ChatSession.estimate)."""
    persona = session.persona
    prefix = persona.prefix_tokens() if persona else tokens.TokenCount(0, True)
    system = tokens.count(persona.system).n if persona else 0
    count = session.estimate(draft, images, until_id, draft_only=draft_only)
    messages = count.n - system
    chat = chat_turns(turns)
    fingerprint = session.prefix_fingerprint()
    state = insight.cache_state(cache_turns(turns), session.provider_name, session.model,
                                time.time(), fingerprint=fingerprint,
                                cache_ttl=ttl_in_force.in_force(session, turns))
    changed = session.reasoning_change()  # then only the prefix (system, tools) can hit
    expected = insight.expected_turn(
        messages, prefix, chat[-1] if chat and not changed else None, state, session.model,
        session.provider_name, session.prices, session.base_url, fingerprint=fingerprint,
        cache_ttl=persona.cache_ttl if persona else None)
    line = expected.text + ("" if count.exact and prefix.exact else " (estimate)")
    notes = [note for note in (changed, session.cache_key_change(turns),
                               session.text_format_change(turns)) if note]
    return " · ".join([line, *notes])


def diagnosis_line(turn: Turn) -> str | None:
    """The provider's own cache verdict on `turn`, when it gave one."""
    if turn.cache_diagnosis is None:
        return None
    if turn.cache_diagnosis == "cache_hit":
        return "Provider's cache diagnosis: hit (the prefix matched the previous request)"
    if turn.cache_diagnosis == "previous_not_found":
        return "Provider's cache diagnosis: the previous request is no longer known to it"
    said = insight.diagnosed(turn)
    return f"Provider's cache diagnosis: {said[1] if said else turn.cache_diagnosis}"


def details(session: ChatSession, now: float | None = None) -> list[str]:
    """The details panel: the last turn's tokens, cost split and cache effect; why it
    missed; warm or cold; the session's totals and savings."""
    turns = session.turns()
    chat = chat_turns(turns)
    if not chat:
        return ["No turns yet."]
    last = chat[-1]
    lines = [f"Last turn · {last.meta.model} · {last.status}",
             *insight.breakdown(last, overrides=session.prices).lines()]
    if miss := miss_line(turns, session):
        lines.append(miss)
    if verdict := diagnosis_line(last):
        lines.append(verdict)
    lines += ["", f"Cache for {session.persona.name if session.persona else 'no persona'} on "
              f"{session.model}: {cache_line(session, turns, now)}",
              "", session_line(session, turns)]
    return lines


def turn_points(turns: Sequence[Turn], prices: Mapping[str, Rates] | None = None,
                ) -> list[tuple[str, float, float]]:
    """(turn number, cost, what the cache saved; a ping's saving is minus its cost) for
    the per-turn chart."""
    out = []
    for number, turn in enumerate(turns, 1):
        if turn.kind == PING:
            saved = -(turn.cost_usd or 0.0)
        else:
            saved = insight.breakdown(turn, overrides=prices).saved or 0.0
        out.append((f"#{number}", turn.cost_usd or 0.0, saved))
    return out


def spend_rows(entries: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    """`chattui stats` entries (chattui.store.spend.collect) as table cells: turns, cost (≈ when estimated, +? when unpriced),
    input, cached, hit, out, saved."""
    from chattui.core.pricing import format_usd

    rows = []
    for e in entries:
        cost = ("≈" if e["estimated_turns"] else "") + format_usd(e["cost_usd"])
        cost += " +?" if e["unpriced_turns"] else ""
        hit = "?" if e["hit_ratio"] is None else f"{e['hit_ratio']:.0%}"
        saved = "?" if e["saved_usd"] is None else (
            ("-" if e["saved_usd"] < 0 else "") + format_usd(abs(e["saved_usd"])))
        rows.append({"key": e["key"], "turns": f"{e['turns']:,}", "cost": cost,
                     "input": f"{e['input']:,}", "cached": f"{e['cached']:,}", "hit": hit,
                     "out": f"{e['output']:,}", "saved": saved})
    return rows

"""The words and figures the status bar shows, as plain text (no UI here)."""

from __future__ import annotations

from chattui.core.chat import Totals
from chattui.core.pricing import Cost, format_usd
from chattui.core.tokens import TokenCount
from chattui.core.usage import Usage


def _n(value: int | None, approx: bool = False) -> str:
    if value is None:
        return "?"
    return f"≈{value:,}" if approx else f"{value:,}"


def turn_line(usage: Usage, cost: Cost) -> str:
    """`prompt N · cached N (x%) · write N · out N (+reasoning N) · $cost` for one turn."""
    approx = usage.estimated
    cached = _n(usage.cache_read)
    if usage.hit_ratio is not None:
        cached += f" ({usage.hit_ratio:.0%})"
    out = _n(usage.output, approx)
    if usage.reasoning:
        out += f" (+reasoning {usage.reasoning:,})"
    parts = [f"prompt {_n(usage.input_total, approx)}", f"cached {cached}",
             f"write {_n(usage.cache_write)}", f"out {out}", ("≈" if approx and cost.known else "") + str(cost)]
    return " · ".join(parts)


def totals_line(totals: Totals) -> str:
    """`session $total · hit x%` with a note for turns nobody could price."""
    cost = format_usd(totals.cost_usd)
    if totals.unpriced_turns:
        cost += f" + {totals.unpriced_turns} unpriced"
    hit = "?" if totals.hit_ratio is None else f"{totals.hit_ratio:.0%}"
    turns = f"{totals.turns} turn" + ("" if totals.turns == 1 else "s")
    return f"session {cost} · {turns} · hit {hit}"


def estimate_line(count: TokenCount) -> str:
    """The composer's pre-send estimate; ≈ marks counts made without the tokenizer file."""
    return f"{count} tokens to send" + ("" if count.exact else " (estimate)")

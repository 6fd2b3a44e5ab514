"""The words and figures the status bar shows, as plain text (no UI here)."""

from __future__ import annotations

from chattui.core.pricing import Cost
from chattui.core.usage import Usage


def _n(value: int | None, approx: bool = False) -> str:
    if value is None:
        return "?"
    return f"≈{value:,}" if approx else f"{value:,}"


def turn_line(usage: Usage, cost: Cost) -> str:
    """`prompt N · cached N (x%) · write N · out N (+reasoning N) · $cost · price: source`
    for one turn; contradictory usage is flagged first."""
    approx = usage.estimated
    cached = _n(usage.cache_read)
    if usage.hit_ratio is not None:
        cached += f" ({usage.hit_ratio:.0%})"
    out = _n(usage.output, approx)
    if usage.reasoning:
        out += f" (+reasoning {usage.reasoning:,})"
    parts = [f"prompt {_n(usage.input_total, approx)}", f"cached {cached}",
             f"write {_n(usage.cache_write)}", f"out {out}", ("≈" if approx and cost.known else "") + str(cost),
             cost.origin]
    if usage.inconsistency:  # the flag names prompt and cached itself
        parts[:2] = [f"⚠ {usage.inconsistency}"]
    return " · ".join(parts)

"""Spend, tokens and cache savings grouped by day, model, provider or persona, over every
turn ever priced (deleted conversations' turns are in the spend ledger): the figures of
`chattui stats` and of the details screen's tables and charts. Keep-warm pings are not
savings: their cost comes off `saved_usd` and they are counted apart."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Mapping, Sequence

if TYPE_CHECKING:
    from chattui.core.pricing import Rates
    from chattui.store.reports import GroupTotals


def collect(store: object, groupings: Sequence[str], since: float | None,
            prices: Mapping[str, Rates] | None) -> dict[str, Any]:
    """Every figure `stats` prints, as plain data (also the --json document). `store`: a
    Store or its database (what chattui.store.reports reads)."""
    from chattui.core.insight import breakdown
    from chattui.store import reports

    savings: dict[tuple[str, str], list[float]] = {}
    unknown: dict[tuple[str, str], int] = {}
    pings: dict[tuple[str, str], list[float]] = {}
    for row in reports.turn_usage(store, since):
        base_url = f"https://{row.base_url_host}" if row.base_url_host else None
        saved: float | None
        if row.kind == "ping":  # keep-warm: what it cost comes off the savings
            saved = -(row.cost_usd or 0.0)
        else:
            saved = breakdown(row.usage, row.model, row.provider, prices, base_url).saved
        for name in (*groupings, "total"):
            key = (name, "total" if name == "total" else row.keys[name])
            if row.kind == "ping":
                pings.setdefault(key, []).append(row.cost_usd or 0.0)
            if saved is None:
                unknown[key] = unknown.get(key, 0) + 1
            else:
                savings.setdefault(key, []).append(saved)

    def entry(name: str, totals: GroupTotals) -> dict[str, Any]:
        key = (name, totals.key)
        known = savings.get(key)
        return {
            "key": totals.key, "turns": totals.turns, "cost_usd": round(totals.cost_usd, 12),
            "unpriced_turns": totals.unpriced_turns, "input": totals.input_total,
            "cached": totals.cached, "cache_write": totals.cache_write, "output": totals.output,
            "reasoning": totals.reasoning, "hit_ratio": totals.hit_ratio,
            "saved_usd": round(sum(known), 12) if known else None,
            "savings_unknown_turns": unknown.get(key, 0),
            "estimated_turns": totals.estimated_turns,
            "pings": len(pings.get(key, ())),
            "ping_cost_usd": round(sum(pings.get(key, ())), 12),
        }

    return {
        "since": datetime.fromtimestamp(since).strftime("%Y-%m-%d") if since is not None else None,
        "groups": {name: [entry(name, t) for t in reports.totals_by(store, name, since)]
                   for name in groupings},
        "total": entry("total", reports.overall(store, since)),
    }

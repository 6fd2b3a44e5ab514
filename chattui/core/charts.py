"""Spend and cache savings as bar charts (plotext), plain text for a terminal or a widget.

One chart per grouping: per day (oldest left) or per model (the biggest spend left). Each group has two bars, spend (█) and what the cache
saved net of keep-warm pings (▒; below zero when the cache cost extra), each labelled
with its dollars; the axes are labelled. Sized for 80×24: at 76×16 a chart fits above a
shell prompt.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from chattui.core.pricing import format_usd
from chattui.core.visible import visible

SPEND, SAVED = "█", "▒"
_AXIS = {"day": "day", "model": "model", "turn": "turn number"}


def points(entries: Sequence[Mapping[str, Any]], by: str, limit: int = 8) -> list[tuple[str, float, float]]:
    """(key, spend, saved) for the chart from `spend.collect` entries: the last `limit`
    days, or the `limit` groups that cost most."""
    rows = [(visible(e["key"]), float(e["cost_usd"] or 0.0), float(e["saved_usd"] or 0.0))
            for e in entries]  # a model's name is the provider's (or an imported file's)
    if by == "day":
        return [(key[5:] if len(key) == 10 else key, c, s) for key, c, s in rows[-limit:]]
    return sorted(rows, key=lambda r: -r[1])[:limit]


def render(data: Sequence[tuple[str, float, float]], by: str, width: int = 76,
           height: int = 16) -> str:
    """The chart as plain text, `width` columns by about `height` lines ("" without data)."""
    if not data:
        return ""
    import plotext as plt

    fig = plt.figure
    fig.clear.all()
    fig.plot_size(max(30, width), max(8, height))
    room = max(5, (width - 8) // len(data) - 1)  # columns per group under the x axis
    keys = _unique([_short(k, room) for k, _, _ in data])
    spend = [c for _, c, _ in data]
    saved = [s for _, _, s in data]
    labels = [[_money(v) for v in spend], [_money(v) for v in saved]]
    fig.draw(fig.bar(keys, [spend, saved], labeled=labels, marker=[SPEND, SAVED]))
    low, high = min(0.0, *spend, *saved), max(0.0, *spend, *saved)
    if high > low:  # dollar ticks instead of plotext's 8.0e-4
        ticks = [low + (high - low) * i / 4 for i in range(5)]
        fig.ruler("y").ticks(ticks, [_money(t) for t in ticks])
    fig.title(f"Spend {SPEND} and cache savings {SAVED} per {by}")
    fig.label("USD", "y")
    fig.label(_AXIS.get(by, by), "x")
    chart: str = plt.uncolorize(str(fig.build()))
    return chart.rstrip() + "\n"


def _money(usd: float) -> str:
    """Short enough to sit inside a bar: `$0.0024`, `-$0.00093`, `$1.25`."""
    sign, value = ("-" if usd < 0 else ""), abs(usd)
    if value == 0 or value >= 1 or value < 1e-4:
        return sign + format_usd(value)
    return f"{sign}${value:.2g}"


def _unique(keys: list[str]) -> list[str]:
    """Shortened keys stay distinct (plotext would merge equal ones into one bar)."""
    seen: dict[str, int] = {}
    out = []
    for key in keys:
        seen[key] = seen.get(key, 0) + 1
        out.append(key if seen[key] == 1 else f"{key[:-1]}{seen[key]}")
    return out


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"

"""`chattui stats`: spend, tokens and cache savings by day, model, provider and persona."""

from __future__ import annotations

import json
import sys
import time
from datetime import datetime
from typing import Any

HELP = ("Spend, tokens (input, cached, output) and what the prompt cache saved, grouped by "
        "day, model, provider and persona.")
_HEADERS = ("turns", "cost", "input", "cached", "hit", "write", "output", "saved")


def add_arguments(parser) -> None:
    from chattui.store.reports import GROUPINGS

    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    parser.add_argument("--by", choices=GROUPINGS, help="one grouping only (default: all four)")
    parser.add_argument("--chart", action="store_true",
                        help="bar charts of spend and cache savings per day and per model "
                             "(or per --by grouping) instead of tables")
    parser.add_argument("--since", type=_date, metavar="YYYY-MM-DD",
                        help="only turns started on or after this local date")


def _date(text: str) -> float:
    import argparse

    try:
        day = datetime.strptime(text, "%Y-%m-%d")
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected YYYY-MM-DD, got {text!r}") from None
    if day.year < 1970:  # no turn is older; year 1 raised ValueError when shown back
        raise argparse.ArgumentTypeError(f"expected a date from 1970-01-01 on, got {text!r}")
    return time.mktime(day.timetuple())


def open_store(settings):
    """The user's store, never created here; None when there is no database yet."""
    from chattui.store import open_existing

    return open_existing(settings.data_dir)


def run(args, settings) -> int:
    from chattui.store.spend import collect
    from chattui.store.reports import GROUPINGS

    groupings = (args.by,) if args.by else (("day", "model") if args.chart else GROUPINGS)
    store = open_store(settings)
    data: dict[str, Any]
    if store is None:
        data = {"since": None, "groups": {name: [] for name in groupings}, "total": None}
    else:
        try:
            data = collect(store, groupings, args.since, settings.prices)
        finally:
            store.close()
    if args.json:
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return 0
    if not data["total"] or not data["total"]["turns"]:
        print("chattui stats: no turns" + (" since " + data["since"] if data["since"] else "")
              + " yet", file=sys.stderr)
        return 1
    from chattui.subcommands.archive import show

    show(render_charts(data) if args.chart else render(data))
    return 0


MIN_CHART_COLUMNS = 40
"""Narrower than this, a chart has no room for its bars (plotext drew axes and labels only):
the tables are printed instead, and say why."""


def render_charts(data: dict) -> str:
    """A bar chart per grouping, as wide as the terminal (up to 100 columns)."""
    import shutil

    from chattui.core import charts
    from chattui.core.pricing import format_usd

    columns = shutil.get_terminal_size((80, 24)).columns
    if columns < MIN_CHART_COLUMNS:
        return (f"(--chart needs {MIN_CHART_COLUMNS} columns, this terminal has {columns}: "
                "the tables instead)\n\n" + render(data))
    width = min(100, columns) - 2
    out = [f"since {data['since']}\n\n"] if data["since"] else []
    for name, entries in data["groups"].items():
        out.append(charts.render(charts.points(entries, name), name, width, 16) + "\n")
    total = data["total"]
    saved = "?" if total["saved_usd"] is None else format_usd(total["saved_usd"])
    pings = (f" · keep-warm pings {total['pings']} {format_usd(total['ping_cost_usd'])}"
             if total["pings"] else "")
    approx = "≈" if total["estimated_turns"] else ""
    unpriced = f" (+{total['unpriced_turns']} unpriced)" if total["unpriced_turns"] else ""
    out.append(f"total {approx}{format_usd(total['cost_usd'])}{unpriced} over {total['turns']} "
               f"turn(s) · saved {saved}{pings}\n")
    return "".join(out)


def render(data: dict) -> str:
    """One aligned table per grouping, each ending with the overall total."""
    from chattui.core.pricing import format_usd

    def cells(e: dict) -> list[str]:
        cost = format_usd(e["cost_usd"]) if e["turns"] > e["unpriced_turns"] else "?"
        if e["estimated_turns"] and cost != "?":
            cost = "≈" + cost
        if e["unpriced_turns"] and e["turns"] > e["unpriced_turns"]:
            cost += f" +{e['unpriced_turns']}?"
        hit = "?" if e["hit_ratio"] is None else f"{e['hit_ratio']:.0%}"
        saved = "?" if e["saved_usd"] is None else (
            ("" if e["saved_usd"] >= 0 else "−") + format_usd(abs(e["saved_usd"])))
        if e["saved_usd"] is not None and e["savings_unknown_turns"]:
            saved += "+?"
        return [str(e["turns"]), cost, f"{e['input']:,}", f"{e['cached']:,}", hit,
                f"{e['cache_write']:,}", f"{e['output']:,}", saved]

    out = []
    if data["since"]:
        out.append(f"since {data['since']}\n\n")
    for name, entries in data["groups"].items():
        rows = [[e["key"], *cells(e)] for e in entries]
        rows.append(["total", *cells(data["total"])])
        head = [name, *_HEADERS]
        widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]

        def line(row: list[str]) -> str:
            return "  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                             for i, (c, w) in enumerate(zip(row, widths))).rstrip() + "\n"

        rule = "  ".join("-" * w for w in widths) + "\n"
        out.append(line(head) + rule + "".join(line(r) for r in rows[:-1]) + rule
                   + line(rows[-1]) + "\n")
    notes = []
    total = data["total"]
    if total["unpriced_turns"]:
        notes.append(f"{total['unpriced_turns']} turn(s) could not be priced (cost ?): "
                     "not in the sums")
    if total["estimated_turns"]:
        notes.append(f"≈: {total['estimated_turns']} turn(s) were stopped or cut short and "
                     "priced from chattui's own token count")
    if total["pings"]:
        notes.append(f"keep-warm pings: {total['pings']}, {format_usd(total['ping_cost_usd'])} "
                     "(in cost; subtracted from saved, they are not savings)")
    if total["savings_unknown_turns"]:
        notes.append("saved: what the cache saved vs the same turns with no cache; +? = some "
                     "turns unknown (no cache counters, no price, or a gateway-reported cost)")
    return "".join(out) + "".join(f"note: {n}\n" for n in notes)

"""`chattui ls`: the stored conversations, most recent activity first."""

from __future__ import annotations

import json

from chattui.subcommands.archive import CommandError, fail, local_time, open_store, positive_int, show

HELP = "List stored conversations, most recent first (id, updated, turns, cost, model, persona, title)."
_HEADERS = ("ID", "UPDATED", "TURNS", "COST", "MODEL", "PERSONA", "TITLE")
_RIGHT = {2, 3}  # numeric columns


def add_arguments(parser) -> None:
    parser.add_argument("--json", action="store_true", help="print a JSON list instead of a table")
    parser.add_argument("--limit", type=positive_int, metavar="N", help="only the N most recent")


def run(args, settings) -> int:
    from chattui.core.export import iso_utc
    from chattui.core.secrets import redact

    try:
        store = open_store(settings)
    except CommandError as exc:
        if args.json:
            print("[]")
            return 0
        return fail("ls", str(exc))
    try:
        summaries = store.list_conversations(args.limit)
    finally:
        store.close()
    secrets = settings.known_secrets()
    if args.json:
        print(json.dumps([{
            "id": s.id, "title": redact(s.title, secrets) if s.title else None,
            "provider": s.provider, "model": s.model, "persona": s.persona, "mode": s.mode,
            "created": iso_utc(s.created_at), "updated": iso_utc(s.updated_at),
            "turns": s.turns, "messages": s.messages, "cost_usd": round(s.cost_usd, 10),
            "unpriced_turns": s.unpriced_turns,
        } for s in summaries], indent=2, ensure_ascii=False))
        return 0
    if not summaries:
        return fail("ls", "no conversations yet")
    rows = [(s.id, local_time(s.updated_at), str(s.turns), _cost(s), s.model, s.persona or "-",
             redact(" ".join((s.title or "(untitled)").split()), secrets)) for s in summaries]
    show(table(_HEADERS, rows))
    return 0


def _cost(summary) -> str:
    from chattui.core.pricing import format_usd

    if summary.unpriced and not summary.cost_usd:
        return "?"
    return format_usd(summary.cost_usd) + ("+?" if summary.unpriced else "")


def table(headers, rows) -> str:
    """Columns padded to their widest cell; numbers right-aligned; the last one not padded."""
    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]
    lines = []
    for row in [headers, *rows]:
        cells = [c.rjust(w) if i in _RIGHT else c.ljust(w)
                 for i, (c, w) in enumerate(zip(row, widths))]
        cells[-1] = row[-1]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines) + "\n"

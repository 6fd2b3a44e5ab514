"""`chattui search QUERY`: full-text search over every stored message."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import replace

from chattui.core.visible import visible
from chattui.subcommands.archive import CommandError, fail, local_time, open_store, positive_int

HELP = ("Search every stored message. Words are AND-ed; end one with * for a prefix search "
        "(cach* finds cache, cached, caching).")
_BOLD, _RESET = "\x1b[1m", "\x1b[22m"


def add_arguments(parser) -> None:
    parser.add_argument("query", nargs="+", metavar="QUERY", help="words to look for")
    parser.add_argument("--json", action="store_true", help="print the hits as JSON")
    parser.add_argument("--limit", type=positive_int, default=50, metavar="N",
                        help="at most N hits (default 50)")


def run(args, settings) -> int:
    from chattui.core.export import iso_utc
    from chattui.core.secrets import redact
    from chattui.store.search import search

    query = " ".join(args.query)
    try:
        store = open_store(settings)
    except CommandError as exc:
        if args.json:
            print("[]")
            return 0
        return fail("search", str(exc))
    secrets = settings.known_secrets()
    try:
        hits = search(store, query, args.limit, secrets=secrets)
    finally:
        store.close()
    if hits.fallback:
        print("chattui search: this SQLite has no FTS5; substring matches, newest first",
              file=sys.stderr)
    if args.json:
        print(json.dumps([{
            "conversation_id": h.conversation_id,
            "conversation_title": redact(h.conversation_title, secrets) if h.conversation_title else None,
            "message_id": h.message_id, "role": h.role, "created": iso_utc(h.created_at),
            "snippet": h.snippet, "spans": [list(s) for s in h.spans], "marked": h.marked,
            "rank": h.rank,
        } for h in hits], indent=2, ensure_ascii=False))
        return 0
    if not hits:
        return fail("search", f"no messages match {query!r}")
    bold = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    for h in hits:
        title = visible(redact(" ".join((h.conversation_title or "(untitled)").split()), secrets))
        print(f"{h.conversation_id}  {title}  · #{h.message_id} {h.role} {local_time(h.created_at)}")
        h = replace(h, snippet=visible(h.snippet))  # one character for one: the spans still fit
        print("    " + (h.mark(_BOLD, _RESET) if bold else h.marked))
    if hits.total and hits.total > len(hits):
        note = " (ranked among the newest matches only)" if hits.capped else ""
        print(f"chattui search: showing {len(hits)} of {hits.total:,} matching messages"
              f" (--limit N for more){note}", file=sys.stderr)
    return 0

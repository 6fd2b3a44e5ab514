"""Benchmark: full-text search (chattui.store.search.search) over 100,000 stored messages.

Seeding: 1,000 conversations of 100 messages each (questions and Markdown replies from
bench/open_conversation_data.Text, fixed seed), written with executemany in one
transaction into a fresh Store, so the FTS5 index is filled by the app's own triggers, as
in real use. Seeding time and database size are reported.

Measured, per query (median of --repeat runs after one warm-up, each a fresh call):

* `search()`: the app's function: quoting, a match count, FTS5 MATCH ordered by bm25
  rank (among the newest 20,000 matches when there are more), LIMIT 50, snippets with
  highlights, conversation titles, redaction;
* baseline, same run, same table: `SELECT id FROM messages WHERE content LIKE '%word%'`
  (one LIKE per word, AND-ed), the scan a search without an index has to do (every row
  is read; fetching all matches, as ranking them would need).

Queries: a very common word, a common word, a rare word, a prefix, two words.
Target: search() under 50 ms per query.

Also measured: what the index costs while a reply streams: `save_partial` (one UPDATE of
the reply, the update trigger re-indexes it) on a reply grown to 4 KB and 32 KB, against
the same UPDATE on an identical table without the index.

Usage: /tmp/venv/bin/python bench/search.py [--messages 100000] [--repeat 9] [--json]
Always exits 0; prints PASS/MISS and writes bench/results/search.json.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import _common  # noqa: F401  (sys.path and CHATTUI_TOKENIZER before chattui loads)
from _common import machine, median, print_json, ratio, table, verdict, write_results
from open_conversation_data import Text

from chattui.core.models import TurnMeta
from chattui.store import Store
from chattui.store.search import RANK_LIMIT, fts_query, search

TARGET_MS = 50.0
PER_CONVERSATION = 100
QUERIES = [
    ("very common word", "the"),
    ("common word", "people"),
    ("rare word", "axolotl"),
    ("prefix", "cach*"),
    ("two words", "database index"),
]


def seed(store: Store, messages: int, seed_value: int = 7) -> float:
    """Insert `messages` messages; return the seconds it took (index filled by triggers)."""
    text = Text(seed_value)
    conversations = max(1, messages // PER_CONVERSATION)
    started = time.perf_counter()
    now = time.time() - messages
    with store.db:
        store.db.executemany(
            "INSERT INTO conversations (id, title, provider, model, persona, mode, created_at,"
            " updated_at) VALUES (?, ?, 'openai', 'gpt-4.1-mini', 'assistant', 'full', ?, ?)",
            ((f"c{i:011d}", text.sentence(3, 8)[:60], now + i, now + i) for i in range(conversations)),
        )
        store.db.executemany(
            "INSERT INTO messages (conversation_id, role, content, created_at) VALUES (?, ?, ?, ?)",
            ((f"c{(i // PER_CONVERSATION) % conversations:011d}",
              "user" if i % 2 == 0 else "assistant",
              text.question() if i % 2 == 0 else text.markdown_reply(), now + i)
             for i in range(messages)),
        )
    return time.perf_counter() - started


def timed(fn, repeat: int) -> tuple[float, object]:
    result = fn()  # warm-up (page cache, statement cache)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - started) * 1000)
    return median(times), result


def like_scan(store: Store, query: str) -> list:
    words = [w.rstrip("*") for w in query.split()]
    condition = " AND ".join(["content LIKE ?"] * len(words))
    return store.db.execute(
        f"SELECT id FROM messages WHERE {condition}", [f"%{w}%" for w in words]).fetchall()


def streaming_update(store: Store, repeat: int) -> list[dict]:
    """save_partial on a long reply, with the index (the app) and without (a plain copy)."""
    text = Text(99)
    conversation = store.create_conversation("openai", "gpt-4.1-mini")
    user = store.add_user_message(conversation.id, "Write a long answer")
    turn = store.start_turn(conversation.id, user.id, TurnMeta("openai", "gpt-4.1-mini"))
    with store.db:
        store.db.execute("CREATE TABLE plain_messages AS SELECT * FROM messages WHERE 0")
        store.db.execute("INSERT INTO plain_messages SELECT * FROM messages WHERE id = ?",
                         (turn.reply_message_id,))
    reply = ""
    rows = []
    for size in (4_096, 32_768):
        while len(reply) < size:
            reply += text.markdown_reply() + "\n\n"
        versions = [reply[:size - 200 + i] for i in range(repeat + 1)]  # each save adds text
        it = iter(versions)
        app_ms, _ = timed(lambda: store.save_partial(turn, next(it)), repeat)

        def plain(it=iter(versions)) -> None:
            with store.db:
                store.db.execute("UPDATE plain_messages SET content = ? WHERE id = ?",
                                 (next(it), turn.reply_message_id))

        plain_ms, _ = timed(plain, repeat)
        rows.append({"reply_bytes": size, "save_partial_ms": app_ms, "no_index_ms": plain_ms,
                     "ratio": ratio(app_ms, plain_ms)})
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description="full-text search benchmark")
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="chattui-bench-search-") as folder:
        path = Path(folder) / "chattui.db"
        store = Store(path)
        seconds = seed(store, args.messages)
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        text_mb = store.db.execute("SELECT total(length(content)) FROM messages").fetchone()[0] / 1e6
        size_mb = os.path.getsize(path) / 1e6
        results = []
        for label, query in QUERIES:
            matches = store.db.execute(
                "SELECT count(*) FROM messages_fts WHERE messages_fts MATCH ?", (fts_query(query),)
            ).fetchone()[0]
            search_ms, hits = timed(lambda: search(store, query, 50), args.repeat)
            like_ms, scanned = timed(lambda: like_scan(store, query), args.repeat)
            assert hits and all(h.spans for h in hits), f"no highlighted hits for {query!r}"
            results.append({
                "query": label, "text": query, "matches": matches, "returned": len(hits),
                "like_matches": len(scanned), "capped": hits.capped,
                "search_ms": search_ms, "like_scan_ms": like_ms,
                "ratio": ratio(search_ms, like_ms), "pass": search_ms < TARGET_MS,
            })
        updates = streaming_update(store, args.repeat)
        store.close()

    data = {
        "benchmark": "search", "machine": machine(), "messages": args.messages,
        "repeat": args.repeat, "seed_seconds": seconds, "text_mb": text_mb, "db_mb": size_mb,
        "target_ms": TARGET_MS, "queries": results, "streaming_update": updates,
    }
    if args.json:
        print_json(data)
    else:
        print(f"{args.messages:,} messages, {text_mb:.1f} MB of text; seeded with the index in "
              f"{seconds:.1f} s; database {size_mb:.1f} MB (text + FTS5 index)")
        print(table(
            ["query", "text", "matches", "search ms", "LIKE scan ms", "ratio", f"< {TARGET_MS:.0f} ms"],
            [(r["query"], r["text"], f"{r['matches']}{'*' if r['capped'] else ''}",
              r["search_ms"], r["like_scan_ms"], r["ratio"],
              verdict(r["pass"])) for r in results]))
        print(f"* more than {RANK_LIMIT:,} matches: ranked among the newest {RANK_LIMIT:,}")
        print()
        print(table(["save_partial", "with index ms", "no index ms", "ratio"],
                    [(f"{u['reply_bytes'] // 1024} KB reply", u["save_partial_ms"],
                      u["no_index_ms"], u["ratio"]) for u in updates]))
    print(f"results: {write_results('search', data)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

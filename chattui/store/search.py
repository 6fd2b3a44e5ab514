"""Full-text search over every stored message (SQLite FTS5), with highlighted snippets.

The index (`messages_fts`, migration m005) is an external-content FTS5 table on
`messages.content`, kept in step by triggers: a reply is findable by the text it has now,
also while it streams, and a deleted conversation's messages leave the index with it.

User queries are free text, never FTS5 syntax: each whitespace-separated chunk becomes a
quoted phrase (so `foo-bar`, `"`, `AND`, `NEAR(`, `*` are plain words), the chunks are
AND-ed, and a chunk ending in `*` stays a prefix search (`cach*`). Hits come best first
(FTS5 `rank`, i.e. bm25).

Ranking costs about a microsecond per matching message, so a word found in a large part
of a big archive ("the") is ranked among its newest `RANK_LIMIT` matches only (flagged
`SearchResults.capped`); below that, every match is ranked. `SearchResults.total` counts
all matches either way.

A SQLite built without FTS5 has no index: `search` then scans with LIKE (substring,
ASCII-only case folding, newest first, no ranking) and says so: `SearchResults.fallback`.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from typing import Iterable

from chattui.core.secrets import redact
from chattui.store.db import Store
from chattui.store.migrations import FTS_TABLE

START, END = "\x02", "\x03"
"""What FTS5's snippet() puts around each matched term (turned into `spans`)."""
SNIPPET_TOKENS = 16
RANK_LIMIT = 20_000
"""At most this many matches (the newest) are ranked; see the module docstring."""
_TOKEN_CHAR = re.compile(r"[^\W_]")  # FTS5's unicode61 tokenizer: letters and digits only
_LIKE_CONTEXT = 60


@dataclass(frozen=True)
class SearchHit:
    conversation_id: str
    conversation_title: str | None
    message_id: int
    role: str
    created_at: float
    snippet: str
    """The matching passage as plain text (whitespace collapsed, keys redacted)."""
    spans: tuple[tuple[int, int], ...]
    """(start, end) offsets into `snippet` of each matched term."""
    rank: float
    """FTS5 rank (bm25: lower is better); 0.0 for LIKE fallback hits."""

    def mark(self, start: str = "«", end: str = "»") -> str:
        """`snippet` with `start`/`end` around each matched term (ANSI bold, « », <mark> …)."""
        parts, at = [], 0
        for s, e in self.spans:
            parts += [self.snippet[at:s], start, self.snippet[s:e], end]
            at = e
        parts.append(self.snippet[at:])
        return "".join(parts)

    @property
    def marked(self) -> str:
        """`snippet` with each matched term between « and »."""
        return self.mark()


class SearchResults(list[SearchHit]):
    """The hits, best first, with what the UI may want to say about them."""

    def __init__(self, hits: Iterable[SearchHit] = (), fallback: bool = False,
                 total: int | None = 0, capped: bool = False) -> None:
        super().__init__(hits)
        self.fallback = fallback
        """True: a LIKE scan (this SQLite has no FTS5): substring matches, newest first."""
        self.total = total
        """How many messages match in all (None when unknown: the LIKE fallback)."""
        self.capped = capped
        """True: more than RANK_LIMIT matches; only the newest RANK_LIMIT were ranked."""


def fts_available(store: Store) -> bool:
    """Whether the database has the FTS5 index (it is created when SQLite supports FTS5)."""
    return store.db.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (FTS_TABLE,)
    ).fetchone() is not None


def fts_query(text: str) -> str | None:
    """`text` as a safe FTS5 query: each chunk a quoted phrase (a trailing `*` kept as a
    prefix search), all AND-ed. None when `text` holds no word at all."""
    terms = []
    for chunk in text.split():
        prefix = chunk.endswith("*")
        word = chunk.rstrip("*")
        if _TOKEN_CHAR.search(word):
            terms.append('"' + word.replace('"', '""') + '"' + ("*" if prefix else ""))
    return " AND ".join(terms) or None


def search(store: Store, query: str, limit: int = 50, secrets: Iterable[str | None] = ()
           ) -> SearchResults:
    """Messages matching every word of `query`, best first, at most `limit`; never raises
    on what the user typed (a query without words finds nothing)."""
    known = tuple(s for s in secrets if s)
    if not fts_available(store):
        return SearchResults(_like_search(store, query, limit, known), fallback=True, total=None)
    match = fts_query(query)
    if match is None:
        return SearchResults()
    total = store.db.execute(
        f"SELECT count(*) FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH ?", (match,)
    ).fetchone()[0]
    floor = 0  # the lowest message id ranked
    if total > RANK_LIMIT:
        floor = store.db.execute(
            f"SELECT min(rowid) FROM (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH ?"
            " ORDER BY rowid DESC LIMIT ?)", (match, RANK_LIMIT),
        ).fetchone()[0]
    rows = store.db.execute(
        f"SELECT {FTS_TABLE}.rowid AS message_id, m.conversation_id, m.role, m.created_at,"
        f" c.title, snippet({FTS_TABLE}, 0, char(2), char(3), '…', {SNIPPET_TOKENS}) AS snip,"
        f" {FTS_TABLE}.rank FROM {FTS_TABLE}"
        f" JOIN messages m ON m.id = {FTS_TABLE}.rowid"
        " JOIN conversations c ON c.id = m.conversation_id"
        f" WHERE {FTS_TABLE} MATCH ? AND {FTS_TABLE}.rowid >= ?"
        f" ORDER BY {FTS_TABLE}.rank LIMIT ?",
        (match, floor, limit),
    )
    return SearchResults(
        (_hit(row, _segments(row["snip"]), row["rank"], known) for row in rows),
        total=total, capped=total > RANK_LIMIT,
    )


def _hit(row: sqlite3.Row, segments: list[tuple[str, bool]], rank: float, secrets: tuple[str, ...]) -> SearchHit:
    snippet, spans = _assemble(segments, secrets)
    return SearchHit(
        conversation_id=row["conversation_id"], conversation_title=row["title"],
        message_id=row["message_id"], role=row["role"], created_at=row["created_at"],
        snippet=snippet, spans=spans, rank=rank,
    )


def _segments(marked: str) -> list[tuple[str, bool]]:
    """Split snippet() output into (text, is_match) pieces."""
    segments, inside = [], False
    for piece in re.split(f"([{START}{END}])", marked):
        if piece == START:
            inside = True
        elif piece == END:
            inside = False
        elif piece:
            segments.append((piece, inside))
    return segments


def _assemble(segments: list[tuple[str, bool]], secrets: tuple[str, ...]
              ) -> tuple[str, tuple[tuple[int, int], ...]]:
    """Plain snippet and match spans, whitespace collapsed and keys redacted. Should a key
    straddle a match boundary, the snippet is redacted as a whole and loses its spans."""
    cleaned = [(re.sub(r"\s+", " ", text), hit) for text, hit in segments]
    if cleaned:
        cleaned[0] = (cleaned[0][0].lstrip(), cleaned[0][1])
        cleaned[-1] = (cleaned[-1][0].rstrip(), cleaned[-1][1])
    whole = redact("".join(text for text, _ in cleaned), secrets)
    pieces = [(redact(text, secrets), hit) for text, hit in cleaned]
    if "".join(text for text, _ in pieces) != whole:
        return whole, ()
    snippet, spans = "", []
    for text, hit in pieces:
        if hit and text:
            spans.append((len(snippet), len(snippet) + len(text)))
        snippet += text
    return snippet, tuple(spans)


def _like_search(store: Store, query: str, limit: int, secrets: tuple[str, ...]) -> list[SearchHit]:
    words = [w.rstrip("*") for w in query.split() if _TOKEN_CHAR.search(w.rstrip("*"))]
    if not words:
        return []
    condition = " AND ".join(["m.content LIKE ? ESCAPE '\\'"] * len(words))
    patterns = ["%" + re.sub(r"([\\%_])", r"\\\1", w) + "%" for w in words]
    rows = store.db.execute(
        "SELECT m.id AS message_id, m.conversation_id, m.role, m.created_at, m.content, c.title"
        " FROM messages m JOIN conversations c ON c.id = m.conversation_id"
        f" WHERE {condition} ORDER BY m.id DESC LIMIT ?",
        (*patterns, limit),
    )
    return [_hit(row, _like_segments(row["content"], words), 0.0, secrets) for row in rows]


def _like_segments(content: str, words: list[str]) -> list[tuple[str, bool]]:
    """A window of `content` around the first match, every match in it marked."""
    pattern = re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)),
                         re.IGNORECASE)
    first = pattern.search(content)
    if first is None:  # LIKE folds only ASCII case: should not happen, but stay safe
        return [(content[: 2 * _LIKE_CONTEXT], False)]
    start = max(0, first.start() - _LIKE_CONTEXT)
    end = min(len(content), first.end() + 2 * _LIKE_CONTEXT)
    window = content[start:end]
    segments = [("…", False)] if start else []
    at = 0
    for found in pattern.finditer(window):
        segments += [(window[at:found.start()], False), (found.group(), True)]
        at = found.end()
    segments.append((window[at:], False))
    if end < len(content):
        segments.append(("…", False))
    return [(text, hit) for text, hit in segments if text]

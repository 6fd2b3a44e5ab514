"""Read-only SQL over the existing tables for `chattui stats`: spend and tokens grouped by
day, model, provider or persona.

Deleted conversations leave their turns' usage and cost in the spend ledger, and every
query reads those too (money spent stays spent). Every query reads distinct turns only: a branch or an import copies turns with their usage
and cost (same start time, model, response id and counts), and money spent once must be
counted once. Days are local dates of the turn's start. A turn's persona is the one
stored with it, else its conversation's. Nothing here writes.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from chattui.core.usage import Usage

GROUPINGS = ("day", "model", "provider", "persona")
_KEYS = {
    "day": "date(t.started_at, 'unixepoch', 'localtime')",
    "model": "t.model",
    "provider": "t.provider",
    "persona": "COALESCE(t.persona, '(none)')",
}
NO_PERSONA = "(none)"

_COLUMNS = ("started_at, provider, model, base_url_host, kind, input_total, cache_read,"
            " cache_write_5m, cache_write_1h, output, reasoning, usage_estimated, cost_usd,"
            " cost_reported, response_id")
_SPEND = (
    "WITH spend AS ("
    f" SELECT t.id, COALESCE(t.persona, c.persona) AS persona, "
    + ", ".join(f"t.{c.strip()}" for c in _COLUMNS.split(","))
    + " FROM turns t JOIN conversations c ON c.id = t.conversation_id"
    f" UNION ALL SELECT -l.id, l.persona, "
    + ", ".join(f"l.{c.strip()}" for c in _COLUMNS.split(","))
    + " FROM spend_ledger l) "
)
"""Every turn ever priced: the stored ones, and those of deleted conversations kept in the
spend ledger (negative ids)."""
_DISTINCT = (
    "t.id IN (SELECT min(id) FROM spend GROUP BY started_at, provider, model,"
    " COALESCE(response_id, ''), COALESCE(input_total, -1), COALESCE(output, -1))"
)
_FROM = " FROM spend t WHERE " + _DISTINCT


@dataclass(frozen=True)
class GroupTotals:
    key: str
    turns: int
    cost_usd: float
    """Sum of the known stored costs."""
    unpriced_turns: int
    input_total: int
    cached: int
    cache_write: int
    output: int
    reasoning: int
    input_with_known_cache: int
    """Prompt tokens of the turns that reported cache reads (the hit ratio's base)."""
    estimated_turns: int

    @property
    def hit_ratio(self) -> float | None:
        return self.cached / self.input_with_known_cache if self.input_with_known_cache else None


@dataclass(frozen=True)
class TurnUsage:
    """One distinct turn's grouping keys and usage (for what SQL cannot price)."""

    id: int
    keys: dict[str, str]
    provider: str
    model: str
    base_url_host: str | None
    usage: Usage
    cost_usd: float | None
    kind: str = "chat"
    """chat, side or ping (a keep-warm ping: its cost is not a saving)."""


_SUMS = (
    "count(*) AS turns, total(t.cost_usd) AS cost_usd,"
    " sum(t.cost_usd IS NULL) AS unpriced_turns, total(t.input_total) AS input_total,"
    " total(t.cache_read) AS cached,"
    " total(COALESCE(t.cache_write_5m, 0) + COALESCE(t.cache_write_1h, 0)) AS cache_write,"
    " total(t.output) AS output, total(t.reasoning) AS reasoning,"
    " total(CASE WHEN t.cache_read IS NOT NULL THEN t.input_total END) AS known,"
    " sum(t.usage_estimated) AS estimated"
)


def _db(source: Any) -> sqlite3.Connection:
    """A Store or a connection."""
    db: sqlite3.Connection = getattr(source, "db", source)
    return db


def _since(since: float | None) -> tuple[str, tuple[Any, ...]]:
    return (" AND t.started_at >= ?", (since,)) if since is not None else ("", ())


def _totals(key: str, row: sqlite3.Row) -> GroupTotals:
    return GroupTotals(
        key=key, turns=row["turns"] or 0, cost_usd=row["cost_usd"] or 0.0,
        unpriced_turns=row["unpriced_turns"] or 0, input_total=int(row["input_total"] or 0),
        cached=int(row["cached"] or 0), cache_write=int(row["cache_write"] or 0),
        output=int(row["output"] or 0), reasoning=int(row["reasoning"] or 0),
        input_with_known_cache=int(row["known"] or 0), estimated_turns=row["estimated"] or 0,
    )


def totals_by(source: Any, by: str, since: float | None = None) -> list[GroupTotals]:
    """Totals per `by` group (day ascending; others by spend, highest first)."""
    if by not in _KEYS:
        raise ValueError(f"cannot group by {by!r}; one of: {', '.join(GROUPINGS)}")
    where, params = _since(since)
    order = "key" if by == "day" else "cost_usd DESC, turns DESC, key"
    db = _db(source)
    rows = db.execute(
        f"{_SPEND}SELECT {_KEYS[by]} AS key, {_SUMS}{_FROM}{where} GROUP BY key ORDER BY {order}",
        params
    ).fetchall()
    return [_totals(str(row["key"]), row) for row in rows]


def overall(source: Any, since: float | None = None) -> GroupTotals:
    """Totals over every distinct turn (since `since`)."""
    where, params = _since(since)
    row = _db(source).execute(f"{_SPEND}SELECT {_SUMS}{_FROM}{where}", params).fetchone()
    return _totals("total", row)


def turn_usage(source: Any, since: float | None = None) -> list[TurnUsage]:
    """Each distinct turn's keys and usage, oldest first."""
    where, params = _since(since)
    keys = ", ".join(f"{sql} AS key_{name}" for name, sql in _KEYS.items())
    rows = _db(source).execute(
        f"{_SPEND}SELECT t.*, {keys}{_FROM}{where} ORDER BY t.started_at, t.id", params
    ).fetchall()
    return [
        TurnUsage(
            id=row["id"], keys={name: str(row[f"key_{name}"]) for name in _KEYS},
            provider=row["provider"], model=row["model"], base_url_host=row["base_url_host"],
            usage=Usage(
                input_total=row["input_total"], cache_read=row["cache_read"],
                cache_write_5m=row["cache_write_5m"], cache_write_1h=row["cache_write_1h"],
                output=row["output"], reasoning=row["reasoning"],
                cost_reported=row["cost_reported"], estimated=bool(row["usage_estimated"]),
            ),
            cost_usd=row["cost_usd"], kind=row["kind"] or "chat",
        )
        for row in rows
    ]

"""What the export formats share: timestamps, totals, usage lines, redaction."""

from __future__ import annotations

import json
import re
from typing import Any, Callable, Iterable, Sequence

from chattui.core.models import COMPLETE, Turn
from chattui.core.pricing import format_usd
from chattui.core.secrets import redact
from chattui.core.when import iso_utc  # noqa: F401  (the export formats' timestamps)

FORMAT = "chattui.conversation"
VERSION = 1
ROLES = ("user", "assistant", "tool", "divider")

Secrets = Iterable[str | None]
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")


def _one_line(text: str) -> str:
    return " ".join(text.split())


def totals(turns: Sequence[Turn]) -> dict[str, Any]:
    """Tokens in (prompt, cache included) / cached / out, and the cost of the priced turns."""
    return {
        "turns": len(turns),
        "tokens_in": sum(t.usage.input_total or 0 for t in turns),
        "tokens_cached": sum(t.usage.cache_read or 0 for t in turns),
        "tokens_out": sum(t.usage.output or 0 for t in turns),
        "cost_usd": round(sum(t.cost_usd or 0.0 for t in turns), 10),
        "unpriced_turns": sum(t.cost_usd is None for t in turns),
    }


def usage_line(turn: Turn) -> str:
    """`prompt 2,006 · cached 1,920 · out 300 · $0.000706`, plus the status when the turn
    did not complete. `≈` marks counts chattui estimated itself; `?` an unknown figure."""
    usage = turn.usage
    approx = "≈" if usage.estimated else ""
    parts = []
    if usage.input_total is not None or usage.output is not None:
        parts.append(f"prompt {_n(usage.input_total, approx)}")
        if usage.cache_read is not None:
            parts.append(f"cached {_n(usage.cache_read)}")
        if usage.cache_write:
            parts.append(f"write {_n(usage.cache_write)}")
        out = f"out {_n(usage.output, approx)}"
        if usage.reasoning:
            out += f" (+reasoning {usage.reasoning:,})"
        parts.append(out)
        parts.append("cost ?" if turn.cost_usd is None else approx + format_usd(turn.cost_usd))
    if turn.status != COMPLETE:
        parts.append(turn.status + (f": {turn.error}" if turn.error else ""))
    return " · ".join(parts)


def _n(value: int | None, approx: str = "") -> str:
    return "?" if value is None else f"{approx}{value:,}"


def _turns_by_reply(turns: Sequence[Turn]) -> dict[int, Turn]:
    return {t.reply_message_id: t for t in turns if t.reply_message_id is not None}


def _pretty_arguments(arguments: str) -> tuple[str, str]:
    """(text, language): JSON arguments indented when they parse, else as they came."""
    try:
        return json.dumps(json.loads(arguments), indent=2, ensure_ascii=False), "json"
    except ValueError:
        return arguments, ""


def _redactor(secrets: Secrets) -> Callable[[str], str]:
    kept = tuple(s for s in secrets if s)
    return lambda text: redact(text, kept)

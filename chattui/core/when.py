"""Timestamps shown as text, defensively: a stored value out of range (an import of 1e20, a
hand-edited row, NaN) shows as "?" instead of crashing a listing or an export."""

from __future__ import annotations

from datetime import datetime, timezone

UNKNOWN = "?"


def format_time(timestamp: float | None, fmt: str = "%Y-%m-%d %H:%M", utc: bool = False) -> str:
    """`timestamp` (seconds since 1970) as local time, or UTC; "?" when it is not a time."""
    try:
        moment = datetime.fromtimestamp(timestamp, timezone.utc if utc else None)  # type: ignore[arg-type]
        return moment.strftime(fmt)
    except (OverflowError, OSError, ValueError, TypeError):
        return UNKNOWN


def iso_utc(timestamp: float | None) -> str | None:
    """`2025-01-02T03:04:05Z` (ISO 8601, UTC, whole seconds); None stays None, "?" for a
    value that is not a time."""
    if timestamp is None:
        return None
    return format_time(timestamp, "%Y-%m-%dT%H:%M:%SZ", utc=True)

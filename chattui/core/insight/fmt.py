"""Small number and time formats shared by the insight views."""

from __future__ import annotations

from chattui.core.pricing import format_usd


def n(value: int | None) -> str:
    return "?" if value is None else f"{value:,}"


def n_approx(value: int | None) -> str:
    return "?" if value is None else f"≈{value:,}"


def usd(value: float | None) -> str:
    return "?" if value is None else format_usd(value)


def clock(seconds: float) -> str:
    """`4:12`, `59:30`, `1:02:03`."""
    s = int(max(0, seconds))
    h, rest = divmod(s, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def ago(seconds: float) -> str:
    """`42 s`, `3 min`, `2 h`, `5 d`."""
    s = max(0.0, seconds)
    if s < 60:
        return f"{int(s)} s"
    if s < 3600:
        return f"{int(s // 60)} min"
    if s < 86400:
        return f"{int(s // 3600)} h"
    return f"{int(s // 86400)} d"

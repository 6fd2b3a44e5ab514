"""Reading the JSON the SDKs' streams hand the adapters (parsed, not built into the SDKs'
pydantic models): a field of the wrong shape reads as empty, so a malformed event from a
proxy or a compatible server is skipped instead of ending the reply."""

from __future__ import annotations

from typing import Any


def obj(value: Any) -> dict[str, Any]:
    """A JSON object; an empty one for anything else."""
    return value if isinstance(value, dict) else {}


def objects(value: Any) -> list[dict[str, Any]]:
    """The objects of a JSON array (none for a missing or malformed one)."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def text(value: dict[str, Any], key: str) -> str:
    """A string field ('' when it is missing or not a string)."""
    field = value.get(key)
    return field if isinstance(field, str) else ""


def integer(value: dict[str, Any], key: str) -> int | None:
    """An integer field (None when it is missing or not an integer: an index that cannot
    be a dict key is not one)."""
    field = value.get(key)
    return field if isinstance(field, int) and not isinstance(field, bool) else None


def without_nulls(value: Any) -> Any:
    """`value` without the null fields of its objects, at any depth."""
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(v) for v in value]
    return value

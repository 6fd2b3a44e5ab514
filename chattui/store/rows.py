"""Rows <-> records: the columns each table has and how a row becomes a core record."""

from __future__ import annotations

import json
import sqlite3

from chattui.core.models import Conversation, Message, ToolCall, Turn, TurnMeta
from chattui.core.reasoning import Reasoning
from chattui.core.usage import Usage

USAGE_COLUMNS = ("input_total", "cache_read", "cache_write_5m", "cache_write_1h", "output", "reasoning")
TITLE_LENGTH = 60
CONVERSATION_COLUMNS = ("title", "provider", "model", "persona", "mode", "base_url_host",
                         "created_at", "updated_at")
MESSAGE_COLUMNS = ("role", "content", "created_at", "tool_calls", "tool_call_id", "name",
                   "reasoning")
TURN_COLUMNS = ("provider", "model", "base_url_host", "persona", "prefix_fingerprint", "api",
                 "status", *USAGE_COLUMNS, "usage_estimated", "cost_usd", "cost_reported",
                 "response_id", "error", "finish_reason", "started_at", "finished_at",
                 "first_token_ms", "duration_ms", "kind", "cache_diagnosis",
                 "cache_missed_tokens", "prefix_hash", "base_url", "image_detail")
"""Every column but the ids (and the message ids a turn points at): what a copy keeps."""


def calls_json(calls: tuple[ToolCall, ...]) -> str | None:
    if not calls:
        return None
    return json.dumps([{"id": c.id, "name": c.name, "arguments": c.arguments} for c in calls])


def calls_from(text: str | None) -> tuple[ToolCall, ...]:
    return tuple(ToolCall(**call) for call in json.loads(text)) if text else ()


def title_for(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= TITLE_LENGTH else line[: TITLE_LENGTH - 1] + "…"


def conversation_from(row: sqlite3.Row) -> Conversation:
    return Conversation(
        id=row["id"], title=row["title"], provider=row["provider"], model=row["model"],
        persona=row["persona"], mode=row["mode"], base_url_host=row["base_url_host"],
        created_at=row["created_at"], updated_at=row["updated_at"],
    )


def message_from(row: sqlite3.Row) -> Message:
    return Message(
        id=row["id"], conversation_id=row["conversation_id"], role=row["role"],
        content=row["content"], created_at=row["created_at"], status=row["status"],
        error=row["error"], tool_calls=calls_from(row["tool_calls"]),
        tool_call_id=row["tool_call_id"], name=row["name"], inactive=bool(row["inactive"]),
        reasoning=Reasoning.from_json(row["reasoning"]) if "reasoning" in row.keys() else Reasoning(),
        set_aside=bool(row["set_aside"]) if "set_aside" in row.keys() else False,
        after_reply=row["after_reply"] if "after_reply" in row.keys() else None,
    )


def turn_from(row: sqlite3.Row) -> Turn:
    usage = Usage(
        **{c: row[c] for c in USAGE_COLUMNS},
        cost_reported=row["cost_reported"],
        estimated=bool(row["usage_estimated"]),
    )
    meta = TurnMeta(
        provider=row["provider"], model=row["model"], base_url_host=row["base_url_host"],
        persona=row["persona"], prefix_fingerprint=row["prefix_fingerprint"], api=row["api"],
        prefix_hash=row["prefix_hash"], base_url=row["base_url"], image_detail=row["image_detail"],
    )
    return Turn(
        id=row["id"], conversation_id=row["conversation_id"],
        user_message_id=row["user_message_id"], reply_message_id=row["reply_message_id"],
        meta=meta, status=row["status"], usage=usage, cost_usd=row["cost_usd"],
        response_id=row["response_id"], error=row["error"], started_at=row["started_at"],
        finished_at=row["finished_at"], first_token_ms=row["first_token_ms"],
        duration_ms=row["duration_ms"], finish_reason=row["finish_reason"], kind=row["kind"],
        cache_diagnosis=row["cache_diagnosis"], cache_missed_tokens=row["cache_missed_tokens"],
    )

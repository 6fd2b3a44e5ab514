"""Compaction, only when the user asks for it: nothing is ever trimmed or summarised silently.

Full mode: the model drafts a summary of the history (a side turn, priced and stored);
the user reads it and, if they accept, it becomes a boundary from which history is sent.
Chained mode: `responses.compact` turns the server-side chain into compacted items, stored
as a boundary and sent in place of the history from the next turn on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

from chattui.core import attachments as images
from chattui.core import tokens
from chattui.core.chat import ChatSession, OnText
from chattui.core.turn_record import TurnOutcome
from chattui.core.request import COMPACTION, SUMMARY, ChatMessage

SUMMARY_INSTRUCTION = (
    "Summarise our conversation so far so that it can replace the full history: keep every "
    "fact, decision, name, number, open question and piece of code we still need, in concise "
    "Markdown. Do not add anything new."
)


@dataclass(frozen=True)
class Compacted:
    tokens_before: int | None
    tokens_after: int
    outcome: TurnOutcome | None

    def __str__(self) -> str:
        before = "?" if self.tokens_before is None else f"{self.tokens_before:,}"
        return f"compacted: history {before} → ≈{self.tokens_after:,} tokens"


def tokens_before(session: ChatSession) -> int | None:
    """What the history weighed on the last turn (its prompt tokens)."""
    turns = [t for t in session.turns() if t.reply_message_id is not None]
    return turns[-1].usage.input_total if turns else None


async def draft_summary(session: ChatSession, on_text: OnText) -> tuple[str, TurnOutcome]:
    """Stream a summary of the history to show the user; nothing is replaced yet."""
    request = session.request(chained=False)
    request = replace(request, messages=request.messages + (ChatMessage("user", SUMMARY_INSTRUCTION),),
                      response_format=None)  # a summary is prose, whatever the persona's schema
    return await session.side_turn(request, on_text)


def accept_summary(session: ChatSession, text: str, before: int | None) -> Compacted:
    """The user accepted `text`: from the next turn on it stands in for the history."""
    session.add_marker(SUMMARY, text)
    return Compacted(before, tokens.count(text).n + _prefix_tokens(session), None)


async def compact_chain(session: ChatSession) -> Compacted:
    """Chained mode: `responses.compact`, stored as a boundary for the next turn."""
    before = tokens_before(session)
    request = images.load(session.request())
    items, usage = await session.ready_provider().compact(request)
    outcome = session.record_side_usage(request, usage)
    content = json.dumps(items, ensure_ascii=False)
    session.add_marker(COMPACTION, content)
    after = usage.output if usage.output is not None else tokens.count(content).n
    return Compacted(before, after + _prefix_tokens(session), outcome)


def _prefix_tokens(session: ChatSession) -> int:
    return session.persona.prefix_tokens().n if session.persona else 0

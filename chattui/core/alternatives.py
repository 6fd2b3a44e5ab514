"""Regenerating a reply: the question is asked again and the earlier reply is kept as an
alternative. The replies to one question (turns sharing its user_message_id, failed ones
aside) are its alternatives; exactly one is active, and that one is shown and sent with the
next turn (the others are stored with `inactive`, see request.history)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from chattui.core.chat import ChatSession, OnText, TurnOutcome
from chattui.core.models import CHAT, FAILED, Turn

NONE_ACTIVE = 0
"""`set_active_reply` with no stored id: every earlier reply inactive (a new one is coming)."""


@dataclass(frozen=True)
class Target:
    question_id: int
    reply_id: int


def target(session: ChatSession) -> Target | str:
    """The conversation's last reply and its question, or why there is nothing to regenerate."""
    if session.busy:
        return "A reply is still streaming: Esc stops it."
    shown = [m for m in session.messages() if not m.inactive and m.role in ("user", "assistant", "tool")]
    if not shown or shown[-1].role != "assistant":
        return "There is no reply to regenerate yet."
    reply = shown[-1]
    if reply.tool_calls:
        return "This reply called tools: answer them instead (it cannot be regenerated)."
    turn = next((t for t in session.turns() if t.reply_message_id == reply.id), None)
    if turn is None or turn.user_message_id is None:
        return "This reply cannot be regenerated."
    return Target(turn.user_message_id, reply.id)


async def regenerate(session: ChatSession, on_text: OnText) -> TurnOutcome | None:
    """Ask the last question again; the earlier reply stays as an alternative (and comes
    back as the active one when the new attempt fails or brings nothing)."""
    aim = target(session)
    if isinstance(aim, str):
        raise ValueError(aim)
    session.store.set_active_reply(aim.question_id, NONE_ACTIVE)
    try:
        outcome = await session.retry(on_text)
    except BaseException:
        session.store.set_active_reply(aim.question_id, aim.reply_id)
        raise
    if outcome is None or outcome.turn.status == FAILED:
        session.store.set_active_reply(aim.question_id, aim.reply_id)
    return outcome


def switch(session: ChatSession, step: int) -> str:
    """Make the last reply's previous (-1) or next (+1) alternative the active one; what the
    log now says (`reply 1/2`), or why not."""
    aim = target(session)
    if isinstance(aim, str):
        return aim
    replies = session.store.reply_alternatives(aim.question_id)
    if len(replies) < 2 or aim.reply_id not in replies:
        return "This reply has no alternatives (regenerate it to get one)."
    index = (replies.index(aim.reply_id) + step) % len(replies)
    session.store.set_active_reply(aim.question_id, replies[index])
    return f"reply {index + 1}/{len(replies)}"


def positions(turns: Sequence[Turn]) -> dict[int, tuple[int, int]]:
    """Reply id → (its place, how many) for every reply that has alternatives."""
    groups: dict[int, list[int]] = {}
    for turn in turns:
        if turn.kind == CHAT and turn.status != FAILED and turn.user_message_id and turn.reply_message_id:
            groups.setdefault(turn.user_message_id, []).append(turn.reply_message_id)
    return {reply: (place, len(replies)) for replies in groups.values() if len(replies) > 1
            for place, reply in enumerate(replies, 1)}

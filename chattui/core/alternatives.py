"""Regenerating a reply: the question is asked again and the earlier reply is kept as an
alternative. The replies to one question (turns sharing its user_message_id, failed ones
aside) are its alternatives; exactly one is shown, and that one is sent with the next turn
(the others are stored `inactive`, see request.history).

Any reply can be regenerated, not only the last. The turns after an earlier reply were
built on it, so they belong to its line: regenerating it (or switching to another of its
alternatives) attaches them to it, and the conversation goes on from the reply shown, as
if the question had just been answered. Switching back (left/right on the reply) shows
the old reply with its later turns again, and the next turn builds on that line. One
conversation, not a tree of copies: store.lines keeps the attachment and derives what is
shown; every reader that skips `inactive` messages (the log, requests, exports) reads the
line the user sees. Editing an earlier question is different: it branches into a new
conversation (the existing duplicate), since the question itself changes.

A reply that called tools is not regenerated: its tool results answered those calls, and
a new reply would call other tools (or none); the user is pointed at editing the question
before it instead. A failed reply that is not the last one is refused the same way (Ctrl+R
on the chat retries the last one).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from chattui.core.chat import ChatSession, OnText
from chattui.core.turn_record import TurnOutcome
from chattui.core.models import CHAT, FAILED, Message, Turn

NONE_ACTIVE = 0
"""`set_active_reply` with no stored id: every earlier reply inactive (a new one is coming)."""


@dataclass(frozen=True)
class Target:
    question_id: int
    reply_id: int


def target(session: ChatSession, reply_id: int | None = None) -> Target | str:
    """The shown reply `reply_id` (None: the conversation's last reply) and its question,
    or why it cannot be regenerated."""
    found = _shown_reply(session, reply_id)
    if isinstance(found, str):
        return found
    reply, aim, last = found
    if reply.tool_calls:
        return ("This reply called tools: it cannot be regenerated (answer its tools, or edit "
                "the question before it to branch from there).")
    if reply.status == FAILED and not last:
        return "This reply failed: edit the question before it to branch from there."
    return aim


def _shown_reply(session: ChatSession, reply_id: int | None) -> tuple[Message, Target, bool] | str:
    """The shown reply, its target, and whether it is the last message asked or answered."""
    if session.busy:
        return "A reply is still streaming: Esc stops it."
    shown = [m for m in session.messages() if not m.inactive and m.role in ("user", "assistant", "tool")]
    if reply_id is None:
        if not shown or shown[-1].role != "assistant":
            return "There is no reply to regenerate yet."
        reply = shown[-1]
    else:
        found = next((m for m in shown if m.id == reply_id and m.role == "assistant"), None)
        if found is None:
            return "Select a reply (up/down in the log) to regenerate it."
        reply = found
    turn = next((t for t in session.turns() if t.reply_message_id == reply.id), None)
    if turn is None or turn.user_message_id is None:
        return "This reply cannot be regenerated."
    return reply, Target(turn.user_message_id, reply.id), reply is shown[-1]


async def regenerate(session: ChatSession, on_text: OnText,
                     reply_id: int | None = None) -> TurnOutcome | None:
    """Ask the question of reply `reply_id` (None: the last reply) again; the earlier reply
    stays as an alternative with the turns that followed it (and comes back as the shown
    one when the new attempt fails or brings nothing)."""
    aim = target(session, reply_id)
    if isinstance(aim, str):
        raise ValueError(aim)
    session.store.set_active_reply(aim.question_id, NONE_ACTIVE)  # the question is the last shown
    try:
        outcome = await session.retry(on_text)
    except BaseException:
        session.store.set_active_reply(aim.question_id, aim.reply_id)
        raise
    if outcome is None or outcome.turn.status == FAILED:
        session.store.set_active_reply(aim.question_id, aim.reply_id)
    return outcome


def switch(session: ChatSession, step: int, reply_id: int | None = None) -> tuple[str, int | None]:
    """Show the previous (-1) or next (+1) alternative of reply `reply_id` (None: the last
    reply), with the turns that followed it: what the log now says (`reply 1/2`) and the
    reply shown, or why not (and None)."""
    found = _shown_reply(session, reply_id)
    if isinstance(found, str):
        return found, None
    aim = found[1]
    replies = session.store.reply_alternatives(aim.question_id)
    if len(replies) < 2 or aim.reply_id not in replies:
        return "This reply has no alternatives (regenerate it to get one).", None
    index = (replies.index(aim.reply_id) + step) % len(replies)
    session.store.set_active_reply(aim.question_id, replies[index])
    return f"reply {index + 1}/{len(replies)}", replies[index]


def reveal(session: ChatSession, message_id: int) -> bool:
    """Choose the alternatives that put message `message_id` (a search hit on a line not
    shown) on the line shown; False when it is shown already (or cannot be)."""
    messages = {m.id: m for m in session.messages()}
    question_of = {t.reply_message_id: t.user_message_id for t in session.turns()
                   if t.reply_message_id and t.user_message_id}
    choices = []  # innermost first
    current = messages.get(message_id)
    while current is not None and current.inactive:
        if current.id in question_of:  # a reply: set aside, or its question is hidden
            if current.set_aside:
                choices.append((question_of[current.id], current.id))
            current = messages.get(question_of[current.id])
        else:  # it followed a reply that is not shown
            current = messages.get(current.after_reply) if current.after_reply else None
    for question_id, reply_id in reversed(choices):
        session.store.set_active_reply(question_id, reply_id)
    return bool(choices)


def positions(turns: Sequence[Turn]) -> dict[int, tuple[int, int]]:
    """Reply id → (its place, how many) for every reply that has alternatives."""
    groups: dict[int, list[int]] = {}
    for turn in turns:
        if turn.kind == CHAT and turn.status != FAILED and turn.user_message_id and turn.reply_message_id:
            groups.setdefault(turn.user_message_id, []).append(turn.reply_message_id)
    return {reply: (place, len(replies)) for replies in groups.values() if len(replies) > 1
            for place, reply in enumerate(replies, 1)}

"""Which of a conversation's lines is shown, when replies have been regenerated.

A question's replies (turns sharing its user_message_id) are its alternatives; the user's
choice among them is `set_aside` on the others, and a reply is shown when its question is
and it is not set aside. What followed a reply belongs to that reply's line: when the user
switches away from a reply (or regenerates it), the messages after it (replies aside: they
follow their question) are attached to it (`after_reply`), so they are shown again, and
sent again, when that reply is chosen once more. Messages are written with no
`after_reply` and are only attached at a switch: until then every unattached message that
is not a reply is on the shown line (the invariant the attaching relies on). `inactive` is derived from the two (`refresh`): not
shown, and not sent. One conversation, one id order: the shown messages, in id order, are
the line the user sees, so every reader that skips `inactive` messages reads that line.
"""

from __future__ import annotations

import sqlite3


def choose_reply(db: sqlite3.Connection, question_id: int, reply_id: int | None) -> None:
    """Show `reply_id` among the question's replies (0: none of them, a new one is coming;
    None: all of them), first attaching what followed the reply shown until now to it.
    Runs inside the caller's transaction."""
    row = db.execute("SELECT conversation_id, after_reply FROM messages WHERE id = ?",
                     (question_id,)).fetchone()
    if row is None:
        return
    conversation_id, line = row[0], row[1]
    replies = [r[0] for r in db.execute(
        "SELECT reply_message_id FROM turns WHERE user_message_id = ?"
        " AND reply_message_id IS NOT NULL ORDER BY id", (question_id,))]
    marks = ", ".join("?" * len(replies)) or "NULL"
    current = db.execute(
        f"SELECT m.id FROM messages m JOIN turns t ON t.reply_message_id = m.id"
        f" WHERE m.id IN ({marks}) AND m.set_aside = 0 AND t.status IS NOT 'failed'"
        f" ORDER BY m.id DESC LIMIT 1", replies).fetchone()
    if current is not None and current[0] != reply_id:
        db.execute(  # replies follow their question: only what asks is attached
            "UPDATE messages SET after_reply = ? WHERE conversation_id = ? AND id > ?"
            " AND (after_reply IS NULL OR after_reply IS ?) AND id NOT IN (SELECT"
            " reply_message_id FROM turns WHERE conversation_id = ? AND user_message_id IS NOT"
            " NULL AND reply_message_id IS NOT NULL)",
            (current[0], conversation_id, question_id, line, conversation_id))
    db.execute(
        f"UPDATE messages SET set_aside = (? IS NOT NULL AND id IS NOT ?) WHERE id IN ({marks})",
        (reply_id, reply_id, *replies))
    refresh(db, conversation_id)


def refresh(db: sqlite3.Connection, conversation_id: str) -> None:
    """Set `inactive` from the choices: a message is shown when the reply its line follows
    is shown, a reply when its question is shown and it is not set aside."""
    question_of = dict(db.execute(
        "SELECT reply_message_id, user_message_id FROM turns WHERE conversation_id = ?"
        " AND reply_message_id IS NOT NULL AND user_message_id IS NOT NULL", (conversation_id,)))
    shown: dict[int, bool] = {}
    changed = []
    for message_id, after, aside, inactive in db.execute(
            "SELECT id, after_reply, set_aside, inactive FROM messages WHERE conversation_id = ?"
            " ORDER BY id", (conversation_id,)).fetchall():
        visible = not aside and shown.get(after, True)
        if message_id in question_of:
            visible = visible and shown.get(question_of[message_id], True)
        shown[message_id] = visible
        if bool(inactive) == visible:
            changed.append((int(not visible), message_id))
    db.executemany("UPDATE messages SET inactive = ? WHERE id = ?", changed)

"""What the chat screen does with the messages on it: select, copy, regenerate (with
alternatives to switch between), edit an earlier question and send it as a branch."""

from __future__ import annotations

import asyncio
import re

from textual import events, work

from chattui.core import alternatives, glance
from chattui.screens.chat_host import ChatScreenHost
from chattui.screens.confirm import Confirm
from chattui.widgets.chat_log import ChatLog
from chattui.widgets.composer import Composer
from chattui.widgets.message_view import MessageView


def _last_reply_view(log: ChatLog) -> MessageView | None:
    """The conversation's last message when it is a reply (None: a question, or not mounted)."""
    view = log.latest_view(("user", "assistant"))
    return view if view is not None and view.role == "assistant" else None


async def _select_in_sight(log: ChatLog, view: MessageView, settle: int = 0) -> None:
    """Select `view` and scroll to it once the messages just mounted have their height
    (before that, the log scrolls to where it will not be): when the log's layout stops
    changing; `settle`: scroll to it that many times at least (pages mounted above it
    shift it)."""
    log.select(view)
    laid_out = None
    for attempt in range(25):  # pages mounted above it shift it until their layout settles
        await asyncio.sleep(0.02)
        layout = (log.virtual_size, view.virtual_region)
        if attempt >= settle and layout == laid_out:
            break
        laid_out = layout
        top = view.virtual_region.y - log.gutter.top  # its top line, within the scroll range
        log.scroll_to(y=max(0, min(top, log.max_scroll_y)), animate=False, force=True)
    log.select(view)  # where it is now: the end of a short log stays at the bottom


class MessageActions(ChatScreenHost):
    """Mixed into MainScreen (which has `session`, `run_turn`, `reload_conversation` …)."""

    editing: tuple[int, int] | None = None
    """While an earlier question is being edited: (its message id, the id sending branches
    after: the message before it, 0 when it is the first)."""
    search_hits: tuple[re.Pattern[str], list[int], int] | None = None
    """After opening a search hit: its words, the hits in this conversation, the one shown."""

    # search hits

    async def show_hit(self, message_id: int, terms: tuple[str, ...], hit_ids: tuple[int, ...]) -> None:
        """Scroll to the hit's message, select it and highlight the matched words; n / N
        (in the log) go to the next / previous hit of this conversation."""
        words = "|".join(re.escape(term) for term in terms if term)
        pattern = re.compile(rf"(?i)\b(?:{words})" if words else r"(?!)")
        ids = sorted(set(hit_ids) | {message_id})
        self.search_hits = (pattern, ids, ids.index(message_id))
        await self._go_to_hit()

    async def next_hit(self, step: int) -> None:
        if self.search_hits is None:
            return
        pattern, ids, at = self.search_hits
        self.search_hits = (pattern, ids, (at + step) % len(ids))
        await self._go_to_hit()

    async def _go_to_hit(self) -> None:
        if self.search_hits is None:
            return
        pattern, ids, at = self.search_hits
        log = self.query_one(ChatLog)
        if alternatives.reveal(self.session, ids[at]):  # on another reply's line: shown now
            await self.reload_conversation()
        view = await log.show_message(ids[at])  # mounted first when scrolled far from it
        if view is None:
            self._bar().warn(f"hit {at + 1}/{len(ids)} is in a tool result (not shown in the log)")
            return
        log.focus()
        await view.build_body()
        view.highlight(pattern)
        await _select_in_sight(log, view, settle=2)
        self._bar().warn(f"search hit {at + 1}/{len(ids)} · n / N: next / previous hit")

    async def action_select_messages(self) -> None:
        """Into the log, on its last message (up/down move, Ctrl+C copies …)."""
        log = self.query_one(ChatLog)
        self.set_focus(log)  # at once: after `log.focus()`, a key right behind (Home) went to the composer
        await log.action_select_message(0)

    def on_chat_log_typed_away(self, event: ChatLog.TypedAway) -> None:
        if self.search_hits and event.character in ("n", "N"):  # next / previous search hit
            self.query_one(ChatLog).keep_keys()
            self.run_worker(self.next_hit(1 if event.character == "n" else -1), group="hits")
            return
        self.search_hits = None
        composer = self.query_one(Composer)
        composer.focus()  # then the key, as if pressed there (in order: Enter sends the rest)
        self.app.post_message(events.Key(event.key, event.character))

    def action_copy_last_reply(self) -> None:
        replies = [m for m in self.session.messages()
                   if m.role == "assistant" and m.content and not m.inactive]
        if not replies:
            self.notify("No reply to copy yet.", severity="warning")
            return
        self.query_one(ChatLog).copy(replies[-1].content, "last reply")

    def _reply_to_act_on(self) -> int | None:
        """The selected reply, or the one answering the selected question (None: the last
        reply)."""
        log = self.query_one(ChatLog)
        selected = log.selected
        if selected is None or selected.message_id is None:
            return None
        if selected.role == "assistant":
            return selected.message_id
        answers = [t.reply_message_id for t in self.session.turns()
                   if t.user_message_id == selected.message_id and t.reply_message_id]
        shown = {m.id for m in self.session.messages() if not m.inactive}
        return next((r for r in reversed(answers) if r in shown), None)

    @work(group="regenerate", exclusive=True, exit_on_error=False)
    async def action_regenerate_reply(self) -> None:
        """Ask the selected reply's question (else the last one's) again after saying what it
        costs; the earlier reply stays as an alternative with the turns that followed it
        (left/right on the reply switch between them; core.alternatives)."""
        log = self.query_one(ChatLog)
        aim = alternatives.target(self.session, self._reply_to_act_on())
        if isinstance(aim, str) or self.session.unavailable:
            self.notify(self.session.unavailable or str(aim), severity="warning")
            return
        shown_later = sum(1 for m in self.session.messages() if not m.inactive
                          and m.id > aim.reply_id and m.role in ("user", "assistant"))
        line = glance.expected_line(self.session, "", self._turns, until_id=aim.question_id)
        kept = (f"The current one is kept, with the {shown_later} messages after it"
                if shown_later else "The current one is kept")
        question = (f"Ask again for a new reply? {kept} (left/right on the reply switch back).\n"
                    f"Expected: {line}")
        if not await self.app.push_screen_wait(Confirm(question, yes="Regenerate", no="Cancel")):
            return
        await log.cut_from(aim.reply_id)  # the new reply streams where it was
        await self.run_turn(lambda on_text: alternatives.regenerate(self.session, on_text, aim.reply_id)).wait()
        await self.reload_conversation()

    async def action_switch_reply(self, step: int) -> None:
        """Show (and build on) the selected reply's (else the last reply's) previous/next
        alternative, with the turns that followed it."""
        log = self.query_one(ChatLog)
        said, shown = alternatives.switch(self.session, step, self._reply_to_act_on())
        if shown is None:
            self.notify(said, severity="warning")
            return
        await self.reload_conversation()
        log.focus()
        view = await log.show_message(shown)
        if (view := view or _last_reply_view(log)) is not None:
            await _select_in_sight(log, view)
        self._bar().warn(f"{said}: the next turn builds on this one")

    def action_open_editor(self) -> None:
        """The draft in $VISUAL / $EDITOR (like `git commit`); the saved text comes back."""
        import os
        import shlex
        import subprocess
        import tempfile
        from pathlib import Path

        from textual.app import SuspendNotSupported

        composer = self.query_one(Composer)
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
        with tempfile.NamedTemporaryFile("w", suffix=".md", prefix="chattui-draft-",
                                         delete=False, encoding="utf-8") as file:
            file.write(composer.text)
        path = Path(file.name)
        try:
            with self.app.suspend():
                finished = subprocess.run([*shlex.split(editor), str(path)], check=False)
            text = path.read_text(encoding="utf-8")
        except (OSError, ValueError, SuspendNotSupported) as exc:
            self.notify(f"Could not open the editor ({editor}): {exc}", severity="error")
            return
        finally:
            path.unlink(missing_ok=True)
        if finished.returncode != 0:
            self.notify(f"{editor} exited with {finished.returncode}: the draft is unchanged.",
                        severity="warning")
            return
        composer.text = text.removesuffix("\n")  # editors end the file with a newline
        composer.focus()
        composer.move_cursor(composer.document.end)

    async def action_edit_message(self) -> None:
        """The selected question's text into the composer: sending it branches from there."""
        log = self.query_one(ChatLog)
        view = log.selected
        if view is None or view.role != "user" or view.message_id is None:
            self.notify("Select one of your stored messages to edit it.", severity="warning")
            return
        before = [m.id for m in self.session.messages() if m.id < view.message_id]
        self.editing = (view.message_id, max(before, default=0))
        composer = self.query_one(Composer)
        composer.text = view.text
        composer.border_title = "Editing an earlier message: sending branches from it (Esc cancels)"
        composer.focus()
        composer.move_cursor(composer.document.end)
        self._show_estimate()

    def cancel_edit(self) -> bool:
        """Leave editing (the draft is cleared); False when nothing was being edited."""
        if self.editing is None:
            return False
        self.editing = None
        composer = self.query_one(Composer)
        composer.border_title = "Message"
        composer.clear()
        self._show_estimate()
        return True

    async def send_edit(self, text: str, pending: tuple) -> None:
        """Branch the conversation before the edited question and send `text` there; the
        original stays as it was (Ctrl+G lists both)."""
        original = self.session.conversation
        if self.editing is None or original is None:
            return
        _, upto = self.editing
        self.editing = None
        self.query_one(Composer).border_title = "Message"
        # the first message (upto 0): nothing before it to keep, a new conversation
        self.session.open(self.session.store.duplicate_conversation(original.id, upto) if upto else None)
        await self.reload_conversation()
        self.notify(f"Branched from “{original.title or 'Untitled'}”: the original is kept (Ctrl+G).",
                    timeout=5)
        self.run_turn(lambda on_text: self.session.send(text, on_text, pending), text, pending)


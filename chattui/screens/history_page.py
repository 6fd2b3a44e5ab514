"""A conversation's stored messages as the chat log's widgets: its latest page when it is
shown, earlier pages as the user scrolls up (widgets.chat_log builds them as they come near)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chattui.core import alternatives, structured
from chattui.core.models import FAILED, STREAMING, Conversation, Message
from chattui.widgets.chat_log import HISTORY_PAGE
from chattui.widgets.message_view import MessageView
from chattui.widgets.tool_call import ToolCallCard

if TYPE_CHECKING:
    from textual.widget import Widget

    from chattui.core.chat import ChatSession


class HistoryPage:
    """The messages read so far (newest page first, then earlier ones), with what their
    widgets show beside the text: tool results, each reply's place among its alternatives,
    the schema a reply follows, a reply streaming in another window."""

    def __init__(self, session: ChatSession, conversation: Conversation | None) -> None:
        self.session, self.store, self.conversation = session, session.store, conversation
        cid = conversation.id if conversation else None
        self._elsewhere = ({turn.reply_message_id: who for turn, who in
                            self.store.streaming_elsewhere(cid)} if cid else {})
        self.page = self.store.latest_messages(cid, HISTORY_PAGE) if cid else []
        self.oldest = self.page[0].id if self.page else None
        self._results = {m.tool_call_id: m.content for m in self.page if m.role == "tool"}
        persona = session.persona
        self._commands = persona.tool_commands if persona else {}
        self._source = persona.source if persona else None
        self._pending = {call.id for call in session.pending_tool_calls(self.page)}
        self.turns = (self.store.turns_of_messages(cid, self.page[0].id)
                      if cid and self.page else [])
        self._places = alternatives.positions(self.turns)  # a reply's place among alternatives
        self._formats = structured.formats_by_reply(self.store, self.turns)  # replies' schemas
        self.unloaded = (self.store.count_messages(cid, self.oldest, skip_role="tool")
                         if cid and self.page else 0)
        """Messages (not tool results) older than the page: read as the user scrolls up."""

    def shown(self) -> list[Message]:
        """The page's messages that get a widget of their own (tool results go in cards)."""
        return [m for m in self.page if m.role != "tool"]

    def build(self, message: Message) -> list[Widget]:
        """The widgets of one stored message: its view, and a card per tool call it made
        (none for a replaced reply: its alternative is shown)."""
        status = message.status
        if status == STREAMING and message.id in self._elsewhere:
            status = f"streaming in another window ({self._elsewhere[message.id]})"
        if message.inactive:
            return []
        view = MessageView(message.role, message.content, status, message.error,
                           message.attachments, message.reasoning, self._places.get(message.id),
                           structured=structured.checked_message(message, self._formats))
        view.message_id = message.id
        calls = message.tool_calls if message.status != FAILED else ()  # cut off: none live either
        cards: list[Widget] = [
            ToolCallCard(call, self._commands.get(call.name) if call.id in self._pending else None,
                         self._results.get(call.id), self._source) for call in calls]
        return [view, *cards]

    def load_earlier(self, count: int) -> list[Message]:
        """The `count` messages before the oldest read so far (their tool results kept for
        the cards), oldest first."""
        if self.conversation is None:
            return []
        read = self.store.latest_messages(self.conversation.id, count, before_id=self.oldest)
        if read:
            earlier = self.store.turns_of_messages(read[0].conversation_id, read[0].id, self.oldest)
            self._places.update(alternatives.positions(earlier))
            self._formats.update(structured.formats_by_reply(self.store, earlier))
            self.oldest = read[0].id
        self._results.update({m.tool_call_id: m.content for m in read if m.role == "tool"})
        return [m for m in read if m.role != "tool"]

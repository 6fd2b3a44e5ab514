"""What core needs from a conversation store (chattui.store.Store is the one in use).
Contract:

* every write is committed before the method returns, so a crash right after loses
  nothing the method reported as done;
* a write that fails because of the world (full disk, locked or read-only database)
  raises one of `errors`; anything else is a bug and is not caught by core;
* ids are the store's: conversation ids are strings, message and turn ids integers.
"""

from __future__ import annotations

from typing import Protocol

from chattui.core.attachments import Attachment
from chattui.core.explicit_cache import CacheBinding, CacheInfo
from chattui.core.models import SIDE, Conversation, Message, ToolCall, Turn, TurnMeta, TurnResult
from chattui.core.usage import Usage


class Store(Protocol):
    errors: tuple[type[Exception], ...]
    """The exceptions a write raises when the world refuses it (core reports them as
    "Not saved" and goes on)."""

    # conversations

    def create_conversation(self, provider: str, model: str, persona: str | None = None,
                            mode: str = "full", base_url_host: str | None = None) -> Conversation:
        """A new, empty conversation."""
        ...

    def get_conversation(self, conversation_id: str) -> Conversation | None:
        """The conversation (an unambiguous id prefix is enough), None when unknown."""
        ...

    def set_mode(self, conversation_id: str, mode: str) -> Conversation:
        """Record that the conversation is sent full or chained from now on."""
        ...

    def conversation_exists(self, conversation_id: str) -> bool:
        """Whether the conversation is still there (another window may have deleted it);
        the exact id only."""
        ...

    # messages

    def messages(self, conversation_id: str) -> list[Message]:
        """The conversation in order; each reply carries its turn's status and error."""
        ...

    def latest_messages(self, conversation_id: str, limit: int,
                        before_id: int | None = None) -> list[Message]:
        """A page of the line shown (`messages()` minus `inactive` ones): the last `limit`
        before message `before_id` (the very last ones when None), in order."""
        ...

    def count_messages(self, conversation_id: str, before_id: int | None = None,
                       skip_role: str | None = None) -> int:
        """How many shown messages (not counting role `skip_role`) come before `before_id`."""
        ...

    def add_user_message(self, conversation_id: str, text: str,
                         attachments: tuple[Attachment, ...] = ()) -> Message:
        """The user's text and images; the first one titles the conversation."""
        ...

    def add_tool_result(self, conversation_id: str, call: ToolCall, content: str,
                        attachments: tuple[Attachment, ...] = ()) -> Message:
        """The answer to one tool call (with the images an MCP tool returned)."""
        ...

    def add_divider(self, conversation_id: str, text: str) -> Message:
        """A marker for the screen only (a persona switch …); never sent."""
        ...

    def add_marker(self, conversation_id: str, role: str, content: str) -> Message:
        """A compaction boundary (role summary or compaction)."""
        ...

    # turns

    def save_prefix(self, body: bytes) -> str:
        """Store a request's prefix body (core.prefix.stored_body) once; its sha256."""
        ...

    def get_prefix(self, digest: str) -> bytes | None:
        """The prefix body stored under `digest`, None when unknown."""
        ...

    def turns(self, conversation_id: str) -> list[Turn]:
        """Every turn of the conversation, oldest first."""
        ...

    def turns_of_messages(self, conversation_id: str, first_id: int,
                          before_id: int | None = None) -> list[Turn]:
        """The turns of the messages from `first_id` on (before `before_id`), with every
        alternative of their replies, oldest first."""
        ...

    def start_turn(self, conversation_id: str, user_message_id: int, meta: TurnMeta) -> Turn:
        """The empty reply to `user_message_id` and its turn, marked streaming."""
        ...

    def start_side_turn(self, conversation_id: str, meta: TurnMeta, kind: str = SIDE) -> Turn:
        """A turn with no messages (a summary draft, a compaction, a keep-warm ping)."""
        ...

    def save_partial(self, turn: Turn, text: str) -> None:
        """The reply's text so far, while it streams."""
        ...

    def finish_turn(self, turn: Turn, result: TurnResult) -> Turn:
        """The turn's outcome; its reply gets the final text."""
        ...

    # turns other windows stream, and turns a crash cut short

    def mark_interrupted(self) -> int:
        """Mark interrupted the streaming turns whose window is gone; how many."""
        ...

    def streaming_elsewhere(self, conversation_id: str) -> list[tuple[Turn, str]]:
        """The conversation's turns streaming in another live window, each with a
        description of that window."""
        ...

    def unpriced_interrupted(self) -> list[Turn]:
        """Interrupted turns that have no usage yet (to be priced from an estimate)."""
        ...

    def set_estimated_usage(self, turn_id: int, usage: Usage, cost_usd: float | None) -> None:
        """Store counted usage (marked estimated) and its cost on a turn that has none."""
        ...

    # Gemini explicit-cache bindings

    def reply_alternatives(self, user_message_id: int) -> list[int]:
        """The replies to one question that did not fail, oldest first (regenerating adds one)."""
        ...

    def set_active_reply(self, user_message_id: int, reply_message_id: int | None) -> None:
        """Show and send `reply_message_id` of the question's replies; the others are kept
        as alternatives (None: all of them active again)."""
        ...

    def last_sent_turn(self, conversation_id: str) -> Turn | None:
        """The latest turn that recorded its prefix (what a reopen restores), else the latest."""
        ...

    def duplicate_conversation(self, conversation_id: str,
                               upto_message_id: int | None = None) -> Conversation:
        """A branch: a copy of the conversation up to `upto_message_id` (all of it: None)."""
        ...

    def draft(self, conversation_id: str | None) -> str:
        """The message being written in the conversation, or (None) in a new chat ("" when none)."""
        ...

    def save_draft(self, conversation_id: str | None, text: str) -> None:
        """Keep the unsent message of a conversation, or (None) of a new chat (an empty one
        removes it)."""
        ...

    def bind_gemini_cache(self, conversation_id: str, info: CacheInfo, persona: str | None,
                          fingerprint: str) -> CacheBinding:
        """Bind (or re-bind) a conversation to a cache. KeyError for an unknown id."""
        ...

    def gemini_cache_binding(self, conversation_id: str) -> CacheBinding | None:
        """The conversation's binding, None when it has none."""
        ...

    def gemini_cache_bindings(self, cache_name: str | None = None) -> list[CacheBinding]:
        """Every binding (of one cache, given its name), oldest first."""
        ...

    def unbind_gemini_cache(self, conversation_id: str) -> bool:
        """Drop a conversation's binding; False when it had none."""
        ...

    def forget_gemini_cache(self, cache_name: str) -> int:
        """Drop every binding to a cache that is gone; how many."""
        ...

    def refresh_gemini_cache(self, info: CacheInfo) -> None:
        """Record a cache's new expiry in every binding to it."""
        ...

"""Records the store hands out and the core works on. Plain frozen dataclasses."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from chattui.core.reasoning import Reasoning
from chattui.core.usage import Usage

if TYPE_CHECKING:
    from chattui.core.attachments import Attachment

STREAMING, COMPLETE, STOPPED, FAILED, INTERRUPTED = (
    "streaming",
    "complete",
    "stopped",
    "failed",
    "interrupted",
)
"""Turn statuses. `streaming` only lives while a reply arrives; a crash leaves it behind,
and the store turns it into `interrupted` when it next opens."""
CHAT, SIDE, PING = "chat", "side", "ping"
"""Turn kinds: a chat turn has a reply; a side turn (a summary draft, a compaction) and a
keep-warm ping are priced and counted but add nothing to the history."""


@dataclass(frozen=True)
class Conversation:
    id: str
    title: str | None
    provider: str
    model: str
    persona: str | None
    mode: str
    base_url_host: str | None
    created_at: float
    updated_at: float


@dataclass(frozen=True)
class ToolCall:
    """A function call the model made: `arguments` is its JSON text exactly as it came."""

    id: str
    name: str
    arguments: str


@dataclass(frozen=True)
class Message:
    id: int
    conversation_id: str
    role: str
    content: str
    created_at: float
    status: str | None = None
    """For a reply: its turn's status. None for user messages."""
    error: str | None = None
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str | None = None
    name: str | None = None
    attachments: tuple[Attachment, ...] = ()
    """Images sent with a user message, in order (chattui.core.attachments)."""
    reasoning: Reasoning = field(default_factory=Reasoning)
    """A reply's thinking blocks (chattui.core.reasoning), as they came."""
    inactive: bool = False
    """Not on the line shown: a reply replaced by a regenerated alternative, or a message
    that followed a replaced reply (kept, but neither shown nor sent; store.lines)."""
    set_aside: bool = False
    """A reply the user did not choose among its question's alternatives."""
    after_reply: int | None = None
    """The replaced reply whose line this message continues (None: the line shown)."""


@dataclass(frozen=True)
class TurnMeta:
    """What is known about a turn before it is sent."""

    provider: str
    model: str
    base_url_host: str | None = None
    persona: str | None = None
    prefix_fingerprint: str | None = None
    api: str | None = None
    """chat, responses or messages: which wire API answered."""
    prefix_hash: str | None = None
    """sha256 of the stored prefix body (store.prefixes): the exact bytes this turn sent."""
    base_url: str | None = None
    """The whole base URL the request went to (None: the provider's default)."""
    image_detail: str | None = None
    """The `detail` images attached in this conversation got."""


@dataclass(frozen=True)
class TurnResult:
    """What is known once a turn has ended, however it ended."""

    status: str
    text: str
    usage: Usage = field(default_factory=Usage)
    cost_usd: float | None = None
    response_id: str | None = None
    error: str | None = None
    finish_reason: str | None = None
    first_token_ms: float | None = None
    duration_ms: float | None = None
    tool_calls: tuple[ToolCall, ...] = ()
    cache_diagnosis: str | None = None
    """The provider's own cache verdict (core.events.CacheDiagnosed.code), if it gave one."""
    cache_missed_tokens: int | None = None
    reasoning: Reasoning = field(default_factory=Reasoning)
    """The reply's thinking blocks, stored with the reply's text."""


@dataclass(frozen=True)
class Turn:
    id: int
    conversation_id: str
    user_message_id: int | None
    reply_message_id: int | None
    meta: TurnMeta
    status: str
    usage: Usage
    cost_usd: float | None
    response_id: str | None
    error: str | None
    started_at: float
    finished_at: float | None
    first_token_ms: float | None = None
    duration_ms: float | None = None
    finish_reason: str | None = None
    kind: str = CHAT
    """CHAT, SIDE or PING."""
    cache_diagnosis: str | None = None
    """The provider's own cache verdict: cache_hit, a miss reason, previous_not_found."""
    cache_missed_tokens: int | None = None
    """Tokens the provider says its cache could not reuse."""

"""The provider contract core relies on: a Provider maps SDK streams onto core
StreamEvents and SDK errors onto ProviderError. Adapters (chattui.providers) never touch
the store, price anything, or import Textual; which adapter serves a session is decided
by the app and the CLI, never by core."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, AsyncIterator, Protocol

from chattui.core.events import StreamEvent
from chattui.core.request import ChatRequest
from chattui.core.usage import Usage
from chattui.core.provider_ids import PROVIDERS as PROVIDERS  # named through here in core

PREVIOUS_RESPONSE_NOT_FOUND = "previous_response_not_found"
"""ProviderError.kind when a chained request names a response the server no longer has."""
CACHED_CONTENT_NOT_FOUND = "cached_content_not_found"
"""ProviderError.kind when a request names a Gemini explicit cache that is gone (Gemini
answers 403 "CachedContent not found (or permission denied)")."""


@dataclass
class ProviderError(Exception):
    """A failure worth showing: what happened, in words a user can act on."""

    message: str
    status: int | None = None
    kind: str = "error"
    """auth, not_found, rate_limit, server, connection, timeout, bad_request, error, config,
    busy, or one of the kinds above (PREVIOUS_RESPONSE_NOT_FOUND …)."""
    retry_after: float | None = None

    def __str__(self) -> str:
        return self.message


class Provider(Protocol):
    """One wire API of one provider. Contract:

    * `stream()` yields StreamEvents and raises only ProviderError (and CancelledError when
      the caller stops it); it keeps no state between requests, so one provider serves many
      conversations;
    * nothing here reads or writes the store, prices a turn or touches the screen;
    * the capability flags are class facts, true for every request this provider sends.
    """

    name: str
    """Provider id as the user names it: openai, openai-compatible, anthropic, gemini."""
    api: str
    """The wire API: chat (Completions), responses, or messages (Anthropic)."""
    supports_chaining: bool
    """The server stores responses: `previous_response_id` chains, `compact()` and
    `delete_stored()` work (the OpenAI Responses API)."""
    supports_images: bool
    """Image attachments are sent (not dropped) on user messages."""
    supports_tools: bool
    """A persona's tools are sent and tool calls stream back as ToolCallDelta."""
    cache_diagnostics: bool
    """The reply may carry a CacheDiagnosed event (why the prompt cache missed)."""

    def prepare(self) -> None:
        """Do slow set-up (SDK import) ahead of the first request; safe from a thread."""
        ...

    def request_notice(self, request: ChatRequest) -> str | None:
        """What the user should know about how `request` will be sent (params dropped …)."""
        ...

    async def aclose(self) -> None:
        """Close connections (called when the app exits)."""
        ...

    def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        """Stream one reply. Raises ProviderError for anything the user should read."""
        ...

    async def compact(self, request: ChatRequest) -> tuple[list[dict[str, Any]], Usage]:
        """The server's compaction of `request`'s history: the items that stand in for it,
        and what the call cost. Only when `supports_chaining`; ProviderError otherwise."""
        ...

    async def delete_stored(self, response_ids: list[str]) -> tuple[int, list[str]]:
        """Delete responses the server stores: (how many are gone, one reason per failure).
        One already gone counts as deleted. Only when `supports_chaining`."""
        ...

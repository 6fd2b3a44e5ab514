"""The provider interface: map SDK streams onto core StreamEvents, and SDK errors onto
ProviderError. Adapters never touch the store, price anything, or import Textual."""

from __future__ import annotations

from dataclasses import dataclass
from typing import AsyncIterator, Protocol

from chattui.core.events import StreamEvent
from chattui.core.request import ChatRequest


class Provider(Protocol):
    name: str
    """Provider id as the user names it: openai, openai-compatible, anthropic, gemini."""
    api: str
    """The wire API: chat (Completions), responses, or messages (Anthropic)."""

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


@dataclass
class ProviderError(Exception):
    """A failure worth showing: what happened, in words a user can act on."""

    message: str
    status: int | None = None
    kind: str = "error"
    """auth, not_found, rate_limit, server, connection, timeout, bad_request, error."""
    retry_after: float | None = None

    def __str__(self) -> str:
        return self.message

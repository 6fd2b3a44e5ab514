"""What the three SDK adapters share: a lazily made client, closing it, and one stream
loop that maps every failure onto a ProviderError.

A subclass gives `api`, `_new_client(**options)` (importing its SDK there: 0.3–0.5 s of
CPU for openai, 2–2.8 s for anthropic, kept off start-up), `_warm(client)` (touching the
client's lazily imported parts its requests use), `body(request)`, `_open(request)` (the
SDK's stream) and `_new_state()`: an object whose `events(sdk_event)` maps one SDK event
onto StreamEvents and whose `finished` says the server ended the reply properly. The
adapters open the SDK's raw response and parse it as `AsyncStream[object]`, so an event is
its JSON (`json_fields` reads it), not a pydantic model built for each chunk.
"""

from __future__ import annotations

import asyncio
import importlib
import threading
from typing import Any, AsyncIterator

from chattui.core.attachments import explain
from chattui.core.events import StreamEvent
from chattui.core.provider import ProviderError
from chattui.core.request import ChatRequest
from chattui.core.usage import Usage
from chattui.providers.errors import from_sdk
from chattui.providers.redirects import refused_redirect, same_origin_only
from chattui.providers.retries import Opening, note_retry

TRANSPORT_MODULES = ("anyio", "anyio._backends._asyncio", "h11", "jiter",
                     "httpcore2._async.connection_pool", "httpcore2._backends.anyio")
"""What the SDKs' HTTP stack imports on its first connection (~0.1 s): imported by
`prepare()`; a name a future version lacks is skipped."""


class SDKProvider:
    """The shared half of a Provider (chattui.core.provider); flags say what a subclass adds."""

    api = ""
    supports_chaining = False
    supports_images = True
    supports_tools = True
    cache_diagnostics = False

    def __init__(
        self, name: str, api_key: str | None, base_url: str | None = None,
        max_retries: int = 2, timeout: float = 120.0,
    ) -> None:
        self.name = name
        self.max_retries = max_retries
        self._options = dict(api_key=api_key or "not-needed", base_url=base_url,
                             max_retries=max_retries, timeout=timeout)
        self._client: Any = None
        self._client_lock = threading.Lock()
        self._prepared = False
        self._prepare_lock = threading.Lock()

    def _new_client(self, **options: Any) -> Any:
        raise NotImplementedError

    async def _open(self, request: ChatRequest) -> Any:
        raise NotImplementedError

    def _opened(self, request: ChatRequest) -> Opening:
        return Opening(self._open(request), self.max_retries)

    def _new_state(self) -> Any:
        raise NotImplementedError

    def _warm(self, client: Any) -> None:
        """Touch what the client imports on its first request (a subclass names it)."""

    @property
    def client(self) -> Any:
        if self._client is None:
            with self._client_lock:  # prepare() may be building it in its thread
                if self._client is None:
                    self._client = self._new_client(**self._options)
        return self._client

    def prepare(self) -> None:
        """Ahead of the first send (call from a thread), so that it costs what the second
        does: import the SDK, build the client, import what its first request would. Once:
        a second call waits for the first."""
        with self._prepare_lock:
            if self._prepared:
                return
            self._warm(self.client)
            for name in TRANSPORT_MODULES:
                try:
                    importlib.import_module(name)
                except ImportError:
                    pass
            self._prepared = True

    async def ready_client(self) -> Any:
        """The client for a request: until prepare() has run, it runs in a thread (a send
        made while the app's warm-up still imported the SDK waited on the event loop for the
        client's lock, and the screen froze)."""
        if not self._prepared:
            await asyncio.to_thread(self.prepare)
        return self.client

    def request_notice(self, request: ChatRequest) -> str | None:
        """Nothing in a request is changed on the way out (subclasses may say otherwise)."""
        return None

    async def compact(self, request: ChatRequest) -> tuple[list[dict[str, Any]], Usage]:
        raise ProviderError(f"The {self.api} API cannot compact on the server.", kind="bad_request")

    async def delete_stored(self, response_ids: list[str]) -> tuple[int, list[str]]:
        raise ProviderError(f"The {self.api} API stores no responses.", kind="bad_request")

    async def list_models(self) -> list[str]:
        """The model ids the server's models endpoint lists (ProviderError when it fails)."""
        try:
            client = await self.ready_client()
            return [model.id async for model in client.models.list()]
        except Exception as exc:  # noqa: BLE001 - the caller offers the configured models
            raise ProviderError(f"No model list from {self.name}: {type(exc).__name__}", None,
                                "connection") from exc

    async def aclose(self) -> None:
        """Close the SDK client's connections (nothing to do if it was never used)."""
        if self._client is not None:
            await self._client.close()
            self._client = None

    def http_client(self, sdk: Any) -> Any:
        """The SDK's own HTTP client (`sdk.DefaultAsyncHttpxClient`: its limits, timeouts and
        redirects), telling the stream that made a request of each status the SDK retries,
        and following no redirect to another host (providers.redirects)."""
        return sdk.DefaultAsyncHttpxClient(event_hooks={"response": [note_retry, same_origin_only]})

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        """The SDK's retries run first (each is said: `Retrying`); what still fails becomes a
        ProviderError, and a stream that stops before the server finished it keeps its
        partial text."""
        started = False
        try:
            opened = self._opened(request)
            async for retrying in opened.retries():
                yield retrying
            sdk_stream = opened.result()
            started = True
            state = self._new_state()
            async for sdk_event in sdk_stream:
                for event in state.events(sdk_event):
                    yield event
            if not state.finished:
                raise ProviderError("The reply ended before the server finished it; the partial "
                                    "reply is kept.", None, "connection")
        except ProviderError:
            raise
        except Exception as exc:  # noqa: BLE001 - every failure becomes a ProviderError
            refused = refused_redirect(exc)
            raise refused or explain(from_sdk(exc, request.model, mid_stream=started), request) from exc

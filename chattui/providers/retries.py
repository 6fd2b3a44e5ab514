"""The SDKs' own retries, said while they wait: a 429 with Retry-After: 20 left "streaming…"
on screen for 20 s, twice, with no word of why. The SDK's HTTP client gets `note_retry` as a
response hook; the stream whose request it is (a context variable, set in the task that
makes it) hears of each status the SDK retries, and `Opening.retries()` yields them as
`Retrying` events while the SDK's `create()` waits."""

from __future__ import annotations

import asyncio
import time
from contextvars import ContextVar
from email.utils import parsedate_to_datetime
from typing import Any, AsyncIterator, Awaitable, Callable

from chattui.core.events import Retrying

_RETRY_WATCH: ContextVar[Callable[[Retrying], None] | None] = ContextVar("chattui_retry_watch",
                                                                       default=None)
"""Set by the stream whose request the SDK is making (its task's context): `note_retry`
tells it of each status the SDK will retry."""


async def note_retry(response: Any) -> None:
    """An httpx response hook: a status the SDK retries (429, 5xx, 408, 409), with the
    server's Retry-After, goes to the stream that made the request."""
    status = response.status_code
    if (watch := _RETRY_WATCH.get()) is not None and (status in (408, 409, 429) or status >= 500):
        watch(Retrying(status, _retry_after(response.headers)))


def _retry_after(headers: Any) -> float | None:
    """The wait a response asks for, in seconds, as the SDK reads it (retry-after-ms, or
    retry-after in seconds or as an HTTP date) and honours it (up to 60 s); else None."""
    try:
        if (ms := headers.get("retry-after-ms")) is not None:
            seconds = float(ms) / 1000
        elif (value := headers.get("retry-after")) is None:
            return None
        elif value.strip().replace(".", "", 1).isdigit():
            seconds = float(value)
        else:
            seconds = parsedate_to_datetime(value).timestamp() - time.time()
    except (TypeError, ValueError):
        return None
    return round(seconds, 1) if 0 < seconds <= 60 else None


class Opening:
    """The SDK's `create()` in a task of its own, so that the retries it makes meanwhile can
    be said while it waits (`retries()`, then `result()`)."""

    def __init__(self, open_: Awaitable[Any], max_retries: int) -> None:
        self._said: asyncio.Queue[Retrying] = asyncio.Queue()
        self._left = max_retries
        token = _RETRY_WATCH.set(self._note)
        try:
            self._task = asyncio.ensure_future(open_)  # it runs in a copy of this context
        finally:
            _RETRY_WATCH.reset(token)

    def _note(self, retrying: Retrying) -> None:
        if self._left > 0:  # the last failure is not retried: it is raised, and said so
            self._left -= 1
            self._said.put_nowait(retrying)

    async def retries(self) -> AsyncIterator[Retrying]:
        said: asyncio.Future[Retrying] | None = None
        try:
            while not self._task.done() or not self._said.empty():
                said = asyncio.ensure_future(self._said.get())
                await asyncio.wait({self._task, said}, return_when=asyncio.FIRST_COMPLETED)
                if said.done():
                    yield said.result()
                said.cancel()
        finally:
            if said is not None:
                said.cancel()
            if not self._task.done():  # Esc while the SDK waited
                self._task.cancel()

    def result(self) -> Any:
        return self._task.result()

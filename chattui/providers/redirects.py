"""Requests stay where the user pointed chattui. The SDKs' HTTP client follows redirects: a
307 from the configured server sent the request again, body and all (the system prompt,
the history, the tools), to whatever host it named. httpx drops `Authorization` on such a
hop, where both SDKs put the key, but keeps every other header. `same_origin_only` refuses
a hop to another origin before it is made."""

from __future__ import annotations

from typing import Any

from chattui.core.provider import ProviderError


class RedirectRefused(Exception):
    """A server redirected a request to another origin; it was not followed."""

    def __init__(self, source: Any, target: Any) -> None:
        super().__init__(f"{_origin(source)} redirected the request to {_origin(target)}; chattui "
                         "does not send your conversation to a host you did not choose. Set "
                         "base_url to the server you mean to use.")


async def same_origin_only(response: Any) -> None:
    """An httpx response hook: raise RedirectRefused for a redirect to another scheme, host
    or port (an upgrade from http to https on the same host is followed, as httpx allows)."""
    if not response.has_redirect_location:
        return
    source = response.request.url
    target = source.join(response.headers["Location"])
    upgrade = (source.scheme, target.scheme) == ("http", "https") and source.host == target.host
    if _origin(target) != _origin(source) and not upgrade:
        raise RedirectRefused(source, target)


def refused_redirect(exc: BaseException) -> ProviderError | None:
    """The error to show when `exc` (as the SDK raised it, after its retries) came from a
    refused redirect; None otherwise."""
    seen: BaseException | None = exc
    for _ in range(10):  # the SDK's error, httpx's, ours: a short chain
        if seen is None or isinstance(seen, RedirectRefused):
            break
        seen = seen.__cause__ or seen.__context__
    return ProviderError(str(seen), None, "config") if isinstance(seen, RedirectRefused) else None


def _origin(url: Any) -> str:
    port = f":{url.port}" if url.port is not None else ""
    return f"{url.scheme}://{url.host}{port}"

"""Gemini explicit caches (`cachedContents`) through the official google-genai SDK.

The SDK is the optional extra `chattui[gemini]` and is imported on first use only: without
it every call raises a ProviderError that says what to install. Calls go to the native
API root (`…/v1beta/cachedContents`, header `x-goog-api-key`), derived from the chat base
URL chattui already has for Gemini's OpenAI-compatible endpoint (`…/v1beta/openai/`).

Facts checked in google-genai 3.4.0: `client.aio.caches.create(model=, config=
CreateCachedContentConfig(system_instruction, tools, contents, ttl="3600s", display_name))`,
`.list()` (an async pager), `.get(name=)`, `.update(name=, config=UpdateCachedContentConfig
(ttl=))` (only the expiry is mutable; a TTL counts from now), `.delete(name=)`; the token
count is `CachedContent.usage_metadata.total_token_count`; without an explicit
`api_version` the SDK would call `/v1/…`. The Gemini API answers 403 PERMISSION_DENIED
"CachedContent not found (or permission denied)" for a cache it no longer has (the SDK's
own replay tests, tests/caches/test_get.py, and many user reports).
"""

from __future__ import annotations

from typing import Any, Iterable

from chattui.core.explicit_cache import CacheInfo
from chattui.core.tools import Tool
from chattui.core.provider import ProviderError

MISSING_EXTRA = ("Gemini caches need the google-genai SDK: install chattui[gemini] "
                 "(pip install 'chattui[gemini]').")
DEFAULT_ROOT = "https://generativelanguage.googleapis.com"
_CHAT_SUFFIXES = ("/v1beta/openai", "/v1/openai", "/openai", "/v1beta", "/v1")


def gemini_root(base_url: str | None) -> str:
    """The API root for `cachedContents`, from the base URL chat uses (…/v1beta/openai/)."""
    url = (base_url or DEFAULT_ROOT).rstrip("/")
    for suffix in _CHAT_SUFFIXES:
        if url.endswith(suffix):
            return url[: -len(suffix)]
    return url


def is_cache_gone(message: str, status: int | None) -> bool:
    """True when an error says the named cache does not exist (expired or deleted)."""
    squeezed = message.lower().replace(" ", "")
    return status in (403, 404) and ("cachedcontent" in squeezed or "cachedcontents" in squeezed)


class GeminiCacheClient:
    """create / list / get / extend / delete, returning CacheInfo; SDK errors become
    ProviderError. Uses the SDK's async client (`client.aio.caches`)."""

    def __init__(self, api_key: str | None, base_url: str | None = None,
                 timeout: float = 60.0) -> None:
        self.root = gemini_root(base_url)
        self._api_key = api_key
        self._timeout = timeout
        self._client: Any = None

    def _sdk(self) -> tuple[Any, Any]:
        """(google.genai.types, the async caches API), made on first use."""
        try:
            from google import genai
            from google.genai import types
        except ImportError:
            raise ProviderError(MISSING_EXTRA, kind="missing_extra") from None
        if not self._api_key:
            raise ProviderError("Set GEMINI_API_KEY (environment or .env) or [api_keys] gemini "
                                "in config.toml to use Gemini caches.", kind="config")
        if self._client is None:
            options = types.HttpOptions(base_url=self.root + "/", api_version="v1beta",
                                        timeout=int(self._timeout * 1000))
            self._client = genai.Client(api_key=self._api_key, http_options=options)
        return types, self._client.aio.caches

    async def create(self, model: str, *, system: str | None = None, tools: Iterable[Tool] = (),
                     texts: Iterable[str] = (), ttl_seconds: int = 3600,
                     display_name: str | None = None) -> CacheInfo:
        """Cache a system instruction, function tools and user texts (e.g. a file) for
        `ttl_seconds` on `model`."""
        types, caches = self._sdk()
        config = types.CreateCachedContentConfig(
            system_instruction=system or None, display_name=display_name,
            tools=_tools(types, tools) or None, ttl=f"{int(ttl_seconds)}s",
            contents=[types.Content(role="user", parts=[types.Part(text=t)]) for t in texts] or None,
        )
        return await self._call(caches.create(model=model, config=config))

    async def list(self) -> list[CacheInfo]:
        """Every cache this key can see (all pages)."""
        _, caches = self._sdk()
        try:
            return [info(c) async for c in await caches.list()]
        except Exception as exc:  # noqa: BLE001 - every failure becomes a ProviderError
            raise _error(exc, self.root) from exc

    async def get(self, name: str) -> CacheInfo:
        _, caches = self._sdk()
        return await self._call(caches.get(name=name), name)

    async def extend(self, name: str, ttl_seconds: int) -> CacheInfo:
        """Let the cache live `ttl_seconds` from now (Gemini's TTL is not additive)."""
        types, caches = self._sdk()
        config = types.UpdateCachedContentConfig(ttl=f"{int(ttl_seconds)}s")
        return await self._call(caches.update(name=name, config=config), name)

    async def delete(self, name: str) -> None:
        _, caches = self._sdk()
        try:
            await caches.delete(name=name)
        except Exception as exc:  # noqa: BLE001
            raise _error(exc, self.root, name) from exc

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aio.aclose()
            self._client = None

    async def _call(self, pending: Any, name: str | None = None) -> CacheInfo:
        try:
            return info(await pending)
        except Exception as exc:  # noqa: BLE001
            raise _error(exc, self.root, name) from exc


def info(cached: Any) -> CacheInfo:
    """The SDK's CachedContent as a CacheInfo."""
    usage = getattr(cached, "usage_metadata", None)
    created, expires = cached.create_time, cached.expire_time
    return CacheInfo(
        name=cached.name or "", model=(cached.model or "").removeprefix("models/"),
        display_name=cached.display_name or None,
        tokens=getattr(usage, "total_token_count", None),
        created=created.timestamp() if created else None,
        expires=expires.timestamp() if expires else None,
    )


def _tools(types: Any, tools: Iterable[Tool]) -> list[Any]:
    """Persona tools (OpenAI function format) as one Gemini Tool of function declarations."""
    declarations = [types.FunctionDeclaration(name=t.name, description=t.description,
                                              parameters_json_schema=t.definition()["parameters"])
                    for t in tools]
    return [types.Tool(function_declarations=declarations)] if declarations else []


def _error(exc: BaseException, root: str, name: str | None = None) -> ProviderError:
    """A ProviderError a user can act on, from any SDK or network failure."""
    code = getattr(exc, "code", None)
    message = str(getattr(exc, "message", None) or exc)
    if not isinstance(code, int):
        kind = "timeout" if "Timeout" in type(exc).__name__ else "connection"
        return ProviderError(f"Could not reach Gemini at {root}: {type(exc).__name__}: {exc}",
                             None, kind)
    if is_cache_gone(message, code):
        what = f"Cache {name}" if name else "The cache"
        return ProviderError(f"{what} is gone (expired or deleted): {message}", code, "not_found")
    kinds = {400: "bad_request", 401: "auth", 403: "auth", 404: "not_found", 429: "rate_limit"}
    kind = kinds.get(code, "server" if code >= 500 else "error")
    headline = {"auth": "The API key was rejected", "rate_limit": "Rate limited or over quota",
                "bad_request": "Gemini rejected the request"}.get(kind, "Gemini failed")
    return ProviderError(f"{headline} ({code}): {message}", code, kind)

"""Build the provider adapter for a provider name. SDKs load only when first used."""

from __future__ import annotations

from typing import Any

from chattui.core.gemini_caches import GEMINI, GeminiCaches
from chattui.core.provider import Provider

GEMINI_OPENAI_BASE_URL = "https://generativelanguage.googleapis.com/v1beta/openai/"


def make_provider(name: str, api_key: str | None, base_url: str | None = None,
                  api: str = "chat") -> Provider:
    """The adapter for `name` (openai, openai-compatible, gemini, anthropic); with openai,
    `api="responses"` picks the Responses API instead of Chat Completions."""
    from chattui.providers.openai_chat import OpenAIChatProvider

    if name == "anthropic":
        from chattui.providers.anthropic import AnthropicProvider

        return AnthropicProvider(name, api_key, base_url)
    if name in ("openai", "openai-compatible") and api == "responses":
        from chattui.providers.openai_responses import OpenAIResponsesProvider

        return OpenAIResponsesProvider(name, api_key, base_url)
    if name in ("openai", "openai-compatible"):
        return OpenAIChatProvider(name, api_key, base_url)
    if name == "gemini":
        return OpenAIChatProvider(name, api_key, base_url or GEMINI_OPENAI_BASE_URL)
    raise ValueError(f"Provider '{name}' is not available yet in this build.")


def gemini_caches_for(settings: Any, store: Any = None) -> GeminiCaches:
    """The Gemini caches service as the app and the CLI configure it: GEMINI_API_KEY, and
    the base URL when Gemini is the provider (another provider's URL is not Gemini's)."""
    from chattui.providers.gemini_cache import GeminiCacheClient

    key = settings.api_keys.get(GEMINI) or ("emulator" if settings.emulator else None)
    url = settings.base_url if settings.provider == GEMINI else None
    return GeminiCaches(GeminiCacheClient(key, url), store, settings.prices)

"""Build the provider adapter for a provider name. SDKs load only when first used."""

from __future__ import annotations

from chattui.providers.base import Provider

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

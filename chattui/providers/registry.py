"""Build the provider adapter for a provider name. SDKs load only when first used."""

from __future__ import annotations

from chattui.providers.base import Provider

GEMINI_OPENAI_BASE_URL = "https://generativelanguage.googleapis.com/v1beta/openai/"


def make_provider(name: str, api_key: str | None, base_url: str | None = None) -> Provider:
    """The adapter for `name` (openai, openai-compatible, gemini; anthropic to come)."""
    from chattui.providers.openai_chat import OpenAIChatProvider

    if name in ("openai", "openai-compatible"):
        return OpenAIChatProvider(name, api_key, base_url)
    if name == "gemini":
        return OpenAIChatProvider(name, api_key, base_url or GEMINI_OPENAI_BASE_URL)
    raise ValueError(f"Provider '{name}' is not available yet in this build.")

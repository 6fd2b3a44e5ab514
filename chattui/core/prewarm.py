"""What turns a request into a keep-warm ping, per provider, and where there is none.

A ping re-sends the last answered request so its cache entry is read (and its TTL
refreshed) without paying for an answer:

* Anthropic: `max_tokens=0`, a pre-warm that generates nothing;
* OpenAI, GPT-5.6 and later on the Responses API (chattui's chained mode): the request
  with `prompt_cache_options.prewarm` ("Prepares the prompt cache without generating
  output", PROVIDERS.md §2.1). Chat Completions has no prewarm, nor do older models.

Gemini's implicit cache and OpenAI-compatible servers cannot be kept warm on purpose.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from chattui.core.insight.rules import openai_56_or_later

if TYPE_CHECKING:
    from chattui.core.chat import ChatSession
    from chattui.core.request import ChatRequest

ANTHROPIC_PARAMS = {"max_tokens": 0}
RESPONSES = "responses"


def unavailable(provider: str, model: str, api: str | None) -> str | None:
    """Why no ping can keep this cache warm (for the status bar); None when one can."""
    if provider == "anthropic":
        return None
    if provider != "openai":
        return f"keep-warm: not available on {provider}"
    if not openai_56_or_later(model):
        return f"keep-warm: not available on openai {model} (prewarm needs GPT-5.6+)"
    if api != RESPONSES:
        return "keep-warm: not available on openai in full mode (prewarm needs chained mode)"
    return None


def ping_request(session: ChatSession) -> ChatRequest | None:
    """The last answered request again, marked as a ping for its provider; None when
    nothing was answered yet or the provider has no prewarm."""
    api = getattr(session.provider, "api", None)
    if unavailable(session.provider_name, session.model, api) is not None:
        return None
    if session.provider_name == "anthropic":
        return session.resend_request(**ANTHROPIC_PARAMS)
    request = session.resend_request()
    return replace(request, prewarm=True) if request is not None else None

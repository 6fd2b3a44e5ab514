"""Provider ids as the user names them: a module of its own, so that reading the settings
imports nothing of the provider contract (start-up, issue #19)."""

PROVIDERS = ("openai", "openai-compatible", "anthropic", "gemini")
"""Provider ids as the user names them (config `provider`, a persona's `provider`)."""

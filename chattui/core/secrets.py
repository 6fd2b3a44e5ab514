"""Keep API keys out of anything shown, stored, logged or exported.

Only the exact key values chattui knows (the environment, `config.toml`, either `.env`:
chattui.config.Settings.known_secrets) are masked. Nothing is masked by its shape: user
text such as `sk-learn-contrib-extras`, or a key the user pasted on purpose, is data and
stays exactly as written, so exports are lossless.
"""

from __future__ import annotations

from typing import Iterable

MASK = "[redacted]"
MIN_SECRET = 6
"""Shorter values are not masked (they would mask ordinary words)."""


ELLIPSIS = "…"


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """`text` with every occurrence of each known secret (longest first) masked, and a
    secret cut short by an ellipsis (a title, a preview) too."""
    for secret in sorted({s for s in secrets if s and len(s) >= MIN_SECRET}, key=len, reverse=True):
        text = text.replace(secret, MASK)
        if ELLIPSIS in text:
            for end in range(len(secret) - 1, MIN_SECRET - 1, -1):
                text = text.replace(secret[:end] + ELLIPSIS, MASK + ELLIPSIS)
    return text

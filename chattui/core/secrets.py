"""Keep API keys out of anything shown, stored, logged or exported."""

from __future__ import annotations

import re
from typing import Iterable

_KEY_PATTERN = re.compile(
    r"\b(sk-(?:ant-|proj-|or-)?[A-Za-z0-9_\-]{8,}|AIza[0-9A-Za-z_\-]{20,})"
)
MASK = "[redacted]"


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """`text` with every known secret, and anything shaped like an API key, masked."""
    for secret in secrets:
        if secret and len(secret) >= 6:
            text = text.replace(secret, MASK)
    return _KEY_PATTERN.sub(MASK, text)

"""The provider-neutral request, built from the conversation without ever rewriting it.

History is appended as stored; the frozen part (system prompt, later tools) comes first so
providers' prefix caches can hit. `prefix_fingerprint` hashes that frozen part's exact
canonical bytes and is stored with every turn.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from chattui.core.models import FAILED, Message


@dataclass(frozen=True)
class ChatRequest:
    model: str
    messages: tuple[Mapping[str, str], ...]
    """`{"role": "user"|"assistant", "content": str}` in order, the new user turn last."""
    system: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)


def canonical_json(value: Any) -> bytes:
    """Stable bytes: sorted keys, no spaces, UTF-8 kept as is."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def prefix_fingerprint(request: ChatRequest) -> str:
    """Short hash of the request's frozen prefix (system prompt now; tools too later)."""
    frozen = {"system": request.system}
    return hashlib.sha256(canonical_json(frozen)).hexdigest()[:12]


def history(messages: Iterable[Message], until_id: int | None = None) -> tuple[dict[str, str], ...]:
    """What is resent: every message up to `until_id`, minus failed or empty replies.

    Stopped and interrupted replies stay (the user saw that text); a failed reply is
    dropped so that retrying its question sends the same bytes as the first attempt.
    """
    out = []
    for message in messages:
        if until_id is not None and message.id > until_id:
            break
        if message.role == "assistant" and (message.status == FAILED or not message.content):
            continue
        out.append({"role": message.role, "content": message.content})
    return tuple(out)

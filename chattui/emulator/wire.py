"""Shared request/answer types and small wire helpers for the provider modules."""

from __future__ import annotations

import json
import secrets
import string
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from chattui.emulator.script import Fault, Reply

_ALPHABET = string.ascii_letters + string.digits
_REDACTED = {"authorization", "x-api-key", "api-key", "x-goog-api-key"}


@dataclass
class RequestRecord:
    """One request as the emulator saw it, for tests to inspect (`Emulator.requests`)."""

    method: str
    path: str
    headers: dict[str, str]
    """Lower-case names; credential values are redacted."""
    body: bytes
    json: Any
    provider: str
    status: int | None = None
    usage: dict[str, Any] | None = None
    """The usage object the emulator returned (None for answers without usage)."""
    fault: Fault | None = None


@dataclass
class Call:
    """What a provider handler gets: the parsed request and a way to take the script."""

    method: str
    path: str
    headers: dict[str, str]
    json: Any
    provider: str
    record: RequestRecord
    params: dict[str, str] = field(default_factory=dict)
    take_reply: Callable[[], Reply | None] = lambda: None

    @property
    def body(self) -> dict[str, Any]:
        return self.json if isinstance(self.json, dict) else {}


@dataclass
class Json:
    body: Any
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Stream:
    """A server-sent-event answer: each frame is one chunk on the wire."""

    frames: list[bytes]
    headers: dict[str, str] = field(default_factory=dict)


def redact(headers: dict[str, str]) -> dict[str, str]:
    """Headers with credential values replaced, keeping the auth scheme visible."""
    out = {}
    for name, value in headers.items():
        if name in _REDACTED:
            scheme = value.split(" ", 1)[0] + " " if " " in value else ""
            value = scheme + "<redacted>"
        out[name] = value
    return out


def new_id(prefix: str, length: int = 24) -> str:
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(length))


def now_s() -> int:
    return int(time.time())


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def sse(data: Any, event: str | None = None) -> bytes:
    """One SSE frame; `data` is JSON-encoded unless it is already a string."""
    text = data if isinstance(data, str) else dumps(data)
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {text}\n\n".encode()


def corrupt(frame: bytes) -> bytes:
    """The frame with its JSON cut in half (a malformed-JSON fault)."""
    head, sep, data = frame.partition(b"data: ")
    payload = data.rstrip(b"\n")
    return head + sep + payload[: max(1, len(payload) // 2)] + b"\n\n"


def text_of(content: Any) -> str:
    """The plain text of a message `content`: a string or a list of text-like parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict)
                       and isinstance(p.get("text"), str))
    return ""

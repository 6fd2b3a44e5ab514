"""Gemini explicit caches (PROVIDERS.md §4): `/v1beta/cachedContents` as google-genai calls
it (auth `x-goog-api-key`), and what the OpenAI-compatible chat endpoint does with
`extra_body.google.cached_content`.

Behaviour mirrored from the Gemini API (sources: google-genai's replay tests, user reports):
* create: `{model: "models/…", systemInstruction, contents, tools, ttl: "3600s" |
  expireTime, displayName}`; TTL 1 h when neither is given; the token count
  (`usageMetadata.totalTokenCount`) is system + contents + tools, counted like every other
  prompt here; below `GeminiRules.explicit_min_tokens`: 400 "Cached content is too small".
* get / update (PATCH: only `ttl` or `expireTime`) / delete of a cache that does not exist
  or has expired: 403 PERMISSION_DENIED "CachedContent not found (or permission denied)".
  Expiry follows the emulator clock (`advance()`); times go out in RFC 3339 wall time.
* list: every live cache in one page (no pagination here).
* chat with a cache: the cached tokens count INSIDE `prompt_tokens` and are reported as
  `prompt_tokens_details.cached_tokens` (no implicit caching on top); a request that also
  sends a system message, tools or tool_choice: 400 "CachedContent can not be used with
  GenerateContent request setting system_instruction, tools or tool_config"; a different
  model than the cache's: 400; a gone cache: the 403 above.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from chattui.emulator import errors
from chattui.emulator.cache import canonical, make_block
from chattui.emulator.wire import Call, Json, new_id, text_of

if TYPE_CHECKING:
    from chattui.emulator.server import Emulator

NOT_FOUND = "CachedContent not found (or permission denied)"
WITH_PREFIX = ("CachedContent can not be used with GenerateContent request setting "
               "system_instruction, tools or tool_config.\n\nProposed fix: move those values "
               "to CachedContent from GenerateContent request.")
_TTL = re.compile(r"(\d+(?:\.\d+)?)s")
_DEFAULT_TTL = 3600.0


@dataclass
class Entry:
    name: str
    model: str
    display_name: str | None
    tokens: int
    created: float
    """Wall-clock seconds."""
    updated: float
    expires: float
    """Emulator-clock seconds."""
    updated_clock: float = 0.0
    """The emulator's clock when `updated` was read: the two clocks' offset, fixed per
    update, so `expireTime` reads the same however often the cache is listed."""


class CachedContents:
    """The live caches, by name; an expired one is gone on the next look."""

    def __init__(self) -> None:
        self._entries: dict[str, Entry] = {}
        self._lock = threading.Lock()

    def put(self, entry: Entry) -> None:
        with self._lock:
            self._entries[entry.name] = entry

    def get(self, name: str, now: float) -> Entry | None:
        with self._lock:
            self._purge(now)
            return self._entries.get(name)

    def live(self, now: float) -> list[Entry]:
        with self._lock:
            self._purge(now)
            return sorted(self._entries.values(), key=lambda e: e.created)

    def remove(self, name: str, now: float) -> bool:
        with self._lock:
            self._purge(now)
            return self._entries.pop(name, None) is not None

    def _purge(self, now: float) -> None:
        for name in [n for n, e in self._entries.items() if e.expires <= now]:
            del self._entries[name]


def create(emu: Emulator, call: Call) -> Json:
    """POST /v1beta/cachedContents."""
    body = call.body
    model = body.get("model")
    if not isinstance(model, str) or not model.startswith("models/"):
        raise errors.invalid("model must be a model name like models/gemini-2.5-flash")
    tokens = _count(body)
    minimum = emu.rules.gemini.explicit_min_tokens
    if tokens < minimum:
        raise errors.invalid(f"Cached content is too small. total_token_count={tokens}, "
                             f"min_total_token_count={minimum}")
    wall = time.time()
    entry = Entry(f"cachedContents/{new_id('', 32).lower()}", model, body.get("displayName"),
                  tokens, wall, wall, _expiry(emu, body, default=_DEFAULT_TTL), emu.now())
    emu.cached_contents.put(entry)
    return Json(_resource(emu, entry))


def list_(emu: Emulator, call: Call) -> Json:
    """GET /v1beta/cachedContents: one page with every live cache."""
    entries = emu.cached_contents.live(emu.now())
    return Json({"cachedContents": [_resource(emu, e) for e in entries]} if entries else {})


def get(emu: Emulator, call: Call) -> Json:
    return Json(_resource(emu, _find(emu, call)))


def update(emu: Emulator, call: Call) -> Json:
    """PATCH: a new expiry (`ttl` counts from now, or `expireTime`)."""
    entry = _find(emu, call)
    if not any(k in call.body for k in ("ttl", "expireTime")):
        raise errors.invalid("Only ttl or expireTime can be updated.")
    entry.expires = _expiry(emu, call.body, default=None)
    entry.updated, entry.updated_clock = time.time(), emu.now()
    return Json(_resource(emu, entry))


def delete(emu: Emulator, call: Call) -> Json:
    if not emu.cached_contents.remove(_name(call), emu.now()):
        raise errors.ApiError(403, NOT_FOUND)
    return Json({})


def tokens_for(emu: Emulator, call: Call, model: str) -> int | None:
    """Tokens of the cache a compatible-endpoint chat request names (None: it names none)."""
    extra = call.body.get("extra_body")
    google = extra.get("google") if isinstance(extra, dict) else None
    name = google.get("cached_content") if isinstance(google, dict) else None
    if not name:
        return None
    entry = emu.cached_contents.get(str(name), emu.now())
    if entry is None:
        raise errors.ApiError(403, NOT_FOUND)
    if entry.model != f"models/{model.removeprefix('models/')}":
        raise errors.invalid(f"Model used by GenerateContent request (models/{model}) and "
                             f"CachedContent ({entry.model}) has to be the same.")
    messages = call.body.get("messages") or []
    if any(isinstance(m, dict) and m.get("role") in ("system", "developer") for m in messages) \
            or call.body.get("tools") or call.body.get("tool_choice"):
        raise errors.invalid(WITH_PREFIX)
    return entry.tokens


def _count(body: dict[str, Any]) -> int:
    """System instruction + contents + tools, each counted as this emulator counts prompts."""
    texts = [_parts_text(body.get("systemInstruction"))]
    texts += [_parts_text(c) for c in body.get("contents") or []]
    total = sum(make_block(["cached", t], t).tokens for t in texts if t)
    if body.get("tools"):
        total += make_block(["tools", body["tools"]], canonical(body["tools"])).tokens
    return total


def _parts_text(content: Any) -> str:
    return text_of(content.get("parts")) if isinstance(content, dict) else ""


def _expiry(emu: Emulator, body: dict[str, Any], default: float | None) -> float:
    """The emulator-clock expiry from `ttl` ("3600s") or `expireTime` (RFC 3339)."""
    if "ttl" in body:
        match = _TTL.fullmatch(str(body["ttl"]))
        if not match:
            raise errors.invalid(f"Invalid value at 'cached_content.ttl' ({body['ttl']!r}): "
                                 "expected a duration like \"3600s\"")
        return emu.now() + float(match[1])
    if "expireTime" in body:
        try:
            wall = datetime.fromisoformat(str(body["expireTime"])).timestamp()
        except ValueError:
            raise errors.invalid("Invalid value at 'cached_content.expire_time'") from None
        return emu.now() + (wall - time.time())
    assert default is not None
    return emu.now() + default


def _find(emu: Emulator, call: Call) -> Entry:
    entry = emu.cached_contents.get(_name(call), emu.now())
    if entry is None:
        raise errors.ApiError(403, NOT_FOUND)
    return entry


def _name(call: Call) -> str:
    return f"cachedContents/{call.params['id']}"


def _resource(emu: Emulator, entry: Entry) -> dict[str, Any]:
    expires_wall = entry.updated + (entry.expires - entry.updated_clock)
    resource = {"name": entry.name, "model": entry.model, "createTime": _rfc3339(entry.created),
                "updateTime": _rfc3339(entry.updated), "expireTime": _rfc3339(expires_wall),
                "usageMetadata": {"totalTokenCount": entry.tokens}}
    if entry.display_name:
        resource["displayName"] = entry.display_name
    return resource


def _rfc3339(wall: float) -> str:
    return datetime.fromtimestamp(wall, timezone.utc).isoformat(timespec="microseconds") \
        .replace("+00:00", "Z")

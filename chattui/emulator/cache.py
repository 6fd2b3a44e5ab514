"""Prompt-cache simulation: prefix identity, per-provider rules, hit/write accounting.

A request is rendered into `Block`s in the provider's render order (OpenAI: tools, then
instructions and messages/input; Anthropic: tools → system → messages). A block's identity
is the hash of its canonical JSON (cache markers removed); a prefix is identified by the
chained hash of its blocks, so two requests share a cached prefix exactly when they share
their leading blocks. Token counts come from `chattui.core.tokens.count`.

Where sources disagree (PROVIDERS.md §1.4, §3.1, §4, §10) the value is a field of a rules
dataclass, so a test or a user can change it.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from dataclasses import dataclass, field
from typing import Any

from chattui.core import tokens

_MARKERS = ("cache_control", "prompt_cache_breakpoint")
TTL_SECONDS = {"5m": 300.0, "1h": 3600.0}

ANTHROPIC_MIN_TOKENS = {
    "claude-opus-5": 512,
    "claude-fable-5": 512,
    "claude-mythos-5": 512,
    "claude-opus-4-8": 1024,
    "claude-sonnet-5": 1024,
    "claude-opus-4-7": 2048,
    "claude-opus-4-6": 4096,
    "claude-opus-4-5": 4096,
    "claude-haiku-4-5": 4096,
    "claude-3-5-haiku": 2048,
    "claude-3-haiku": 2048,
}
"""Minimum cacheable prefix per model-name prefix (PROVIDERS.md §3.1; sources conflict)."""


@dataclass
class OpenAIRules:
    """OpenAI automatic prefix caching (pre-GPT-5.6 mechanics, §1.4)."""

    min_tokens: int = 1024
    step: int = 128
    ttl: float = 600.0
    """Idle seconds before an entry expires ("5 to 10 minutes of inactivity")."""
    writes_from: tuple[int, int] = (5, 6)
    """Model families from this version on report `cache_write_tokens` (GPT-5.6+)."""

    def reports_writes(self, model: str) -> bool:
        match = re.search(r"gpt-(\d+)(?:\.(\d+))?", model)
        return match is not None and (int(match[1]), int(match[2] or 0)) >= self.writes_from


@dataclass
class AnthropicRules:
    """Anthropic explicit breakpoints (§3.1)."""

    max_breakpoints: int = 4
    lookback: int = 20
    default_min_tokens: int = 1024
    min_tokens: dict[str, int] = field(default_factory=lambda: dict(ANTHROPIC_MIN_TOKENS))
    automatic_counts_toward_limit: bool = True

    def minimum(self, model: str) -> int:
        """The per-model minimum; the longest matching name prefix wins."""
        best = max((p for p in self.min_tokens if model.startswith(p)), key=len, default=None)
        return self.min_tokens[best] if best else self.default_min_tokens


@dataclass
class GeminiRules:
    """Gemini implicit caching on the OpenAI-compatible endpoint (§4)."""

    min_tokens: int = 1024
    ttl: float = 300.0
    explicit_min_tokens: int = 1024
    """The smallest explicit cache (`cachedContents`) Gemini creates (2.5 Flash: 1,024)."""


@dataclass
class Rules:
    openai: OpenAIRules = field(default_factory=OpenAIRules)
    anthropic: AnthropicRules = field(default_factory=AnthropicRules)
    gemini: GeminiRules = field(default_factory=GeminiRules)


@dataclass(frozen=True)
class Block:
    """One unit of a rendered prompt: its identity, its size and its cache marker (if any)."""

    hash: str
    tokens: int
    ttl: str | None = None


def strip_markers(value: Any) -> Any:
    """`value` without cache markers, which do not change a prompt's identity."""
    if isinstance(value, dict):
        return {k: strip_markers(v) for k, v in value.items() if k not in _MARKERS}
    if isinstance(value, list):
        return [strip_markers(v) for v in value]
    return value


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def make_block(identity: Any, text: str | None = None, ttl: str | None = None) -> Block:
    """A block whose identity is `identity` and whose size is the token count of `text`
    (default: of the canonical JSON of `identity`)."""
    body = canonical(strip_markers(identity))
    size = tokens.count(body if text is None else text).n
    return Block(hashlib.sha256(body.encode()).hexdigest(), size, ttl)


def prefix_chain(blocks: list[Block]) -> list[tuple[str, int]]:
    """(hash of the prefix ending at block i, tokens up to and including block i)."""
    chain, digest, total = [], b"", 0
    for block in blocks:
        digest = hashlib.sha256(digest + block.hash.encode()).digest()
        total += block.tokens
        chain.append((digest.hex(), total))
    return chain


class PrefixCache:
    """Automatic caching (OpenAI, Gemini): the longest prefix of any earlier request hits.

    Every prefix of a request at least `min_tokens` long is stored; an entry expires after
    `ttl` idle seconds and is refreshed by each hit. Hits are rounded down to `step`.
    """

    def __init__(self) -> None:
        self._expiry: dict[tuple[Any, str], float] = {}
        self._lock = threading.Lock()

    def apply(self, namespace: Any, blocks: list[Block], *, min_tokens: int, step: int,
              ttl: float, now: float) -> int:
        """Cached tokens for this request; stores its prefixes for later requests."""
        chain = prefix_chain(blocks)
        total = chain[-1][1] if chain else 0
        with self._lock:
            matched = 0
            for digest, upto in reversed(chain):
                if self._expiry.get((namespace, digest), -1.0) > now:
                    matched = upto
                    break
            if total >= min_tokens:
                for digest, _ in chain:
                    self._expiry[(namespace, digest)] = now + ttl
        return (matched // step) * step if matched >= min_tokens else 0

    def dump(self, now: float) -> list[list[Any]]:
        """Live entries as JSON-able rows [namespace, digest, seconds left]."""
        with self._lock:
            return [[list(ns), digest, expiry - now] for (ns, digest), expiry in self._expiry.items()
                    if expiry > now]

    def load(self, rows: list[list[Any]], now: float) -> None:
        with self._lock:
            for namespace, digest, left in rows:
                self._expiry[(tuple(namespace), digest)] = now + left


@dataclass(frozen=True)
class CacheUse:
    """Anthropic accounting: `read` + `write_5m` + `write_1h` + uncached = `total`."""

    total: int
    read: int = 0
    write_5m: int = 0
    write_1h: int = 0

    @property
    def uncached(self) -> int:
        return self.total - self.read - self.write_5m - self.write_1h


@dataclass
class _Entry:
    ttl: str
    expires: float


def _upto(chain: list[tuple[str, int]], index: int) -> int:
    """Tokens up to and including block `index` (0 before the first block)."""
    return chain[index][1] if index >= 0 else 0


class BreakpointCache:
    """Explicit caching (Anthropic): entries exist only where a breakpoint was written.

    Each breakpoint looks back up to `lookback` blocks for an existing entry (a hit reads
    that prefix and refreshes its TTL); breakpoints past the longest hit whose prefix is at
    least the model's minimum are written, each segment at its breakpoint's TTL.
    """

    def __init__(self) -> None:
        self._entries: dict[tuple[Any, str], _Entry] = {}
        self._lock = threading.Lock()

    def apply(self, namespace: Any, blocks: list[Block], *, min_tokens: int, lookback: int,
              now: float) -> CacheUse:
        chain = prefix_chain(blocks)
        marks = [i for i, b in enumerate(blocks) if b.ttl]
        if not chain:
            return CacheUse(0)
        with self._lock:
            hits = [self._hit(namespace, chain, i, lookback, now) for i in marks]
            read_at = max(hits, default=-1)
            writes = {"5m": 0, "1h": 0}
            done = read_at
            for i in marks:
                ttl = blocks[i].ttl or "5m"
                if i > read_at and chain[i][1] >= min_tokens:
                    writes[ttl] += chain[i][1] - _upto(chain, done)
                    self._entries[(namespace, chain[i][0])] = _Entry(ttl, now + TTL_SECONDS[ttl])
                    done = i
        return CacheUse(chain[-1][1], _upto(chain, read_at), writes["5m"], writes["1h"])

    def dump(self, now: float) -> list[list[Any]]:
        """Live entries as JSON-able rows [namespace, digest, ttl, seconds left]."""
        with self._lock:
            return [[list(ns), digest, e.ttl, e.expires - now]
                    for (ns, digest), e in self._entries.items() if e.expires > now]

    def load(self, rows: list[list[Any]], now: float) -> None:
        with self._lock:
            for namespace, digest, ttl, left in rows:
                self._entries[(tuple(namespace), digest)] = _Entry(ttl, now + left)

    def _hit(self, namespace: Any, chain: list[tuple[str, int]], mark: int, lookback: int,
             now: float) -> int:
        """Index of the longest live entry within `lookback` blocks of `mark`, else -1."""
        for i in range(mark, max(-1, mark - lookback), -1):
            entry = self._entries.get((namespace, chain[i][0]))
            if entry and entry.expires > now:
                entry.expires = now + TTL_SECONDS[entry.ttl]
                return i
        return -1

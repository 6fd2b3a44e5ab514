"""Prompt-cache diagnostics (PROVIDERS.md §2.2, §3.1): the server compares a request with
an earlier one it names and says where the cacheable prefix diverged.

Each answered request leaves a Snapshot (model, then its prompt in render order, cut into
named sections of blocks) under the id of its response. Comparing walks the sections in
order; the first one that differs names the reason, and the tokens of the earlier prompt
from the first differing block on are what the cache could not reuse.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from chattui.emulator.cache import Block


@dataclass(frozen=True)
class Snapshot:
    model: str
    sections: tuple[tuple[str, tuple[Block, ...]], ...]
    """(reason if this section differs, its blocks), in render order."""
    keys: tuple[tuple[str, Any], ...] = ()
    """(reason if it differs, value): settings outside the prompt that split the cache."""


@dataclass
class Snapshots:
    _items: dict[str, Snapshot] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def put(self, response_id: str, snapshot: Snapshot) -> None:
        with self._lock:
            self._items[response_id] = snapshot

    def get(self, response_id: str) -> Snapshot | None:
        with self._lock:
            return self._items.get(response_id)


def divergence(before: Snapshot, now: Snapshot) -> tuple[str, int] | None:
    """(reason, tokens of `before` that could not be reused), or None when `now` extends
    `before` unchanged."""
    if before.model != now.model:
        return "model_changed", _tokens(before.sections)
    for (reason, old), (_, new) in zip(before.keys, now.keys):
        if old != new:
            return reason, _tokens(before.sections)
    for index, ((reason, old), (_, new)) in enumerate(zip(before.sections, now.sections)):
        last = index == len(before.sections) - 1
        same = new[:len(old)] == old if last else new == old  # only the last section grows
        if not same:
            kept = next((i for i, (a, b) in enumerate(zip(old, new)) if a != b), min(len(old), len(new)))
            later = sum(b.tokens for _, blocks in before.sections[index + 1:] for b in blocks)
            return reason, sum(b.tokens for b in old[kept:]) + later
    return None


def _tokens(sections: tuple[tuple[str, tuple[Block, ...]], ...]) -> int:
    return sum(b.tokens for _, blocks in sections for b in blocks)


def _unmarked(block: Block) -> Block:
    return Block(block.hash, block.tokens)


def section(reason: str, blocks: list[Block]) -> tuple[str, tuple[Block, ...]]:
    """A named section; cache markers do not change what is compared."""
    return reason, tuple(_unmarked(b) for b in blocks)

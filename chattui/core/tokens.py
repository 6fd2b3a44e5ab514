"""Token counting: tiktoken's o200k_base when its file is on disk, else a marked estimate.

tiktoken downloads its encoding files on first use. Offline, that fails (or, behind a
black-holed DNS, hangs), so nothing here downloads on the UI's path: `count()` uses the
encoding only when it is already cached, and `warm_up()` may be called from a worker
thread to try the download once. `CHATTUI_TOKENIZER=approx` forces the estimate, which
is deterministic, so tests and the emulator are reproducible on any machine.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ENCODING = "o200k_base"
_URL = "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken"
_PIECE = re.compile(r"[^\W\d_]{1,4}|\d{1,3}|[^\w\s]|\s+")
_lock = threading.Lock()
_encoding: Any = None


@dataclass(frozen=True)
class TokenCount:
    n: int
    exact: bool

    def __str__(self) -> str:
        return f"{self.n:,}" if self.exact else f"≈{self.n:,}"


def _cache_file() -> Path:
    base = os.environ.get("TIKTOKEN_CACHE_DIR") or os.environ.get("DATA_GYM_CACHE_DIR")
    folder = Path(base) if base else Path(tempfile.gettempdir()) / "data-gym-cache"
    return folder / hashlib.sha1(_URL.encode()).hexdigest()


def _forced_approx() -> bool:
    return os.environ.get("CHATTUI_TOKENIZER", "").lower() == "approx"


def _load(allow_download: bool) -> Any:
    global _encoding
    if _encoding is not None or _forced_approx():
        return _encoding
    if not allow_download and not _cache_file().exists():
        return None
    with _lock:
        if _encoding is None:
            try:
                import tiktoken

                _encoding = tiktoken.get_encoding(ENCODING)
            except Exception:  # offline, corrupt cache, …: stay on the estimate
                return None
    return _encoding


def warm_up() -> bool:
    """Try once to make the exact encoding available (may download). True on success."""
    return _load(allow_download=True) is not None


def load_cached() -> bool:
    """Load the exact encoding if its file is on disk (never downloads; ~0.5 s: from a
    thread, ahead of the counts that would otherwise load it on the UI's path)."""
    return _load(allow_download=False) is not None


def ready() -> bool:
    """Counting now loads nothing: the encoding is loaded, or will not be (the estimate is
    forced, or the file is not on disk)."""
    return _encoding is not None or _forced_approx() or not _cache_file().exists()


def approximate(text: str) -> int:
    """Deterministic estimate: words in pieces of ≤4 letters, digits in threes, each symbol."""
    return sum(1 for piece in _PIECE.findall(text) if not piece.isspace() or len(piece) > 1)


def count(text: str) -> TokenCount:
    """Tokens in `text`: exact with the cached encoding, else the marked estimate."""
    return _count(text, _load(allow_download=False))


@functools.lru_cache(maxsize=20_000)
def _count(text: str, encoding: Any) -> TokenCount:
    """Memoised per text and encoding: the composer's estimate recounts the whole history
    after each pause in typing (0.22 s for 5,000 messages without this)."""
    if encoding is None:
        return TokenCount(approximate(text), exact=False)
    return TokenCount(len(encoding.encode(text, disallowed_special=())), exact=True)

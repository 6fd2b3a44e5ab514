"""Small real image files for attachment tests (a 1×1 PNG, a GIF header, a WebP header)."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path


def png(rgb: tuple[int, int, int] = (255, 0, 0)) -> bytes:
    """A valid 1×1 PNG of colour `rgb` (different colours: different bytes and hashes)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" + bytes(rgb))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def write(path: Path, data: bytes | None = None) -> Path:
    path.write_bytes(png() if data is None else data)
    return path

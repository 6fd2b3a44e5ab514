"""Control characters shown, never sent: text chattui did not write (a reply, a title, a
model name, a file's contents) may hold ESC, BEL or a C1 code, which a terminal acts on (an
ANSI or OSC sequence recolours the screen, sets the clipboard or the window title).
`visible()` replaces each with a visible symbol of one character (ESC as ␛), so offsets
into the text (search-hit spans) stay right. The screen's way to show data
(chattui/widgets/plain.py) and the command line's both go through it."""

from __future__ import annotations

import re

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
"""Control characters except tab and newline; and lone surrogates (JSON may escape half an
emoji, "\\ud83d"), which no terminal can be sent."""


def _symbol(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # the Unicode control pictures: ␀ … ␛ …
    return "␡" if code == 0x7F else "\ufffd"  # a C1 code or a lone surrogate


def visible(text: object) -> str:
    """`text` as a string with every control character (but tab and newline) replaced by a
    visible symbol of one character."""
    return _CONTROL.sub(_symbol, "" if text is None else str(text))

"""A pasted ESC is text. Textual's input parser reads an ESC inside a bracketed paste as
the start of a key sequence and replays what follows it as key presses: a pasted
`…\\x1b\\r` pressed Enter (sent the message), a pasted `\\x1b]0;title\\x07` pressed Ctrl+G
(opened the conversations), and the text after the ESC left the paste. tmux's
`paste-buffer -p` delivers such pastes; many terminals strip ESC from a paste, not all.

`PastedEscapes` rewrites each ESC inside a paste as ␛ (as chattui shows every ESC in data,
chattui.core.visible) before the parser reads the terminal's input; what is not pasted
passes untouched. textual_compat.guard_pasted_escapes puts it in front of the parser.
Text only: no Textual here."""

from __future__ import annotations

from chattui.core.visible import visible

ESC = "\x1b"
SHOWN_ESC = visible(ESC)
"""␛: the symbol chattui shows for an ESC in any data."""
PASTE_START, PASTE_END = "\x1b[200~", "\x1b[201~"


class PastedEscapes:
    """One per input stream: the terminal's reads go through it in order (a marker may
    arrive cut in two reads)."""

    def __init__(self) -> None:
        self.in_paste = False
        self.tail = ""
        """Out of a paste: the last characters passed on, where a start marker's first part
        may be."""
        self.held = ""
        """In a paste: the end of the last read, maybe the first part of the end marker
        (held back until the next read: the terminal sends it at once)."""

    def __call__(self, data: str) -> str:
        out: list[str] = []
        while data:
            if self.in_paste:
                data, self.held = self.held + data, ""
                end = data.find(PASTE_END)
                if end < 0:
                    keep = _marker_begun(data, PASTE_END)
                    self.held = data[len(data) - keep:]
                    out.append(data[:len(data) - keep].replace(ESC, SHOWN_ESC))
                    break
                out.append(data[:end].replace(ESC, SHOWN_ESC) + PASTE_END)
                data, self.in_paste = data[end + len(PASTE_END):], False
            else:
                joined = self.tail + data
                start = joined.find(PASTE_START)
                if start < 0:
                    self.tail = joined[1 - len(PASTE_START):]
                    out.append(data)
                    break
                after = start + len(PASTE_START) - len(self.tail)  # where the paste begins in data
                out.append(data[:after])
                data, self.in_paste, self.tail = data[after:], True, ""
        return "".join(out)


def _marker_begun(text: str, marker: str) -> int:
    """The length of the longest first part of `marker` that `text` ends with (0: none)."""
    for length in range(len(marker) - 1, 0, -1):
        if text.endswith(marker[:length]):
            return length
    return 0

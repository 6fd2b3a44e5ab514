"""A pasted ESC is text: through Textual's own input parser, a paste that holds escape
sequences arrives as one Paste event with each ESC shown as ␛, and presses no key."""

from __future__ import annotations

import pytest
from textual import events
from textual._xterm_parser import XTermParser

from chattui.widgets.pasted_escapes import PastedEscapes
from chattui.widgets.textual_compat import guard_pasted_escapes

HOSTILE = "first line\x1b\rsecond \x1b]0;PWNED\x07 and \x1b[201 not the end"
PASTE = f"\x1b[200~{HOSTILE}\x1b[201~"


def _events(reads: list[str]) -> list[events.Event]:
    """What Textual's parser makes of these reads of the terminal (guarded, as in the app)."""
    guard_pasted_escapes()
    parser = XTermParser()
    return [event for data in reads for event in parser.feed(data)]


def _in_reads_of(text: str, size: int) -> list[str]:
    return [text[at:at + size] for at in range(0, len(text), size)]


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7, 4096])
def test_a_paste_with_escape_sequences_is_one_paste_event_and_no_key(size):
    got = _events(_in_reads_of("ab" + PASTE + "c", size))
    keys = [event.key for event in got if isinstance(event, events.Key)]
    pastes = [event.text for event in got if isinstance(event, events.Paste)]
    assert pastes == [HOSTILE.replace("\x1b", "␛")]
    assert keys == ["a", "b", "c"]  # typed around the paste: still keys; nothing from inside it


def test_escape_keys_and_sequences_outside_a_paste_pass_untouched():
    guard = PastedEscapes()
    typed = "\x1b" + "\x1b[A" + "x\x1b[20" + "0~pasted\x1b[20" + "1~\x1b[B"
    assert "".join(guard(part) for part in ("\x1b", "\x1b[A", "x\x1b[20", "0~pasted\x1b[20", "1~\x1b[B")) \
        == typed  # the markers cut in two, the paste without ESC: all as it came
    got = _events(["\x1b[A", "\x1b[B"])
    assert [event.key for event in got if isinstance(event, events.Key)] == ["up", "down"]


def test_an_esc_held_at_the_end_of_a_read_inside_a_paste_is_text_when_no_marker_follows():
    guard = PastedEscapes()
    assert guard("\x1b[200~one\x1b") == "\x1b[200~one"  # maybe the end marker: held
    assert guard("x two\x1b[201~") == "␛x two\x1b[201~"
    assert guard("\x1b") == "\x1b"  # after the paste: the Escape key, at once

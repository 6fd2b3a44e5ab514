"""Where a reply's Markdown may be cut into separate Markdown widgets without changing how
it renders (chattui.widgets.reply_stream streams a long reply into widgets of about
`BLOCKS_PER_CHUNK` blocks; a stored one is built in the same chunks). Text only: no widget."""

from __future__ import annotations

import re

BLOCKS_PER_CHUNK = 20
"""Blocks (blank-line separated) a chunk holds before the text moves on to a new one."""

_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
_PARAGRAPH_START = re.compile(r"[*_+-]+[^\s*_+-]|(?![#>|`~*_+\-=<\[]|\d+[.)](\s|$))\S")
"""A line that can only begin a paragraph: not indented, no block, list or rule marker
(`**bold**` or `-5` may start one: a marker needs a space after it, a rule only marks)."""
_SETEXT_UNDERLINE = re.compile(r" {0,3}(=+|-+)\s*$")


def block_boundary(text: str, start: int = 0) -> int | None:
    """The first index in `text` (at or after `start`) where the text may move on to a new
    Markdown widget without changing how it renders: after a blank line, outside a code
    fence, where a plain paragraph begins whose first two lines have arrived.

    Only a paragraph: its top margin is 0, so the gap above it is the previous block's
    bottom margin whether the two share a widget (where margins collapse) or not (where
    they add up). A heading, fence or quote has a top margin; a list item or a table row
    may continue the list or table above; a setext underline makes a heading of the line
    above; a link definition must stay with the links that use it."""
    in_fence, offset = False, 0
    lines = text.split("\n")
    for number, line in enumerate(lines[:-3]):
        if _FENCE.match(line):
            in_fence = not in_fence
        offset += len(line) + 1
        if (not in_fence and number and not line.strip() and offset >= start
                and _PARAGRAPH_START.match(lines[number + 1])
                and not _SETEXT_UNDERLINE.match(lines[number + 2])):
            return offset
    return None


def split_chunks(text: str, blocks: int = BLOCKS_PER_CHUNK) -> list[str]:
    """`text` in the chunks a stream of it moves on at (after every `blocks` blocks, where
    `block_boundary` allows): a stored reply is built in the widgets it streamed into."""
    chunks: list[str] = []
    while (full := after_blocks(text, blocks)) is not None:
        cut = block_boundary(text[:full + _BOUNDARY_WINDOW], full) or block_boundary(text, full)
        if cut is None:
            break
        chunks.append(text[:cut])
        text = text[cut:]
    return chunks + [text]


_BOUNDARY_WINDOW = 4096
"""Characters after a chunk's last block searched for the next boundary first (the whole
rest only when none is there: each search splits what it is given into lines)."""


def after_blocks(text: str, blocks: int) -> int | None:
    """Where the text has `blocks` blank-line separated blocks behind it (None: not yet)."""
    at = -2
    for _ in range(blocks):
        at = text.find("\n\n", at + 2)
        if at < 0:
            return None
    return at + 2

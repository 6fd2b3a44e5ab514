"""The code blocks of a message's Markdown, as the user would copy them."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from markdown_it import MarkdownIt


@cache
def _parser() -> MarkdownIt:
    from markdown_it import MarkdownIt  # on first use: not part of start-up

    return MarkdownIt("commonmark")


def code_blocks(markdown: str) -> list[str]:
    """Each fenced or indented code block's text, in order (without the fences)."""
    return [token.content for token in _parser().parse(markdown)
            if token.type in ("fence", "code_block")]


def copied_line(text: str, what: str = "") -> str:
    """What the status line says after a copy: `copied 1,204 chars` (of `what`)."""
    return f"copied {len(text):,} chars" + (f" ({what})" if what else "")

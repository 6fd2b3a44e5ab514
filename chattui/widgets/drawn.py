"""Work for after a frame is drawn (in a module of its own: the chat screen and the app
need it before the first frame, which imports nothing of the Markdown stack)."""

from __future__ import annotations

from typing import Callable

from textual.dom import DOMNode

from chattui.widgets.textual_compat import batch_open


def call_when_drawn(node: DOMNode, callback: Callable, *args) -> None:
    """Call `callback(*args)` once the screen has been drawn. (While a batch update is open,
    as while a Markdown append mounts blocks, and during all of Textual's start-up,
    after-refresh callbacks run before the pending layout: a height pinned then was stale,
    and work meant for after the first frame delayed it.)"""
    if batch_open(node.app):
        node.set_timer(0.02, lambda: call_when_drawn(node, callback, *args))
    else:
        node.call_after_refresh(callback, *args)

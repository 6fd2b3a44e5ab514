"""Which rows of a long conversation the chat log mounts: pure arithmetic, no Textual.

The log keeps every stored message of the history as a row with a height in screen rows
(measured once it has been mounted and laid out, estimated from its text before) and
mounts only the rows near the ones shown; a spacer above and one below stand in for the
rest, so the scroll range (and the scrollbar) is the whole conversation's. `Heights` holds
the heights with their running sums; `window` says which rows to mount for a scroll
position; `covers` says whether the rows mounted still cover it (with some slack, so that
scrolling a row at a time does not mount and unmount on every step).
"""

from __future__ import annotations

from bisect import bisect_right
from itertools import accumulate
from typing import Iterable


class Heights:
    """The rows' heights and the y of each row's top (the sum of the heights above it)."""

    def __init__(self, heights: Iterable[int] = ()) -> None:
        self._heights = [max(0, h) for h in heights]
        self._tops: list[int] | None = None

    def __len__(self) -> int:
        return len(self._heights)

    def __getitem__(self, index: int) -> int:
        return self._heights[index]

    def set(self, index: int, height: int) -> None:
        if self._heights[index] != height:
            self._heights[index] = max(0, height)
            self._tops = None

    def insert(self, index: int, heights: Iterable[int]) -> None:
        self._heights[index:index] = [max(0, h) for h in heights]
        self._tops = None

    def _sums(self) -> list[int]:
        if self._tops is None:
            self._tops = [0, *accumulate(self._heights)]
        return self._tops

    def top(self, index: int) -> int:
        """The y of row `index`'s top (`len(self)`: the bottom of the last row)."""
        return self._sums()[max(0, min(index, len(self._heights)))]

    @property
    def total(self) -> int:
        return self._sums()[-1]

    def span(self, start: int, stop: int) -> int:
        """The rows from `start` up to (not including) `stop`, stacked."""
        return self.top(stop) - self.top(start) if stop > start else 0

    def index_at(self, y: float) -> int:
        """The row at `y` (the first or last row when `y` is above or below them all)."""
        if not self._heights:
            return 0
        return max(0, min(len(self._heights) - 1, bisect_right(self._sums(), y) - 1))


def window(heights: Heights, top: float, viewport: int, margin: int) -> range:
    """The rows to mount when the rows from `top` on are shown in a `viewport` rows high:
    those that lie, even in part, within `margin` rows of it."""
    if not len(heights):
        return range(0)
    first = heights.index_at(top - margin)
    last = heights.index_at(top + viewport + margin - 1)
    while last + 1 < len(heights) and heights[last] == 0 and heights.top(last + 1) <= top + viewport + margin:
        last += 1  # rows of no height right below the window (nothing to show) come along
    return range(first, last + 1)


def covers(mounted: range, heights: Heights, top: float, viewport: int, slack: int) -> bool:
    """Whether the `mounted` rows hold every row within `slack` rows of the viewport."""
    if not len(heights):
        return True
    needed = window(heights, top, viewport, slack)
    return mounted.start <= needed.start and needed.stop <= mounted.stop


def filling(heights: Heights, rows: int) -> range:
    """The last rows whose heights add up to at least `rows` (all of them when they do not)."""
    start = len(heights)
    while start > 0 and heights.span(start, len(heights)) < rows:
        start -= 1
    return range(start, len(heights))

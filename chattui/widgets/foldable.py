"""A block folded to one line (`▸ summary`) that unfolds (`▾ summary` and its body) on a
click or on ctrl+f (key id toggle-thinking, which acts on the latest one shown)."""

from __future__ import annotations

from textual.widgets import Static


class Foldable(Static):
    """Subclasses say what the folded line reads (`summary`) and draw themselves (`_show`,
    with `marker()` in front of the line)."""

    folded = True

    def on_mount(self) -> None:
        self._show()

    def toggle(self) -> None:
        self.folded = not self.folded
        self._show()

    def on_click(self) -> None:
        self.toggle()

    def marker(self) -> str:
        return "▸ " if self.folded else "▾ "

    def summary(self) -> str:
        raise NotImplementedError

    def _show(self) -> None:
        raise NotImplementedError

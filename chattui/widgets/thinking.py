"""A reply's thinking, above its answer: streamed unfolded, folded to one line
(`▸ thinking · 1,240 tokens · 8.2 s`) once the answer starts; a click (or the
ctrl+f, key id toggle-thinking) unfolds it. The text is the model's: always shown literally."""

from __future__ import annotations

import time

from rich.text import Text

from chattui.core import tokens
from chattui.core.reasoning import Reasoning, folded_line
from chattui.widgets.foldable import Foldable
from chattui.widgets.plain import plain_text


class ThinkingView(Foldable):
    """A reply's thinking: streamed unfolded, folded to one line once the answer starts."""

    def __init__(self, reasoning: Reasoning | None = None) -> None:
        super().__init__("")
        self.reasoning = reasoning or Reasoning()
        self.text = self.reasoning.text
        self.folded = True
        self.streaming = False
        self._started: float | None = None
        self._seconds: float | None = None
        self.display = bool(self.text)

    def append(self, fragment: str) -> None:
        """More thinking arrived: shown unfolded while it streams."""
        if not self.streaming and not self.text:
            self.streaming, self.folded, self._started = True, False, time.monotonic()
        self.text += fragment
        self.display = True
        self._show()

    def answer_started(self) -> None:
        """The answer began: fold the thinking to its one line."""
        if self.streaming:
            self.streaming, self.folded = False, True
            self._seconds = round(time.monotonic() - (self._started or time.monotonic()), 1)
            self._show()

    def finish(self, reasoning: Reasoning) -> None:
        """The turn ended: the stored figures replace the streamed estimate."""
        self.answer_started()
        if reasoning:
            self.reasoning, self.text = reasoning, reasoning.text
        self.display = bool(self.text)
        self._show()

    def summary(self) -> str:
        if self.streaming:
            return "thinking…"
        if self.reasoning:
            return folded_line(self.reasoning)
        shown = Reasoning(seconds=self._seconds, tokens=tokens.count(self.text).n)
        return folded_line(shown)

    def _show(self) -> None:
        line = Text(self.marker() + self.summary(), style="bold")
        if not self.folded:
            line.append("\n")
            line.append(plain_text(self.text))  # the model's words: never markup, no control codes
        self.update(line)

"""The chat screen's figures: the last turn's and the session's in the status bar, the
composer's estimate of the next request, and when they may be computed (after the price
data loads; a reopened long history priced and counted in a thread first). A mixin of
MainScreen (kept apart so the screen stays small); the numbers are core.glance's."""

from __future__ import annotations

import asyncio
from typing import Callable

from chattui.core import glance, pricing, report
from chattui.core.turn_record import TurnOutcome
from chattui.screens.chat_host import ChatScreenHost
from chattui.widgets.attachment_tray import AttachmentTray
from chattui.widgets.composer import Composer
from chattui.widgets.drawn import call_when_drawn
from chattui.widgets.plain import plain


class ChatFigures(ChatScreenHost):
    _waiting_for_prices: list[Callable[[], object]]
    """What shows prices (the figures, the estimate) waits for genai-prices to load."""
    _prices_tried = False
    """The warm-up has run (even if it failed: then a price loads it, or says why not)."""
    _history_counted = True
    """A long reopened history's messages are counted (in a thread, with its turns priced:
    `_show_history_figures`); until then the estimate waits."""
    _session_line = ""

    def _show_history_figures(self) -> None:
        """A reopened history's figures, its turns priced and its messages counted in a
        thread first (`glance.warm_figures`): the UI thread then only looks them up."""
        self.run_worker(self._warm_and_show_figures(), group="figures", exclusive=True)

    async def _warm_and_show_figures(self) -> None:
        session = self.session
        turns, messages = session.turns(), session.messages()
        await asyncio.to_thread(glance.warm_figures, turns, messages, session.prices, session.base_url)
        self._history_counted = True
        self._show_figures()  # and the estimate

    def _after_first_frame_priced(self, show: Callable[[], object]) -> None:
        """`show` once the screen is drawn and prices cost no import (genai-prices and its
        data load in `_prepare`'s thread after the first frame: 0.2–0.6 s off start-up)."""
        if self._priced():
            call_when_drawn(self, show)
        elif show not in self._waiting_for_prices:
            self._waiting_for_prices.append(show)

    def _priced(self) -> bool:
        return self._prices_tried or pricing.is_warm()

    def _prices_loaded(self) -> None:
        self._prices_tried = True
        if not self.personas_counted:  # the tokenizer was loading
            self._count_personas()
        waiting, self._waiting_for_prices = self._waiting_for_prices, []
        for show in waiting:
            show()

    def _show_figures(self, outcome: TurnOutcome | None = None) -> None:
        """The last turn's figures (and any miss cause), the session's, and warm/cold."""
        bar = self._bar()
        self._turns = self.session.turns()
        chat = glance.chat_turns(self._turns)
        if outcome is not None:
            line = report.turn_line(outcome.turn.usage, outcome.cost)
        elif chat:
            last = chat[-1]
            line = report.turn_line(last.usage, pricing.price(last.usage, last.meta.model, last.meta.provider,
                                                              self.session.prices, self.session.base_url))
        else:
            line = None
        miss = glance.miss_line(self._turns, self.session)
        if line is not None:
            bar.turn = f"{line} · {miss}" if miss else line
        if outcome is not None and outcome.cost.note:  # why there is no price
            bar.warn(f"{bar.turn} · {outcome.cost.note}")
        elif outcome is not None and outcome.turn.usage.inconsistency:
            bar.warn(bar.turn)
        if outcome is not None and outcome.note:
            bar.warn(f"{outcome.note} · {bar.turn}")
        self._session_line = glance.session_line(self.session, self._turns)
        self._tick()
        if self.is_mounted:
            self._show_estimate()  # the history, and so the next request, changed

    def _tick(self) -> None:
        """Once a second: the warm/cold countdown next to the session's figures, and the
        keep-warm ping when it is due."""
        cache = glance.cache_line(self.session, self._turns) if self._turns else "cache: no turns yet"
        keep_warm = self._keep_warm_plan().text()
        self._bar().session = " · ".join(filter(None, (self._session_line, cache, keep_warm)))

    def _show_estimate(self, draft_only: bool = False) -> None:
        """The composer's pre-send line; `draft_only`: only the draft changed since the last
        one (the history's count is kept: typing in a long conversation stays O(draft))."""
        if not self._priced():  # start-up: the price data loads after the first frame
            self._after_first_frame_priced(self._show_estimate)
            return
        if not self._history_counted:  # shown once it is, off the UI thread
            return
        composer = self.query_one(Composer)
        images = len(self.query_one(AttachmentTray).pending)
        if self.editing is not None:  # a branch: what is before the edited message is sent
            line = glance.expected_line(self.session, composer.text, self._turns, images,
                                        self.editing[1], draft_only)
            composer.border_subtitle = plain(f"branch: {line}")
            return
        composer.border_subtitle = plain(glance.expected_line(self.session, composer.text, self._turns,
                                                              images, draft_only=draft_only))

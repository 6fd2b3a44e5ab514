"""Keep-warm on the chat screen: its plan beside the cache countdown, its pings on time, the
palette's on/off switch. A mixin of MainScreen (kept apart so the screen stays small); the
decisions are core.keepwarm's."""

from __future__ import annotations

import time

from textual import work

from chattui.core.keepwarm import KeepWarm, Plan
from chattui.screens.chat_host import ChatScreenHost


class KeepWarmControls(ChatScreenHost):
    keep_warm: KeepWarm
    _ping_worker = None

    def _keep_warm_plan(self) -> Plan:
        """The plan for the status bar (called once a second); sends the ping when it is due."""
        plan = self.keep_warm.plan(self._turns)
        due = plan.at is not None and plan.at <= time.time()
        if due and not self.session.busy and self.session.conversation is not None:
            self._ping_worker = self._keep_warm_ping()
        return plan

    @work(group="keep-warm", exclusive=True, exit_on_error=False)
    async def _keep_warm_ping(self) -> None:
        outcome = await self.keep_warm.ping()
        if outcome is not None:
            self._show_figures()
            self.notify(f"Keep-warm ping {self.keep_warm.pings}/{self.keep_warm.policy.max_pings}:"
                        f" {outcome.cost}", timeout=4)

    async def _ping_done(self) -> None:
        """A ping in flight holds the session for a moment: a turn waits for it."""
        if self._ping_worker is not None:
            await self._ping_worker.wait()
            self._ping_worker = None

    def action_keep_warm(self) -> None:
        """Switch keep-warm on or off for this session."""
        on = self.keep_warm.toggle()
        self._tick()
        self.notify("Keep-warm on: " + (self.keep_warm.plan(self._turns).text() or "idle")
                    if on else "Keep-warm off")

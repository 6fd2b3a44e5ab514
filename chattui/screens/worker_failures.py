"""Workers started with `exit_on_error=False` do not stop the app when they fail; a screen
that runs them mixes this in so that such a failure is still seen (ChatApp.worker_failed
logs it and shows a toast)."""

from __future__ import annotations

from typing import Any

from textual.worker import Worker, WorkerState


class ReportsFailedWorkers:
    app: Any

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            self.app.worker_failed(event.worker)

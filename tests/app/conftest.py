"""Pilot-test helpers: the real app from `make_app`, the real SDK, the emulator on loopback."""

from __future__ import annotations

import pytest

from chattui import trust
from chattui.app import make_app
from chattui.config import load_settings
from tests.app.pilot import API_KEY


@pytest.fixture
def settings_for(emulator, tmp_path):
    """Settings as the CLI would build them, pointed at the emulator and a temp data dir."""

    def build(environ: dict | None = None, trusted: bool = True, **flags):
        """With `trusted`, the test's `.chattui/` (its working directory) is allowed first."""
        env = {"OPENAI_API_KEY": API_KEY, "CHATTUI_CONFIG_DIR": str(tmp_path / "config"),
               **(environ or {})}
        flags = {"base_url": emulator.openai_base_url, "data_dir": str(tmp_path / "data"), **flags}
        if trusted and (local := trust.local_files(tmp_path, tmp_path / "config")):
            trust.allow(local, tmp_path / "config" / trust.TRUST_FILE)
        return load_settings(flags, environ=env, cwd=tmp_path)

    return build


@pytest.fixture
def app_for(settings_for, tmp_path):
    def build(environ: dict | None = None, trusted: bool = True, **flags):
        return make_app(settings_for(environ, trusted, **flags), cwd=tmp_path)

    return build


@pytest.fixture(autouse=True)
def quick_app(monkeypatch):
    """The chat screen's once-a-second refresh and the composer's estimate debounce run
    sooner, so that tests waiting on them (countdowns, keep-warm pings, estimates) wait
    less real time; what they show is the same. No full garbage collection at each app
    start (in a test process it scans every test's objects: ~0.2 s of CPU a start). The
    price data is loaded up front, as for a user who waits a moment after the first frame
    (the app loads it in a thread then; a figure asked for sooner waits for it)."""
    from chattui.app import ChatApp
    from chattui.core import pricing
    from chattui.screens.main import MainScreen

    monkeypatch.setattr(MainScreen, "TICK_SECONDS", 0.2)
    monkeypatch.setattr(MainScreen, "ESTIMATE_DELAY", 0.05)
    monkeypatch.setattr(ChatApp, "TUNE_GC", False)
    pricing.warm_up()

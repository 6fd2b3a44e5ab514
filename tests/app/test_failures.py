"""Failures nobody expected are seen: a worker that fails is logged (API keys masked) and
toasted, never passed off as "Not sent"; a crash exits 1 with one line naming the log."""

from __future__ import annotations

import subprocess
import sys


from chattui.app import ChatApp
from chattui.cli import _run_app
from chattui.failures import LOG_NAME
from chattui.widgets.composer import Composer
from tests.app.pilot import API_KEY, send, settle, views, wait_until


async def test_a_bug_in_a_turn_is_logged_and_toasted_not_called_not_sent(app_for, tmp_path):
    app = app_for()
    async with app.run_test(size=(100, 30)) as pilot:
        toasts: list[str] = []
        app.notify = lambda message, **kw: toasts.append(message)  # type: ignore[method-assign]

        async def broken_send(*args, **kwargs):
            raise RuntimeError(f"a bug, near the key {API_KEY}")

        app.session.send = broken_send  # type: ignore[method-assign]
        await send(pilot, "hello")
        assert await wait_until(pilot, lambda: toasts)
        await settle(pilot)
        assert not [v for v in views(app) if "Not sent" in v.text]
    log = (tmp_path / "data" / LOG_NAME).read_text(encoding="utf-8")
    assert toasts[0].splitlines()[0] == "run_turn failed: RuntimeError: a bug, near the key [redacted]"
    assert str(tmp_path / "data" / LOG_NAME) in toasts[0]
    assert "Traceback" in log and "RuntimeError: a bug" in log and "broken_send" in log
    assert API_KEY not in log and API_KEY not in "".join(toasts)


async def test_a_refused_turn_still_says_not_sent(app_for, tmp_path):
    app = app_for()
    async with app.run_test(size=(100, 30)) as pilot:
        store = app.session.store

        def full(*args, **kwargs):
            raise store.errors[0]("database or disk is full")

        store.add_user_message = full  # type: ignore[method-assign]
        await send(pilot, "hello")
        await settle(pilot)
        assert views(app)[-1].role == "notice" and "Not sent: database or disk is full" in views(app)[-1].text
        assert app.screen.query_one(Composer).text == "hello"
    assert not (tmp_path / "data" / LOG_NAME).exists()


def test_a_crash_in_the_app_exits_1_with_one_line_naming_the_log(app_for, settings_for, tmp_path,
                                                                  capfd, monkeypatch):
    app = app_for()

    def crash(self) -> None:
        raise ZeroDivisionError(f"crash next to {API_KEY}")

    app.__class__ = type("CrashingApp", (ChatApp,), {"on_ready": crash})
    monkeypatch.setattr("chattui.app.start_app", lambda settings, **options: app)
    assert _run_app(settings_for(), headless=True, size=(100, 30)) == 1
    assert_one_crash_line(capfd, tmp_path / "data" / LOG_NAME, "ZeroDivisionError: crash next to")


def assert_one_crash_line(capfd, log_file, error: str) -> None:
    """One line on stderr names the error (the key masked) and the log, which has the traceback."""
    printed = [line for line in capfd.readouterr().err.splitlines() if line.strip()]
    assert printed == [f"chattui crashed ({error} [redacted]); the traceback is in {log_file}"]
    log = log_file.read_text(encoding="utf-8")
    assert error.split(":")[0] in log and "Traceback" in log and API_KEY not in log


def test_a_crash_at_start_up_exits_1_with_one_line_naming_the_log(tmp_path):
    data = tmp_path / "data"
    env = {"CHATTUI_DATA_DIR": str(data), "CHATTUI_CONFIG_DIR": str(tmp_path / "config"),
           "OPENAI_API_KEY": API_KEY, "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    breaks_start_app = ("import chattui.app, chattui.cli\n"
                        "def start_app(settings, **options): raise LookupError('no such widget')\n"
                        "chattui.app.start_app = start_app\n"
                        "raise SystemExit(chattui.cli.main([]))")
    done = subprocess.run([sys.executable, "-c", breaks_start_app], env=env, capture_output=True,
                          text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"chattui crashed (LookupError: no such widget); the traceback is in {data / LOG_NAME}"]
    assert "Traceback" in (data / LOG_NAME).read_text(encoding="utf-8")


def test_a_crash_while_the_chat_is_built_after_the_first_frame_exits_1_naming_the_log(
        settings_for, tmp_path, capfd, monkeypatch):
    def broken(app, settings, store=None, provider=None):
        raise LookupError(f"no such persona near {API_KEY}")

    monkeypatch.setattr("chattui.assemble.assemble", broken)
    assert _run_app(settings_for(), headless=True, size=(100, 30)) == 1
    assert_one_crash_line(capfd, tmp_path / "data" / LOG_NAME, "LookupError: no such persona near")

"""The database on disk: private permissions, one clear line (and exit 1) for a corrupt
database or a data dir that cannot be written, and a crash never exits 0."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys

import pytest

from chattui.store import DB_NAME, Store
from tests import terminal


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_new_data_dir_is_0700_and_the_database_files_0600(tmp_path):
    data = tmp_path / "new" / "data"
    store = Store(data / DB_NAME)
    c = store.create_conversation("openai", "m")
    store.add_user_message(c.id, "hello")
    assert mode(data) == 0o700
    for name in (DB_NAME, DB_NAME + "-wal", DB_NAME + "-shm"):
        assert (data / name).exists() and mode(data / name) == 0o600, name
    store.close()


def test_an_existing_world_readable_database_is_made_private(tmp_path):
    Store(tmp_path / DB_NAME).close()
    os.chmod(tmp_path / DB_NAME, 0o644)
    Store(tmp_path / DB_NAME).close()
    assert mode(tmp_path / DB_NAME) == 0o600


def chattui(*argv, cwd) -> tuple[int, list[str]]:
    """Exit code and the lines printed: a subcommand's on stderr; the app's (`--emulator`) as
    a user sees them in the terminal once its screen closed (its first frame is drawn before
    the store opens)."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("CHATTUI_", "OPENAI_"))}
    environ.update(CHATTUI_CONFIG_DIR=str(cwd / "config"), TERM="xterm-256color")
    if argv[0] == "--emulator":
        return terminal.run(list(argv), environ, cwd=cwd)
    done = subprocess.run([sys.executable, "-m", "chattui", *argv], capture_output=True, text=True,
                          cwd=cwd, env=environ, timeout=60, stdin=subprocess.DEVNULL)
    return done.returncode, [line for line in done.stderr.splitlines() if line.strip()]


@pytest.mark.parametrize("argv", [["--emulator"], ["ls"], ["export", "last"], ["stats"]])
def test_a_corrupt_database_is_one_line_naming_the_file_and_exit_1(tmp_path, argv):
    data = tmp_path / "data"
    data.mkdir()
    (data / DB_NAME).write_bytes(b"this is not SQLite at all" * 100)
    code, printed = chattui(*argv, "--data-dir", str(data), cwd=tmp_path)
    assert code == 1
    assert len(printed) == 1 and "Traceback" not in printed[0], printed
    assert str(data / DB_NAME) in printed[0] and "not a chattui database" in printed[0]
    assert "move it aside" in printed[0]


MINIMAL_EXPORT = json.dumps({
    "format": "chattui.conversation", "version": 1, "messages": [], "turns": [],
    "conversation": {"id": "abc", "title": "t", "provider": "openai", "model": "m",
                     "mode": "full", "created_at": 1, "updated_at": 2}})


@pytest.mark.parametrize("argv", [["--emulator"], ["import", "export.json"]])
def test_a_data_dir_that_cannot_be_written_is_one_line_and_exit_1(tmp_path, argv):
    (tmp_path / "export.json").write_text(MINIMAL_EXPORT)
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the data dir should be")
    code, printed = chattui(*argv, "--data-dir", str(blocker / "data"), cwd=tmp_path)
    assert code == 1
    assert len(printed) == 1 and "Traceback" not in printed[0], printed
    assert str(blocker / "data") in printed[0] and "--data-dir" in printed[0]


def test_a_crash_in_the_app_exits_non_zero(tmp_path, monkeypatch):
    from chattui.widgets.textual_compat import CrashReportingApp

    from chattui import app as app_module
    from chattui import cli

    class Crashing(CrashReportingApp):
        session = None  # what start_app's app carries; nothing unsaved here
        start_error = None

        def on_mount(self) -> None:
            raise RuntimeError("boom")

        def run(self, **kwargs):
            return super().run(headless=True)

    monkeypatch.setattr(app_module, "start_app", lambda settings, **options: Crashing())
    monkeypatch.setenv("CHATTUI_CONFIG_DIR", str(tmp_path / "config"))
    assert cli.main(["--data-dir", str(tmp_path / "data"), "--emulator"]) == 1

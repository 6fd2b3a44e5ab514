"""kill -9 mid-reply: the real `chattui` process in a pseudo-terminal, killed while it streams."""

from __future__ import annotations

import os
import signal
import sqlite3
import time

from chattui.emulator import Fault, Reply
from chattui.store import Store
from tests.app.pilot import API_KEY, settle, views
from tests.terminal import spawn


def _reply_text(db_path) -> str:
    """The stored reply so far ("" before the app has created the database and its tables:
    the start screen takes keys before the store is opened)."""
    if not db_path.exists():
        return ""
    with sqlite3.connect(db_path, timeout=5) as db:
        try:
            row = db.execute("SELECT content FROM messages WHERE role='assistant'").fetchone()
        except sqlite3.OperationalError:  # the file is there, its tables not yet
            return ""
    return row[0] if row else ""


def _wait_for(predicate, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


async def test_sigkill_mid_stream_leaves_question_and_partial_reply_marked_interrupted(
        emulator, tmp_path, app_for):
    emulator.queue(Fault(chunks_per_second=20, reply=Reply(text="token " * 600, chunks=600)))
    data = tmp_path / "data"
    env = {**os.environ, "TERM": "xterm-256color", "OPENAI_API_KEY": API_KEY,
           "OPENAI_BASE_URL": emulator.openai_base_url, "CHATTUI_DATA_DIR": str(data),
           "CHATTUI_CONFIG_DIR": str(tmp_path / "config")}
    shown = bytearray()
    process, master, _reader = spawn([], env, shown)
    try:
        assert _wait_for(lambda: (data / "chattui.db").exists()), "chattui did not start"
        # type once the first frame is drawn: the composer (titled "Message") has the focus
        assert _wait_for(lambda: b"Message" in shown), "chattui drew no composer"
        os.write(master, b"please write a lot\r")
        # the reply is saved while it streams: wait until a second's worth is on disk
        assert _wait_for(lambda: len(_reply_text(data / "chattui.db")) > 30)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
        os.close(master)

    partial = _reply_text(data / "chattui.db")
    store = Store(data / "chattui.db")
    assert store.recovered == 1
    conversation = store.latest_conversation()
    user, reply = store.messages(conversation.id)
    assert (user.role, user.content) == ("user", "please write a lot")
    assert reply.status == "interrupted" and reply.content == partial
    assert partial.startswith("token token") and len(partial) < len("token " * 600)
    requests_before = len(emulator.requests)
    store.close()

    app = app_for(continue_last=True)
    async with app.run_test() as pilot:
        await settle(pilot)
        shown = [v for v in views(app) if v.role != "notice"]
        assert [v.text for v in shown] == ["please write a lot", partial]
        assert "interrupted" in str(shown[-1].query_one(".role").render())
        assert len(emulator.requests) == requests_before  # nothing was re-sent on its own

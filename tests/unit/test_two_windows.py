"""Two chattui windows on one data dir: a live reply is never marked interrupted by the other
window; it is once the process that streamed it is gone."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from chattui.core.models import INTERRUPTED, STREAMING, TurnMeta
from chattui.store import Store

META = TurnMeta("openai", "gpt-4.1-mini", "api.openai.com", "assistant", "fp", "chat")


def streaming_turn(store: Store):
    c = store.create_conversation("openai", "gpt-4.1-mini")
    user = store.add_user_message(c.id, "a long question")
    turn = store.start_turn(c.id, user.id, META)
    store.save_partial(turn, "half of the")
    return c.id, turn


def test_a_second_store_leaves_a_live_reply_alone(tmp_path):
    window_a = Store(tmp_path / "c.db")
    cid, turn = streaming_turn(window_a)
    window_b = Store(tmp_path / "c.db")
    assert window_b.recovered == 0
    assert window_b.get_turn(turn.id).status == STREAMING
    [(elsewhere, who)] = window_b.streaming_elsewhere(cid)
    assert elsewhere.id == turn.id and who.startswith("pid ")
    assert window_a.streaming_elsewhere(cid) == []  # its own reply is not "elsewhere"
    window_a.close()  # window A is gone: now the turn was cut short
    assert window_b.mark_interrupted() == 1
    assert window_b.get_turn(turn.id).status == INTERRUPTED
    window_b.close()


WINDOW = textwrap.dedent("""
    import sys
    from chattui.core.models import TurnMeta
    from chattui.store import Store
    store = Store(sys.argv[1])
    c = store.create_conversation("openai", "m")
    user = store.add_user_message(c.id, "q")
    turn = store.start_turn(c.id, user.id, TurnMeta("openai", "m"))
    print(turn.id, flush=True)
    sys.stdin.read()  # streams until told to stop
""")


def test_another_process_streaming_is_alive_until_it_dies(tmp_path):
    path = tmp_path / "c.db"
    other = subprocess.Popen([sys.executable, "-c", WINDOW, str(path)], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    try:
        turn_id = int(other.stdout.readline())
        second = Store(path)
        assert second.recovered == 0 and second.get_turn(turn_id).status == STREAMING
        second.close()
    finally:
        other.kill()
        other.wait()
    third = Store(path)  # killed mid-reply: interrupted now
    assert third.recovered == 1 and third.get_turn(turn_id).status == INTERRUPTED
    third.close()

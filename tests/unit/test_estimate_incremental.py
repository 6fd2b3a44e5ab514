"""The composer's estimate in a long conversation: a pause in typing counts the draft, not the
history again (no re-tokenizing, no re-reading every stored message), and the figure is the
same as a full count; what changes the history outside this session still shows at once."""

from __future__ import annotations

import pytest

from chattui.core import tokens
from chattui.core.chat import ChatSession
from chattui.core.models import COMPLETE, TurnMeta, TurnResult
from chattui.core.personas import load_personas
from chattui.core.usage import Usage
from chattui.store import Store

META = TurnMeta("openai", "gpt-4.1-mini", "api.openai.com", "assistant", "fp", "chat")
TURNS = 40


def seeded(store: Store, turns: int = TURNS):
    conversation = store.create_conversation("openai", "gpt-4.1-mini")
    for i in range(turns):
        user = store.add_user_message(conversation.id, f"question {i}: " + "words " * (i + 3))
        turn = store.start_turn(conversation.id, user.id, META)
        store.finish_turn(turn, TurnResult(COMPLETE, f"answer {i} " + "text " * (i + 5),
                                           Usage(input_total=10, output=5), 0.0, f"r{i}"))
    return store.get_conversation(conversation.id)


@pytest.fixture
def session(tmp_path):
    store = Store(tmp_path / "c.db")
    persona = load_personas(tmp_path / "config", None).get("assistant")
    session = ChatSession(store, None, provider_name="openai", model="gpt-4.1-mini",
                          persona=persona, conversation=seeded(store))
    yield session
    store.close()


@pytest.fixture
def counted(monkeypatch):
    """Every text tokens.count() is asked for, in order."""
    texts: list[str] = []
    real = tokens.count

    def spy(text: str) -> tokens.TokenCount:
        texts.append(text)
        return real(text)

    monkeypatch.setattr(tokens, "count", spy)
    return texts


def test_a_pause_in_typing_counts_only_the_draft(session, counted, monkeypatch):
    history = [m.content for m in session.messages()]
    first = session.estimate("hel")  # the history is counted once
    assert set(history) <= set(counted)
    reads = []
    real_messages = session.store.messages
    monkeypatch.setattr(session.store, "messages", lambda *a, **k: reads.append(a) or real_messages(*a, **k))
    counted.clear()
    figures = [session.estimate(draft, draft_only=True) for draft in ("hello", "hello there", "hello there, how")]
    assert not set(history) & set(counted), "the history was tokenized again"
    assert reads == [], "every stored message was read again"
    assert set(counted) <= {"hello", "hello there", "hello there, how", session.persona.system}
    full = session.estimate("hello there, how")  # a full count agrees with the kept one
    assert figures[-1] == full and full.n > first.n
    assert figures[0].n == first.n + tokens.count("hello").n - tokens.count("hel").n


def test_a_message_stored_by_another_window_is_counted_at_once(session):
    before = session.estimate("draft")
    other = Store(session.store.path)  # a second window on the same database
    added = other.add_user_message(session.conversation.id, "a question from the other window")
    other.close()
    after = session.estimate("draft", draft_only=True)
    assert after.n == before.n + tokens.count(added.content).n + 4


def test_a_persona_switch_changes_the_figure_even_while_typing(session, tmp_path):
    before = session.estimate("draft", draft_only=True)
    session.persona = load_personas(tmp_path / "config", None).get("styleguide")
    after = session.estimate("draft", draft_only=True)
    assert after.n - before.n == tokens.count(session.persona.system).n - tokens.count(
        load_personas(tmp_path / "config", None).get("assistant").system).n


def test_another_conversation_is_counted_afresh(session, tmp_path):
    long = session.estimate("draft", draft_only=True)
    session.conversation = seeded(session.store, turns=2)
    short = session.estimate("draft", draft_only=True)
    assert short.n < long.n
    assert short == session.estimate("draft")

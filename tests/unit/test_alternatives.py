"""Reply alternatives in the store: one active reply per question, the active one is sent."""

from chattui.core import alternatives
from chattui.core.models import COMPLETE, FAILED, TurnMeta, TurnResult
from chattui.core.request import history
from chattui.core.usage import Usage
from chattui.store import Store

META = TurnMeta("openai", "gpt-4.1-mini", "api.openai.com", "assistant", "abc123")


def _reply(store, conversation_id, question_id, text, status=COMPLETE):
    turn = store.start_turn(conversation_id, question_id, META)
    return store.finish_turn(turn, TurnResult(status, text, Usage(input_total=10, output=2), None, None))


def test_the_active_alternative_is_the_one_sent_and_a_branch_keeps_the_choice(tmp_path):
    store = Store(tmp_path / "c.db")
    conversation = store.create_conversation("openai", "gpt-4.1-mini", "assistant")
    question = store.add_user_message(conversation.id, "q")
    first = _reply(store, conversation.id, question.id, "one")
    store.set_active_reply(question.id, alternatives.NONE_ACTIVE)
    second = _reply(store, conversation.id, question.id, "two")
    _reply(store, conversation.id, question.id, "", status=FAILED)  # not an alternative
    assert store.reply_alternatives(question.id) == [first.reply_message_id, second.reply_message_id]
    assert [m.content for m in history(store.messages(conversation.id))] == ["q", "two"]
    assert alternatives.positions(store.turns(conversation.id)) == {
        first.reply_message_id: (1, 2), second.reply_message_id: (2, 2)}

    store.set_active_reply(question.id, first.reply_message_id)
    assert [m.content for m in history(store.messages(conversation.id))] == ["q", "one"]
    branch = store.duplicate_conversation(conversation.id)
    assert [m.content for m in history(store.messages(branch.id))] == ["q", "one"]
    assert [(m.content, m.inactive) for m in store.messages(branch.id) if m.role == "assistant"] == [
        ("one", False), ("two", True), ("", True)]

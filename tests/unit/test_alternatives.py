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


def _turn(store, conversation_id, text, reply):
    question = store.add_user_message(conversation_id, text)
    return question.id, _reply(store, conversation_id, question.id, reply).reply_message_id


def _shown(store, conversation_id):
    return [m.content for m in history(store.messages(conversation_id))]


def test_an_earlier_reply_regenerated_keeps_its_later_turns_on_its_own_line(tmp_path):
    from chattui.core.export import import_json, to_json

    store = Store(tmp_path / "c.db")
    conversation = store.create_conversation("openai", "gpt-4.1-mini", "assistant")
    cid = conversation.id
    q1, r1 = _turn(store, cid, "q1", "r1")
    q2, r2 = _turn(store, cid, "q2", "r2")
    _turn(store, cid, "q3", "r3")

    store.set_active_reply(q1, alternatives.NONE_ACTIVE)  # regenerate reply 1
    assert _shown(store, cid) == ["q1"]  # what the new reply is asked with
    new = _reply(store, cid, q1, "r1 again").reply_message_id
    assert _shown(store, cid) == ["q1", "r1 again"]
    _turn(store, cid, "q4", "r4")  # goes on from the new reply
    assert _shown(store, cid) == ["q1", "r1 again", "q4", "r4"]

    store.set_active_reply(q1, r1)  # back to the old reply: its turns are there again
    assert _shown(store, cid) == ["q1", "r1", "q2", "r2", "q3", "r3"]
    store.set_active_reply(q2, alternatives.NONE_ACTIVE)  # a reply inside that line
    _reply(store, cid, q2, "r2 again")
    assert _shown(store, cid) == ["q1", "r1", "q2", "r2 again"]
    store.set_active_reply(q1, new)
    assert _shown(store, cid) == ["q1", "r1 again", "q4", "r4"]
    store.set_active_reply(q1, r1)  # the choice made inside the old line is remembered
    assert _shown(store, cid) == ["q1", "r1", "q2", "r2 again"]
    store.set_active_reply(q2, r2)
    assert _shown(store, cid) == ["q1", "r1", "q2", "r2", "q3", "r3"]

    reopened = Store(tmp_path / "c.db")  # stored, not remembered in memory
    assert _shown(reopened, cid) == ["q1", "r1", "q2", "r2", "q3", "r3"]
    document = import_json(to_json(conversation, reopened.messages(cid), reopened.turns(cid)))
    copy = reopened.import_conversation(document)
    branch = reopened.duplicate_conversation(cid)
    for other in (copy.id, branch.id):  # a copy keeps the lines and the choices
        assert _shown(reopened, other) == ["q1", "r1", "q2", "r2", "q3", "r3"]
        question = next(m.id for m in reopened.messages(other) if m.content == "q1")
        reopened.set_active_reply(question, reopened.reply_alternatives(question)[1])
        assert _shown(reopened, other) == ["q1", "r1 again", "q4", "r4"]
    assert _shown(reopened, cid) == ["q1", "r1", "q2", "r2", "q3", "r3"]


def test_an_alternative_chosen_before_lines_existed_takes_the_turns_after_it(tmp_path):
    """A database from before store.lines: regenerated last reply, then the chat went on."""
    store = Store(tmp_path / "c.db")
    cid = store.create_conversation("openai", "gpt-4.1-mini", "assistant").id
    q1, r1 = _turn(store, cid, "q1", "r1")
    store.db.execute("UPDATE messages SET inactive = 1, set_aside = 1 WHERE id = ?", (r1,))
    new = _reply(store, cid, q1, "r1 again").reply_message_id
    _turn(store, cid, "q2", "r2")
    store.db.commit()
    store.set_active_reply(q1, r1)
    assert _shown(store, cid) == ["q1", "r1"]
    store.set_active_reply(q1, new)
    assert _shown(store, cid) == ["q1", "r1 again", "q2", "r2"]


def test_a_message_on_a_line_not_shown_is_revealed_by_choosing_its_replies(tmp_path):
    from types import SimpleNamespace

    store = Store(tmp_path / "c.db")
    cid = store.create_conversation("openai", "gpt-4.1-mini", "assistant").id
    session = SimpleNamespace(store=store, messages=lambda: store.messages(cid),
                              turns=lambda: store.turns(cid))
    q1, r1 = _turn(store, cid, "q1", "r1")
    q2, r2 = _turn(store, cid, "q2", "r2")
    store.set_active_reply(q2, alternatives.NONE_ACTIVE)
    _reply(store, cid, q2, "r2 again")
    store.set_active_reply(q1, alternatives.NONE_ACTIVE)
    _reply(store, cid, q1, "r1 again")
    assert _shown(store, cid) == ["q1", "r1 again"]
    assert alternatives.reveal(session, r2)  # nested two lines deep: a search hit there
    assert _shown(store, cid) == ["q1", "r1", "q2", "r2"]
    assert not alternatives.reveal(session, r2)  # shown already


def test_pages_of_a_long_conversation_read_only_the_line_shown(tmp_path):
    store = Store(tmp_path / "c.db")
    cid = store.create_conversation("openai", "gpt-4.1-mini", "assistant").id
    q1, _ = _turn(store, cid, "q1", "r1")
    for n in range(2, 30):
        _turn(store, cid, f"q{n}", f"r{n}")
    store.set_active_reply(q1, alternatives.NONE_ACTIVE)
    _reply(store, cid, q1, "r1 again")
    assert [m.content for m in store.latest_messages(cid, 10)] == ["q1", "r1 again"]
    assert store.count_messages(cid) == 2


def _answered(store: Store, conversation_id: str, question_id: int, text: str) -> int:
    turn = store.start_turn(conversation_id, question_id, TurnMeta("openai", "gpt-4.1-mini"))
    store.finish_turn(turn, TurnResult(COMPLETE, text, Usage(input_total=10, output=5), 0.0001))
    return turn.reply_message_id


def test_the_turns_of_a_page_place_each_of_its_replies_as_all_the_turns_do():
    """A long conversation opens with the turns of its last page only: a reply regenerated
    later (so its alternatives straddle the page's start) keeps its place among them."""
    store = Store(":memory:")
    conversation = store.create_conversation("openai", "gpt-4.1-mini", "assistant")
    questions = []
    for n in range(12):
        questions.append(store.add_user_message(conversation.id, f"q{n}").id)
        _answered(store, conversation.id, questions[-1], f"a{n}")
    again = [_answered(store, conversation.id, questions[5], f"a5 again {k}") for k in range(2)]
    every = alternatives.positions(store.turns(conversation.id))
    assert every[again[-1]] == (3, 3)
    ids = [m.id for m in store.messages(conversation.id)]
    for first in ids:
        for before in (None, *[i for i in ids if i > first]):
            shown = [i for i in ids if i >= first and (before is None or i < before)]
            page = alternatives.positions(store.turns_of_messages(conversation.id, first, before))
            assert {i: page.get(i) for i in shown} == {i: every.get(i) for i in shown}
    last_page = store.turns_of_messages(conversation.id, questions[-1])
    assert len(last_page) == 4 < len(store.turns(conversation.id))  # the last question's, question 5's three

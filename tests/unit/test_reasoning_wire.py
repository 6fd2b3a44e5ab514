"""Reasoning through the real SDKs against the emulator: streamed, stored, sent back."""

from __future__ import annotations

import json

import pytest

from chattui.core.chat import ChatSession
from chattui.core.events import ReasoningDelta, ReasoningDone
from chattui.core.reasoning import REDACTED_TEXT, Reasoning
from chattui.core.request import ChatRequest
from chattui.emulator import Reply, ToolCall
from chattui.emulator.anthropic_messages import signature
from chattui.providers.openai_responses import OpenAIResponsesProvider
from chattui.providers.registry import make_provider
from chattui.store.db import Store
from tests.stream_events import collect, text_of, usage_of, user

THINKING = "First I weigh the question.\n\nThen I answer it."


async def ignore(text: str) -> None:
    pass


@pytest.fixture
def session_for(emulator, tmp_path):
    made = []

    def build(provider: str, model: str, api: str = "chat", **options):
        base = emulator.base_url if provider == "anthropic" else emulator.openai_base_url
        adapter = make_provider(provider, "sk-test-key", base, api=api)
        for key, value in options.items():
            setattr(adapter, key, value)
        made.append(adapter)
        return ChatSession(Store(tmp_path / f"{provider}-{api}.db"), adapter,
                           provider_name=provider, model=model)

    yield build


async def test_anthropic_sdk_parses_thinking_signature_and_redacted_blocks(emulator, anthropic_client):
    emulator.queue(Reply(text="Answer.", thinking=THINKING, redacted_thinking=True))
    async with anthropic_client.messages.stream(
            model="claude-sonnet-5", max_tokens=8000, messages=[{"role": "user", "content": "Hi"}],
            thinking={"type": "enabled", "budget_tokens": 2048}) as stream:
        message = await stream.get_final_message()
    thinking, redacted, text = message.content
    assert (thinking.type, thinking.thinking, thinking.signature) == ("thinking", THINKING, signature(THINKING))
    assert redacted.type == "redacted_thinking" and redacted.data
    assert text.text == "Answer."
    assert message.usage.output_tokens > 0


async def test_anthropic_thinking_is_stored_and_the_tool_loop_sends_it_back_byte_for_byte(
        session_for, emulator):
    session = session_for("anthropic", "claude-sonnet-5")
    session.reasoning_level = "low"
    emulator.queue(Reply(thinking=THINKING, redacted_thinking=True,
                         tool_calls=(ToolCall("lookup", {"q": "x"}, id="toolu_1"),)),
                   Reply(text="Done."))
    streamed: list[str] = []

    async def on_thinking(text: str) -> None:
        streamed.append(text)

    session.reasoning_sink = on_thinking
    outcome = await session.send("look it up", ignore)
    assert "".join(streamed) == THINKING + REDACTED_TEXT
    first = emulator.requests[0].json
    assert first["thinking"] == {"type": "enabled", "budget_tokens": 1024}
    assert first["max_tokens"] > 1024

    reply = session.messages()[-1]
    assert [b.kind for b in reply.reasoning.blocks] == ["thinking", "redacted_thinking"]
    assert reply.reasoning.text == THINKING + "\n\n" + REDACTED_TEXT
    assert reply.reasoning.tokens == outcome.turn.usage.reasoning > 0

    (call,) = session.pending_tool_calls()
    await session.answer_tools([(call, "found")], ignore)
    second = emulator.requests[1]
    assert second.status == 200
    sent_back = second.json["messages"][1]["content"]
    assert sent_back[0] == {"type": "thinking", "thinking": THINKING, "signature": signature(THINKING)}
    assert json.dumps(sent_back[0]) == json.dumps(reply.reasoning.blocks[0].raw)
    assert sent_back[1]["type"] == "redacted_thinking"
    assert sent_back[2]["type"] == "tool_use"
    assert session.messages()[-1].content == "Done."


async def test_emulator_refuses_a_tool_loop_without_the_signed_thinking(anthropic_client, emulator):
    import anthropic

    messages = [{"role": "user", "content": "q"},
                {"role": "assistant", "content": [
                    {"type": "thinking", "thinking": THINKING, "signature": "forged"},
                    {"type": "tool_use", "id": "t1", "name": "lookup", "input": {}}]},
                {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "x"}]}]
    with pytest.raises(anthropic.BadRequestError, match="Invalid `signature`"):
        await anthropic_client.messages.create(model="claude-sonnet-5", max_tokens=4000,
                                               messages=messages)
    messages[1]["content"].pop(0)
    with pytest.raises(anthropic.BadRequestError, match="must start with a thinking block"):
        await anthropic_client.messages.create(
            model="claude-sonnet-5", max_tokens=4000, messages=messages,
            thinking={"type": "enabled", "budget_tokens": 1024})


async def test_responses_summary_parts_and_encrypted_items_parse_and_go_back_in_full_mode(
        session_for, emulator, openai_client):
    emulator.queue(Reply(text="Hi.", thinking=THINKING))
    stream = await openai_client.responses.create(
        model="gpt-5.5", input="Hi", stream=True, store=False,
        reasoning={"effort": "low", "summary": "auto"}, include=["reasoning.encrypted_content"])
    events = [event async for event in stream]  # the SDK validates each event's type
    kinds = [e.type for e in events]
    assert "response.reasoning_summary_part.added" in kinds
    done = [e for e in events if e.type == "response.output_item.done" and e.item.type == "reasoning"]
    assert done[0].item.summary[0].text == THINKING and done[0].item.encrypted_content

    session = session_for("openai", "gpt-5.5", api="responses", store=False)
    session.reasoning_level = "medium"
    emulator.queue(Reply(text="One.", thinking=THINKING), Reply(text="Two."))
    await session.send("first", ignore)
    await session.send("second", ignore)
    first, second = emulator.requests[-2:]
    assert first.json["reasoning"] == {"effort": "medium", "summary": "auto"}
    assert first.json["include"] == ["reasoning.encrypted_content"]
    stored = session.messages()[1].reasoning.blocks[0]
    assert stored.text == THINKING
    reasoning_items = [i for i in second.json["input"] if i.get("type") == "reasoning"]
    assert reasoning_items == [stored.raw] and stored.raw["encrypted_content"]


async def test_responses_chained_mode_sends_nothing_extra(emulator):
    adapter = OpenAIResponsesProvider("openai", "sk-test", emulator.openai_base_url, max_retries=0)
    emulator.queue(Reply(text="Hi.", thinking=THINKING))
    events = await collect(adapter, ChatRequest("gpt-5.5", (user("Hi"),), reasoning="high"))
    (done,) = [e for e in events if isinstance(e, ReasoningDone)]
    assert done.block.raw.get("encrypted_content") is None  # stored on the server instead
    assert "".join(e.text for e in events if isinstance(e, ReasoningDelta)) == THINKING
    chained = ChatRequest("gpt-5.5", (user("again"),), previous_response_id="resp_x")
    assert all(i.get("type") != "reasoning" for i in adapter.body(chained)["input"])
    await adapter.aclose()


@pytest.mark.parametrize("provider, field", [("openai-compatible", "reasoning_content"),
                                             ("openrouter", "reasoning")])
async def test_chat_completions_reasoning_fields_stream_and_are_not_sent_back(
        emulator, session_for, provider, field):
    session = session_for("openai-compatible", "deepseek-reasoner")
    if provider == "openrouter":
        session.provider = make_provider("openai-compatible", "sk-or", emulator.openrouter_base_url)
    session.reasoning_level = "high"
    emulator.queue(Reply(text="Answer.", thinking=THINKING), Reply(text="More."))
    await session.send("q", ignore)
    assert emulator.requests[-1].json["reasoning_effort"] == "high"
    reply = session.messages()[-1]
    assert reply.content == "Answer." and reply.reasoning.text == THINKING
    await session.send("q2", ignore)
    assert all(field not in m and "reasoning_content" not in m
               for m in emulator.requests[-1].json["messages"])


async def test_chat_sdk_keeps_reasoning_content_as_an_extra_field(emulator, openai_client):
    emulator.queue(Reply(text="A.", thinking="Hmm."))
    stream = await openai_client.chat.completions.create(
        model="deepseek-reasoner", messages=[{"role": "user", "content": "q"}], stream=True)
    chunks = [c async for c in stream]
    assert "".join(getattr(c.choices[0].delta, "reasoning_content", None) or ""
                   for c in chunks if c.choices) == "Hmm."


def test_reasoning_round_trips_through_json():
    value = Reasoning.from_json(json.dumps({"blocks": [{"kind": "text", "text": "a", "raw": None}],
                                            "seconds": 1.5, "tokens": 3}))
    assert Reasoning.from_json(value.to_json()) == value


def _stored_with_thinking(tmp_path):
    from chattui.core.models import COMPLETE, TurnMeta, TurnResult
    from chattui.core.reasoning import ReasoningBlock

    store = Store(tmp_path / "x.db")
    conversation = store.create_conversation("anthropic", "claude-sonnet-5", None, "full", None)
    question = store.add_user_message(conversation.id, "why?")
    turn = store.start_turn(conversation.id, question.id, TurnMeta("anthropic", "claude-sonnet-5"))
    raw = {"type": "thinking", "thinking": "<b>not markup</b> & more", "signature": "sig=="}
    thinking = Reasoning((ReasoningBlock("thinking", raw["thinking"], raw),), 2.5, 12)
    store.finish_turn(turn, TurnResult(COMPLETE, "Because.", reasoning=thinking))
    return store, conversation


def test_exports_carry_thinking_whole_in_json_and_folded_in_markdown_and_html(tmp_path):
    from chattui.core.export import to_html, to_json, to_markdown

    store, conversation = _stored_with_thinking(tmp_path)
    messages, turns = store.messages(conversation.id), store.turns(conversation.id)
    document = json.loads(to_json(conversation, messages, turns))
    reply = document["messages"][1]["reasoning"]
    assert reply["blocks"][0]["raw"]["signature"] == "sig==" and reply["seconds"] == 2.5
    markdown = to_markdown(conversation, messages, turns)
    assert "<details>\n<summary>thinking · 12 tokens · 2.5 s</summary>" in markdown
    assert "<b>not markup</b> & more" in markdown.split("</details>")[0]
    page = to_html(conversation, messages, turns)
    assert ('<details class="thinking"><summary>thinking · 12 tokens · 2.5 s</summary>'
            "<pre>&lt;b&gt;not markup&lt;/b&gt; &amp; more</pre></details>") in page
    copy = store.import_conversation(json.loads(to_json(conversation, messages, turns)))
    assert store.messages(copy.id)[1].reasoning == messages[1].reasoning


@pytest.mark.parametrize("provider, api, model", [("anthropic", "chat", "claude-3-5-haiku-latest"),
                                                  ("openai", "responses", "gpt-4o"),
                                                  ("openai", "chat", "gpt-4.1-mini")])
async def test_a_model_that_cannot_reason_says_so_and_still_answers(session_for, emulator, provider,
                                                                   api, model):
    session = session_for(provider, model, api=api)
    session.reasoning_level = "medium"
    emulator.queue(Reply(text="Plain answer."), Reply(text="Again."))
    outcome = await session.send("q", ignore)
    assert outcome.note == f"⚠ {model} cannot reason: sent without thinking"
    assert outcome.turn.status == "complete" and session.messages()[-1].content == "Plain answer."
    assert [r.status for r in emulator.requests] == [400, 200]
    await session.send("q2", ignore)  # not asked again this session
    assert len(emulator.requests) == 3 and emulator.requests[-1].status == 200


async def test_a_changed_thinking_level_is_named_before_the_send(session_for, emulator):
    session = session_for("anthropic", "claude-sonnet-5")
    session.reasoning_level = "low"
    assert session.reasoning_change() is None  # nothing sent yet
    await session.send("q", ignore)
    assert session.reasoning_change() is None
    session.reasoning_level = "high"
    assert session.reasoning_change() == ("thinking changed: cached messages miss "
                                          "(system and tools stay cached)")


async def test_thinking_an_api_does_not_count_apart_is_still_shown_within_output(
        session_for, emulator, monkeypatch):
    from chattui.emulator import anthropic_messages

    real = anthropic_messages._usage
    monkeypatch.setattr(anthropic_messages, "_usage", lambda use, sent: {
        k: v for k, v in real(use, sent).items() if k != "output_tokens_details"})
    session = session_for("anthropic", "claude-sonnet-5")
    emulator.queue(Reply(text="Answer.", thinking=THINKING))
    outcome = await session.send("q", ignore)
    usage = outcome.turn.usage
    assert usage.output == emulator.requests[-1].usage["output_tokens"]
    assert 0 < usage.reasoning < usage.output


@pytest.mark.parametrize("stored", ['{"blocks": 3}', '{"blocks": [{"text": "no kind"}]}', "[1]",
                                    "not json"])
def test_malformed_stored_reasoning_reads_as_none(stored):
    assert Reasoning.from_json(stored) == Reasoning()

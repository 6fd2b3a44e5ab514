"""The Responses API through the real openai SDK: streams, storage, chaining, compaction."""

import json

import openai
import pytest

from chattui.emulator import Reply, ToolCall

MODEL = "gpt-4.1-mini"


async def test_stream_helper_builds_the_final_response(openai_client, emulator):
    emulator.queue(Reply(text="Streaming works.", chunks=4))
    async with openai_client.responses.stream(model=MODEL, input="Hi") as stream:
        deltas = [e.delta async for e in stream if e.type == "response.output_text.delta"]
        final = await stream.get_final_response()

    assert deltas == ["Stre", "amin", "g wo", "rks."]
    assert final.output_text == "Streaming works."
    assert final.status == "completed" and final.store is True
    assert final.usage.input_tokens == emulator.requests[-1].usage["input_tokens"]
    assert final.usage.input_tokens_details.cached_tokens == 0
    assert final.usage.input_tokens_details.cache_write_tokens == 0
    assert final.usage.total_tokens == final.usage.input_tokens + final.usage.output_tokens


async def test_raw_stream_events_have_scaffolding_and_sequence_numbers(openai_client):
    stream = await openai_client.responses.create(model=MODEL, input="Hi", stream=True)
    events = [event async for event in stream]

    types = [e.type for e in events]
    assert types[:4] == ["response.created", "response.in_progress",
                         "response.output_item.added", "response.content_part.added"]
    assert types[-4:] == ["response.output_text.done", "response.content_part.done",
                          "response.output_item.done", "response.completed"]
    assert set(types[4:-4]) == {"response.output_text.delta"}
    assert [e.sequence_number for e in events] == list(range(len(events)))
    assert events[0].response.usage is None and events[0].response.output == []
    assert events[-1].response.usage.output_tokens > 0
    delta_text = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    assert delta_text == events[-1].response.output[0].content[0].text


async def test_no_done_marker_on_the_wire(openai_client):
    async with openai_client.responses.with_streaming_response.create(
            model=MODEL, input="Hi", stream=True) as response:
        raw = (await response.read()).decode()

    frames = [f for f in raw.split("\n\n") if f]
    assert all(f.startswith("event: ") and "\ndata: " in f for f in frames)
    assert "[DONE]" not in raw


async def test_function_call_items(openai_client, emulator):
    emulator.queue(Reply(tool_calls=[ToolCall("lookup", {"q": "tides"}, id="call_9")]))
    tools = [{"type": "function", "name": "lookup", "parameters": {"type": "object"}}]
    async with openai_client.responses.stream(model=MODEL, input="Tides?", tools=tools) as stream:
        types = [e.type async for e in stream]
        final = await stream.get_final_response()

    call = final.output[0]
    assert (call.type, call.name, call.call_id) == ("function_call", "lookup", "call_9")
    assert json.loads(call.arguments) == {"q": "tides"}
    assert "response.function_call_arguments.delta" in types
    assert "response.function_call_arguments.done" in types


async def test_reasoning_item_and_tokens(openai_client, emulator):
    emulator.queue(Reply(text="Done.", reasoning_tokens=128))
    response = await openai_client.responses.create(model="o4-mini", input="Think.")

    assert [item.type for item in response.output] == ["reasoning", "message"]
    assert response.usage.output_tokens_details.reasoning_tokens == 128
    assert response.usage.output_tokens > 128


async def test_chain_counts_the_earlier_turns_but_not_their_instructions(openai_client):
    first = await openai_client.responses.create(
        model=MODEL, instructions="You are terse.", input="First question?")
    second = await openai_client.responses.create(
        model=MODEL, previous_response_id=first.id, input="Second?")
    by_hand = await openai_client.responses.input_tokens.count(model=MODEL, input=[
        {"role": "user", "content": "First question?"},
        {"role": "assistant", "content": first.output_text},
        {"role": "user", "content": "Second?"}])

    assert second.previous_response_id == first.id
    assert second.instructions is None
    # the earlier input and output count as prompt; the earlier instructions do not
    assert second.usage.input_tokens == by_hand.input_tokens
    assert second.usage.input_tokens > first.usage.input_tokens + first.usage.output_tokens


async def test_input_tokens_endpoint_matches_create(openai_client):
    first = await openai_client.responses.create(model=MODEL, input="Count me.")
    counted = await openai_client.responses.input_tokens.count(
        model=MODEL, previous_response_id=first.id, input="And me.")
    second = await openai_client.responses.create(
        model=MODEL, previous_response_id=first.id, input="And me.")

    assert counted.object == "response.input_tokens"
    assert counted.input_tokens == second.usage.input_tokens


async def test_retrieve_and_delete(openai_client):
    created = await openai_client.responses.create(model=MODEL, input="Keep me.")
    fetched = await openai_client.responses.retrieve(created.id)
    assert fetched.output_text == created.output_text

    assert await openai_client.responses.delete(created.id) is None
    with pytest.raises(openai.NotFoundError):
        await openai_client.responses.retrieve(created.id)


@pytest.mark.parametrize("how", ["unknown", "deleted", "not stored"])
async def test_previous_response_not_found(openai_client, how):
    if how == "unknown":
        missing = "resp_doesnotexist"
    else:
        created = await openai_client.responses.create(
            model=MODEL, input="x", store=how != "not stored")
        missing = created.id
        if how == "deleted":
            await openai_client.responses.delete(missing)

    with pytest.raises(openai.BadRequestError) as caught:
        await openai_client.responses.create(model=MODEL, previous_response_id=missing,
                                             input="again")

    error = caught.value
    assert error.status_code == 400
    assert error.code == "previous_response_not_found"
    assert error.param == "previous_response_id"
    assert error.body == {"message": f"Previous response with id '{missing}' not found.",
                          "type": "invalid_request_error", "param": "previous_response_id",
                          "code": "previous_response_not_found"}


async def test_compact_replaces_history_with_a_compaction_item(openai_client):
    history = [{"role": "user", "content": "word " * 300},
               {"role": "assistant", "content": "reply " * 300},
               {"role": "user", "content": "Next?"}]
    compacted = await openai_client.responses.compact(model=MODEL, input=history)

    assert compacted.object == "response.compaction"
    assert [item.type for item in compacted.output] == ["message", "message", "compaction"]
    assert compacted.usage.input_tokens > 600
    *users, compaction = compacted.output
    assert [u.content[0].text for u in users] == ["word " * 300, "Next?"]
    follow_up = [{"role": "user", "content": u.content[0].text} for u in users] + [
        {"type": "compaction", "encrypted_content": compaction.encrypted_content}]
    smaller = await openai_client.responses.input_tokens.count(model=MODEL, input=follow_up)
    full = await openai_client.responses.input_tokens.count(model=MODEL, input=history)
    assert smaller.input_tokens < full.input_tokens

"""Cached-token accounting over multi-turn conversations, per provider's rules.

With CHATTUI_TOKENIZER=approx, "ctx " * n is exactly n tokens, which makes the expected
numbers below exact.
"""

from itertools import pairwise

import anthropic
import openai
import pytest

from chattui.emulator import Emulator, GeminiRules, Rules

GPT = "gpt-4.1-mini"
CLAUDE = "claude-sonnet-5"


def ctx(n: int) -> str:
    return "ctx " * n


async def _chat_turns(client, model, system_tokens, turns, **extra):
    history = [{"role": "system", "content": ctx(system_tokens)}, {"role": "user", "content": "Q1"}]
    usages = []
    for turn in range(turns):
        reply = await client.chat.completions.create(model=model, messages=history, **extra)
        usages.append(reply.usage)
        history += [{"role": "assistant", "content": reply.choices[0].message.content},
                    {"role": "user", "content": f"Q{turn + 2}"}]
    return usages


async def test_openai_caches_the_earlier_prompt_in_128_token_steps(openai_client):
    usages = await _chat_turns(openai_client, GPT, 1100, 4)

    assert usages[0].prompt_tokens_details.cached_tokens == 0
    for before, now in pairwise(usages):
        cached = now.prompt_tokens_details.cached_tokens
        assert cached == before.prompt_tokens // 128 * 128
        assert cached >= 1024 and cached % 128 == 0
        assert now.prompt_tokens > cached  # prompt_tokens includes the cached part
        assert now.prompt_tokens_details.cache_write_tokens == 0  # pre-5.6 model


async def test_openai_does_not_cache_prompts_under_1024_tokens(openai_client):
    usages = await _chat_turns(openai_client, GPT, 700, 3)

    assert all(u.prompt_tokens < 1024 for u in usages)
    assert [u.prompt_tokens_details.cached_tokens for u in usages] == [0, 0, 0]


async def test_openai_entries_expire_after_the_idle_ttl(openai_client, emulator):
    messages = [{"role": "system", "content": ctx(1300)}, {"role": "user", "content": "Q"}]

    async def cached() -> int:
        reply = await openai_client.chat.completions.create(model=GPT, messages=messages)
        return reply.usage.prompt_tokens_details.cached_tokens

    assert await cached() == 0
    emulator.advance(599)
    assert await cached() == 1280  # a hit refreshes the entry ...
    emulator.advance(599)
    assert await cached() == 1280
    emulator.advance(601)  # ... and ten idle minutes expire it
    assert await cached() == 0


@pytest.mark.parametrize("change", ["system", "tools", "prompt_cache_key", "model"])
async def test_openai_prefix_identity(openai_client, change):
    base = {"model": GPT, "messages": [{"role": "system", "content": ctx(1300)},
                                       {"role": "user", "content": "Q"}]}
    tool = {"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}
    changed = {
        "system": {**base, "messages": [{"role": "system", "content": ctx(1300) + "!"},
                                        base["messages"][1]]},
        "tools": {**base, "tools": [tool]},
        "prompt_cache_key": {**base, "prompt_cache_key": "other-user"},
        "model": {**base, "model": "gpt-4.1"},
    }[change]
    await openai_client.chat.completions.create(**base)
    again = await openai_client.chat.completions.create(**base)
    other = await openai_client.chat.completions.create(**changed)

    assert again.usage.prompt_tokens_details.cached_tokens == 1280
    assert other.usage.prompt_tokens_details.cached_tokens == 0


async def test_gpt_5_6_reports_cache_writes(openai_client):
    new = await _chat_turns(openai_client, "gpt-5.6-sol", 1100, 2)
    old = await _chat_turns(openai_client, "gpt-5.5", 1100, 2)

    first, second = (u.prompt_tokens_details for u in new)
    assert (first.cached_tokens, first.cache_write_tokens) == (0, new[0].prompt_tokens // 128 * 128)
    assert second.cached_tokens == new[0].prompt_tokens // 128 * 128
    assert second.cache_write_tokens == new[1].prompt_tokens // 128 * 128 - second.cached_tokens
    assert [u.prompt_tokens_details.cache_write_tokens for u in old] == [0, 0]


async def test_responses_chain_reads_the_previous_prompt_and_instructions_matter(openai_client):
    first = await openai_client.responses.create(model=GPT, instructions="Be terse.",
                                                 input=ctx(1200))
    same = await openai_client.responses.create(model=GPT, instructions="Be terse.",
                                                previous_response_id=first.id, input="More?")
    other = await openai_client.responses.create(model=GPT, instructions="Be verbose.",
                                                 previous_response_id=first.id, input="More?")

    assert first.usage.input_tokens_details.cached_tokens == 0
    assert same.usage.input_tokens_details.cached_tokens == first.usage.input_tokens // 128 * 128
    # instructions render before the input, so new instructions miss the whole prefix
    assert other.usage.input_tokens_details.cached_tokens == 0


def _system(tokens: int, ttl: str = "1h") -> list[dict]:
    return [{"type": "text", "text": ctx(tokens), "cache_control": {"type": "ephemeral",
                                                                     "ttl": ttl}}]


async def test_anthropic_multi_turn_with_1h_system_and_automatic_5m(anthropic_client):
    messages = [{"role": "user", "content": "Q1"}]
    usages = []
    for turn in range(3):
        reply = await anthropic_client.messages.create(
            model=CLAUDE, max_tokens=200, system=_system(1500), messages=messages,
            cache_control={"type": "ephemeral"})
        usages.append(reply.usage)
        messages += [{"role": "assistant", "content": reply.content[0].text},
                     {"role": "user", "content": f"Q{turn + 2}"}]

    first = usages[0]
    assert first.cache_read_input_tokens == 0
    assert first.cache_creation.ephemeral_1h_input_tokens == 1500
    written = first.cache_creation_input_tokens
    assert first.cache_creation.ephemeral_5m_input_tokens == written - 1500
    assert first.input_tokens == 0  # everything up to the last block was written
    for before, now in pairwise(usages):
        before_total = before.cache_read_input_tokens + before.cache_creation_input_tokens
        assert now.cache_read_input_tokens == before_total
        assert now.cache_creation.ephemeral_1h_input_tokens == 0
        assert now.cache_creation.ephemeral_5m_input_tokens > 0


@pytest.mark.parametrize(("model", "system", "cached"), [
    (CLAUDE, 500, False),            # under the default 1,024 minimum
    (CLAUDE, 2000, True),
    ("claude-haiku-4-5", 2000, False),  # that model needs 4,096
    ("claude-opus-5", 600, True),       # and this one only 512
])
async def test_anthropic_per_model_minimum(anthropic_client, model, system, cached):
    reply = await anthropic_client.messages.create(
        model=model, max_tokens=200, system=_system(system, "5m"),
        messages=[{"role": "user", "content": "Q"}])

    usage = reply.usage
    assert (usage.cache_creation_input_tokens == system) is cached
    if not cached:
        assert usage.cache_creation_input_tokens == usage.cache_read_input_tokens == 0
        assert usage.input_tokens == system + 1  # all of it, billed plainly; no error


async def test_anthropic_ttl_expiry_and_refresh(anthropic_client, emulator):
    async def usage():
        reply = await anthropic_client.messages.create(
            model=CLAUDE, max_tokens=200, system=_system(1500, "1h"),
            messages=[{"role": "user", "content": ctx(1200)}], cache_control={"type": "ephemeral"})
        return reply.usage

    first = await usage()
    assert (first.cache_creation.ephemeral_1h_input_tokens,
            first.cache_creation.ephemeral_5m_input_tokens) == (1500, 1200)
    emulator.advance(301)  # the 5m entry is gone, the 1h one is not
    second = await usage()
    assert second.cache_read_input_tokens == 1500
    assert second.cache_creation.ephemeral_5m_input_tokens == 1200
    emulator.advance(200)
    assert (await usage()).cache_read_input_tokens == 2700  # a hit refreshes the 5m TTL ...
    emulator.advance(200)  # ... so 400 s after it was written it still hits
    assert (await usage()).cache_read_input_tokens == 2700


async def test_anthropic_fifth_breakpoint_is_a_400(anthropic_client):
    system = [{"type": "text", "text": f"part {i}", "cache_control": {"type": "ephemeral"}}
              for i in range(5)]
    with pytest.raises(anthropic.BadRequestError) as caught:
        await anthropic_client.messages.create(model=CLAUDE, max_tokens=64, system=system,
                                               messages=[{"role": "user", "content": "Q"}])
    four = await anthropic_client.messages.create(model=CLAUDE, max_tokens=256,
                                                  system=system[:4],
                                                  messages=[{"role": "user", "content": "Q"}])
    with pytest.raises(anthropic.BadRequestError):  # the automatic marker is a fifth one
        await anthropic_client.messages.create(model=CLAUDE, max_tokens=64, system=system[:4],
                                               messages=[{"role": "user", "content": "Q"}],
                                               cache_control={"type": "ephemeral"})

    assert caught.value.body["error"]["message"] == (
        "A maximum of 4 blocks with cache_control may be provided. Found 5.")
    assert four.stop_reason == "end_turn"


@pytest.mark.parametrize(("new_blocks", "reads_everything"), [(3, True), (25, False)])
async def test_anthropic_breakpoint_looks_back_20_blocks(anthropic_client, new_blocks,
                                                         reads_everything):
    def turn(text: str, marked: bool) -> dict:
        block = {"type": "text", "text": text}
        return block | ({"cache_control": {"type": "ephemeral"}} if marked else {})

    first = await anthropic_client.messages.create(
        model=CLAUDE, max_tokens=64, system=_system(1500),
        messages=[{"role": "user", "content": [turn(ctx(300), marked=True)]}])
    # the breakpoint moves to the end, as an agent loop does: the old block is unmarked
    notes = [turn(f"note {i}", marked=i == new_blocks - 1) for i in range(new_blocks)]
    second = await anthropic_client.messages.create(
        model=CLAUDE, max_tokens=64, system=_system(1500),
        messages=[{"role": "user", "content": [turn(ctx(300), marked=False)]},
                  {"role": "assistant", "content": "ok"}, {"role": "user", "content": notes}])

    written = first.usage.cache_creation_input_tokens
    assert written == 1800
    expected = written if reads_everything else 1500  # else only the system breakpoint hits
    assert second.usage.cache_read_input_tokens == expected


async def test_anthropic_max_tokens_zero_prewarms_the_cache(anthropic_client):
    request = {"model": CLAUDE, "system": _system(1500, "5m"),
               "messages": [{"role": "user", "content": "Q"}]}
    warm = await anthropic_client.messages.create(max_tokens=0, **request)
    real = await anthropic_client.messages.create(max_tokens=200, **request)

    assert warm.content == [] and warm.stop_reason == "max_tokens"
    assert warm.usage.output_tokens == 0
    assert warm.usage.cache_creation_input_tokens == 1500
    assert real.usage.cache_read_input_tokens == 1500
    assert real.content[0].text.startswith("Emulated reply")


async def test_gemini_minimum_is_configurable():
    rules = Rules(gemini=GeminiRules(min_tokens=2048))
    messages = [{"role": "system", "content": ctx(1500)}, {"role": "user", "content": "Q"}]
    with Emulator(rules=rules) as emu:
        async with openai.AsyncOpenAI(api_key="k", base_url=emu.gemini_base_url,
                                      max_retries=0) as client:
            for _ in range(2):
                reply = await client.chat.completions.create(model="gemini-2.5-flash",
                                                             messages=messages)
                assert reply.usage.prompt_tokens_details.cached_tokens == 0
            messages[0]["content"] = ctx(2100)
            await client.chat.completions.create(model="gemini-2.5-flash", messages=messages)
            again = await client.chat.completions.create(model="gemini-2.5-flash",
                                                         messages=messages)

    assert again.usage.prompt_tokens_details.cached_tokens == again.usage.prompt_tokens

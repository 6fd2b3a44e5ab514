"""The emulator's prompt caches outlive a restart (`chattui --emulator` saves them in the data
dir), as a provider's cache outlives a client restart, and still expire on time."""

import anthropic
import openai

from chattui.emulator import Emulator

SYSTEM = "ctx " * 1500
MESSAGES = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "Q1"}]


async def cached_tokens(emulator: Emulator) -> int:
    client = openai.AsyncOpenAI(api_key="sk-test", base_url=emulator.openai_base_url)
    reply = await client.chat.completions.create(model="gpt-4.1-mini", messages=MESSAGES)
    await client.close()
    return reply.usage.prompt_tokens_details.cached_tokens


async def anthropic_read(emulator: Emulator) -> int:
    client = anthropic.AsyncAnthropic(api_key="sk-ant-test", base_url=emulator.base_url)
    reply = await client.messages.create(
        model="claude-sonnet-5", max_tokens=20, messages=[{"role": "user", "content": "Q1"}],
        system=[{"type": "text", "text": SYSTEM, "cache_control": {"type": "ephemeral"}}])
    await client.close()
    return reply.usage.cache_read_input_tokens


async def test_a_restarted_emulator_finds_the_saved_caches_warm(tmp_path):
    state = tmp_path / "emulator-caches.json"
    with Emulator() as first:
        assert await cached_tokens(first) == 0 and await anthropic_read(first) == 0
        first.save_caches(state)
    with Emulator() as second:
        second.load_caches(state)
        assert await cached_tokens(second) >= 1500 // 128 * 128  # hits come in 128-token steps
        assert await anthropic_read(second) >= 1500


async def test_saved_caches_expire_and_a_bad_file_means_cold(tmp_path):
    state = tmp_path / "emulator-caches.json"
    with Emulator() as first:
        await cached_tokens(first)
        first.advance(599)  # OpenAI's entries live 600 idle seconds: 1 s left when saved
        first.save_caches(state)
    with Emulator() as second:
        second.load_caches(state)
        second.advance(2)
        assert await cached_tokens(second) == 0
    state.write_text("not json")
    with Emulator() as third:
        third.load_caches(state)
        assert await cached_tokens(third) == 0

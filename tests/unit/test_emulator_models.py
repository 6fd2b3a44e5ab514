"""The emulator's models endpoint, as the SDKs read it: every model it answers is listed
(genai-prices' models of the provider, the defaults, what it answered); a retired model is
refused and missing from the list, as a provider's withdrawn model is."""

import openai
import pytest


async def listed(client) -> set[str]:
    return {m.id async for m in client.models.list()}


async def test_a_retired_model_is_refused_and_no_longer_listed(openai_client, emulator):
    ask = {"messages": [{"role": "user", "content": "hi"}]}
    await openai_client.chat.completions.create(model="gpt-retired-1", **ask)
    before = await listed(openai_client)
    assert {"gpt-retired-1", "gpt-4.1-mini", "gpt-4o"} <= before
    emulator.retire("gpt-retired-1")
    assert "gpt-retired-1" not in await listed(openai_client)
    with pytest.raises(openai.NotFoundError, match="does not exist"):
        await openai_client.chat.completions.create(model="gpt-retired-1", **ask)


async def test_anthropic_lists_its_own_models(anthropic_client, emulator):
    names = {m.id async for m in anthropic_client.models.list()}
    assert "claude-sonnet-5" in names and "gpt-4o" not in names

"""Proof on a server nobody here wrote (issue 13): chattui with a ~3,000-token persona against
llama.cpp's llama-server (SmolLM2), three turns, quit, `--continue` in a new app on the same
data dir, a fourth turn: the server's own `cached_tokens` covers the persona and the system
message is byte-identical to turn 3's.

Local-server quirks handled here, each on purpose:
- `cached_tokens` is the common prefix with what the slot holds, and `prompt_tokens - 1` at
  most (the last token is always evaluated): so "covers the persona", never equality.
- Even a cold first request may show a few cached tokens (the chat template's opening can
  match): "cold" means fewer than the persona's tokens, not 0.
- The persona's size is counted by the server's own tokenizer (/tokenize), not chattui's estimate.
- The answer's `model` is the server's alias (or the gguf path without --alias); chattui keeps
  the model the user chose, and a reopen restores that, not what the server echoed.
"""

from __future__ import annotations

import pytest

from chattui.app import make_app
from chattui.config import load_settings
from chattui.core.personas import BUILTIN_DIR
from tests.app.pilot import send, settle, status_bar
from tests.real import llama
from tests.real.recorder import Recorder

pytestmark = pytest.mark.real
MAX_TOKENS = 12


def local_styleguide(config_dir) -> None:
    """The built-in styleguide persona with a small `max_tokens` (SmolLM2 otherwise writes
    until the context is full), as a user's persona file that overrides it."""
    text = (BUILTIN_DIR / "styleguide.md").read_text()
    folder = config_dir / "personas"
    folder.mkdir(parents=True)
    (folder / "styleguide.md").write_text(text.replace("[params]\n", f"[params]\nmax_tokens = {MAX_TOKENS}\n", 1))


async def test_continue_after_a_restart_hits_the_servers_cache(tmp_path, llama_server):
    proxy = Recorder(llama_server.url)
    config, data = tmp_path / "config", tmp_path / "data"
    local_styleguide(config)
    environ = {"CHATTUI_CONFIG_DIR": str(config)}

    def app(**flags):
        return make_app(load_settings({"data_dir": str(data), **flags}, environ=environ, cwd=tmp_path),
                        cwd=tmp_path)

    try:
        first = app(provider="openai-compatible", base_url=proxy.url, model=llama.ALIAS,
                    persona="styleguide")
        persona_tokens = llama_server.count_tokens(first.session.persona.system)
        assert persona_tokens > 2500
        async with first.run_test(size=(140, 40)) as pilot:
            for text in ("Fix: the the server are started.", "Fix: click on Submit.", "Fix: its done"):
                await send(pilot, text)
                await settle(pilot)
        # a restart: a new app on the same data dir, no persona/provider/model flags
        second = app(continue_last=True)
        async with second.run_test(size=(140, 40)) as pilot:
            assert (second.session.provider_name, second.session.model) == ("openai-compatible", llama.ALIAS)
            assert second.session.persona.name == "styleguide"
            await send(pilot, "Fix: we was testing.")
            await settle(pilot)
            bar = status_bar(second).turn
            turns = second.session.turns()
    finally:
        proxy.stop()
    chats = proxy.chats()
    assert len(chats) == 4 and all(c.status == 200 for c in chats)
    usage = [c.usage for c in chats]
    cached = [u["prompt_tokens_details"]["cached_tokens"] for u in usage]
    assert cached[0] < persona_tokens, f"turn 1 should be cold: {cached}"
    for n, u in zip(cached[1:], usage[1:]):
        assert persona_tokens <= n <= u["prompt_tokens"] - 1, f"cached {cached}, persona {persona_tokens}"
    assert chats[3].raw_system() == chats[2].raw_system() == chats[0].raw_system()
    assert all(c.json["max_tokens"] == MAX_TOKENS for c in chats)
    # chattui reports what the server said, and keeps the model the user chose
    assert [t.usage.cache_read for t in turns] == cached
    assert f"cached {cached[3]:,}" in bar
    assert {c.events()[0]["model"] for c in chats} == {llama.ALIAS}
    assert {t.meta.model for t in turns} == {llama.ALIAS}

"""`CHATTUI_EMULATOR_LOG`: what `chattui --emulator` sent, as JSON lines, for a user to read
(real openai SDK against the emulator)."""

from __future__ import annotations

import json

from chattui.cli import _save_request_log
from chattui.emulator import Reply


async def test_the_log_holds_each_request_s_bytes_and_usage_but_no_key(
        openai_client, emulator, tmp_path, monkeypatch):
    log = tmp_path / "requests.jsonl"
    monkeypatch.setenv("CHATTUI_EMULATOR_LOG", str(log))
    emulator.queue(Reply(text="Hi."))
    await openai_client.chat.completions.create(
        model="gpt-5.6", messages=[{"role": "user", "content": "hello"}],
        prompt_cache_key="chattui-abc")

    _save_request_log(emulator)
    _save_request_log(emulator)  # a second run appends

    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert len(lines) == 2 and lines[0] == lines[1]
    entry = lines[0]
    assert (entry["method"], entry["path"], entry["status"]) == ("POST", "/v1/chat/completions", 200)
    assert entry["body"] == emulator.requests[0].body.decode()
    assert json.loads(entry["body"])["prompt_cache_key"] == "chattui-abc"
    assert entry["usage"]["prompt_tokens"] == emulator.requests[0].usage["prompt_tokens"]
    assert "sk-" not in log.read_text() and "authorization" not in log.read_text().lower()

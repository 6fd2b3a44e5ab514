"""Breakpoint placement for Claude through an OpenAI-compatible gateway."""

from __future__ import annotations

from chattui.providers.gateway_cache import mark, wants_markers

FIVE, HOUR = {"type": "ephemeral"}, {"type": "ephemeral", "ttl": "1h"}


def test_system_the_user_message_before_the_latest_and_the_latest_get_a_marker():
    messages = [{"role": "system", "content": "S"}, {"role": "user", "content": "a"},
                {"role": "assistant", "content": "b"}, {"role": "user", "content": "c"},
                {"role": "assistant", "content": None, "tool_calls": [{"id": "x"}]},
                {"role": "tool", "tool_call_id": "x", "content": "42"}]
    mark(messages, "1h")
    assert messages[0]["content"] == [{"type": "text", "text": "S", "cache_control": HOUR}]
    assert messages[1]["content"] == "a" and messages[2]["content"] == "b"
    assert messages[3]["content"] == [{"type": "text", "text": "c", "cache_control": HOUR}]
    assert messages[4]["content"] is None
    assert messages[5]["content"] == [{"type": "text", "text": "42", "cache_control": HOUR}]


def test_an_image_message_gets_the_marker_on_its_last_part():
    parts = [{"type": "text", "text": "look"}, {"type": "image_url", "image_url": {"url": "u"}}]
    messages = [{"role": "user", "content": list(parts)}]
    mark(messages, None)
    assert messages[0]["content"] == [parts[0], {**parts[1], "cache_control": FIVE}]
    assert "cache_control" not in parts[1]  # the caller's part objects are not changed


def test_only_claude_models_get_markers():
    assert wants_markers("anthropic/claude-sonnet-4.5") and wants_markers("claude-3-haiku")
    assert not wants_markers("openai/gpt-4.1-mini") and not wants_markers("gemini-2.5-flash")

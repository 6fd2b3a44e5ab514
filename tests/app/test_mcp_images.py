"""An MCP tool that returns an image: the image goes to the model as an image in each API's
own form, is kept like an attachment (reopen, export), and the card names it."""

from __future__ import annotations

import base64
import json

import pytest

from chattui.emulator import Reply, ToolCall
from chattui.widgets.tool_call import ToolCallCard
from tests.app.pilot import main_screen, send, settle, views, wait_until
from tests.image_files import png
from tests.mcp.servers import imaging_source, python_server

ANTHROPIC = {"ANTHROPIC_API_KEY": "sk-ant-test-000000000000"}
DATA = base64.b64encode(png()).decode()
TEXT = f"a red pixel\n[image/png {len(png())} B]"


def _persona(tmp_path) -> None:
    table = python_server(tmp_path, imaging_source())
    folder = tmp_path / "config" / "personas"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "camera.md").write_text(
        f'+++\n[mcp_servers.cam]\ncommand = "{table["command"]}"\n'
        f'args = {json.dumps(table["args"])}\nallow = ["snapshot"]\n+++\nYou look.\n')


def _chat(body: dict) -> None:
    tool, images = body["messages"][-2:]
    assert tool["role"] == "tool" and tool["content"] == TEXT
    assert images["role"] == "user"  # a tool message takes no image: a user message follows
    assert images["content"][0]["text"].startswith(f"Images returned by tool call {tool['tool_call_id']}")
    assert images["content"][1] == {"type": "image_url", "image_url": {
        "url": f"data:image/png;base64,{DATA}", "detail": "auto"}}


def _anthropic(body: dict) -> None:
    result = body["messages"][-1]["content"][0]
    assert result["type"] == "tool_result"
    assert result["content"] == [
        {"type": "text", "text": TEXT},
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": DATA}}]


def _responses(body: dict) -> None:
    output = [i for i in body["input"] if i.get("type") == "function_call_output"][-1]["output"]
    assert output == [{"type": "input_text", "text": TEXT},
                      {"type": "input_image", "image_url": f"data:image/png;base64,{DATA}",
                       "detail": "auto"}]


@pytest.mark.parametrize("flags, check", [
    ({}, _chat),
    ({"environ": ANTHROPIC, "provider": "anthropic", "model": "claude-sonnet-5"}, _anthropic),
    ({"mode": "chained"}, _responses),
], ids=["chat", "anthropic", "responses"])
async def test_an_image_result_goes_to_the_model_as_an_image(app_for, emulator, tmp_path,
                                                             flags, check):
    _persona(tmp_path)
    emulator.queue(Reply(tool_calls=(ToolCall("cam__snapshot", {}),)), Reply(text="It is red."))
    if flags.get("provider") == "anthropic":
        flags = {**flags, "base_url": emulator.base_url}
    app = app_for(persona="camera", **flags)
    async with app.run_test(size=(140, 40)) as pilot:
        await send(pilot, "What do you see?")
        sent = lambda: [r for r in emulator.requests if r.method == "POST"]  # noqa: E731
        assert await wait_until(pilot, lambda: len(sent()) == 2, timeout=60)
        await settle(pilot)
        check(sent()[1].json)
        assert DATA.encode() in sent()[1].body  # the bytes on the wire carry the image
        card = main_screen(app).query_one(ToolCallCard)
        assert f"image/png {len(png())} B" in str(card.query_one(".result").render())
        assert views(app)[-1].text == "It is red."
        tool = [m for m in app.session.messages() if m.role == "tool"][-1]
        assert [(a.media_type, a.size) for a in tool.attachments] == [("image/png", len(png()))]
        assert open(tool.attachments[0].ref, "rb").read() == png()  # kept in the data dir

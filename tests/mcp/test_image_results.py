"""Images an MCP tool returns: kept under their sha256 like attachments, stored with the
tool message, exported and imported with it, and named in the text the model and card get."""

from __future__ import annotations

import base64

from mcp.types import CallToolResult, ImageContent, TextContent

from chattui.core import attachments
from chattui.core.export import import_json, to_json, to_markdown
from chattui.core.models import ToolCall
from chattui.mcp_client import result_of
from chattui.store import Store
from tests.image_files import png


def _call_result(*blocks) -> CallToolResult:
    return CallToolResult(content=list(blocks))


def test_an_image_block_is_kept_once_and_named_in_the_text(tmp_path):
    data = base64.b64encode(png()).decode()
    block = ImageContent(type="image", data=data, mime_type="image/png")
    first = result_of(_call_result(TextContent(type="text", text="look"), block), tmp_path / "imgs")
    again = result_of(_call_result(block), tmp_path / "imgs")
    assert first.text == f"look\n[image/png {len(png())} B]" and not first.is_error
    (image,) = first.images
    assert (image.kind, image.media_type, image.size) == (attachments.PATH, "image/png", len(png()))
    assert again.images == first.images and len(list((tmp_path / "imgs").iterdir())) == 1
    assert open(image.ref, "rb").read() == png()


def test_an_image_that_is_not_one_is_named_and_not_passed_on(tmp_path):
    block = ImageContent(type="image", data=base64.b64encode(b"<svg/>").decode(),
                         mime_type="image/svg+xml")
    result = result_of(_call_result(block), tmp_path)
    assert result.images == ()
    assert result.text == "[image/svg+xml: not passed on: not a PNG, JPEG, GIF or WebP image]"


def test_a_tool_message_keeps_its_images_through_reopen_export_and_import(tmp_path):
    image = attachments.keep(png(), tmp_path / "imgs")
    store = Store(tmp_path / "a.db")
    conversation = store.create_conversation("openai", "gpt-4.1-mini")
    store.add_user_message(conversation.id, "look")
    call = ToolCall("call_1", "cam__snapshot", "{}")
    stored = store.add_tool_result(conversation.id, call, "[image/png 69 B]", (image,))
    assert stored.attachments == (image,)
    again = Store(tmp_path / "a.db")  # a reopen reads it back
    assert [m.attachments for m in again.messages(conversation.id) if m.role == "tool"] == [(image,)]
    messages, turns = again.messages(conversation.id), again.turns(conversation.id)
    markdown = to_markdown(conversation, messages, turns)
    assert image.ref in markdown and "image/png" in markdown
    imported = again.import_conversation(import_json(to_json(conversation, messages, turns)))
    assert [m.attachments for m in again.messages(imported.id) if m.role == "tool"] == [(image,)]
    again.close()
    store.close()

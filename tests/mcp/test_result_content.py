"""What an MCP tool's result gives the model besides text and images: an embedded
resource's text, a blob's or a link's URI, and no more than MAX_RESULT_CHARS."""

from __future__ import annotations

from mcp.types import (
    BlobResourceContents, CallToolResult, EmbeddedResource, ResourceLink, TextContent,
    TextResourceContents,
)

from chattui.mcp_client import MAX_RESULT_CHARS, result_of


def test_embedded_resources_and_links_pass_on_their_text_or_their_uri(tmp_path):
    result = result_of(CallToolResult(content=[
        EmbeddedResource(type="resource", resource=TextResourceContents(
            uri="file:///notes.txt", mime_type="text/plain", text="RESOURCE TEXT")),
        EmbeddedResource(type="resource", resource=BlobResourceContents(
            uri="file:///report.pdf", mime_type="application/pdf", blob="JVBERi0=")),
        ResourceLink(type="resource_link", uri="https://example.invalid/doc", name="the doc"),
    ]), tmp_path)
    assert result.text.splitlines() == [  # they were "[resource]" and "[resource_link]"
        "RESOURCE TEXT", "[resource file:///report.pdf application/pdf]",
        "[resource link https://example.invalid/doc (the doc)]"]


def test_a_result_longer_than_the_cap_is_cut_and_says_so(tmp_path):
    text = "x" * (MAX_RESULT_CHARS + 5)  # stored, and resent with every later turn
    result = result_of(CallToolResult(content=[TextContent(type="text", text=text)]), tmp_path)
    assert result.text.startswith("x" * MAX_RESULT_CHARS + "\n[… cut by chattui: ")
    assert result.text.endswith(f"the tool returned {MAX_RESULT_CHARS + 5:,} characters, "
                                f"the first {MAX_RESULT_CHARS:,} are kept]")
    short = result_of(CallToolResult(content=[TextContent(type="text", text="ok")]), tmp_path)
    assert short.text == "ok"

"""Where a streaming reply may move on to a new Markdown widget without changing its rendering."""

from chattui.widgets.block_chunks import block_boundary


def test_a_blank_line_before_a_paragraph_is_a_boundary_once_its_second_line_is_in():
    text = "First paragraph.\n\nSecond paragraph\n"
    assert block_boundary(text) is None  # the next line may still make a heading of it
    text += "goes on.\n"
    assert text[block_boundary(text):] == "Second paragraph\ngoes on.\n"


def test_never_inside_a_code_fence():
    text = "Intro\n\n```python\nx = 1\n\ny = 2\n```\n\nAfter\n\n"
    assert text[block_boundary(text):] == "After\n\n"
    assert block_boundary("Intro\n\n```\na\n\nb\nc\n\n") is None  # open fence


def test_only_before_a_plain_paragraph_whose_top_margin_is_zero():
    # A heading, fence, quote or rule has a top margin: in one Markdown widget it merges
    # with the bottom margin above, in two it would add to it (an extra blank row).
    # A list item or a table row may continue the list or table above.
    for block in ("## Heading", "```\ncode\n```", "> quote", "- item", "* item", "1. item",
                  "2) item", "| a |", "---", "***", "[ref]: https://example.invalid", "<div>"):
        assert block_boundary(f"Para\n\n{block}\nmore\n\n") is None, block
    for start in ("**Bold** start", "_Italic_ start", "12.5 percent", "-5 degrees", "Plain"):
        assert block_boundary(f"Para\n\n{start}\nmore\n\n") == len("Para\n\n"), start


def test_not_before_a_setext_heading():
    assert block_boundary("Para\n\nTitle\n=====\n\n") is None
    assert block_boundary("Para\n\nTitle\n-----\n\n") is None


def test_not_before_an_indented_continuation_or_a_table_row():
    assert block_boundary("- item\n\n  more of the item") is None
    assert block_boundary("| a |\n\n| b |") is None
    assert block_boundary("para\n\n    code block") is None


def test_only_boundaries_at_or_after_start_count():
    text = "a\n\nb\nb\n\nc\nc\n\n"
    assert block_boundary(text, start=4) == text.index("c")
    assert block_boundary(text, start=len(text)) is None
    assert block_boundary("no blank line at all") is None


def test_a_stored_reply_is_cut_where_its_stream_moved_on_and_nowhere_else():
    from chattui.emulator.script import long_markdown
    from chattui.widgets.block_chunks import split_chunks

    text = long_markdown(6000)
    chunks = split_chunks(text, blocks=20)
    assert "".join(chunks) == text and len(chunks) > 5
    for chunk in chunks[1:]:  # each begins where a plain paragraph does
        assert block_boundary("x\n\n" + chunk) == len("x\n\n")
    assert split_chunks("one\n\ntwo\n", blocks=20) == ["one\n\ntwo\n"]
    fence = "```\n" + "line\n\n" * 100 + "```\n"  # no boundary inside a fence: one chunk
    assert split_chunks(fence, blocks=20) == [fence]

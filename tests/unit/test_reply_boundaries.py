"""Where a streaming reply may move on to a new Markdown widget without changing its rendering."""

from chattui.widgets.reply_stream import block_boundary


def test_a_blank_line_between_paragraphs_is_a_boundary():
    text = "First paragraph.\n\nSecond paragraph"
    assert text[block_boundary(text):] == "Second paragraph"


def test_never_inside_a_code_fence():
    text = "Intro\n\n```python\nx = 1\n\ny = 2\n```\n\nAfter"
    cut = block_boundary(text)
    assert text[cut:] == "After"
    assert block_boundary("Intro\n\n```\na\n\nb") == len("Intro\n\n")  # open fence: before it


def test_not_before_an_indented_continuation_or_a_table_row():
    assert block_boundary("- item\n\n  more of the item") is None
    assert block_boundary("| a |\n\n| b |") is None
    assert block_boundary("para\n\n    code block") is None


def test_only_boundaries_at_or_after_start_count():
    text = "a\n\nb\n\nc"
    assert block_boundary(text, start=4) == text.index("c")
    assert block_boundary(text, start=len(text)) is None
    assert block_boundary("no blank line at all") is None

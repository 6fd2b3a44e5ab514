"""widgets/plain.py: the one way data becomes displayed text."""

from __future__ import annotations

from chattui.widgets.plain import plain, plain_text, quoted, visible


def test_control_characters_show_as_one_symbol_each_and_tab_and_newline_stay():
    text = "a\x1b[31mb\x07c\x9bd\x7fe\tf\ng\x00\r"
    assert visible(text) == "a␛[31mb␇c\ufffdd␡e\tf\ng␀␍"
    assert len(visible(text)) == len(text)  # offsets into it (search-hit spans) stay right
    assert visible(None) == "" and visible(42) == "42"


def test_markup_is_never_parsed():
    for text in ("[/]", "[bold]x[/bold]", "[@click=app.quit]x[/]", "[link=file:///etc/passwd]x[/]", "[" * 10_000):
        assert plain(text).plain == text and not plain(text).spans
        assert plain_text(text).plain == text and not plain_text(text).spans


def test_a_quoted_command_hides_no_space_and_no_invisible_character():
    assert quoted("ls") == "'ls'"
    assert quoted(" ls ") == "' ls '"
    assert quoted("ls" + " " * 5 + "; rm x") == "'ls␣␣␣␣␣; rm x'"
    assert quoted("a\u200bb\x1b\xa0") == "'a\\u200bb\\x1b\\xa0'"

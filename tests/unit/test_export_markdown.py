"""Exports people read: a reply's Markdown rendered (HTML) or nested (Markdown), safely."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from chattui.core.export import to_html, to_markdown
from chattui.core.models import COMPLETE, ToolCall, TurnMeta, TurnResult
from chattui.core.usage import Usage
from chattui.store import Store

META = TurnMeta("openai", "gpt-4.1-mini", "api.openai.com", "support", "fp-abc123", "chat")
EVERYTHING = """# Plan

Some **bold**, *italic*, `inline code`, ~~gone~~ and a [site](https://example.org/a?b=1&c=2),
[mail](mailto:a@example.org), [evil](javascript:alert(1)), [data](data:text/html,x) and
![pic](javascript:alert(2)).

## Steps

1. first
2. second
   - nested

> quoted

Setext title
------------

| col | val |
|---|---|
| a | 1 |

```python
def f(x):
    return "<b>" + x
```

<script>alert(3)</script>
<img src=x onerror=alert(4)>
<a href="javascript:alert(5)">raw link</a>
"""


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


@pytest.fixture
def conversation(tmp_path):
    store = Store(tmp_path / "c.db")
    c = store.create_conversation("openai", "gpt-4.1-mini", "support")
    user = store.add_user_message(c.id, "# not a heading: I typed it")
    turn = store.start_turn(c.id, user.id, META)
    store.finish_turn(turn, TurnResult(COMPLETE, EVERYTHING, Usage(input_total=1200, cache_read=1024, output=80),
                                       cost_usd=0.000321, tool_calls=(ToolCall("c1", "lookup", '{"q": 1}'),)))
    yield store, store.get_conversation(c.id)
    store.close()


def test_html_renders_every_construct_and_keeps_model_html_inert(conversation):
    store, c = conversation
    page = to_html(c, store.messages(c.id), store.turns(c.id))
    parser = _Tags()
    parser.feed(page)
    tags = [tag for tag, _ in parser.tags]
    for wanted in ("h1", "h2", "strong", "em", "code", "s", "ol", "ul", "li", "blockquote",
                   "table", "th", "td", "pre", "details", "summary"):
        assert wanted in tags, wanted
    links = [attrs["href"] for tag, attrs in parser.tags if tag == "a"]
    assert links == ["https://example.org/a?b=1&c=2", "mailto:a@example.org"]
    assert "script" not in tags and "img" not in tags
    assert not any(name.startswith("on") for _, attrs in parser.tags for name in attrs)
    assert "javascript:" not in " ".join(str(attrs) for _, attrs in parser.tags)
    assert "&lt;script&gt;alert(3)&lt;/script&gt;" in page and "onerror=alert(4)&gt;" in page
    assert "default-src 'none'" in page
    assert any(attrs.get("class") == "language-python" for tag, attrs in parser.tags if tag == "code")
    assert '<span class="k">def</span>' in page  # highlighted by Pygments
    assert "prompt 1,200 · cached 1,024" in page and "$0.000321" in page  # the turn's usage and cost
    assert "<p># not a heading: I typed it</p>" in page  # the user's text as typed


def test_markdown_export_nests_reply_headings_below_its_own(conversation):
    store, c = conversation
    text = to_markdown(c, store.messages(c.id), store.turns(c.id))
    lines = text.split("\n")
    assert any(line.startswith("## You · ") for line in lines)
    assert any(line.startswith("## Assistant (gpt-4.1-mini) · ") for line in lines)
    assert "### Plan" in lines and "#### Steps" in lines and "#### Setext title" in lines
    assert "# Plan" not in lines and "------------" not in lines
    assert "# not a heading: I typed it" in lines  # the user's own text is left as typed
    assert '    return "<b>" + x' in lines  # code untouched
    assert any("prompt 1,200 · cached 1,024" in line and "$0.000321" in line for line in lines)


def test_an_image_in_a_reply_is_a_link_to_it_never_fetched():
    from chattui.core.export.rendered import markdown_html

    html = markdown_html('![a <b>cat</b>](https://tracker.example/p.png?c="1") and ![x](javascript:alert(1))')
    parser = _Tags()
    parser.feed(html)
    assert "img" not in [tag for tag, _ in parser.tags]  # it was an <img> of the tracker's URL
    assert [attrs["href"] for tag, attrs in parser.tags if tag == "a"] == ["https://tracker.example/p.png?c=%221%22"]
    assert "a &lt;b&gt;cat&lt;/b&gt;</a>" in html and "![x](javascript:alert(1))" in html

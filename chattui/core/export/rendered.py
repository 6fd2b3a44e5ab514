"""Markdown as the export formats need it: rendered to safe HTML (markdown-it-py, raw HTML
escaped, links only http/https/mailto, code highlighted by Pygments when it is there), and
nested below a transcript's own turn headings."""

from __future__ import annotations

from typing import Any, Sequence

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.common.utils import escapeHtml

from chattui.core.links import is_web_link


def _highlight(code: str, language: str, _attrs: str) -> str:
    """Pygments' spans for `code` (escaped by it), or "" to let markdown-it escape it."""
    try:
        from pygments import highlight
        from pygments.formatters import HtmlFormatter
        from pygments.lexers import get_lexer_by_name
        from pygments.util import ClassNotFound
    except ImportError:
        return ""
    try:
        lexer = get_lexer_by_name(language.strip()) if language.strip() else None
    except ClassNotFound:
        lexer = None
    return str(highlight(code, lexer, HtmlFormatter(nowrap=True))) if lexer else ""


def _image_as_link(self: RendererHTML, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    """An image is a link to it, never an <img>: a page that fetched a model's image URL
    would tell that host the page was read (a meta CSP, which blocks it in a browser, is
    ignored by mail clients and previewers)."""
    token = tokens[idx]
    src = str(token.attrGet("src") or "")
    alt = self.renderInlineAsText(token.children or [], options, env)
    return f'<a href="{escapeHtml(src)}">{escapeHtml(alt or src)}</a>'


def _parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": False, "highlight": _highlight})
    parser.enable(["table", "strikethrough"])
    parser.validateLink = is_web_link  # type: ignore[method-assign]  # markdown-it's documented hook
    parser.add_render_rule("image", _image_as_link)
    return parser


_HTML = _parser()
_PARSE = MarkdownIt("commonmark").enable(["table", "strikethrough"])


def markdown_html(text: str) -> str:
    """`text` (Markdown from a model) as HTML: raw HTML stays escaped text, links and images
    to anything but http/https/mailto stay text, an image is a link to it (nothing is
    fetched), code blocks carry Pygments classes."""
    return str(_HTML.render(text))


def highlight_css(dark: bool) -> str:
    """The rules for Pygments' classes in a page of this brightness ("" without Pygments)."""
    try:
        from pygments.formatters import HtmlFormatter
    except ImportError:
        return ""
    return str(HtmlFormatter(style="monokai" if dark else "default").get_style_defs(".message pre"))


def nest_headings(text: str, levels: int = 2) -> str:
    """`text` with each heading `levels` deeper (at most ######), so that a reply's `#`
    sits below the transcript's `## Assistant`; code blocks are left alone."""
    lines = text.split("\n")
    drop: set[int] = set()
    for token in _PARSE.parse(text):
        if token.type != "heading_open" or token.map is None:
            continue
        level = min(6, int(token.tag[1]) + levels)
        start, end = token.map
        if token.markup.startswith("#"):  # ATX: `## title`
            lines[start] = "#" * level + " " + lines[start].lstrip()[len(token.markup):].lstrip()
        else:  # setext: the title lines, then a line of = or -
            lines[start] = "#" * level + " " + " ".join(line.strip() for line in lines[start:end - 1])
            drop.update(range(start + 1, end))
    return "\n".join(line for index, line in enumerate(lines) if index not in drop)

"""The one seam to Textual's private API: every private module, attribute or method
chattui relies on is reached through here, and nowhere else (tests/unit/test_layers.py
checks that; tests/unit/test_textual_compat.py has a canary per name in `PRIVATE_NAMES`
that names the Textual version which dropped it).

Each use is here because Textual has no public way to do it (Textual 8.2):
the Markdown list/paragraph block classes are not exported by `textual.widgets.markdown`;
a block's children and inline content are attributes; the scroll anchor's "released by
the user" state, an app's open batch update and a node's BindingsMap have no getter; a
table block's cells, its streamed update, the grid's sizing of columns and a canvas's
strips have no public way to be had; a footer's key widget is not exported, nor what a
node is data-bound to; a
Markdown mounted empty has no public way to skip parsing "" in a worker; the line cache
of every widget a styles cache keeps alive after it is gone (`release_line_caches`) has
no public way out either; nor is there a way to put a filter in front of the terminal
input parser (`guard_pasted_escapes`).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, Sequence

from textual._styles_cache import StylesCache
from textual.app import App
from textual.binding import BindingsMap
from textual.dom import DOMNode
from textual.widget import Widget
from textual.events import Key
from rich.text import Text
from textual.widgets import Input, TextArea

if TYPE_CHECKING:
    from rich.style import Style as RichStyle
    from textual.canvas import Primitive
    from textual.content import Content
    from textual.css.scalar import Scalar
    from textual.geometry import Size
    from textual.strip import Strip
    from textual.events import Mount
    from textual.widgets import Markdown
    from textual.widgets._markdown import (
        MarkdownBlock,
        MarkdownBullet,
        MarkdownBulletList,
        MarkdownListItem,
        MarkdownOrderedList,
        MarkdownOrderedListItem,
        MarkdownParagraph,
        MarkdownTable,
    )

    class EagerMarkdown(Markdown):
        """See `_markdown_names`, which builds it."""

    class TableInPlace(MarkdownTable):
        """See `_markdown_names`, which builds it."""

        def updated(self, headers: list[Content], rows: list[list[Content]]) -> None: ...

__all__ = [
    "MarkdownBullet", "MarkdownBulletList", "MarkdownListItem", "MarkdownOrderedList",
    "MarkdownOrderedListItem", "MarkdownParagraph", "CrashReportingApp", "EagerMarkdown", "KeysFirstTextArea", "add_binding",
    "TableInPlace", "canvas_strips", "resolve_lengths", "table_cells",
    "adopt_paragraph", "block_content", "following", "batch_open", "bindings_of", "child_blocks",
    "follow_anchor", "anchor_in_place", "paragraph_source", "ShownInput", "release_line_caches",
    "settle_footer_key", "guard_pasted_escapes",
]

PRIVATE_NAMES = (
    "textual.widgets._markdown",
    "MarkdownBlock._blocks",
    "MarkdownBlock._markdown",
    "MarkdownBlock._token",
    "MarkdownBlock._inline_token",
    "MarkdownBlock._content",
    "Markdown._initial_markdown",
    "Markdown._theme",
    "Markdown._on_mount",
    "Widget._on_mount",
    "TextArea._on_key",
    "Input._value",
    "Widget._anchor_released",
    "Widget._anchored",
    "App._handle_exception",
    "App._fatal_error",
    "App._close_messages_no_wait",
    "App._batch_count",
    "DOMNode._bindings",
    "textual._styles_cache",
    "textual._resolve.resolve",
    "MarkdownTable._get_headers_and_rows",
    "MarkdownBlock._update_from_block",
    "StripRenderable._strips",
    "textual.widgets._footer.FooterKey",
    "DOMNode._reactive_connect",
    "textual._xterm_parser.XTermParser.feed",
)
"""What this module reaches into, as the canary tests name it."""


# Markdown blocks


def child_blocks(block: MarkdownBlock) -> list[MarkdownBlock]:
    """The blocks a Markdown block was built with, before compose mounts them: the live
    list (clearing it keeps compose from mounting them)."""
    return block._blocks


def paragraph_source(paragraph: MarkdownParagraph) -> tuple[Markdown, Any, tuple[int, int]]:
    """What a MarkdownBlock is constructed from: (its Markdown, its token, source range)."""
    return paragraph._markdown, paragraph._token, paragraph.source_range


def block_content(block: MarkdownBlock) -> Content:
    """The inline content a Markdown block draws (Textual keeps it private)."""
    content: Content = block._content
    return content


def adopt_paragraph(block: MarkdownParagraph, paragraph: MarkdownParagraph) -> None:
    """Give `block` the parsed inline content of `paragraph`."""
    block._inline_token = paragraph._inline_token
    block.set_content(paragraph._content)


def table_cells(table: MarkdownTable) -> tuple[list[Content], list[list[Content]]]:
    """A table block's header cells and rows of cells, as MarkdownTable composes them."""
    return table._get_headers_and_rows()


def resolve_lengths(lengths: list[Scalar], total: int, gutter: int, size: Size, viewport: Size, *,
                    expand: bool, shrink: bool, minimums: list[int] | None) -> list[tuple[int, int]]:
    """(offset, length) of each of `lengths` in `total` cells, `gutter` apart: how Textual's
    grid sizes its columns (expanded to fill, shrunk down to the minimums)."""
    from textual._resolve import resolve

    return resolve(lengths, total, gutter, size, viewport, expand=expand, shrink=shrink, minimums=minimums)


def canvas_strips(width: int, height: int, primitives: Sequence[Primitive], base: RichStyle) -> list[Strip]:
    """The lines of a canvas with `primitives` drawn on it (Textual's keylines are drawn so)."""
    from textual.canvas import Canvas

    return list(Canvas(width, height).render(primitives, base)._strips)


_MARKDOWN_LOCK = threading.Lock()
_MARKDOWN_NAMES = ("MarkdownBullet", "MarkdownBulletList", "MarkdownListItem", "MarkdownOrderedList",
                   "MarkdownOrderedListItem", "MarkdownParagraph", "EagerMarkdown", "TableInPlace")


def __getattr__(name: str) -> Any:
    """The Markdown names are imported on first use, not with this module: Textual's
    Markdown and markdown-it under it cost ~0.1 s of start-up, and the first frame of a new
    conversation shows no Markdown (tests/unit/test_startup_imports.py)."""
    if name in _MARKDOWN_NAMES:
        with _MARKDOWN_LOCK:  # the warm-up thread may get here first (one EagerMarkdown class)
            if name not in globals():
                globals().update(_markdown_names())
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _markdown_names() -> dict[str, Any]:
    from textual.widgets import Markdown, _markdown

    class EagerMarkdown(Markdown):
        """Markdown that, mounted empty (a reply about to stream into it), skips Markdown's
        mount: that parses "" in a worker thread, and waiting for it held the next frame of a
        streaming reply up to 70 ms. What that mount leaves behind is set here."""

        async def _on_mount(self, event: Mount) -> None:  # type: ignore[override]  # Textual awaits an async handler; Widget's is sync
            if self._initial_markdown:
                return  # Markdown's own handler (Textual calls it after this one) parses it
            self._initial_markdown = None
            self._theme = self.app.theme
            event.prevent_default()
            Widget._on_mount(self, event)
            self.post_message(Markdown.TableOfContentsUpdated(self, self.table_of_contents).set_sender(self))

    class TableInPlace(_markdown.MarkdownTable):
        """A table block that takes a streamed update of itself (the same table, more rows
        or longer cells) in `updated(headers, rows)`, not as MarkdownTable does (its own
        cell widgets, or a new block)."""

        async def _update_from_block(self, block: MarkdownBlock) -> None:
            if isinstance(block, _markdown.MarkdownTable):
                self.updated(*table_cells(block))
            else:
                await super()._update_from_block(block)

        def updated(self, headers: list[Content], rows: list[list[Content]]) -> None:
            raise NotImplementedError

    made = {"EagerMarkdown": EagerMarkdown, "TableInPlace": TableInPlace}
    for cls in made.values():
        cls.__qualname__ = cls.__name__  # as if defined at module level (tracebacks)
    blocks = {name: getattr(_markdown, name) for name in _MARKDOWN_NAMES if name not in made}
    return {**blocks, **made}


class KeysFirstTextArea(TextArea):
    """A TextArea that sees each key before its editing does (Textual's documented way is
    overriding the private `_on_key`): `key_first` returns True for a key it took."""

    async def key_first(self, event: Key) -> bool:
        return False

    async def _on_key(self, event: Key) -> None:
        if await self.key_first(event):
            event.stop()
            event.prevent_default()
            return
        await super()._on_key(event)


class ShownInput(Input):
    """An Input that draws `shown(value)` instead of the value itself (the value is kept
    exactly). Textual draws an Input through its private `_value`; `shown` must keep one
    character for one, so the cursor stays right."""

    def shown(self, value: str) -> str:
        return value

    @property
    def _value(self) -> Text:
        if self.password:
            return super()._value
        text = Text(self.shown(self.value), no_wrap=True, overflow="ignore", end="")
        return self.highlighter(text) if self.highlighter is not None else text


# scrolling, batches, bindings


def settle_footer_key(widget: Widget, compact: bool) -> None:
    """A footer's key bound to its footer's `compact` is made compact when it is mounted
    (its reactive's default) and then not compact, as its footer is: its styles were
    applied three times. Given the footer's setting before it is mounted, they are applied
    once. A key not bound to it (the command palette's) keeps its own."""
    from textual.widgets._footer import FooterKey

    if isinstance(widget, FooterKey) and "compact" in (widget._reactive_connect or {}):
        widget.set_reactive(FooterKey.compact, compact)
        widget.set_class(compact, "-compact", update=False)


def following(widget: Widget) -> bool:
    """`widget` is anchored and the user has not scrolled it away from its end: it follows
    new content."""
    return widget.is_anchored and not widget._anchor_released


def anchor_in_place(widget: Widget) -> None:
    """Anchor `widget` where it is, released: it follows its end again once the user scrolls
    there (or presses End), without jumping now (`anchor()` scrolls to the end at once)."""
    widget._anchored = True
    widget.release_anchor()


def follow_anchor(widget: Widget) -> None:
    """Anchor `widget` and take back a release by the user: it follows its end again."""
    widget.anchor()
    widget._anchor_released = False


def release_line_caches() -> None:
    """Let go of the rendered lines of widgets that are gone. Textual 8.2 memoizes
    `StylesCache.get_inner_outer` with `lru_cache(1024)` on the instance, so the styles
    caches (each with its widget's rendered lines) of the last 1,024 widgets drawn stay
    alive after those widgets are removed (Textualize/textual#6665): after scrolling a long
    conversation that is ~300,000 live objects, which every full garbage collection then
    walks (0.3-1 s here) and which hold tens of MB. Clearing it costs one cache miss per
    widget at its next frame."""
    StylesCache.get_inner_outer.cache_clear()


def guard_pasted_escapes() -> None:
    """Every terminal input parser of this process reads a paste's ESCs as text
    (chattui.widgets.pasted_escapes says why). Idempotent."""
    from textual._xterm_parser import XTermParser

    from chattui.widgets.pasted_escapes import PastedEscapes

    feed = XTermParser.feed
    if getattr(feed, "guards_pastes", False):
        return

    def guarded(parser: XTermParser, data: str):
        guard = parser.__dict__.get("_chattui_pasted_escapes")
        if guard is None:
            guard = parser.__dict__["_chattui_pasted_escapes"] = PastedEscapes()
        passed = guard(data)
        if data and not passed:  # all held back; "" would tell the parser the input ended
            return iter(())
        return feed(parser, passed)

    guarded.guards_pastes = True  # type: ignore[attr-defined]
    XTermParser.feed = guarded  # type: ignore[method-assign, assignment]


def batch_open(app: App[Any]) -> bool:
    """A batch update is open (after-refresh callbacks then run before the pending layout)."""
    return bool(app._batch_count)


def bindings_of(node: DOMNode) -> BindingsMap:
    """The node's bindings as Textual merged them (its BINDINGS, its bases', any added)."""
    return node._bindings


def add_binding(node: DOMNode, keys: str, action: str, description: str = "", *,
                show: bool = True, priority: bool = False) -> None:
    """Bind `keys` on this node only (App.bind has no `priority` and is app-wide)."""
    node._bindings.bind(keys, action, description, show=show, priority=priority)


class CrashReportingApp(App[Any]):
    """An app that, on an unhandled exception, exits non-zero (as Textual does) without
    Textual's traceback, which shows local variables (an API key among them): `crashed`
    records the error and says what to print instead (`crash_line`, once `run` returns)."""

    crash_line = "crashed"

    def crashed(self, error: Exception) -> str:
        """Record `error` somewhere; the line to print on exit."""
        return f"crashed: {type(error).__name__}"

    def _handle_exception(self, error: Exception) -> None:
        self.crash_line = self.crashed(error)
        super()._handle_exception(error)

    def _fatal_error(self) -> None:
        self.bell()
        self._close_messages_no_wait()

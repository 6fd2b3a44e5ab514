"""Canaries for Textual's private API: one per name chattui/widgets/textual_compat.py
reaches into. When a Textual release drops or changes one, its canary fails naming the
version and the name, before any screen misbehaves."""

from __future__ import annotations

import importlib
import re
from importlib.metadata import version
from pathlib import Path
from typing import Any, Callable

import pytest
from markdown_it.token import Token
from textual.app import App
from textual.binding import BindingsMap
from textual.content import Content
from textual.css.scalar import Scalar
from textual.geometry import Size
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input, Markdown, TextArea

from chattui.widgets import textual_compat
from chattui.widgets.textual_compat import PRIVATE_NAMES

TEXTUAL = version("textual")
ROOT = Path(__file__).resolve().parents[2]


def _paragraph() -> Any:
    from textual.widgets._markdown import MarkdownParagraph

    return MarkdownParagraph(Markdown("x"), Token("paragraph_open", "p", 1))


def _method(owner: type, name: str) -> Callable[[], bool]:
    return lambda: callable(getattr(owner, name, None))


CANARIES: dict[str, Callable[[], bool]] = {
    "textual.widgets._markdown": lambda: all(
        hasattr(importlib.import_module("textual.widgets._markdown"), name)
        for name in ("MarkdownBlock", "MarkdownBullet", "MarkdownBulletList", "MarkdownListItem",
                     "MarkdownOrderedList", "MarkdownOrderedListItem", "MarkdownParagraph")),
    "MarkdownBlock._blocks": lambda: isinstance(_paragraph()._blocks, list),
    "MarkdownBlock._markdown": lambda: isinstance(_paragraph()._markdown, Markdown),
    "MarkdownBlock._token": lambda: isinstance(_paragraph()._token, Token),
    "MarkdownBlock._inline_token": lambda: hasattr(_paragraph(), "_inline_token"),
    "MarkdownBlock._content": lambda: isinstance(_paragraph()._content, Content),
    "Markdown._initial_markdown": lambda: Markdown("x")._initial_markdown == "x",
    "Markdown._theme": lambda: isinstance(Markdown("x")._theme, str),
    "Markdown._on_mount": _method(Markdown, "_on_mount"),
    "Widget._on_mount": _method(Widget, "_on_mount"),
    "TextArea._on_key": _method(TextArea, "_on_key"),
    "Input._value": lambda: isinstance(getattr(Input, "_value", None), property),
    "Widget._anchor_released": lambda: Widget()._anchor_released is False,
    "Widget._anchored": lambda: Widget()._anchored is False,
    "App._batch_count": lambda: App()._batch_count == 0,
    "App._handle_exception": _method(App, "_handle_exception"),
    "App._fatal_error": _method(App, "_fatal_error"),
    "App._close_messages_no_wait": _method(App, "_close_messages_no_wait"),
    "textual._styles_cache": lambda: callable(
        importlib.import_module("textual._styles_cache").StylesCache.get_inner_outer.cache_clear),
    "DOMNode._bindings": lambda: isinstance(App()._bindings, BindingsMap)
    and isinstance(Screen()._bindings, BindingsMap),
    "textual._resolve.resolve": lambda: callable(importlib.import_module("textual._resolve").resolve),
    "MarkdownTable._get_headers_and_rows": lambda: _method(
        importlib.import_module("textual.widgets._markdown").MarkdownTable, "_get_headers_and_rows")(),
    "MarkdownBlock._update_from_block": lambda: _method(
        importlib.import_module("textual.widgets._markdown").MarkdownBlock, "_update_from_block")(),
    "StripRenderable._strips": lambda: importlib.import_module("textual.strip").StripRenderable([])._strips == [],
    "textual.widgets._footer.FooterKey": lambda: "compact" in getattr(
        importlib.import_module("textual.widgets._footer").FooterKey, "_reactives", {}),
    "textual._xterm_parser.XTermParser.feed": lambda: [
        type(event).__name__ for event in importlib.import_module("textual._xterm_parser").XTermParser().feed(
            "\x1b[200~x\x1b[201~")] == ["Paste"],
    "DOMNode._reactive_connect": lambda: Widget()._reactive_connect is None  # data_bind fills it
    and "_reactive_connect" in importlib.import_module("textual.dom").DOMNode.data_bind.__code__.co_names,
}


def canary_failure(name: str) -> str | None:
    """Why the canary of `name` fails (None: Textual still has it)."""
    try:
        kept, why = CANARIES[name](), ""
    except (AttributeError, ImportError, TypeError) as exc:
        kept, why = False, f" ({type(exc).__name__}: {exc})"
    if kept:
        return None
    return (f"Textual {TEXTUAL} no longer has {name}{why}: "
            "chattui/widgets/textual_compat.py needs another way to do what it did")


@pytest.mark.parametrize("name", PRIVATE_NAMES)
def test_textual_still_has(name: str) -> None:
    assert name in CANARIES, f"{name} is used by textual_compat but has no canary here"
    failure = canary_failure(name)
    assert failure is None, failure


def test_a_canary_names_the_version_and_the_name_when_it_dies(monkeypatch) -> None:
    monkeypatch.delattr(App, "_fatal_error")
    assert canary_failure("App._fatal_error") == (
        f"Textual {TEXTUAL} no longer has App._fatal_error: "
        "chattui/widgets/textual_compat.py needs another way to do what it did")


def test_every_canary_is_for_a_name_in_use() -> None:
    assert set(CANARIES) == set(PRIVATE_NAMES)


def test_the_compat_helpers_do_what_they_say() -> None:
    paragraph = _paragraph()
    assert textual_compat.child_blocks(paragraph) is paragraph._blocks
    widget = Widget()
    widget._anchored = True
    assert textual_compat.following(widget)
    widget._anchor_released = True
    assert not textual_compat.following(widget)
    screen = Screen()
    textual_compat.add_binding(screen, "f9", "go", "Go", show=False, priority=True)
    [binding] = textual_compat.bindings_of(screen).key_to_bindings["f9"]
    assert (binding.action, binding.priority, binding.show) == ("go", True, False)
    columns = textual_compat.resolve_lengths([Scalar.from_number(9), Scalar.from_number(7)], 53, 1,
                                             Size(53, 0), Size(80, 24), expand=True, shrink=True, minimums=[2, 2])
    assert columns == [(0, 29), (30, 23)]  # expanded to fill 53 cells, 1 apart, in proportion


PRIVATE_USE = re.compile(r"textual\.widgets\._|from textual\._|"
                         r"\._(anchor_released|anchored|batch_count|keymap|bindings|blocks|nodes)\b")


def test_only_the_compat_module_touches_textual_internals() -> None:
    offenders = [f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
                 for path in sorted((ROOT / "chattui").rglob("*.py")) if path.name != "textual_compat.py"
                 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if PRIVATE_USE.search(line)]
    assert not offenders, "Textual's private API outside textual_compat.py:\n" + "\n".join(offenders)


def test_release_line_caches_lets_a_gone_widgets_lines_go() -> None:
    import gc
    import weakref

    from textual.color import Color

    from chattui.widgets.textual_compat import StylesCache, release_line_caches

    cache = StylesCache()
    cache.get_inner_outer(Color(0, 0, 0), Color(1, 2, 3))
    gone = weakref.ref(cache)
    del cache
    gc.collect()
    assert gone() is not None  # Textual's lru_cache still holds it (Textualize/textual#6665)
    release_line_caches()
    assert gone() is None

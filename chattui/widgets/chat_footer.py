"""Textual's Footer, its keys styled once each and recomposed only when they change."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer

from chattui.widgets.textual_compat import settle_footer_key


class ChatFooter(Footer):
    """Textual's Footer recomposes (a widget per key, ~17 ms here) whenever the screen's
    bindings may have changed: three times as the chat opens (the focus moves, the screen
    resumes), for the same keys, while the first send's warm-up needs the CPU. This one
    recomposes only when what it would show differs from what it shows, and styles each key
    once (`settle_footer_key`)."""

    _shown: tuple | None = None

    def on_mount(self) -> None:
        """Textual's Footer shows no key until the screen signals its bindings, and then
        only after the next refresh: the chat's footer was blank for up to a second after
        the start screen's (the warm-up holds the refreshes back). Ask now, and build now."""
        self.bindings_changed(self.screen)
        self.call_later(self.recompose)

    def compose(self) -> ComposeResult:
        for widget in super().compose():
            settle_footer_key(widget, self.compact)
            yield widget

    async def recompose(self) -> None:
        shown = self._keys()
        if shown == self._shown:
            return
        await super().recompose()
        self._shown = shown if self.children else None  # built before the bindings were: again

    def _keys(self) -> tuple:
        """The keys the footer would show, as it would show them, and its own settings."""
        keys = tuple((key, binding, enabled, tooltip, self.app.get_key_display(binding))
                     for key, (_node, binding, enabled, tooltip) in self.screen.active_bindings.items())
        return keys, self.compact, self.show_command_palette, self.combine_groups

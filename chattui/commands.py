"""Command palette entries (Ctrl+P): they call the same screen actions as keys and the sidebar."""

from __future__ import annotations

from functools import partial
from typing import Any, Callable, Iterator

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from chattui.widgets.plain import plain


class _Commands(Provider):
    """Palette entries from `_entries()`: (text, callback, help), listed and fuzzy-searched."""

    def _entries(self) -> Iterator[tuple[str, Callable[[], Any], str]]:
        raise NotImplementedError

    async def discover(self) -> Hits:
        for text, callback, help_text in self._entries():
            # Textual annotates `help` as str but reads it with Content.from_markup, which
            # takes a Content as it is: the help stays literal text, never markup
            yield DiscoveryHit(plain(text), callback, text=text,
                               help=plain(help_text))  # type: ignore[arg-type]

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, callback, help_text in self._entries():
            if (score := matcher.match(text)) > 0:
                yield Hit(score, _highlight(matcher, text), callback, text=text,
                          help=plain(help_text))  # type: ignore[arg-type]  # as above


def _highlight(matcher, text: str) -> Content:
    """The matched letters highlighted, as Matcher.highlight does, but of plain text (a
    persona's name or description is data, never markup)."""
    content = plain(text)
    _score, offsets = matcher.fuzzy_search.match(matcher.query, text)
    for offset in offsets:
        if not text[offset].isspace():
            content = content.stylize(matcher.match_style, offset, offset + 1)
    return content


class PersonaCommands(_Commands):
    """`Persona: NAME` for every persona that loaded."""

    def _entries(self) -> Iterator[tuple[str, Callable[[], Any], str]]:
        screen = self.screen
        library = getattr(screen, "library", None)
        if library is None:
            return
        for persona in library.personas:
            yield (f"Persona: {persona.name}", partial(screen.run_action, f"switch_persona({persona.name!r})"),
                   persona.description or "Switch persona for the next turn")


class ModeCommands(_Commands):
    """`Mode: full` / `Mode: chained` for the current conversation."""

    def _entries(self) -> Iterator[tuple[str, Callable[[], Any], str]]:
        from chattui.core.chaining import MODES

        helps = {"full": "Resend the whole history every turn (Chat Completions)",
                 "chained": "Responses API: send only the new input plus previous_response_id"}
        for mode in MODES:
            yield (f"Mode: {mode}", partial(self.screen.run_action, f"set_mode({mode!r})"), helps[mode])
        yield ("Switch model…", partial(self.screen.run_action, "switch_model"),
               "Another model or provider for the next turns (F11); says what it costs first")
        for level in ("off", "low", "medium", "high"):
            yield (f"Reasoning: {level}", partial(self.screen.run_action, f"set_reasoning({level!r})"),
                   "Thinking for the next turns (Anthropic budget, reasoning effort)")
        yield ("Turn details", partial(self.screen.run_action, "show_details"),
               "Tokens, cost split, cache state and cost per turn")
        yield ("Compact conversation", partial(self.screen.run_action, "compact_conversation"),
               "Full mode: a summary you approve; chained: responses.compact")
        yield ("Edit draft in $EDITOR", partial(self.screen.run_action, "open_editor"),
               "Ctrl+\\: the message being written in $VISUAL / $EDITOR; the saved text comes back")
        yield ("Regenerate reply", partial(self.screen.run_action, "regenerate_reply"),
               "The selected reply (else the last) asked again, cost shown first; the earlier one is kept")
        yield ("Copy last reply", partial(self.screen.run_action, "copy_last_reply"),
               "The last reply's Markdown to the clipboard (OSC 52: over SSH and tmux too)")
        yield ("Attach image…", partial(self.screen.run_action, "attach_image"),
               "/image PATH_OR_URL: a PNG, JPEG, GIF or WebP sent with your next message")
        yield ("Keep cache warm: on/off", partial(self.screen.run_action, "keep_warm"),
               "Anthropic: re-send the cached prefix before its TTL ends, while it pays")
        choice = getattr(getattr(self.screen, "session", None), "choice", None)
        if choice is not None and choice.stored is not None:
            yield ("Prefix: keep the stored bytes", partial(self.screen.run_action, "keep_stored_prefix"),
                   "Go on with the exact prefix this conversation sent (the cache can hit)")
        if choice is not None and choice.on_disk is not None:
            yield ("Prefix: use the persona file", partial(self.screen.run_action, "take_persona_file"),
                   "Send the persona file as it is now (its prefix is written to the cache again)")


class AppCommands(_Commands):
    """`Conversations`, `Export conversation`, `Keys`: the app's own screens (the same
    actions as their keys). Themes are Textual's `Theme` command, which lists chattui's."""

    ENTRIES = (
        ("Conversations", "show_conversations", "Browse, search, open, rename, branch, delete"),
        ("Export conversation", "export_conversation", "Markdown, JSON or HTML, API keys masked"),
        ("Keys", "show_help", "Every key, its id for [keys] in config.toml, and what it does"),
    )

    def _entries(self) -> Iterator[tuple[str, Callable[[], Any], str]]:
        for text, action, help_text in self.ENTRIES:
            yield text, partial(self.app.run_action, action), help_text
        from chattui.screens.gemini_caches import show_gemini_caches

        yield ("Gemini caches", partial(show_gemini_caches, self.app),
               "Explicit caches: create from the persona, extend, delete, bind this conversation")

"""The chat screen's warm-up, after its first frame: what the first send and the first reply
need, made ready off the UI thread, and the rest once a send is unlikely. A mixin of
MainScreen (kept apart so the screen stays small); what is loaded is core's and the
widgets'."""

from __future__ import annotations

import threading
import time

from textual.message import Message

from chattui.core import pricing, tokens
from chattui.screens.chat_host import ChatScreenHost


class WarmUp(ChatScreenHost):
    WARM_UP_WAIT_SECONDS = 0.02
    """How often the warm-up looks whether it may go on (`_send_unlikely`)."""
    TYPING_PAUSE_SECONDS = 1.5
    """Until a first reply has ended, the warm-up's rest waits for typing to pause this long."""
    _blocks_styled = False
    """The reply blocks' styles are registered (`_style_markdown_blocks`)."""
    _typed_at = float("-inf")
    """When the composer's text last changed (time.monotonic()); never, at first."""
    _a_reply_ended = False
    """A reply has ended since the screen was shown: the warm-up no longer waits for a pause."""

    class WarmedUp(Message):
        """The warm-up is over (its last step, the blocks' styles, ran while no reply streamed)."""

    def start_warm_up(self) -> None:
        self.run_worker(self._prepare, thread=True, group="prepare", exit_on_error=False)

    def _prepare(self) -> None:
        """Off the UI thread: first what the first send needs (the SDK and its client,
        markdown-it's patterns), so that it costs what the second does; then the rest, once
        a send is unlikely (`_send_unlikely`: it shares the GIL with a send and its reply,
        and ran into a first send made a second after the composer showed, delaying its
        reply by 0.1-0.2 s): a pygments lexer, the price data and, when it is on disk, the
        tokenizer (then the figures and the estimate show); then, on the UI thread, the
        blocks' styles (the garbage collector's tuning follows them); then the tokenizer
        download, if it can be had."""
        try:
            if self.session.provider is not None:
                self.session.provider.prepare()
            _warm_markdown()
            while not self._send_unlikely() and self.app.is_running:
                time.sleep(self.WARM_UP_WAIT_SECONDS)
            _warm_highlighting()
            pricing.warm_up()
            tokens.load_cached()
        finally:
            try:
                self.app.call_from_thread(self._prices_loaded)
                # (mypy solves call_from_thread's TypeVar to Never for a coroutine method here)
                self.app.call_from_thread(self._style_markdown_blocks)  # type: ignore[arg-type]
            except RuntimeError:  # the app closed meanwhile
                return
        threading.Thread(target=tokens.warm_up, daemon=True).start()  # may hang offline

    async def _style_markdown_blocks(self) -> None:
        """Mount a hidden sample reply once and remove it: the first time a kind of block (a
        table, a code fence, a list) is mounted, Textual registers its CSS and parses the whole
        stylesheet again, which the first rich reply paid while streaming (a few frames of it).
        Not while a reply streams (the sample would slow its frames): then after it ends
        (`after_a_reply`). Then the warm-up is over (`WarmedUp`)."""
        from chattui.widgets.compact_markdown import ChatMarkdown

        if self.session.busy or self._blocks_styled:
            return
        self._blocks_styled = True
        sample = ChatMarkdown(classes="style-warm-up")
        sample.display = False
        await self.mount(sample)
        await sample.update(_MARKDOWN_SAMPLE)
        await sample.remove()
        self.post_message(self.WarmedUp())

    def _send_unlikely(self) -> bool:
        """No reply streams, and either one has ended already or the user has not typed for
        TYPING_PAUSE_SECONDS (typing is what comes before the first send; read from the
        warm-up's thread)."""
        if self.session.busy:
            return False
        return self._a_reply_ended or time.monotonic() - self._typed_at >= self.TYPING_PAUSE_SECONDS

    def note_typing(self) -> None:
        """The composer's text changed: the warm-up's rest waits for a pause."""
        self._typed_at = time.monotonic()

    def after_a_reply(self) -> None:
        """A reply has ended: the warm-up's rest may run now (the user reads it); the blocks'
        styles, if a reply was streaming when the warm-up ended."""
        self._a_reply_ended = True
        if not self._blocks_styled:
            self.call_after_refresh(self._style_markdown_blocks)


_MARKDOWN_SAMPLE = ("# A\n\n- b [c](https://example.invalid) https://example.invalid\n\n"
                    "| d |\n|---|\n| e |\n\n```python\nf = 1\n```\n\n> g *h* `i`\n")


def _warm_markdown() -> None:
    """The widgets a reply is drawn with (Textual's Markdown, markdown-it: not imported for
    the first frame, ~0.1 s) are imported here, off the UI thread, and markdown-it compiles
    its patterns on the first parse, ~25 ms of the first reply: done here too."""
    from markdown_it import MarkdownIt

    import chattui.widgets.reply_stream  # noqa: F401  (Textual's Markdown, chattui's blocks)

    MarkdownIt("gfm-like").parse(_MARKDOWN_SAMPLE)


def _warm_highlighting() -> None:
    """Pygments loads a lexer at the first code block of its language (35-55 ms): the
    commonest one's, once a send is unlikely (a first reply's first lines need none)."""
    from textual.highlight import highlight

    highlight("f = 1\n", language="python")

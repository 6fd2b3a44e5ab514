"""One message of the conversation: a role line and its Markdown body."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.content import Content
from textual.containers import Vertical
from textual.reactive import reactive
from textual.widgets import Label, Static

from chattui.widgets.plain import plain, visible
from chattui.widgets.structured_reply import StructuredReply
from chattui.widgets.textual_compat import block_content
from chattui.widgets.thinking import ThinkingView

if TYPE_CHECKING:  # the Markdown stack is imported where it is used: not for the first frame
    from textual.css.query import DOMQuery
    from textual.widgets import Markdown

    from chattui.widgets.reply_stream import ReplyStream

_STATUS_NOTES = {
    "stopped": "stopped",
    "interrupted": "interrupted (cut short when chattui last closed; ctrl+r re-asks)",
    "failed": "failed",
}


class MessageView(Vertical):
    status: reactive[str | None] = reactive(None)
    """The reply's turn status; shown next to the role when it is not plain `complete`."""
    error: reactive[str | None] = reactive(None)
    """Why the turn failed, shown under the text."""

    def __init__(self, role: str, content: str = "", status: str | None = None,
                 error: str | None = None, attachments: tuple = (), reasoning=None,
                 alternative: tuple[int, int] | None = None, structured=None) -> None:
        super().__init__(classes=f"-{role}")
        self.structured = structured
        """The reply checked against its persona's schema (core.structured.Checked), shown
        as folded JSON instead of Markdown; None: free text."""
        self.reasoning = reasoning
        """The reply's thinking (core.reasoning.Reasoning), shown folded above it."""
        self.role = role
        self._content = content
        self.attachments = attachments
        """The message's images (core.attachments.Attachment), listed under its text."""
        self.message_id: int | None = None
        """The stored message shown (None until it is stored)."""
        self.alternative = alternative
        """(n, of) when this reply has regenerated alternatives: `reply n/of ‹ ›`."""
        self._width = 0
        self.set_reactive(MessageView.status, status)
        self.set_reactive(MessageView.error, error)

    def compose(self) -> ComposeResult:
        if self.role == "divider":  # a marker in the log, e.g. a persona switch
            yield Static(plain(f"── {self._content} ──"), classes="plain")
            return
        yield Label(plain(self._role_line()), classes="role")
        if self.role in ("user", "notice"):  # as typed (Markdown would fold its newlines); a
            # notice quotes data (file names, server errors) that Markdown would restyle
            yield Static(plain(self._content), classes="plain")
            if self.attachments:
                yield Static(plain("  ".join(a.label for a in self.attachments)), classes="attachments")
        elif self.role == "compaction":  # opaque server items: say what they are
            from textual.widgets import Markdown

            yield Markdown("History compacted by the server (`responses.compact`): "
                           "the turns above are no longer sent.")
        else:
            if self.role == "assistant":
                yield ThinkingView(self.reasoning)
            if self.structured is not None:
                yield StructuredReply(self.structured)
            else:
                yield from self._body(visible(self._content))  # the reply's Markdown; no raw escapes
        yield Label(plain(self.error), classes="error")

    def _body(self, text: str):
        """The Markdown body; a long one in the chunks it streamed in, those before its last
        `BUILT_SCREENS` screens lazy (built when scrolled near, as a streamed reply's). A
        reopened 6k-token reply built whole held the chat's first frame back: its last line
        showed 2.8 s after launch, 1.5 s with this."""
        from chattui.widgets.compact_markdown import ChatMarkdown

        if len(text) <= LAZY_BODY:
            yield ChatMarkdown(text)
            return
        from chattui.widgets.lazy_chunks import estimated_chunk_rows, lazy_groups
        from chattui.widgets.block_chunks import split_chunks

        width, height = self.app.size  # estimated again at the body's width once laid out
        chunks, rows = split_chunks(text), 0
        tail: list[str] = []
        while chunks and rows < BUILT_SCREENS * height:
            tail.insert(0, chunks.pop())
            rows += estimated_chunk_rows(tail[0], width)
        yield from lazy_groups(chunks, width)
        yield from (ChatMarkdown(chunk) for chunk in tail)

    async def build_body(self) -> None:
        """Build what is lazy in a long body (a search lights the words in its blocks)."""
        from chattui.widgets.compact_markdown import ChatMarkdown
        from chattui.widgets.lazy_chunks import unbuilt

        for chunk in [chunk for chunk in self.chunks() if unbuilt(chunk)]:
            await self.mount_all([ChatMarkdown(text) for text in chunk.texts], before=chunk)
            await chunk.remove()

    def _role_line(self) -> str:
        name = {"user": "You", "assistant": "Assistant", "notice": "chattui",
                "summary": "Summary · stands in for the history above from here on",
                "compaction": "Compaction"}.get(self.role, self.role)
        if self.status in (None, "complete"):
            note = None
        else:  # a known status gets its explanation; any other (e.g. a draft) shows as is
            note = "streaming…" if self.status == "streaming" else _STATUS_NOTES.get(self.status, self.status)
        if self.alternative:
            name = f"{name} · reply {self.alternative[0]}/{self.alternative[1]} ‹ ›"
        return f"{name} · {note}" if note else name

    def highlight(self, pattern: re.Pattern[str]) -> int:
        """Mark the text matching `pattern` (search words) in the body; how many blocks had one."""
        from textual.widgets.markdown import MarkdownBlock

        marked = 0
        for block in self.query(".plain, MarkdownBlock"):
            content = block_content(block) if isinstance(block, MarkdownBlock) else Content(self._content)
            if not pattern.search(content.plain):
                continue
            lit = content.highlight_regex(pattern, style="reverse")
            if isinstance(block, MarkdownBlock):
                block.set_content(lit)
            elif isinstance(block, Static):
                block.update(lit)
            marked += 1
        return marked

    def watch_status(self) -> None:
        self.set_class(self.status == "streaming", "-streaming")
        if self.is_mounted:
            self.query_one(".role", Label).update(plain(self._role_line()))

    def watch_error(self) -> None:
        if self.is_mounted:
            error = self.query_one(".error", Label)
            error.update(plain(self.error))
            error.display = bool(self.error)

    def on_mount(self) -> None:
        for error in self.query(".error"):
            error.display = bool(self.error)

    def estimated_rows(self, width: int) -> int:
        """Rows this message should take at `width` columns, from its text alone."""
        return estimated_rows(self._content, width, bool(self.error))

    @property
    def thinking(self) -> ThinkingView | None:
        """The thinking block above an assistant's answer (None for other roles)."""
        found = self.query(ThinkingView)
        return found.first() if found else None

    @property
    def markdown(self) -> Markdown:
        """The (first) Markdown widget of the body; a long reply streams into several."""
        from textual.widgets import Markdown

        return self.query(Markdown).first()

    def chunks(self) -> DOMQuery[Markdown]:
        """The body's Markdown widgets, in order (a long reply streams into several)."""
        from textual.widgets import Markdown

        return self.query_children(Markdown)

    @property
    def text(self) -> str:
        """The message as stored: the typed text, or the reply's Markdown source so far."""
        if self.role in ("user", "divider", "notice") or self.structured is not None:
            return self._content
        return "".join(chunk.source for chunk in self.chunks())

    async def show_structured(self, checked) -> None:
        """The finished reply follows a schema: show it as folded JSON instead of the
        Markdown it streamed into (kept, hidden, for nothing else reads it)."""
        self.structured, self._content = checked, checked.text
        for chunk in self.chunks():
            chunk.display = False
        await self.mount(StructuredReply(checked), before=self.query_one(".error"))

    def stream(self) -> ReplyStream:
        """A stream that appends fragments to the body through Markdown.get_stream()."""
        from chattui.widgets.reply_stream import ReplyStream

        return ReplyStream(self, self.markdown)

    def on_resize(self, event) -> None:
        # by type name: a reopened conversation's first resize must not import Markdown
        if self._width != event.size.width and len(self.query_children("Markdown")) > 1:
            from chattui.widgets.lazy_chunks import unpin_heights

            unpin_heights(self)
        self._width = event.size.width


LAZY_BODY = 8000
"""Characters of Markdown above which a message's body is built lazily, all but its tail."""
BUILT_SCREENS = 1.5
"""Screens of rows (estimated) at the end of a long body built at once."""


def estimated_rows(content: str, width: int, error: bool = False) -> int:
    """Rows a message of `content` should take at `width` columns, from its text alone
    (before any layout): one a source line, wrapped; the role line and the margin."""
    text_width = max(1, width - 4)
    lines = sum(len(line) // text_width + 1 for line in content.split("\n"))
    return 2 + lines + error

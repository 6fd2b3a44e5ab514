"""A tool call the model made: its name and arguments, and how the user answers it.

When the persona maps the tool to a shell command, the card shows that command exactly as
it will run (quoted, in full, wrapped: padding or markup cannot hide part of it) and the
persona file it comes from; its button only asks to run it (the screen confirms first)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Button, Input, Static

from chattui.core.models import ToolCall
from chattui.core.personas import BUILTIN
from chattui.widgets.plain import SPACE, PlainInput, plain, quoted


def pretty_arguments(arguments: str) -> str:
    """The arguments as indented JSON (or as they came, if they are not JSON)."""
    try:
        return json.dumps(json.loads(arguments), indent=2, ensure_ascii=False)
    except ValueError:
        return arguments


def fold(text: str, lines: int = 12, chars: int = 1500) -> str:
    """`text`, or its first lines and its size when it is long."""
    shown = text.splitlines()
    if len(shown) <= lines and len(text) <= chars:
        return text
    head = "\n".join(shown[:lines])[:chars]
    return f"{head}\n… folded: {len(text):,} characters, {len(shown):,} lines in all"


class ToolCallCard(Vertical):
    BINDINGS = [
        Binding("y", "decide('once')", "Run once"),
        Binding("a", "decide('always')", "Always allow"),
        Binding("n", "decide('decline')", "Decline"),
    ]
    FOLD_LINES = 12
    """A result longer than this many lines (or 1,500 characters) is shown folded."""

    result: reactive[str | None] = reactive(None)
    """The answer that was sent (None while it is still pending)."""

    @dataclass
    class _Event(Message):
        """Something the user did with this card's call."""

        card: ToolCallCard
        call: ToolCall

        @property
        def control(self) -> ToolCallCard:
            return self.card

    @dataclass
    class Answered(_Event):
        """The user gave this call its result."""

        text: str

    @dataclass
    class RunRequested(_Event):
        """The user asked to run the persona's command for this call (not confirmed yet)."""

        command: str

    @dataclass
    class Decided(_Event):
        """The user chose for an MCP call: `once`, `always` or `decline`."""

        choice: str

    running: reactive[bool] = reactive(False)

    def __init__(self, call: ToolCall, command: str | None = None, result: str | None = None,
                 source: object = None, server: tuple[str, str] | None = None) -> None:
        super().__init__()
        self.call = call
        self.command = command
        self.source = source
        """Where the command comes from: the persona file (or "built-in")."""
        self.server = server
        """(MCP server, its tool name) when an MCP server runs this call."""
        self.is_error = False
        self.can_focus = server is not None
        self.set_class(server is not None, "-mcp")
        self.set_reactive(ToolCallCard.result, result)

    def compose(self) -> ComposeResult:
        if self.server:
            title = f"MCP · server {self.server[0]} · tool {self.server[1]}"
        else:
            title = f"tool call · {self.call.name}"
        yield Static(plain(title), classes="name")  # wraps at 80 columns
        yield Static(plain(pretty_arguments(self.call.arguments)), classes="arguments")
        if self.command:
            yield Static(command_text(self.command, self.source), classes="command")
        if self.server:
            yield Static("y run once · a always allow · n decline", classes="hint")
        text = self._result_text()
        yield Static(plain(text), classes="result" + ("" if text else " -empty"))
        with Horizontal():
            yield PlainInput(placeholder="Type the result and press Enter", id="answer")
            if self.command:
                yield Button("Run the command…", id="run", variant="warning")

    def on_mount(self) -> None:
        self.set_class(self.result is not None, "-answered")

    def _result_text(self) -> str:
        if self.result is None:
            return "running… (Esc cancels)" if self.running else ""
        return ("" if self.is_error else "result: ") + fold(self.result, self.FOLD_LINES)

    def watch_result(self) -> None:
        self.set_class(self.result is not None, "-answered")
        self._show_result()

    def watch_running(self) -> None:
        self._show_result()

    def _show_result(self) -> None:
        for result in self.query(".result").results(Static):  # none before compose
            result.set_class(self.is_error, "-error")
            result.set_class(not self._result_text(), "-empty")
            result.update(plain(self._result_text()))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "decide":
            return self.server is not None and self.result is None and not self.running
        return True

    def action_decide(self, choice: str) -> None:
        self.post_message(self.Decided(self, self.call, choice))

    @on(Input.Submitted, "#answer")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.Answered(self, self.call, event.value))

    @on(Button.Pressed, "#run")
    def _run(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(self.RunRequested(self, self.call, self.command or ""))

    def propose(self, text: str) -> None:
        """Put a proposed result (a command's output) in the editor for the user to check."""
        answer = self.query_one("#answer", Input)
        answer.value = text
        answer.focus()


def command_text(command: str, source: object) -> Content:
    """The command exactly as it runs, quoted (padding, control characters and markup all
    show), and the persona file it comes from."""
    shown = quoted(command)
    note = f" ({SPACE} is a space)" if SPACE in shown else ""
    origin = "a built-in persona" if source in (None, BUILTIN) else source
    return Content.assemble(
        plain(f"Command from {origin} (gets the arguments on stdin){note}:\n"),
        (shown, "bold"))

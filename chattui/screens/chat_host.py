"""What MainScreen's mixins (AttachImages, ChatFigures, KeepWarmControls, McpCalls, MessageActions,
PersonaActions, PrefixChoice, SwitchModel, WarmUp) and the screens use of the chat screen and of ChatApp, declared for mypy.

At run time `ChatScreenHost` and `ChatAppScreen` are empty classes; for mypy it is a
Screen with the chat screen's session and helpers, and its `app` is a `ChatAppHost`: the
attributes ChatApp and chattui.assemble give the app. Screens may not import chattui.app (its
make_app imports the providers), so these are declared here; MainScreen and ChatApp define them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any, Awaitable, Callable, Mapping

    from textual import getters
    from textual.app import App
    from textual.screen import Screen
    from textual.worker import Worker

    from chattui.core.capabilities import Abilities
    from chattui.core.chat import ChatSession, OnText
    from chattui.core.turn_record import TurnOutcome
    from chattui.core.keepwarm import KeepWarm, Plan
    from chattui.core.model_switch import Target
    from chattui.core.personas import Persona, PersonaLibrary
    from chattui.core.provider import Provider
    from chattui.core.reopen import Setup
    from chattui.widgets.status_bar import StatusBar

    class ChatAppHost(App[object]):
        session: ChatSession
        cwd: Path
        mcp: Any
        """chattui.mcp_client.runtime.McpRuntime | None (the screens keep the MCP SDK at a distance)."""
        provider_for: Callable[[str], Provider]
        url_for: Callable[[str], str | None]
        switch_targets: Callable[[], list[Target]]
        model_abilities: Mapping[str, Abilities]
        connect: Callable[[Setup], tuple[Provider | None, str | None]]

        async def open_conversation(self, conversation_id: str | None, show: bool = True) -> bool: ...

    class ChatAppScreen(Screen[Any]):
        app = getters.app(ChatAppHost)  # Textual's way to name an App subclass's attributes

    class ChatScreenHost(ChatAppScreen):
        session: ChatSession
        keep_warm: KeepWarm
        library: PersonaLibrary
        load_library: Callable[[], PersonaLibrary]
        _persona_files: dict[Path, int | None]
        _turns: list[Any]
        personas_counted: bool
        editing: tuple[int, int] | None

        def _bar(self) -> StatusBar: ...
        def _show_personas(self) -> None: ...
        def _show_estimate(self) -> None: ...
        def _update_header(self) -> None: ...
        def _show_figures(self, outcome: TurnOutcome | None = None) -> None: ...
        def _tick(self) -> None: ...
        def _count_personas(self) -> None: ...
        def _prices_loaded(self) -> None: ...
        def _keep_warm_plan(self) -> Plan: ...
        def _warn_prefix_change(self, before: Persona | None, after: Persona, what: str) -> None: ...
        def mcp_warm(self, show: bool = True) -> None: ...
        def mcp_states(self) -> tuple[str, ...]: ...
        def offer_file_choice(self, current: Persona, fresh: Persona) -> None: ...
        async def reload_conversation(self) -> None: ...
        def run_turn(self, ask: Callable[[OnText], Awaitable[TurnOutcome | None]],
                     text: str | None = None, attachments: tuple[Any, ...] = ()) -> Worker[None]: ...
else:
    class ChatAppScreen:
        """At run time an empty base: the class also names Screen."""

    class ChatScreenHost(ChatAppScreen):
        """At run time an empty base: MainScreen is the Screen."""

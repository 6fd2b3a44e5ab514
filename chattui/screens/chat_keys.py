"""The chat screen's key bindings, in a module of their own: the start screen shows the
same footer before the chat screen is built (and imports nothing else of it)."""

from __future__ import annotations

from textual.binding import Binding, BindingType

CHAT_BINDINGS: list[BindingType] = [
    Binding("escape", "stop_reply", "Stop", id="stop-reply"),
    Binding("ctrl+r", "retry_turn", "Retry", id="retry-turn", show=False),
    Binding("end", "follow", "Follow", id="follow-reply", show=False),
    Binding("ctrl+n", "new_conversation", "New chat", id="new-conversation"),
    Binding("ctrl+b", "toggle_sidebar", "Personas", id="toggle-sidebar"),
    Binding("ctrl+o", "compact_conversation", "Compact", id="compact-conversation", show=False),
    Binding("ctrl+t", "show_details", "Details", id="turn-details"),
    Binding("ctrl+l", "reload_personas", "Reload personas", id="reload-personas", show=False),
    Binding("f11", "switch_model", "Switch model", id="switch-model", show=False),
    Binding("ctrl+f", "toggle_thinking", "Fold or unfold thinking or JSON", id="toggle-thinking", show=False),
    Binding("ctrl+backslash", "open_editor", "Editor", id="open-editor", show=False),
    Binding("ctrl+up", "select_messages", "Select messages", id="select-messages", show=False),
]

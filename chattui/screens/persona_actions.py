"""The chat screen's personas: the sidebar, switching (sidebar, hotkey, palette), and
persona files re-read when they change on disk (a changed prefix is said before the send)."""

from __future__ import annotations

from pathlib import Path

from chattui.core.chat import ConversationGone
from chattui.screens.chat_host import ChatScreenHost
from chattui.widgets.chat_log import ChatLog
from chattui.widgets.persona_list import PersonaList, persona_rows


class PersonaActions(ChatScreenHost):
    """Mixed into MainScreen (which has `session`, `library`, the MCP and prefix-choice mixins …)."""

    personas_counted = False
    """The sidebar shows the personas' sizes (set after the first frame: see _count_personas)."""

    def _show_personas(self) -> None:
        current = self.session.persona.name if self.session.persona else None
        rows = persona_rows(self.library, self.session.provider_name, self.session.model, self.app.cwd,
                            {current: self.mcp_states()} if current else {},
                            self.session.tool_list()[0], counted=self.personas_counted)
        self.query_one(PersonaList).show(rows, current)

    def _count_personas(self) -> None:
        """After the first frame: the personas' token counts and fingerprints in the sidebar."""
        self.personas_counted = True
        self._show_personas()

    def action_toggle_sidebar(self) -> None:
        sidebar = self.query_one(PersonaList)
        sidebar.display = not sidebar.display

    async def on_persona_list_selected(self, event: PersonaList.Selected) -> None:
        # a handler by name: @on registers only on Textual classes, and a mixin is not one
        await self.action_switch_persona(event.name)

    async def action_switch_persona(self, name: str) -> None:
        """Use persona `name` from the next turn on (sidebar, hotkey and palette all land here)."""
        persona = self.library.get(name)
        if persona is None or self.session.busy:
            self.notify(f"Cannot switch to '{name}' now.", severity="warning")
            return
        before = self.session.persona
        if before is not None and before.name == name:
            return
        try:
            divider = self.session.switch_persona(persona)
        except ConversationGone as gone:
            divider = None
            await self.reload_conversation()
            await self.query_one(ChatLog).add_notice(str(gone))
        if divider is not None:  # only a conversation under way gets (and stores) a divider
            await self.query_one(ChatLog).add("divider", divider.content)
        self.mcp_warm()
        self._update_header()
        self._warn_prefix_change(before, persona, f"persona changed to {name}")
        self._show_estimate()
        await self._show_request_notice()

    async def _show_request_notice(self) -> None:
        """Say what the provider will change in this persona's requests (e.g. dropped params)."""
        provider = self.session.provider
        if provider is not None and (notice := provider.request_notice(self.session.request())):
            persona = self.session.persona
            await self.query_one(ChatLog).add_notice(f"{persona.name}: {notice}." if persona else f"{notice}.")

    def _warn_prefix_change(self, before, after, what: str) -> None:
        from chattui.widgets.status_bar import StatusBar

        old = before.fingerprint() if before else "none"
        if old != after.fingerprint() and self.session.turns():
            self.query_one(StatusBar).warn(
                f"⚠ {what}: next turn misses the cache (#{old[:6]} → #{after.fingerprint()[:6]})")

    def action_reload_personas(self) -> None:
        """Re-read every persona file. A changed current persona takes effect next turn; in a
        conversation under way whose prefix it changes, only once the user chooses it."""
        from chattui.core.reopen import same_shape

        self.library = self.load_library()
        self._persona_files = self._file_stamps()
        current = self.session.persona
        fresh = self.library.get(current.name) if current else None
        if current is not None and fresh is not None and fresh != current:
            if self.session.turns() and not same_shape(current, fresh):
                self.offer_file_choice(current, fresh)
            else:
                self.session.refresh_persona(fresh)
                self._warn_prefix_change(current, fresh, f"persona file {current.name} changed")
            self._show_estimate()
        for broken in self.library.broken:
            self.notify(str(broken.problem), title="Persona file not loaded", severity="error")
        self._show_personas()

    def _file_stamps(self) -> dict[Path, int | None]:
        paths = [p.path for p in self.library.personas if p.path] + [b.path for b in self.library.broken]
        stamps: dict[Path, int | None] = {}
        for path in paths:
            try:
                stamps[path] = path.stat().st_mtime_ns
            except OSError:
                stamps[path] = None
        return stamps

    def _check_persona_files(self) -> None:
        if self._file_stamps() != self._persona_files:
            self.action_reload_personas()

"""Switching the conversation's model or provider from the chat screen (palette "Switch
model…", F11): the provider's models endpoint's list plus the configured models, then what
the switch does (core.model_switch.consequences), then the switch.

ModelPicker is the list; SwitchModel is a mixin of MainScreen (kept apart so the screen stays small).
"""

from __future__ import annotations

import asyncio

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from chattui.core.model_switch import Target, candidates, consequences
from chattui.core.reopen import Setup
from chattui.core.provider import Provider, ProviderError
from chattui.screens.confirm import Confirm
from chattui.widgets.attachment_tray import AttachmentTray
from chattui.widgets.chat_log import ChatLog
from chattui.widgets.plain import plain, plain_text
from chattui.screens.chat_host import ChatScreenHost
from chattui.screens import DIALOG_CSS


class ModelPicker(ModalScreen["Target | None"]):
    """Pick one of `targets`; Esc picks none."""
    CSS_PATH = DIALOG_CSS

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, current: Target, targets: list[Target], note: str | None = None) -> None:
        super().__init__()
        self.current, self.targets, self.note = current, targets, note

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(plain(f"Switch model (now {self.current.label})"))
            if self.note:
                yield Label(plain(self.note))
            # model names come from the server's list: text, never markup
            yield OptionList(*(Option(plain_text(t.label), id=str(i)) for i, t in enumerate(self.targets)))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.targets[event.option_index])

    def action_cancel(self) -> None:
        self.dismiss(None)


class SwitchModel(ChatScreenHost):
    MODEL_LIST_TIMEOUT = 10.0

    @work(group="switch-model", exclusive=True, exit_on_error=False)
    async def action_switch_model(self) -> None:
        """List, ask, switch: nothing changes until the user says yes."""
        session = self.session
        if session.busy:
            self.notify("A reply is still streaming: Esc stops it.", severity="warning")
            return
        listed, note = [], None
        lister = getattr(session.provider, "list_models", None)
        if lister is not None:
            try:
                listed = await asyncio.wait_for(lister(), self.MODEL_LIST_TIMEOUT)
            except (ProviderError, asyncio.TimeoutError) as exc:
                note = f"{exc or 'No model list in time'}: showing the configured models."
        current = Target(session.provider_name, session.model)
        targets = candidates(current, listed, self.app.switch_targets())
        if not targets:
            self.notify("No other model is known: configure one in config.toml.", severity="warning")
            return
        target = await self.app.push_screen_wait(ModelPicker(current, targets, note))
        attached = len(self.query_one(AttachmentTray).pending)
        if target is not None and await self.app.push_screen_wait(
                Confirm(consequences(session, target, attached, self.app.model_abilities),
                        yes="Switch", no="Keep")):
            await self.switch_to(target)

    async def switch_to(self, target: Target) -> None:
        session = self.session
        url = self.app.url_for(target.provider)
        old = session.provider
        provider: Provider | None
        if (target.provider, url) == (session.provider_name, session.base_url) and old is not None:
            provider, unavailable = old, session.unavailable
        else:
            provider, unavailable = self.app.connect(Setup(
                target.provider, target.model, url, session.persona, session.mode, session.image_detail))
        divider = session.switch_model(target.provider, target.model, provider, url, unavailable)
        if old is not None and old is not provider:
            await old.aclose()
        if divider is not None:
            await self.query_one(ChatLog).add("divider", divider.content)
        if unavailable:
            await self.query_one(ChatLog).add_notice(unavailable)
        self._bar().warn(f"⚠ model → {target.label}: the next turn starts with a cold cache")
        self._update_header()
        self._show_personas()
        self._show_estimate()

"""A reopened conversation's notes and choices on the chat screen: what the command line
changed (with its cache cost), and the user's choice between the stored prefix bytes and a
persona file that changed or vanished (nothing is sent until they choose). Once open, a
worker asks the provider's models endpoint whether the conversation's model still exists
(never blocking the open: offline or no answer in time counts as yes); when it is gone,
nothing is sent until a model is chosen (Switch model…).

A mixin of MainScreen (kept apart so the screen stays small); the decisions are core.reopen's.
"""

from __future__ import annotations

import asyncio

from textual import work

from chattui.core.provider import ProviderError
from chattui.core.reopen import (
    LIST_AGNOSTIC_PROVIDERS, Choice, combine, describe_change, flag_chose_model, model_gone,
    rewrite_cost,
)
from chattui.widgets.chat_log import ChatLog
from chattui.screens.chat_host import ChatScreenHost


class PrefixChoice(ChatScreenHost):
    MODEL_CHECK_TIMEOUT = 10.0

    async def show_reopen_notes(self, notes: list[str]) -> None:
        """Before the first send: what a reopen changed (flags) and any choice it waits for."""
        log = self.query_one(ChatLog)
        for note in notes:
            await log.add_notice(note)
        if self.session.choice is not None:
            await log.add_notice(self.session.choice.reason)
        warning = self.session.choice.reason if self.session.choice else (notes[-1] if notes else None)
        if warning:
            self._bar().warn(f"⚠ {warning}")
        self._show_personas()
        self._show_estimate()
        if self.session.conversation is not None and not flag_chose_model(notes):
            self.check_model_exists()

    @work(group="model-check", exclusive=True, exit_on_error=False)
    async def check_model_exists(self) -> None:
        """Hold sends, and say what to choose, when the reopened conversation's model is gone."""
        session = self.session
        conversation = session.conversation
        asked = (conversation.id if conversation else None, session.provider_name, session.model)
        configured = [t.model for t in self.app.switch_targets() if t.provider == session.provider_name]
        lister = getattr(session.provider, "list_models", None)
        if lister is None or session.provider_name in LIST_AGNOSTIC_PROVIDERS or session.model in configured:
            return
        try:
            listed = await asyncio.wait_for(lister(), self.MODEL_CHECK_TIMEOUT)
        except (ProviderError, asyncio.TimeoutError):
            return  # offline or unanswered: assume the model is there
        conversation = session.conversation
        if (conversation.id if conversation else None, session.provider_name, session.model) != asked:
            return  # another conversation or model by now
        if (gone := model_gone(session.provider_name, session.model, listed, configured)) is None:
            return
        session.wait_for_choice(combine(gone, session.choice))
        self._bar().warn(f"⚠ {gone.reason}")
        await self.query_one(ChatLog).add_notice(gone.reason)

    def offer_file_choice(self, current, fresh) -> None:
        """The current persona's file changed mid-conversation: keep its bytes until the user chooses."""
        session = self.session
        cost = rewrite_cost(fresh, session.provider_name, session.model, session.prices, session.base_url)
        choice = Choice(
            f"Persona file {current.name} changed: {describe_change(current, fresh)}; taking the "
            f"file writes {cost} again. Keep the stored prefix (cache hits) or use the file? "
            "(palette: Prefix: …)", stored=current, on_disk=fresh)
        session.wait_for_choice(choice)
        self._bar().warn(f"⚠ {choice.reason}")

    def action_keep_stored_prefix(self) -> None:
        """A reopen's (or a reload's) choice: go on with the bytes already sent."""
        if self.session.choice is None:
            self.notify("Nothing to choose: the conversation can go on.")
            return
        self.session.keep_stored_prefix()
        self._bar().warn("kept the stored prefix: the next turn can hit the cache")
        self._after_choice()

    def action_take_persona_file(self) -> None:
        """A reopen's (or a reload's) choice: the persona file as it is now (a cold cache)."""
        before = self.session.persona
        if not self.session.take_persona_file():
            self.notify("No changed persona file to take.", severity="warning")
            return
        after = self.session.persona
        assert after is not None  # the file's persona, taken just now
        self._warn_prefix_change(before, after, f"persona file {after.name} changed")
        self._after_choice()

    def _after_choice(self) -> None:
        self._show_personas()
        self._update_header()
        self._show_estimate()

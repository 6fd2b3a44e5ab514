"""MCP on the chat screen: servers start in the background, a send waits for them (Esc gives
up), calls run on approval (y once, a always, n decline) and their results go back."""

from __future__ import annotations

import asyncio
import json
from typing import Awaitable, Callable

from chattui.core import mcp
from chattui.core.mcp import ServerConfig, ToolResult
from chattui.core.chat import OnText
from chattui.core.turn_record import TurnOutcome
from chattui.core.provider import ProviderError
from chattui.widgets.tool_call import ToolCallCard
from chattui.screens.chat_host import ChatScreenHost

Ask = Callable[[OnText], Awaitable[TurnOutcome | None]]


class McpCalls(ChatScreenHost):
    """A mixin for MainScreen; `self.app.mcp` is a chattui.mcp_client.runtime.McpRuntime."""

    _mcp_wait: asyncio.Future | None = None
    _mcp_checking: asyncio.Future | None = None
    _mcp_asked: tuple[str, str] | None = None
    """(conversation, new tool list) the user was asked about: not asked twice."""
    _mcp_running: dict

    @property
    def mcp(self):
        return getattr(self.app, "mcp", None)

    def mcp_configs(self) -> dict[str, ServerConfig]:
        return self.mcp.configs_for(self.session.persona) if self.mcp else {}

    def mcp_warm(self, show: bool = True) -> None:
        """Start the current persona's servers in the background (start-up never waits);
        `show`: redraw the sidebar now (a persona switch)."""
        self.session.server_tools, self.session.pinned_tools = {}, None
        configs = self.mcp_configs()
        for task in self.mcp.pool.start(configs.values()) if configs else ():
            task.add_done_callback(lambda _task: self._mcp_started())
        if show or configs:
            self._show_personas()

    def _mcp_started(self) -> None:
        """A server started or failed: its tools count in the estimate and the sidebar now;
        once all of them are up, a tool list other than the conversation's stored one is
        announced at once (a reopened conversation hears of it before the user sends)."""
        if not self.is_mounted:
            return
        if self.session.busy or self.session.pinned_tools is not None:
            return self._show_personas()
        configs = self.mcp_configs()
        servers = [self.mcp.pool.servers.get(name) for name in sorted(configs)]
        self.session.server_tools = {s.config.name: s.tools for s in servers
                                     if s is not None and s.state == mcp.READY and s.tools}
        self._show_personas()
        if all(s is not None and s.state in (mcp.READY, mcp.FAILED) for s in servers):
            self._mcp_check()

    def mcp_states(self) -> tuple[str, ...]:
        """`mcp time: 2 tools` for each server of the current persona (the sidebar)."""
        if not self.mcp:
            return ()
        lines = []
        for name, config in sorted(self.mcp_configs().items()):
            server = self.mcp.pool.servers.get(name)
            lines.append(f"mcp {name}: {mcp.state_text(server) if server else 'not started'}")
        return tuple(lines)

    def mcp_ready_then(self, ask: Ask) -> Ask:
        """`ask`, once the persona's servers have started or failed (Esc gives up)."""

        async def wrapped(on_text: OnText) -> TurnOutcome | None:
            await self._mcp_before_send()
            return await ask(on_text)

        return wrapped

    async def _mcp_before_send(self) -> None:
        configs = self.mcp_configs()
        if not configs:
            self.session.server_tools = {}
            return
        from chattui.widgets.chat_log import ChatLog

        tasks = self.mcp.pool.start(configs.values())
        if not all(task.done() for task in tasks):
            waiting = ", ".join(sorted(configs))
            await self.query_one(ChatLog).add_notice(
                f"Waiting for MCP servers to start: {waiting} · Esc gives up")
            self._mcp_wait = asyncio.ensure_future(asyncio.gather(*map(asyncio.shield, tasks)))
            try:
                await self._mcp_wait
            except asyncio.CancelledError:
                raise ProviderError("Gave up waiting for the MCP servers; nothing was sent.",
                                    kind="mcp") from None
            finally:
                self._mcp_wait = None
        servers = [self.mcp.pool.servers[name] for name in sorted(configs)]
        for server in servers:
            if server.state == mcp.FAILED:
                log = f" (log: {server.log_path})" if server.log_path else ""
                await self.query_one(ChatLog).add_notice(
                    f"MCP server {server.config.name} failed: {server.reason}; its tools are "
                    f"not offered{log}")
        tools = {s.config.name: s.tools for s in servers if s.tools}
        self.session.server_tools = tools
        await self._mcp_check()
        self._show_personas()

    def _mcp_check(self) -> asyncio.Future:
        """Compare the servers' tool list with the stored one, once at a time (a send that
        comes while the question is up waits for the same answer)."""
        if self._mcp_checking is None or self._mcp_checking.done():
            self._mcp_checking = asyncio.ensure_future(self._mcp_check_stored_list())
        return self._mcp_checking

    async def _mcp_check_stored_list(self) -> None:
        """When the servers now list other tools than this conversation's requests carried,
        say what changed and what it costs, and let the user keep the stored list."""
        from chattui.screens.confirm import Confirm

        conversation = self.session.conversation
        if getattr(self, "_mcp_pinned_for", None) != (conversation.id if conversation else None):
            self.session.pinned_tools = None
        if conversation is None or self.session.pinned_tools is not None:
            return
        persona = self.session.persona.name if self.session.persona else ""
        stored = mcp.stored_list(self.session.store, conversation.id, persona)
        _, new = self.session.tool_list()
        asked = (conversation.id, mcp.tool_list_json(new))
        if stored is None or mcp.tool_list_json(stored) == asked[1] or self._mcp_asked == asked:
            return
        self._mcp_asked = asked
        what = "\n".join(mcp.changes(stored, new)) or "the tool definitions' bytes"
        question = (f"The MCP servers now list other tools than this conversation used:\n{what}\n\n"
                    f"Taking the new list writes the cache again: {self._mcp_rewrite_cost()}. "
                    "Keeping the stored list keeps the cache (a call to a tool that is gone "
                    "returns an error).")
        answer: asyncio.Future[bool | None] = asyncio.get_running_loop().create_future()

        def answered(take: bool | None) -> None:
            if not answer.done():
                answer.set_result(take)

        self.app.push_screen(Confirm(question, yes="Take the new one", no="Keep the stored list"),
                             answered)
        if not await answer:  # Esc keeps the stored list: it costs nothing
            self.session.pinned_tools = stored
            self._mcp_pinned_for = conversation.id
            self._show_personas()

    def _mcp_rewrite_cost(self) -> str:
        from chattui.core.pricing import format_usd, price
        from chattui.core.usage import Usage

        persona, _ = self.session.tool_list()
        n = self.session.estimate("").n + (persona.prefix_tokens().n if persona else 0)
        cost = price(Usage(input_total=n, cache_write_5m=n, output=0), self.session.model,
                     self.session.provider_name, self.session.prices, self.session.base_url)
        usd = f" (≈{format_usd(cost.usd)})" if cost.usd is not None else " (price unknown)"
        return f"≈{n:,} tokens{usd}"

    def mcp_stop(self) -> bool:
        """Esc: give up waiting for servers, or cancel the running calls. True if it did."""
        if self._mcp_wait is not None and not self._mcp_wait.done():
            self._mcp_wait.cancel()
            return True
        running = [task for task in getattr(self, "_mcp_running", {}).values() if not task.done()]
        for task in running:
            task.cancel()
        return bool(running)

    def mcp_card(self, call, command, result, source=None) -> ToolCallCard:
        """A card for `call`: an MCP card when one of the persona's servers serves it
        (`source`: the persona file a `command` comes from)."""
        _, tools = self.session.tool_list()
        return ToolCallCard(call, command, result, source, server=tools.route(call.name))

    def mcp_begin(self, cards: list[ToolCallCard]) -> None:
        """Run the allowed calls at once; the first call that needs a choice takes the focus."""
        asking = []
        for card in cards:
            if card.server is None or card.result is not None:
                continue
            config = self.mcp_configs().get(card.server[0])
            persona = self.session.persona.name if self.session.persona else ""
            if config and self.mcp.is_allowed(persona, config, card.server[1], card.call.name):
                self._mcp_run(card)
            else:
                asking.append(card)
        if asking:
            asking[0].focus()

    def on_tool_call_card_decided(self, event: ToolCallCard.Decided) -> None:
        event.stop()
        card = event.card
        if event.choice == "decline":
            self._mcp_answer(card, mcp.ToolResult(mcp.DECLINED, is_error=True))
            return
        if event.choice == "always" and self.session.persona is not None:
            self.mcp.always_allow(self.session.persona.name, card.call.name)
        self._mcp_run(card)

    def _mcp_run(self, card: ToolCallCard) -> None:
        server_name, tool = card.server or ("", "")
        config = self.mcp_configs().get(server_name)
        if not hasattr(self, "_mcp_running"):
            self._mcp_running = {}
        card.running = True
        self._next_focus(card)

        async def run() -> None:
            try:
                arguments = json.loads(card.call.arguments or "{}")
                if not isinstance(arguments, dict):
                    raise ValueError("the arguments are not a JSON object")
            except ValueError as exc:
                result = mcp.ToolResult(f"invalid arguments: {exc}", is_error=True)
            else:
                if config is None:
                    result = mcp.ToolResult(f"no MCP server {server_name}", is_error=True)
                else:
                    try:
                        result = await self.mcp.pool.server(config).call(tool, arguments)
                    except asyncio.CancelledError:
                        result = mcp.ToolResult("cancelled by the user", is_error=True)
            card.running = False
            self._mcp_answer(card, result)

        self._mcp_running[card.call.id] = asyncio.ensure_future(run())

    def _next_focus(self, card: ToolCallCard) -> None:
        cards = [c for c in self.query(ToolCallCard) if c.server and c.result is None
                 and not c.running and c is not card]
        if cards:
            cards[0].focus()

    def mcp_images(self, calls) -> dict[str, tuple]:
        """The images MCP calls among `calls` returned, by call id (taken: given once)."""
        kept = getattr(self, "_mcp_images", {})
        return {call.id: kept.pop(call.id) for call in calls if call.id in kept}

    def _mcp_answer(self, card: ToolCallCard, result: ToolResult) -> None:
        if result.images:
            if not hasattr(self, "_mcp_images"):
                self._mcp_images: dict[str, tuple] = {}
            self._mcp_images[card.call.id] = result.images
        card.is_error = result.is_error
        self._next_focus(card)
        card.post_message(ToolCallCard.Answered(card, card.call, result.for_model()))

"""The conversations browser: every stored conversation by last activity, full-text search
over every message, and open / rename / branch / delete / export.

It reads and changes the archive through the Store (never SQL) and asks the app to open a
conversation (`ConversationsScreen.Chosen`). Deleting a chained conversation offers to
delete its stored responses on the server too: only those no other conversation (a branch)
still uses, through the OpenAI Responses client.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from rich.cells import cell_len
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.timer import Timer
from textual.widgets import DataTable, Header, Input, Label, OptionList
from textual.widgets.option_list import Option

from chattui.core.pricing import format_usd
from chattui.core.secrets import redact
from chattui.core.when import format_time
from chattui.screens.chat_host import ChatAppScreen
from chattui.screens.confirm import Confirm
from chattui.widgets.chat_footer import ChatFooter
from chattui.widgets.plain import PlainInput, plain, visible
from chattui.screens import DIALOG_CSS

HIT_STYLE = "bold reverse"
"""How a matched word stands out in a search hit."""
MIN_TITLE_WIDTH = 16


def cost_text(summary) -> str:
    """`$0.0012`; `cost ?` when no turn could be priced, `+?` when some could not."""
    if summary.turns == 0:
        return "-"
    if summary.unpriced_turns >= summary.turns:
        return "cost ?"
    return format_usd(summary.cost_usd) + (" +?" if summary.unpriced_turns else "")


def hit_text(hit, secrets: Iterable[str] = ()) -> Text:
    """A search hit as two lines: where it is, then the passage with each match styled."""
    title = redact(" ".join((hit.conversation_title or "Untitled").split()), secrets)
    when = format_time(hit.created_at)
    text = Text.assemble((visible(title), "bold"), (f"  · {visible(hit.role)} · {when}\n", "dim"))
    start = len(text)
    text.append("  " + visible(hit.snippet))  # one character for one: the spans still fit
    for begin, end in hit.spans:
        text.stylize(HIT_STYLE, start + 2 + begin, start + 2 + end)
    return text


class RenameScreen(ModalScreen[str | None]):
    """Ask for a new title; dismisses with it (None when cancelled)."""
    CSS_PATH = DIALOG_CSS

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="cancel-rename")]

    def __init__(self, title: str) -> None:
        super().__init__()
        self.current = title

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Rename conversation")
            yield PlainInput(self.current, id="title")
            yield Label("Enter saves · Esc cancels", classes="hint")

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.dismiss(event.value)
        else:
            self.notify("A title must not be blank.", severity="warning")

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConversationsScreen(ChatAppScreen, Screen):
    CSS_PATH = DIALOG_CSS
    BINDINGS = [
        Binding("escape", "close", "Back", id="close-conversations"),
        Binding("f2", "rename", "Rename", id="rename-conversation"),
        Binding("f5", "branch", "Branch", id="branch-conversation"),
        Binding("f8,delete", "delete", "Delete", id="delete-conversation"),
        Binding("down", "focus_results", "Results", id="focus-results", show=False),
    ]
    SUB_TITLE = "conversations"
    SEARCH_DELAY = 0.25
    """Seconds of no typing before the search runs."""

    @dataclass
    class Chosen(Message):
        """The user asked to open a conversation in the chat screen."""

        screen: ConversationsScreen
        conversation_id: str
        message_id: int | None = None
        """A search hit: the message to scroll to (None: open at the end)."""
        terms: tuple[str, ...] = ()
        """The hit's matched words, highlighted in the message."""
        hit_ids: tuple[int, ...] = ()
        """Every hit in that conversation, in order (n / N go from one to the next)."""

        @property
        def control(self) -> ConversationsScreen:
            return self.screen

    def __init__(self, store, secrets: Iterable[str | None] = ()) -> None:
        super().__init__()
        self.store = store
        self.secrets = tuple(s for s in secrets if s)
        self._summaries: dict = {}
        self._hits: dict = {}
        self._search_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical():
            yield Input(placeholder="Search every message (a word ending in * is a prefix)",
                        id="search")
            yield DataTable(id="conversations", cursor_type="row", zebra_stripes=True)
            yield OptionList(id="hits")
            yield Label("", id="info", markup=False)
        yield ChatFooter()

    def on_mount(self) -> None:
        self.query_one("#hits").display = False
        self.refresh_list(select=self._open_id())
        self.query_one("#search", Input).focus()

    def on_resize(self) -> None:
        if self.is_mounted and self._summaries:
            self._fill_table(self.selected_id())

    # the list

    def refresh_list(self, select: str | None = None) -> None:
        """Reload the list from the store, most recent activity first; keep (or move) the cursor."""
        keep = select or self.selected_id()
        self._summaries = {s.id: s for s in self.store.list_conversations()}
        self._fill_table(keep)
        self._show_info()

    def _fill_table(self, keep: str | None) -> None:
        """One row per conversation; the title column takes the width the others leave."""
        table = self.query_one("#conversations", DataTable)
        open_id = self._open_id()
        rows = [(summary.id, (
            format_time(summary.updated_at),
            ("▶ " if summary.id == open_id else "")
            + redact(" ".join((summary.title or "(untitled)").split()), self.secrets),
            summary.persona or "-", summary.model, str(summary.turns), cost_text(summary),
        )) for summary in self._summaries.values()]
        table.clear(columns=True)
        headers = ("Last activity", "Title", "Persona", "Model", "Turns", "Cost")
        widths = [max([len(h)] + [cell_len(cells[i]) for _, cells in rows]) for i, h in enumerate(headers)]
        spare = self.size.width - sum(widths) + widths[1] - 2 * table.cell_padding * len(headers) - 2
        widths[1] = max(MIN_TITLE_WIDTH, min(widths[1], spare))
        for header, width in zip(headers, widths):
            table.add_column(header, key=header.split()[-1].lower(), width=width)
        for key, cells in rows:
            table.add_row(*(Text(visible(cell), overflow="ellipsis", no_wrap=True) for cell in cells), key=key)
        if keep is not None and keep in self._summaries:
            table.move_cursor(row=table.get_row_index(keep))

    def _open_id(self) -> str | None:
        conversation = self.app.session.conversation
        return conversation.id if conversation else None

    def selected_id(self) -> str | None:
        """The conversation under the cursor (of the list, or of the search hits)."""
        hits = self.query_one("#hits", OptionList)
        if hits.display:
            if hits.highlighted is None:
                return None
            return self._hits[hits.get_option_at_index(hits.highlighted).id].conversation_id
        table = self.query_one("#conversations", DataTable)
        if not table.row_count:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    export_target = selected_id
    """What the app's export key exports while this screen is up."""

    @on(DataTable.RowHighlighted)
    @on(OptionList.OptionHighlighted)
    def _show_info(self) -> None:
        if self.query_one("#hits").display:
            return
        info = self.query_one("#info", Label)
        summary = self._summaries.get(self.selected_id() or "")
        if summary is None:
            info.update("No conversations yet." if not self._summaries else "")
            return
        opened = " · open now" if summary.id == self._open_id() else ""
        info.update(plain(f"{len(self._summaries)} conversations · id {summary.id} · {summary.mode} · "
                          f"{summary.messages} messages{opened} · {self._export_key()} exports"))

    def _export_key(self) -> str:
        from chattui.screens.help import current_keys

        return current_keys(self.app, "export-conversation") or "the export key"

    # search

    @on(Input.Changed, "#search")
    def _query_changed(self) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
        self._search_timer = self.set_timer(self.SEARCH_DELAY, self.run_search)

    def run_search(self) -> None:
        """Show the hits of the search box's words (or the list, when it is empty)."""
        from chattui.store.search import search

        query = self.query_one("#search", Input).value.strip()
        table, hits = self.query_one("#conversations", DataTable), self.query_one("#hits", OptionList)
        if not query:
            hits.display, table.display = False, True
            self._show_info()
            return
        results = search(self.store, query, limit=100, secrets=self.secrets)
        self._hits = {str(hit.message_id): hit for hit in results}
        hits.clear_options()
        hits.add_options([Option(hit_text(hit, self.secrets), id=key) for key, hit in self._hits.items()])
        hits.display, table.display = True, False
        if results:
            hits.highlighted = 0
        total = "?" if results.total is None else f"{results.total:,}"
        notes = [" · only the newest matches ranked" if results.capped else "",
                 " · plain scan (this SQLite has no full-text index)" if results.fallback else ""]
        self.query_one("#info", Label).update(plain(
            f"{total} matching messages, {len(results)} shown · Enter opens the conversation{''.join(notes)}"))

    # opening

    @on(Input.Submitted, "#search")
    def _search_submitted(self) -> None:
        if self._search_timer is not None:  # Enter before the debounce ran: search first
            self._search_timer.stop()
            self._search_timer = None
            self.run_search()
        hits = self.query_one("#hits", OptionList)
        if hits.display and hits.highlighted is not None:
            self._open_hit(str(hits.get_option_at_index(hits.highlighted).id))
        else:
            self._open(self.selected_id())

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        self._open(event.row_key.value)

    @on(OptionList.OptionSelected, "#hits")
    def _hit_selected(self, event: OptionList.OptionSelected) -> None:
        self._open_hit(str(event.option.id))

    def _open_hit(self, key: str) -> None:
        """Open the hit's conversation at the hit, its words highlighted."""
        hit = self._hits[key]
        terms = tuple(dict.fromkeys(hit.snippet[s:e].lower() for s, e in hit.spans))
        same = sorted(h.message_id for h in self._hits.values()
                      if h.conversation_id == hit.conversation_id)
        self.post_message(self.Chosen(self, hit.conversation_id, hit.message_id, terms, tuple(same)))

    def _open(self, conversation_id: str | None) -> None:
        if conversation_id is not None:
            self.post_message(self.Chosen(self, conversation_id))

    def action_focus_results(self) -> None:
        hits = self.query_one("#hits", OptionList)
        (hits if hits.display else self.query_one("#conversations", DataTable)).focus()

    def action_close(self) -> None:
        search = self.query_one("#search", Input)
        if search.value:  # Esc first clears the search, then leaves
            search.value = ""
            search.focus()
            return
        self.dismiss()

    # changing the archive

    @work(group="archive", exclusive=True)
    async def action_rename(self) -> None:
        summary = self._summaries.get(self.selected_id() or "")
        if summary is None:
            return
        title = await self.app.push_screen_wait(RenameScreen(summary.title or ""))
        if title is None:
            return
        try:
            renamed = self.store.rename_conversation(summary.id, title)
        except KeyError:
            return self._gone()
        self.notify(f"Renamed to “{renamed.title}”")
        await self._after_change(summary.id, select=summary.id)

    @work(group="archive", exclusive=True)
    async def action_branch(self) -> None:
        source = self.selected_id()
        if source is None:
            return
        try:
            branch = self.store.duplicate_conversation(source)
        except KeyError:
            return self._gone()
        self.query_one("#search", Input).value = ""
        self.run_search()
        self.refresh_list(select=branch.id)
        self.query_one("#conversations", DataTable).focus()
        self.notify(f"Branched into “{branch.title}”: Enter opens it")

    @work(group="archive", exclusive=True)
    async def action_delete(self) -> None:
        summary = self._summaries.get(self.selected_id() or "")
        if summary is None:
            return
        session = self.app.session
        is_open = summary.id == self._open_id()
        if is_open and session.busy:
            self.notify("A reply is still streaming in this conversation: Esc stops it.",
                        severity="warning")
            return
        if elsewhere := self.store.streaming_elsewhere(summary.id):  # its reply would be lost
            self.notify(f"A reply is streaming into it in another window ({elsewhere[0][1]}): "
                        "stop it there first.", severity="warning")
            return
        title = redact(summary.title or "(untitled)", self.secrets)
        question = (f"Delete “{title}” ({summary.messages} messages, {summary.turns} turns)? "
                    "It cannot be undone." + (" It is the one open in the chat." if is_open else "")
                    + " Its usage and cost stay in `chattui stats`; `chattui rm --forget ID` "
                    "erases them too.")
        if not await self.app.push_screen_wait(Confirm(question, yes="Delete", no="Keep")):
            return
        try:
            response_ids = self.store.delete_conversation(summary.id)
        except KeyError:
            return self._gone()
        self.notify(f"Deleted “{title}”")
        if is_open:
            await self.app.open_conversation(None, show=False)
        if self.query_one("#search", Input).value.strip():
            self.run_search()
        self.refresh_list()
        if response_ids:
            await self._offer_server_delete(response_ids)

    def _gone(self) -> None:
        """The selected conversation was deleted meanwhile (in another window): say so and
        show the list as it is now (a KeyError stopped the app)."""
        self.notify("That conversation is no longer stored: deleted in another window.",
                    severity="warning")
        self.refresh_list()

    async def _offer_server_delete(self, response_ids: list[str]) -> None:
        from chattui.core.chaining import CHAINABLE_PROVIDERS, CHAINED

        n = len(response_ids)
        session = self.app.session
        usable = session.provider is not None and session.provider.supports_chaining
        if not usable and (session.unavailable or session.provider_name not in CHAINABLE_PROVIDERS):
            self.notify(f"Its {n} stored response(s) stay on the server: chattui has no OpenAI "
                        "Responses API access here to delete them.", severity="warning", timeout=8)
            return
        question = (f"The server still stores {n} response(s) of this conversation (Responses API, "
                    "kept for chaining). Delete them on the server too?")
        if not await self.app.push_screen_wait(Confirm(question, yes="Delete on server", no="Leave them")):
            self.notify(f"{n} stored response(s) left on the server.")
            return
        try:
            provider = (session.provider if usable and session.provider is not None
                        else self.app.provider_for(CHAINED))
        except ValueError as exc:
            self.notify(f"{n} stored response(s) stay on the server: {exc}", severity="error")
            return
        try:
            gone, failures = await provider.delete_stored(response_ids)
        finally:
            if provider is not session.provider:
                await provider.aclose()
        if failures:
            self.notify(f"Deleted {gone} of {n} on the server; failed: {failures[0]}",
                        severity="error", timeout=10)
        else:
            self.notify(f"Deleted {gone} stored response(s) on the server.")

    async def _after_change(self, conversation_id: str, select: str | None = None) -> None:
        """Refresh what shows a changed conversation: the list, the hits, the open chat's title."""
        if conversation_id == self._open_id():
            if self.app.session.busy:  # the header catches up after the reply
                self.app.session.refresh_conversation()
            else:
                await self.app.open_conversation(conversation_id, show=False)
        if self.query_one("#search", Input).value.strip():
            self.run_search()
        self.refresh_list(select=select)

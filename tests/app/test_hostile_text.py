"""Data is text, never markup (issue #18): text chattui did not write (messages, replies,
server errors, file names, titles, persona and theme files) is shown literally on every
surface, never crashes the app and never becomes an action."""

from __future__ import annotations

import json

from textual.widgets import DataTable, Input

from chattui.emulator import Fault, Reply, ToolCall
from chattui.screens.confirm import Confirm
from chattui.screens.conversations import ConversationsScreen
from chattui.screens.main import MainScreen
from chattui.widgets.plain import quoted, visible
from tests.app.pilot import main_screen, send, settle, status_bar, views, wait_until

RICH_QUESTION = "How do I close a tag with [/] in Rich?"


def rendered(widget) -> str:
    """What a Label/Static shows, as plain text."""
    return str(widget.render())


def notifications(app) -> list[str]:
    return [f"{n.title} {n.message}" for n in app._notifications]


async def test_markup_in_a_first_message_survives_branch_and_delete(app_for):
    app = app_for()
    async with app.run_test(size=(120, 30)) as pilot:
        await send(pilot, RICH_QUESTION)
        await settle(pilot)
        assert views(app)[0].text == RICH_QUESTION
        await pilot.press("ctrl+g")
        await pilot.pause()
        assert isinstance(app.screen, ConversationsScreen)
        await pilot.press("down", "f5")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, ConversationsScreen)
        assert any(f"Branched into “{RICH_QUESTION}" in n for n in notifications(app))
        assert app.screen.query_one(DataTable).row_count == 2

        await pilot.press("f8")
        await pilot.pause()
        assert isinstance(app.screen, Confirm)
        assert f"Delete “{RICH_QUESTION} (branch)”" in rendered(app.screen.query_one("Label"))
        await pilot.press("y")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, ConversationsScreen)
        assert app.screen.query_one(DataTable).row_count == 1
        assert any(f"Deleted “{RICH_QUESTION} (branch)”" in n for n in notifications(app))


async def test_an_image_path_with_markup_is_reported_not_a_crash(app_for, tmp_path):
    app = app_for()
    async with app.run_test(size=(120, 30)) as pilot:
        await send(pilot, "/image ./[/]cat.png")
        await pilot.pause()
        assert app.is_running
        turn = rendered(status_bar(app).query_one("#turn"))
        assert "[/]cat.png" in turn and turn.startswith("⚠")


async def test_a_server_error_with_markup_is_shown_and_the_conversation_reopens(app_for, emulator):
    body = "upstream said [/] and [@click=app.quit]x[/]"
    emulator.queue(Fault(status=400, message=body))
    app = app_for()
    async with app.run_test(size=(120, 30)) as pilot:
        await send(pilot, "hi")
        await settle(pilot)
        assert app.is_running
        reply = views(app)[-1]
        assert reply.status == "failed" and body in reply.error
        assert body in rendered(reply.query_one(".error"))
        assert rendered(status_bar(app).query_one("#turn")).startswith("prompt 0")  # not frozen
        await send(pilot, "again")
        await settle(pilot)
        assert views(app)[-1].status == "complete"  # the status bar and the app go on

    again = app_for(continue_last=True)
    async with again.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        assert again.is_running and isinstance(again.screen, MainScreen)
        failed = next(v for v in views(again) if v.status == "failed")
        assert body in rendered(failed.query_one(".error"))


async def test_a_theme_with_markup_is_reported_broken_and_the_app_starts(app_for, tmp_path):
    folder = tmp_path / "config" / "themes"
    folder.mkdir(parents=True)
    (folder / "evil.toml").write_text('name = "evil"\n[colors]\nprimary = "[/]"\n')
    (folder / "named.toml").write_text('name = "[@click=app.quit]x[/]"\n[colors]\nprimary = "#884400"\n')
    app = app_for()
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, MainScreen)
        reported = [n.message for n in app._notifications if n.title == "Theme file not loaded"]
        assert any("evil.toml" in m and "'[/]' is not a colour" in m for m in reported)
        assert any("named.toml" in m and "name:" in m for m in reported)
        assert "[@click=app.quit]x[/]" not in app.available_themes


HOSTILE = [
    "[/]",
    "[bold]",
    "[@click=app.quit]x[/]",
    "[link=file:///etc/passwd]x[/]",
    "\x1b[31mred\x1b[0m",
    "\x1b]52;c;aGVsbG8=\x07",
    "[" * 10_000,
]
"""Markup that would crash, style, link or act; escape sequences that would recolour the
terminal or set its clipboard; a run of brackets that a markup parser chokes on."""


def toml(value: str) -> str:
    return json.dumps(value)  # a JSON string is a TOML basic string (\\uXXXX escapes)


def write_hostile_files(tmp_path) -> None:
    """For each string: a persona named and described by it, whose tool command and hotkey
    show it; a broken persona and a broken theme whose error quotes it."""
    personas = tmp_path / "config" / "personas"
    themes = tmp_path / "config" / "themes"
    personas.mkdir(parents=True)
    themes.mkdir(parents=True)
    for i, text in enumerate(HOSTILE):
        (personas / f"hostile{i}.md").write_text(
            f"+++\nname = {toml(text)}\ndescription = {toml(text)}\nhotkey = \"f{13 + i}\"\n"
            '[[tool]]\nname = "probe"\nparameters = { type = "object", properties = {} }\n'
            f"[tool_commands]\nprobe = {toml('echo ' + text)}\n+++\nYou probe.\n")
        (personas / f"broken{i}.md").write_text(f"+++\ncache_ttl = {toml(text)}\n+++\nx\n")
        (themes / f"bad{i}.toml").write_text(f"[colors]\nprimary = {toml(text)}\n")


def seed_conversations(data_dir) -> None:
    from tests.app.test_conversations_ui import seed

    for text in HOSTILE:
        seed(data_dir, [(f"needle {text}", text, 0.001)], title=text, persona=text)


def shown(widget) -> str:
    return str(widget.render())


def markdown_text(view) -> str:
    from textual.widgets._markdown import MarkdownBlock

    return "".join(str(block._content) for block in view.query(MarkdownBlock))


async def check_chat_surfaces(pilot, text: str, emulator) -> None:
    """Switch to the persona named `text`, send `text`, get `text` back with two tool calls
    (one named `text`), answer them with `text`, get an error body of `text`."""
    from chattui.widgets.persona_list import PersonaList
    from chattui.widgets.tool_call import ToolCallCard, pretty_arguments

    app, literal = pilot.app, visible(text)
    emulator.queue(Reply(text=text, tool_calls=(ToolCall("probe", {"q": text}), ToolCall(text, {"q": text}))),
                   Fault(status=400, message=text))
    await app.screen.run_action(f"switch_persona({text!r})")
    await pilot.pause()
    assert literal in app.sub_title and app.is_running  # the header
    sidebar = app.screen.query_one(PersonaList)
    assert any(str(sidebar.get_option_at_index(i).prompt).startswith(f"● {literal}")
               for i in range(sidebar.option_count))

    await send(pilot, text)
    await settle(pilot)
    log = views(app)
    user, reply = log[-2:]
    if app.session.turns() and len(app.session.turns()) > 1:  # a conversation under way gets
        assert log[-3].role == "divider"  # a divider naming the new persona
        assert literal in shown(log[-3].query_one(".plain"))
    assert shown(user.query_one(".plain")) == literal
    if "@click" in text:  # no action hides in it: click where it is shown
        for widget in (user.query_one(".plain"), reply.query_one("Markdown")):
            widget.scroll_visible(animate=False, immediate=True)
            await pilot.pause()
            await pilot.click(widget)
        assert app.is_running
    assert markdown_text(reply) == literal
    cards = list(app.screen.query(ToolCallCard))[-2:]
    arguments = pretty_arguments(cards[0].call.arguments)  # JSON: ESC is \u001b there
    assert json.loads(cards[0].call.arguments) == {"q": text}
    assert shown(cards[0].query_one(".arguments")) == visible(arguments)
    assert quoted("echo " + text) in shown(cards[0].query_one(".command"))
    assert shown(cards[1].query_one(".name")) == f"tool call · {literal}"
    for card in cards:
        card.query_one(Input).value = text
        card.query_one(Input).focus()
        await pilot.press("enter")
        await settle(pilot)
    failed = views(app)[-1]
    assert failed.status == "failed" and literal in shown(failed.query_one(".error"))

    await send(pilot, f"/image ./{text}.png")
    await pilot.pause()
    warning = shown(status_bar(app).query_one("#turn"))
    path = visible(str(app.cwd / f"{text}.png"))  # as a path: file:/// is file:/
    assert warning.startswith("⚠") and path[:200] in warning


async def check_conversation_surfaces(pilot) -> None:
    """The list, search hits, branch toast, delete and rename and export dialogs."""
    from chattui.screens.conversations import RenameScreen
    from chattui.screens.export import ExportScreen

    app = pilot.app
    await pilot.press("ctrl+g")
    await pilot.pause()
    screen = app.screen
    table = screen.query_one("#conversations", DataTable)
    cells = [str(cell) for i in range(table.row_count) for cell in table.get_row_at(i)]
    for text in HOSTILE:
        assert visible(text) in cells  # title and persona columns

    screen.query_one("#search", Input).value = "needle"
    screen.run_search()
    await pilot.pause()
    hits = screen.query_one("#hits")
    prompts = [str(hits.get_option_at_index(i).prompt) for i in range(hits.option_count)]
    for text in HOSTILE:
        assert any(visible(text)[:50] in prompt for prompt in prompts)
    screen.query_one("#search", Input).value = ""
    screen.run_search()
    await pilot.pause()

    for row in range(len(HOSTILE)):
        table.focus()
        table.move_cursor(row=row)
        await pilot.pause()
        title = app.session.store.get_conversation(screen.selected_id()).title
        await pilot.press("f8")
        await pilot.pause()
        assert isinstance(app.screen, Confirm)
        assert f"Delete “{visible(title)}”" in shown(app.screen.query_one("Label"))
        await pilot.press("n")
        await pilot.pause()
        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(app.screen, RenameScreen) and app.screen.query_one(Input).value == title
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ExportScreen)
        assert shown(app.screen.query_one(".title")) == f"Export “{visible(title)}”"
        await pilot.press("escape")
        await pilot.pause()
    table.move_cursor(row=0)
    await pilot.press("f5")
    await app.workers.wait_for_complete()
    await pilot.pause()
    assert any(n.startswith(" Branched into “") for n in notifications(app))
    await pilot.press("escape")
    await pilot.pause()


async def test_hostile_text_is_shown_literally_on_every_surface(app_for, emulator, tmp_path):
    from chattui.widgets.persona_list import PersonaList

    write_hostile_files(tmp_path)
    seed_conversations(tmp_path / "data")
    app = app_for()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        notices = " ".join(v.text for v in views(app) if v.role == "notice")
        toasts = [n.message for n in app._notifications if n.title == "Theme file not loaded"]
        sidebar = app.screen.query_one(PersonaList)
        rows = [str(sidebar.get_option_at_index(i).prompt) for i in range(sidebar.option_count)]
        for text in HOSTILE:
            assert visible(repr(text)) in notices  # the broken persona's error, quoted
            assert any(repr(text) in toast for toast in toasts)  # the broken theme's
            assert any(row.startswith(f"  {visible(text)}  F") for row in rows)
            assert any(row.startswith("  broken") and visible(repr(text)) in row for row in rows)
        assert len(toasts) == len(HOSTILE)

        await pilot.press("f12")
        await pilot.pause()
        help_cells = [str(c) for row in app.screen.query_one(DataTable).ordered_rows
                      for c in app.screen.query_one(DataTable).get_row(row.key)]
        for text in HOSTILE:
            assert visible(text) in help_cells
        await pilot.press("escape")

        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"hostile")  # matches no name: the palette lists its discovery hits
        for key in "hostile":
            await pilot.press("backspace")
        assert await wait_until(pilot, lambda: len(palette_prompts(app)) > len(HOSTILE))
        for text in HOSTILE:
            assert any(visible(f"Persona: {text}") in p for p in palette_prompts(app))
        await pilot.press(*"persona")  # the search hits, highlighted, are plain text too
        assert await wait_until(pilot, lambda: sum(p.startswith("Persona: ") for p in palette_prompts(app))
                                >= len(HOSTILE) + 6)
        for text in HOSTILE:
            assert any(p.startswith(visible(f"Persona: {text}")) for p in palette_prompts(app))
        await pilot.press("escape")
        await pilot.pause()

        for text in HOSTILE:
            await check_chat_surfaces(pilot, text, emulator)
        await check_conversation_surfaces(pilot)
        assert app.is_running and isinstance(app.screen, MainScreen)
    assert app.return_code in (None, 0) and app._exception is None


def palette_prompts(app) -> list[str]:
    from textual.command import CommandList

    return [str(option.prompt) for results in app.screen.query(CommandList)
            for option in results.options]


async def test_a_click_opens_a_replys_web_link_but_only_shows_any_other(app_for, emulator, monkeypatch):
    from textual.widgets import Markdown

    # (markdown-it makes no link of a file: URL; a program's own scheme it does)
    emulator.queue(Reply(text="Read [the docs](vscode://settings/x) or [the site](https://example.invalid/x)."))
    app = app_for()
    opened: list[str] = []
    monkeypatch.setattr(app, "open_url", lambda url, **kwargs: opened.append(url))
    async with app.run_test(size=(120, 30)) as pilot:
        await send(pilot, "links?")
        await settle(pilot)
        paragraph = views(app)[-1].query_one(Markdown).query("MarkdownParagraph").first()
        line = paragraph.render_line(0).text
        await pilot.click(paragraph, offset=(line.index("the docs") + 2, 0))
        assert await wait_until(pilot, lambda: any("vscode://settings/x" in n for n in notifications(app)))
        assert opened == []
        assert "Not opened" in notifications(app)[-1]
        await pilot.click(paragraph, offset=(line.index("the site") + 2, 0))
        assert await wait_until(pilot, lambda: opened == ["https://example.invalid/x"])


async def test_a_model_name_with_an_escape_sequence_is_shown_in_the_details_charts(app_for, tmp_path):
    from chattui.core.models import COMPLETE, TurnMeta, TurnResult
    from chattui.core.usage import Usage
    from chattui.screens.details import DetailsScreen
    from chattui.store import Store, database_path

    osc = "\x1b]0;PWNED\x1b\\"  # plotext's uncolorize leaves an OSC sequence in place
    store = Store(database_path(tmp_path / "data"))  # e.g. a conversation imported from a file
    other = store.create_conversation("openai", f"m{osc}")
    user = store.add_user_message(other.id, "hi")
    turn = store.start_turn(other.id, user.id, TurnMeta("openai", f"m{osc}"))
    store.finish_turn(turn, TurnResult(COMPLETE, "hello", Usage(input_total=100, output=10), 0.5))
    store.close()
    app = app_for()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+t")
        assert await wait_until(pilot, lambda: isinstance(app.screen, DetailsScreen))
        chart = app.screen.query_one("#chart-model")

        def drawn() -> str:
            return "".join(chart.render_line(y).text for y in range(chart.size.height))

        assert await wait_until(pilot, lambda: "m␛]0;" in drawn())  # laid out and drawn
        assert "\x1b" not in drawn()


async def test_a_paste_is_text_in_the_composer_and_sends_as_shown(app_for, emulator):
    """What the terminal's parser makes of a paste holding control characters (its ESCs
    already ␛: tests/unit/test_pasted_escapes.py): shown in the composer, line breaks kept,
    and Enter sends what was shown."""
    from textual import events

    from chattui.widgets.composer import Composer

    app = app_for()
    async with app.run_test(size=(100, 30)) as pilot:
        composer = app.screen.query_one(Composer)
        app.post_message(events.Paste("first\r\nsecond ␛]0;PWNED\x07 end\x1b [/] [@click=app.quit]x[/]"))
        await pilot.pause()  # (posted to the app, as the driver does)
        assert composer.text == "first\nsecond ␛]0;PWNED␇ end␛ [/] [@click=app.quit]x[/]"
        assert isinstance(app.screen, MainScreen)  # no key pressed: no screen opened
        emulator.queue(Reply(text="ok"))
        await pilot.press("enter")
        await settle(pilot)
        assert app.is_running and [v.text for v in views(app) if v.role == "user"] == [
            "first\nsecond ␛]0;PWNED␇ end␛ [/] [@click=app.quit]x[/]"]

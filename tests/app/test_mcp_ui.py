"""MCP in the app, end to end: the emulator asks for a real server's tool, the card shows
server, tool and arguments, `y` runs it, the result goes back, the answer streams."""

from __future__ import annotations

import json

from chattui.emulator import Reply, ToolCall
from chattui.widgets.tool_call import ToolCallCard
from tests.app.pilot import main_screen, send, settle, views, wait_until
from tests.mcp.servers import TIME_SERVER


def _persona(tmp_path, extra: str = "", command: str = TIME_SERVER,
             args: tuple[str, ...] = ("--local-timezone", "UTC")) -> None:
    folder = tmp_path / "config" / "personas"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "clock.md").write_text(
        f'+++\n[mcp_servers.time]\ncommand = "{command}"\nargs = {json.dumps(list(args))}\n'
        f'{extra}+++\nYou tell the time.\n')


def _asking(app) -> bool:
    """The tool-list question is up and drawn."""
    from chattui.screens.confirm import Confirm

    return isinstance(app.screen, Confirm) and bool(app.screen.query("Label"))


def _sidebar(app) -> str:
    from chattui.widgets.persona_list import PersonaList

    sidebar = main_screen(app).query_one(PersonaList)
    return "\n".join(str(sidebar.get_option_at_index(i).prompt) for i in range(sidebar.option_count))


async def test_ask_the_time_approve_with_y_and_the_answer_streams(app_for, emulator, tmp_path):
    _persona(tmp_path)
    emulator.queue(Reply(tool_calls=(ToolCall("time__get_current_time", {"timezone": "UTC"}),)),
                   Reply(text="It is noon in UTC."))
    app = app_for(persona="clock")
    async with app.run_test(size=(140, 40)) as pilot:
        assert await wait_until(pilot, lambda: "mcp time: 2 tools" in _sidebar(app), timeout=60)
        await send(pilot, "What time is it?")
        assert await wait_until(pilot, lambda: isinstance(app.focused, ToolCallCard), 30)
        card = main_screen(app).query_one(ToolCallCard)
        assert "server time · tool get_current_time" in str(card.query_one(".name").render())
        assert '"timezone": "UTC"' in str(card.query_one(".arguments").render())
        assert app.focused is card
        first = emulator.requests[0].json
        assert [t["function"]["name"] for t in first["tools"]] == [
            "time__convert_time", "time__get_current_time"]
        await pilot.press("y")
        assert await wait_until(pilot, lambda: len(emulator.requests) == 2, timeout=60)
        await settle(pilot)
        assert views(app)[-1].text == "It is noon in UTC."
        result = emulator.requests[1].json["messages"][-1]
        assert result["role"] == "tool" and json.loads(result["content"])["timezone"] == "UTC"
        assert "result: {" in str(card.query_one(".result").render())


async def test_declined_and_allowed_calls(app_for, emulator, tmp_path):
    _persona(tmp_path, 'allow = ["convert_time"]\n')
    emulator.queue(
        Reply(tool_calls=(ToolCall("time__get_current_time", {"timezone": "UTC"}),
                          ToolCall("time__convert_time", {"source_timezone": "UTC", "time": "12:00",
                                                          "target_timezone": "Asia/Tokyo"}))),
        Reply(text="Tokyo is at 21:00."))
    app = app_for(persona="clock")
    async with app.run_test(size=(140, 40)) as pilot:
        await send(pilot, "Noon UTC in Tokyo?")
        assert await wait_until(pilot, lambda: isinstance(app.focused, ToolCallCard), 60)
        first, second = main_screen(app).query(ToolCallCard)
        assert app.focused is first  # the allowed call runs without asking
        assert await wait_until(pilot, lambda: second.result is not None, 60)
        assert "Asia/Tokyo" in str(second.query_one(".result").render())
        await pilot.press("n")
        assert await wait_until(pilot, lambda: len(emulator.requests) == 2, timeout=60)
        await settle(pilot)
        results = emulator.requests[1].json["messages"][-2:]
        assert results[0]["content"] == "error: declined by the user"
        assert json.loads(results[1]["content"])["target"]["timezone"] == "Asia/Tokyo"
        assert views(app)[-1].text == "Tokyo is at 21:00."


async def _failed_then_sent(pilot, shown: str, text: str) -> list[str]:
    """Wait for the sidebar to show a server's failure, send `text`: the notices."""
    app = pilot.app
    assert await wait_until(pilot, lambda: shown in _sidebar(app), timeout=30)
    await send(pilot, text)
    await settle(pilot)
    return [v.text for v in views(app) if v.role == "notice"]


async def test_a_server_that_fails_is_shown_and_the_send_goes_on_without_it(app_for, emulator,
                                                                           tmp_path):
    _persona(tmp_path, command=str(tmp_path / "no-such-server"))
    emulator.queue(Reply(text="I cannot tell the time."))
    app = app_for(persona="clock")
    async with app.run_test(size=(140, 40)) as pilot:
        notices = await _failed_then_sent(pilot, "mcp time: failed: command not found", "What time is it?")
        replies = [v.text for v in views(app) if v.role == "assistant"]
        assert replies[-1] == "I cannot tell the time."
        assert "tools" not in emulator.requests[0].json
        assert any(n.startswith("MCP server time failed: command not found") for n in notices)
        assert any(n.endswith(f"(log: {tmp_path / 'data' / 'mcp-logs' / 'time.log'})") for n in notices)


async def test_a_changed_tool_list_is_announced_on_reopen_before_any_send_and_can_be_kept(
        app_for, emulator, tmp_path, monkeypatch):
    from chattui.screens.confirm import Confirm
    from tests.app.pilot import raw_field
    from tests.mcp.servers import HttpServer

    server = HttpServer().start()
    monkeypatch.setenv("DOCS_TOKEN", "t0ken")
    folder = tmp_path / "config" / "personas"
    folder.mkdir(parents=True)
    (folder / "docs.md").write_text(
        f'+++\n[mcp_servers.docs]\nurl = "{server.url}"\n'
        'headers = { Authorization = "Bearer ${DOCS_TOKEN}" }\n+++\nYou search the docs.\n')
    emulator.queue(Reply(text="first"), Reply(text="second"))
    try:
        app = app_for(persona="docs")
        async with app.run_test(size=(140, 40)) as pilot:
            await send(pilot, "hello")
            await settle(pilot)
            assert [v.text for v in views(app) if v.role == "assistant"][-1] == "first"
        server.reword()
        app = app_for(continue_last=True)  # the reopen brings back persona docs and its server
        async with app.run_test(size=(140, 40)) as pilot:
            # as soon as the server is up, before anything is typed
            assert await wait_until(pilot, lambda: _asking(app), timeout=30)
            assert len(emulator.requests) == 1
            question = str(app.screen.query_one("Label").render())
            assert "docs: reworded search_docs" in question
            assert "tokens" in question and "writes the cache again" in question
            await pilot.press("n")  # keep the stored list
            await send(pilot, "again")
            await settle(pilot)
            assert not isinstance(app.screen, Confirm)  # asked once, not again at the send
            assert [v.text for v in views(app) if v.role == "assistant"][-1] == "second"
        first, second = emulator.requests[0].body, emulator.requests[1].body
        assert raw_field(second, "tools") == raw_field(first, "tools")
        assert b"Search the docs." in raw_field(second, "tools")
        assert set(server.auth) == {"Bearer t0ken"}
    finally:
        server.stop()


async def test_esc_cancels_a_running_call_and_the_model_hears_why(app_for, emulator, tmp_path):
    from tests.mcp.servers import python_server

    table = python_server(tmp_path)  # a server whose `hang` tool never answers
    _persona(tmp_path, command=table["command"], args=tuple(table["args"]))
    emulator.queue(Reply(tool_calls=(ToolCall("time__hang", {}),)), Reply(text="Understood."))
    app = app_for(persona="clock")
    async with app.run_test(size=(140, 40)) as pilot:
        await send(pilot, "Wait for it")
        assert await wait_until(pilot, lambda: isinstance(app.focused, ToolCallCard), 60)
        card = app.focused
        await pilot.press("y")
        assert await wait_until(pilot, lambda: card.running, 10)
        assert "running… (Esc cancels)" in str(card.query_one(".result").render())
        await pilot.press("escape")
        assert await wait_until(pilot, lambda: len(emulator.requests) == 2, 30)
        await settle(pilot)
        assert emulator.requests[1].json["messages"][-1]["content"] == "error: cancelled by the user"
        assert "error: cancelled by the user" in str(card.query_one(".result").render())
        assert [v.text for v in views(app) if v.role == "assistant"][-1] == "Understood."


async def test_two_calls_in_one_reply_show_together_run_in_parallel_and_answer_in_one_request(
        app_for, emulator, tmp_path):
    from tests.mcp.servers import MEETING, python_server

    table = python_server(tmp_path, MEETING)  # `meet` answers only once two calls are in
    _persona(tmp_path, command=table["command"], args=tuple(table["args"]))
    emulator.queue(Reply(tool_calls=(ToolCall("time__meet", {"name": "ann"}),
                                     ToolCall("time__meet", {"name": "bob"}))),
                   Reply(text="Both met."))
    app = app_for(persona="clock")
    async with app.run_test(size=(140, 40)) as pilot:
        await send(pilot, "Meet twice")
        assert await wait_until(pilot, lambda: isinstance(app.focused, ToolCallCard), 60)
        first, second = main_screen(app).query(ToolCallCard)
        assert '"ann"' in str(first.query_one(".arguments").render())
        assert '"bob"' in str(second.query_one(".arguments").render())
        assert app.focused is first
        await pilot.press("y")
        assert await wait_until(pilot, lambda: app.focused is second, 10)
        assert first.running and first.result is None  # still waiting for the second call
        await pilot.press("y")
        assert await wait_until(pilot, lambda: len(emulator.requests) == 2, timeout=60)
        await settle(pilot)
        results = emulator.requests[1].json["messages"][-2:]
        assert [r["content"] for r in results] == ["ann met ann and bob", "bob met ann and bob"]
        assert "ann met ann and bob" in str(first.query_one(".result").render())
        assert views(app)[-1].text == "Both met."


async def test_opening_a_conversation_whose_server_changed_asks_before_sending_and_can_take_it(
        app_for, emulator, tmp_path, monkeypatch):
    from chattui.screens.confirm import Confirm
    from tests.mcp.servers import HttpServer

    server = HttpServer().start()
    folder = tmp_path / "config" / "personas"
    folder.mkdir(parents=True)
    (folder / "docs.md").write_text(
        f'+++\n[mcp_servers.docs]\nurl = "{server.url}"\n+++\nYou search the docs.\n')
    emulator.queue(Reply(text="first"), Reply(text="second"))
    try:
        app = app_for(persona="docs")
        async with app.run_test(size=(140, 40)) as pilot:
            await send(pilot, "hello")
            await settle(pilot)
            conversation_id = app.session.conversation.id
        server.reword()
        app = app_for()  # a new conversation, no persona: nothing to check yet
        async with app.run_test(size=(140, 40)) as pilot:
            await settle(pilot)
            assert not isinstance(app.screen, Confirm)
            await app.open_conversation(conversation_id)  # what ctrl+g's choice does
            assert await wait_until(pilot, lambda: _asking(app), timeout=30)
            assert "docs: reworded search_docs" in str(app.screen.query_one("Label").render())
            await pilot.press("y")  # take the new list
            await send(pilot, "again")
            await settle(pilot)
            assert not isinstance(app.screen, Confirm)
            assert [v.text for v in views(app) if v.role == "assistant"][-1] == "second"
        tools = emulator.requests[1].json["tools"]
        assert tools[0]["function"]["description"] == "Search the documentation, by keyword."
    finally:
        server.stop()


async def test_a_header_token_a_failure_quotes_is_never_shown(app_for, emulator, tmp_path, monkeypatch):
    from tests.mcp.servers import HttpServer

    server = HttpServer().start()
    try:
        monkeypatch.setenv("DOCS_TOKEN", "t0kenSECRET42\n")  # $(cat file): a newline httpx refuses
        folder = tmp_path / "config" / "personas"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "docs.md").write_text(
            f'+++\n[mcp_servers.docs]\nurl = "{server.url}"\n'
            'headers = { Authorization = "Bearer ${DOCS_TOKEN}" }\n+++\nYou search the docs.\n')
        emulator.queue(Reply(text="No docs today."))
        app = app_for(persona="docs")
        async with app.run_test(size=(160, 40)) as pilot:
            notices = await _failed_then_sent(pilot, "mcp docs: failed: Illegal header value", "hi")
            assert any("Illegal header value b'Bearer [redacted]" in n for n in notices)
            assert not any("(log:" in n for n in notices)  # an HTTP server writes no log
            shown = "\n".join([_sidebar(app), *notices, app.export_screenshot()])
            assert "t0kenSECRET42" not in shown
    finally:
        server.stop()

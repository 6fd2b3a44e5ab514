"""Acting on what is on screen: select a message, copy it or one of its code blocks."""

from __future__ import annotations

from textual import events

from chattui.emulator import Reply
from chattui.widgets.chat_log import ChatLog
from chattui.widgets.composer import Composer

from tests.app.pilot import open_search_hit, send, settle, views, wait_until

CODE = "Two ways:\n\n```python\nprint('one')\n```\n\nor\n\n```sh\necho two\n```\n"


async def _two_turns(pilot, emulator) -> None:
    emulator.queue(Reply(text="first *answer*"))
    emulator.queue(Reply(text=CODE))
    await send(pilot, "first [b]question[/b]")
    await settle(pilot)
    await send(pilot, "show code")
    await settle(pilot)


def _selected(app) -> list[str]:
    return [v.text for v in views(app) if v.has_class("-selected")]


async def test_keys_move_into_the_log_select_messages_and_typing_goes_back_to_the_composer(app_for, emulator):
    app = app_for()
    async with app.run_test(size=(100, 40)) as pilot:
        await _two_turns(pilot, emulator)
        log = app.screen.query_one(ChatLog)
        await pilot.press("ctrl+up")
        assert log.has_focus and _selected(app) == [CODE]
        await pilot.press("up")
        assert _selected(app) == ["show code"]
        await pilot.press("up", "up", "up")  # stops at the first message
        assert _selected(app) == ["first [b]question[/b]"]
        await pilot.press("down")
        assert _selected(app) == ["first *answer*"]
        await pilot.press("h", "i")  # printable: back to the composer, nothing lost
        composer = app.screen.query_one(Composer)
        assert composer.has_focus and composer.text == "hi"
        assert _selected(app) == []
        for _ in range(3):  # Tab into the log (past the sidebar); typing still lands in the composer
            await pilot.press("tab")
            if log.has_focus:
                break
        assert log.has_focus
        await pilot.press("!")
        assert composer.has_focus and composer.text == "hi!"


async def test_keys_typed_faster_than_the_focus_moves_reach_the_composer_in_order(app_for, emulator):
    """A fast typist (or tmux send-keys): the keys after the first were queued in the log
    before the focus reached the composer; they follow it there, Enter included."""
    app = app_for()
    async with app.run_test(size=(100, 40)) as pilot:
        await _two_turns(pilot, emulator)
        log = app.screen.query_one(ChatLog)
        await pilot.press("ctrl+up")
        assert log.has_focus
        before = len(emulator.requests)
        for key, character in [("f", "f"), ("o", "o"), ("u", "u"), ("r", "r"), ("enter", "\r")]:
            log.post_message(events.Key(key, character))  # all queued before any is handled
        await wait_until(pilot, lambda: len(emulator.requests) > before)
        await settle(pilot)
        assert [v.text for v in views(app) if v.role == "user"][-1] == "four"
        assert emulator.requests[-1].json["messages"][-1]["content"] == "four"
        assert app.screen.query_one(Composer).text == ""


async def test_a_click_selects_a_message(app_for, emulator):
    app = app_for()
    async with app.run_test(size=(100, 40)) as pilot:
        await _two_turns(pilot, emulator)
        first_user = views(app)[0]
        await pilot.click(first_user)
        assert app.screen.query_one(ChatLog).has_focus
        assert _selected(app) == ["first [b]question[/b]"]


async def test_copy_a_message_a_code_block_and_the_last_reply(app_for, emulator):
    app = app_for()
    async with app.run_test(size=(100, 40)) as pilot:
        await _two_turns(pilot, emulator)
        await pilot.press("ctrl+up", "up", "up")
        await pilot.press("ctrl+c")
        assert app.clipboard == "first *answer*"
        assert any(n.message == "copied 14 chars (message)" for n in app._notifications)
        await pilot.press("down", "down", "ctrl+k")
        assert app.clipboard == "print('one')\n"
        assert any(n.message == "copied 13 chars (code block 1/2)" for n in app._notifications)
        await pilot.press("ctrl+k")
        assert app.clipboard == "echo two\n"
        await pilot.press("ctrl+k")  # cycles back to the first
        assert app.clipboard == "print('one')\n"
        await pilot.press("up", "ctrl+k")
        assert any(n.message == "No code block in this message." for n in app._notifications)

        app.copy_to_clipboard("")
        await pilot.press("escape")
        app.screen.query_one(Composer).focus()
        await app.screen.run_action("copy_last_reply")
        await pilot.pause()
        stored = [m.content for m in app.session.messages() if m.role == "assistant"][-1]
        assert app.clipboard == stored == CODE
        assert any(n.message == f"copied {len(CODE):,} chars (last reply)" for n in app._notifications)


async def test_regenerate_keeps_the_earlier_reply_as_an_alternative_and_the_shown_one_is_sent(app_for, emulator):
    from chattui.screens.confirm import Confirm
    from textual.widgets import Label

    app = app_for()
    async with app.run_test(size=(100, 40)) as pilot:
        emulator.queue(Reply(text="first take"))
        await send(pilot, "a question")
        await settle(pilot)
        emulator.queue(Reply(text="second take"))
        await pilot.press("ctrl+up", "ctrl+r")
        assert await wait_until(pilot, lambda: isinstance(app.screen, Confirm))
        asked = str(app.screen.query_one(Label).render())
        assert "Expected: ≈" in asked and " tok · " in asked and "$" in asked  # the cost, before sending
        await pilot.press("y")
        assert await wait_until(pilot, lambda: [v.text for v in views(app)] == ["a question", "second take"])
        await settle(pilot)
        reply = views(app)[-1]
        assert str(reply.query_one(".role", Label).render()) == "Assistant · reply 2/2 ‹ ›"
        stored = [(m.content, m.inactive) for m in app.session.messages() if m.role == "assistant"]
        assert stored == [("first take", True), ("second take", False)]
        regenerated = emulator.requests[-1].json["messages"]
        assert [m["role"] for m in regenerated] == ["system", "user"]  # the old reply is not sent

        log = app.screen.query_one(ChatLog)
        log.focus()
        await pilot.press("left")  # back to the first take: it is shown and built on
        assert await wait_until(pilot, lambda: [v.text for v in views(app)] == ["a question", "first take"])
        assert str(views(app)[-1].query_one(".role", Label).render()) == "Assistant · reply 1/2 ‹ ›"
        emulator.queue(Reply(text="ok"))
        await pilot.press(*"go on")  # typed in the log: it lands in the composer
        await pilot.press("enter")
        await settle(pilot)
        sent = [m.get("content") for m in emulator.requests[-1].json["messages"]][1:]
        assert sent == ["a question", "first take", "go on"]


async def test_edit_an_earlier_message_sends_it_as_a_branch_and_keeps_the_original(app_for, emulator):
    app = app_for()
    async with app.run_test(size=(100, 40)) as pilot:
        await _two_turns(pilot, emulator)
        original = app.session.conversation.id
        await pilot.press("ctrl+up", "up")  # the question "show code"
        assert _selected(app) == ["show code"]
        await pilot.press("ctrl+e")
        composer = app.screen.query_one(Composer)
        assert composer.has_focus and composer.text == "show code"
        assert composer.border_title.startswith("Editing an earlier message")
        assert await wait_until(pilot, lambda: (composer.border_subtitle or "").startswith("branch: ≈"))
        emulator.queue(Reply(text="in rust then"))
        composer.text = "show rust code"
        await pilot.press("enter")
        await settle(pilot)
        assert [v.text for v in views(app)] == ["first [b]question[/b]", "first *answer*",
                                                "show rust code", "in rust then"]
        branch = app.session.conversation.id
        assert branch != original and app.session.conversation.title.endswith("(branch)")
        sent = [m.get("content") for m in emulator.requests[-1].json["messages"]][1:]
        assert sent == ["first [b]question[/b]", "first *answer*", "show rust code"]
        kept = [m.content for m in app.session.store.messages(original)]
        assert kept == ["first [b]question[/b]", "first *answer*", "show code", CODE]
        assert composer.border_title == "Message"


async def test_esc_cancels_an_edit(app_for, emulator):
    app = app_for()
    async with app.run_test(size=(100, 40)) as pilot:
        await _two_turns(pilot, emulator)
        await pilot.press("ctrl+up", "up", "up", "up", "ctrl+e")
        composer = app.screen.query_one(Composer)
        assert composer.text == "first [b]question[/b]"
        await pilot.press("escape")
        assert composer.text == "" and app.screen.editing is None


async def test_a_search_hit_opens_at_the_message_with_its_words_highlighted_and_n_goes_on(app_for, tmp_path):
    from textual.widgets.markdown import MarkdownBlock

    from tests.app.test_conversations_ui import seed

    exchanges = [(f"question {i}", f"answer {i}", 0.001) for i in range(60)]
    exchanges[3] = ("where do axolotls live", "The **Axolotl** lives in lakes.", 0.001)
    exchanges[50] = ("one more", "an axolotl again", 0.001)
    seed(tmp_path / "data", exchanges)
    app = app_for()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("ctrl+g")
        await open_search_hit(pilot, "axolotl", 2, "lakes")

        def shown(text):
            view = next((v for v in views(app) if v.text == text), None)
            return view is not None and view.has_class("-selected") and log.scrollable_content_region.overlaps(
                view.region)

        log = app.screen.query_one(ChatLog)  # opened at the hit, not at the end
        assert await wait_until(pilot, lambda: shown("The **Axolotl** lives in lakes."))
        reply = next(v for v in views(app) if v.text == "The **Axolotl** lives in lakes.")
        lit = [b._content.plain[s.start:s.end] for b in reply.query(MarkdownBlock)
               for s in b._content.spans if str(s.style) == "reverse"]
        assert lit == ["Axolotl"]
        await pilot.press("n")
        assert await wait_until(pilot, lambda: shown("an axolotl again"))
        assert app.screen.query_one("StatusBar").turn.startswith("search hit 2/2")
        await pilot.press("N")
        assert await wait_until(pilot, lambda: shown("The **Axolotl** lives in lakes."))
        await pilot.press("x")  # any other key: back to the composer
        assert app.screen.query_one(Composer).text == "x"


async def test_the_draft_opens_in_the_editor_and_the_saved_text_comes_back(app_for, tmp_path, monkeypatch):
    import contextlib
    import sys

    script = tmp_path / "fake_editor.py"
    script.write_text("import sys\np = sys.argv[1]\nold = open(p).read()\n"
                      "open(p, 'w').write(old + ' and [b]more[/b]\\nsecond line\\n')\n")
    monkeypatch.setenv("VISUAL", f"{sys.executable} {script}")
    app = app_for()
    async with app.run_test(size=(100, 40)) as pilot:
        monkeypatch.setattr(app, "suspend", contextlib.nullcontext)  # headless: no terminal to hand over
        composer = app.screen.query_one(Composer)
        composer.text = "long prompt"
        await pilot.press("ctrl+backslash")
        assert await wait_until(pilot, lambda: composer.text == "long prompt and [b]more[/b]\nsecond line")
        assert composer.has_focus


async def test_a_draft_is_stored_as_typed_and_restored_when_the_conversation_reopens(app_for, emulator):
    app = app_for()
    async with app.run_test(size=(100, 40)) as pilot:
        emulator.queue(Reply(text="hi"))
        await send(pilot, "hello")
        await settle(pilot)
        conversation = app.session.conversation.id
        app.screen.query_one(Composer).text = "half a [b]thought[/b]"
        assert await wait_until(pilot, lambda: app.session.store.draft(conversation) == "half a [b]thought[/b]")
    reopened = app_for(conversation=conversation)  # as after a crash: nothing else was saved
    async with reopened.run_test(size=(100, 40)) as pilot:
        composer = reopened.screen.query_one(Composer)
        assert await wait_until(pilot, lambda: composer.text == "half a [b]thought[/b]")
        await pilot.press("enter")
        await settle(pilot)
        assert await wait_until(pilot, lambda: reopened.session.store.draft(conversation) == "")
        assert [m.content for m in reopened.session.messages() if m.role == "user"] == ["hello", "half a [b]thought[/b]"]


async def test_a_new_chats_draft_survives_a_crash_and_becomes_the_conversations(app_for, emulator):
    app = app_for()
    async with app.run_test(size=(100, 40)) as pilot:
        app.screen.query_one(Composer).text = "brand new chat draft, never sent"
        assert await wait_until(pilot, lambda: app.session.store.draft(None) == "brand new chat draft, never sent")
    again = app_for()  # as after a kill -9: it had no conversation to be kept with
    async with again.run_test(size=(100, 40)) as pilot:
        composer = again.screen.query_one(Composer)
        assert await wait_until(pilot, lambda: composer.text == "brand new chat draft, never sent")
        assert again.session.conversation is None and not emulator.requests  # never sent by itself
        emulator.queue(Reply(text="hi"))
        await pilot.press("enter")
        await settle(pilot)
        assert again.session.store.draft(None) == ""  # it became the conversation's message
        composer.text = "and the next one"
        conversation = again.session.conversation.id
        assert await wait_until(pilot, lambda: again.session.store.draft(conversation) == "and the next one")
        assert again.session.store.draft(None) == ""


async def test_an_earlier_message_with_an_escape_sequence_is_edited_with_it_shown(app_for, tmp_path):
    from tests.app.test_conversations_ui import seed

    cid = seed(tmp_path / "data", [("title \x1b]2;PWNED\x07 here", "ok", 0.001)])  # e.g. imported
    app = app_for(conversation=cid)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+up", "up")
        await pilot.press("ctrl+e")
        composer = app.screen.query_one(Composer)
        assert await wait_until(pilot, lambda: composer.text == "title ␛]2;PWNED␇ here")
        await pilot.pause()
        drawn = "".join(composer.render_line(y).text for y in range(composer.size.height))
        assert "\x1b" not in drawn and "␛]2;PWNED␇" in drawn  # it was drawn raw: a window title

"""An imported conversation is sent where the user's settings say, never to the host its
file names: the file is someone else's, and the request carries the user's key."""

from __future__ import annotations

import json

from chattui.core.export.json_format import import_json, to_json
from chattui.emulator import Emulator, Reply
from chattui.store import Store, database_path
from tests.app.pilot import send, settle, views


async def test_an_imported_conversation_goes_to_the_users_endpoint_not_the_files(
        app_for, emulator, tmp_path):
    elsewhere = Emulator().start()
    try:
        environ = {"OPENAI_BASE_URL": emulator.openai_base_url}  # the user's own setting
        app = app_for(environ, base_url=None)
        async with app.run_test(size=(120, 40)) as pilot:
            await send(pilot, "hello")
            await settle(pilot)
            store = app.session.store
            conversation = app.session.conversation
            document = json.loads(to_json(conversation, store.messages(conversation.id),
                                          store.turns(conversation.id)))
        for turn in document["turns"]:  # a file made elsewhere, or edited
            turn["base_url"] = elsewhere.openai_base_url
        store = Store(database_path(tmp_path / "data"))
        imported = store.import_conversation(import_json(json.dumps(document)))
        store.close()

        emulator.queue(Reply(text="From your endpoint."))
        app = app_for(environ, base_url=None, conversation=imported.id)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await send(pilot, "again")
            await settle(pilot)
            assert views(app)[-1].text == "From your endpoint."
        assert not elsewhere.requests  # the user's key never went there
        assert emulator.requests[-1].json["messages"][-1]["content"] == "again"
    finally:
        elsewhere.stop()

"""Structured outputs in personas: the schema read from front matter, sent canonically on
every API (real SDKs against the emulator, asserting on the request bytes and usage), kept
byte-identical after a reopen, part of the prefix, and a change named before the send."""

from __future__ import annotations

from functools import partial

import json
import re
from pathlib import Path

import pytest

from chattui.core import insight, prefix, structured
from chattui.core.chat import ChatSession
from chattui.core.personas import BrokenPersona, Persona, load_persona_file, parse_persona
from chattui.core.reopen import describe_change, stored_persona
from chattui.emulator import Reply
from chattui.emulator.structured import instance
from chattui.providers.registry import make_provider
from chattui.store import Store
from tests.unit.test_archive_cli import isolated  # noqa: F401  (fixture)
from tests.unit.sessions import emulated_session, ignore

LONG = "You extract facts from the user's text.\n" + "ctx " * 1500
SCHEMA = {"type": "object", "additionalProperties": False, "required": ["title", "tags", "year"],
          "properties": {"year": {"type": "integer", "minimum": 1900},
                         "title": {"type": "string"},
                         "tags": {"type": "array", "items": {"type": "string"}}}}
FORMAT = structured.parse(SCHEMA, "answer")
EXTRACT = Persona(name="extract", system=LONG, response_format=FORMAT)
CANONICAL_SCHEMA = prefix.canonical_json(SCHEMA)


@pytest.fixture
def session_for(emulator, tmp_path):
    return partial(emulated_session, emulator, tmp_path, persona=EXTRACT)


def schema_bytes(body: bytes) -> bytes:
    """The `"schema":{…}` member of a request body, exactly as sent."""
    start = body.index(b'"schema":') + len(b'"schema":')
    return body[start:start + len(CANONICAL_SCHEMA)]


# front matter


def test_a_schema_file_is_read_relative_to_the_persona_file(tmp_path):
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "answer.schema.json").write_text(json.dumps(SCHEMA, indent=2))
    (tmp_path / "p.md").write_text('+++\nresponse_format = "schemas/answer.schema.json"\n+++\nHi')
    persona = load_persona_file(tmp_path / "p.md")
    assert persona.response_format == FORMAT  # name from the file: answer; strict by default
    assert (persona.response_format.name, persona.response_format.strict) == ("answer", True)
    assert persona.response_format.schema_json == CANONICAL_SCHEMA.decode()


def test_an_inline_table_is_the_schema_with_name_and_strict_of_its_own():
    text = ('+++\nname = "x"\n[response_format]\nname = "fact"\nstrict = false\n'
            'type = "object"\n[response_format.properties.title]\ntype = "string"\n+++\nHi')
    fmt = parse_persona(text, Path("p.md")).response_format
    assert (fmt.name, fmt.strict) == ("fact", False)
    assert fmt.schema == {"properties": {"title": {"type": "string"}}, "type": "object"}
    wrapped = structured.parse({"name": "w", "schema": SCHEMA}, "ignored")
    assert (wrapped.name, wrapped.schema_json) == ("w", FORMAT.schema_json)


@pytest.mark.parametrize("content, expected", [
    (None, r"p\.md:3: response_format: schema file not found: a\.json"),
    ("{not json", r"a\.json:1: not JSON: Expecting property name"),
    ('{"type": "objekt"}', r"a\.json: not a valid JSON Schema at type: 'objekt' is not valid"),
    ('{"type": "object", "properties": {"a": {"type": "string"}}}',
     r'a\.json: strict mode needs "additionalProperties": false at the top level'),
    ('{"type": "object", "additionalProperties": false, "properties": {"a": {"type": "string"}}}',
     r'strict mode needs every property in "required" at the top level \(missing: a\)'),
])
def test_a_missing_or_broken_schema_file_is_a_clear_problem_naming_it(tmp_path, content, expected):
    if content is not None:
        (tmp_path / "a.json").write_text(content)
    (tmp_path / "p.md").write_text('+++\nname = "p"\nresponse_format = "a.json"\n+++\nHi')
    broken = load_persona_file(tmp_path / "p.md")
    assert isinstance(broken, BrokenPersona)
    assert re.search(expected, str(broken.problem)), str(broken.problem)


def test_the_schema_is_part_of_the_prefix_bytes_fingerprint_and_size():
    plain = Persona(name="extract", system=LONG)
    assert plain.prefix_bytes() == prefix.prefix_bytes(LONG)  # no schema: bytes as before
    assert b'"text_format":{"name":"answer","schema":' + CANONICAL_SCHEMA in EXTRACT.prefix_bytes()
    assert EXTRACT.fingerprint() != plain.fingerprint()
    assert EXTRACT.prefix_tokens().n > plain.prefix_tokens().n
    other = Persona(name="extract", system=LONG, response_format=structured.parse(
        {**SCHEMA, "required": ["tags", "title", "year"]}, "answer"))
    assert other.fingerprint() != EXTRACT.fingerprint()
    assert describe_change(EXTRACT, other) == "response schema answer changed"


# on the wire


@pytest.mark.parametrize("api", ["chat", "responses"])
async def test_the_schema_goes_out_canonically_every_turn_and_after_a_reopen(session_for, emulator, api):
    session = session_for(api=api)
    await session.send("Dune, 1965, sci-fi", ignore)
    await session.send("Emma, 1815", ignore)
    rebuilt = stored_persona(session.store, session.store.last_sent_turn(session.conversation.id), None)
    again = session_for(api=api, persona=rebuilt, store=session.store)
    again.conversation = session.conversation
    await again.send("Ulysses, 1922", ignore)

    bodies = [r.body for r in emulator.requests]
    assert [schema_bytes(b) for b in bodies] == [CANONICAL_SCHEMA] * 3
    if api == "chat":
        wire = [r.json["response_format"] for r in emulator.requests]
        assert wire == [{"json_schema": {"name": "answer", "schema": SCHEMA, "strict": True},
                         "type": "json_schema"}] * 3
        details = "prompt_tokens_details"
    else:
        wire = [r.json["text"] for r in emulator.requests]
        assert wire == [{"format": {"name": "answer", "schema": SCHEMA, "strict": True,
                                    "type": "json_schema"}}] * 3
        details = "input_tokens_details"
    assert emulator.requests[1].usage[details]["cached_tokens"] > 0
    assert emulator.requests[2].usage[details]["cached_tokens"] > 0  # reopened: still a hit
    assert rebuilt.response_format == FORMAT
    checked = structured.check(session.messages()[1].content, FORMAT)
    assert checked.valid and checked.summary() == "{…} 3 keys · valid"
    assert checked.value == {"tags": [], "title": "emulated", "year": 1900}


async def test_anthropic_gets_its_native_structured_output_format(session_for, emulator):
    session = session_for("anthropic", "claude-sonnet-5")
    await session.send("Dune, 1965", ignore)
    sent = emulator.requests[0].json
    assert sent["output_config"] == {"format": {"schema": SCHEMA, "type": "json_schema"}}
    assert schema_bytes(emulator.requests[0].body) == CANONICAL_SCHEMA
    assert structured.check(session.messages()[1].content, FORMAT).valid


async def test_gemini_gets_chat_completions_response_format_on_its_compatible_endpoint(
        emulator, tmp_path):
    adapter = make_provider("gemini", "gk-test", emulator.gemini_base_url)
    session = ChatSession(Store(tmp_path / "g.db"), adapter, provider_name="gemini",
                          model="gemini-2.5-flash", persona=EXTRACT,
                          base_url=emulator.gemini_base_url)
    await session.send("Dune, 1965", ignore)
    assert emulator.requests[0].path.endswith("/openai/chat/completions")
    assert emulator.requests[0].json["response_format"]["json_schema"]["schema"] == SCHEMA
    assert structured.check(session.messages()[1].content, FORMAT).valid


async def test_a_scripted_reply_wins_and_a_nonconforming_one_is_named(session_for, emulator):
    session = session_for()
    emulator.queue(Reply(text='{"title": 3}'), Reply(text="Sorry, no."))
    await session.send("a", ignore)
    await session.send("b", ignore)
    bad, prose = (structured.check(m.content, FORMAT) for m in session.messages()[1::2])
    assert bad.summary() == "{…} 1 key · ✗ 3 schema errors: does not match the schema"
    assert "title: 3 is not of type 'string'" in bad.errors
    assert prose.summary() == "✗ not JSON (Expecting value)"


# a changed schema


async def test_a_changed_schema_is_named_before_the_send_and_diagnosed_after(session_for, emulator):
    session = session_for(api="responses", persona=Persona(
        name="extract", system=LONG, response_format=FORMAT, prompt_cache_key="shared"))
    await session.send("first", ignore)
    await session.send("second", ignore)
    assert session.text_format_change() is None
    changed = structured.parse({**SCHEMA, "properties": {**SCHEMA["properties"],
                                                         "year": {"type": "integer"}}}, "answer")
    session.refresh_persona(Persona(name="extract", system=LONG, response_format=changed,
                                    prompt_cache_key="shared"))

    assert session.text_format_change() == ("response schema answer changed: the prefix "
                                            "differs, the cache misses (text_format_changed)")
    await session.send("third", ignore)
    assert emulator.requests[2].usage["input_tokens_details"]["cached_tokens"] == 0
    turns = session.turns()
    assert turns[-1].cache_diagnosis == "text_format_changed"
    cause = insight.miss_cause(turns[-2], turns[-1])
    assert cause.code == insight.TEXT_FORMAT_CHANGED == structured.CHANGED
    assert cause.text.startswith("response schema changed (text.format) (")
    assert cause.text.endswith("tokens not reused) (the provider's diagnosis)")


def test_the_emulator_answers_a_minimal_instance_of_the_schema():
    schema = {"type": "object", "$defs": {"kind": {"enum": ["book", "film"]}},
              "properties": {"kind": {"$ref": "#/$defs/kind"}, "n": {"type": ["null", "number"]},
                             "ok": {"type": "boolean"}, "code": {"type": "string", "minLength": 10},
                             "xs": {"type": "array", "minItems": 1, "items": {"const": 7}}}}
    assert instance(schema, schema) == {"kind": "book", "n": 0.0, "ok": False,
                                        "code": "emulatedxx", "xs": [7]}


# export


async def test_exports_carry_structured_replies_as_data(session_for, emulator):
    from chattui.core.export import to_document, to_html, to_markdown

    session = session_for()
    emulator.queue(Reply(text='{"year":1965,"title":"Dune","tags":["sf"]}'), Reply(text="No."))
    await session.send("Dune", ignore)
    await session.send("?", ignore)
    store, cid = session.store, session.conversation.id
    args = store.get_conversation(cid), store.messages(cid), store.turns(cid)
    ids = tuple(structured.formats_by_reply(store, args[2]))
    assert ids == tuple(m.id for m in args[1] if m.role == "assistant")

    rows = to_document(*args, structured=ids)["messages"]
    assert rows[1]["structured"] == {"year": 1965, "title": "Dune", "tags": ["sf"]}
    assert rows[3]["structured"] is None and rows[3]["content"] == "No."  # not JSON
    assert "structured" not in rows[0]
    assert "structured" not in to_document(*args)["messages"][1]  # free text: as before
    pretty = '{\n  "year": 1965,\n  "title": "Dune",\n  "tags": [\n    "sf"\n  ]\n}'
    assert f"```json\n{pretty}\n```" in to_markdown(*args, structured=ids)
    page = to_html(*args, structured=ids)
    block = page.split('<code class="language-json">')[1].split("</code>")[0]
    assert '<span class="nt">"year"</span>' in block and '<span class="s2">"Dune"</span>' in block


async def test_the_export_command_finds_the_structured_replies_itself(session_for, emulator,
                                                                    tmp_path, capsys, isolated):
    from chattui.store import DB_NAME
    from tests.unit.test_archive_cli import run

    session = session_for(store=Store(tmp_path / "data" / DB_NAME))
    await session.send("Dune", ignore)
    session.store.close()
    code, out, _ = run(capsys, "export", "--data-dir", str(tmp_path / "data"), "last", "--format", "json")
    assert code == 0
    assert json.loads(out)["messages"][1]["structured"] == {"tags": [], "title": "emulated", "year": 1900}
    code, out, _ = run(capsys, "export", "--data-dir", str(tmp_path / "data"), "last")
    assert '```json\n{\n  "tags": [],\n  "title": "emulated",\n  "year": 1900\n}\n```' in out


async def test_a_summary_draft_is_prose_even_for_a_persona_with_a_schema(session_for, emulator):
    from chattui.core.compaction import draft_summary

    session = session_for()
    await session.send("Dune", ignore)
    text, _ = await draft_summary(session, ignore)
    assert "response_format" in emulator.requests[0].json
    assert "response_format" not in emulator.requests[1].json
    assert text.startswith("Emulated reply")

"""chattui.core.personas: parsing, broken files, sources, hotkeys, prefix bytes, caching."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from chattui.core import tokens
from chattui.core.personas import (
    BUILTIN,
    BUILTIN_DIR,
    BrokenPersona,
    Persona,
    PersonaProblem,
    load_persona_file,
    load_personas,
    parse_persona,
)
from chattui.core.prefix import cache_minimum
from chattui.core.tools import Tool

BUILTIN_NAMES = ["assistant", "chef", "extract", "panda", "styleguide", "support", "trainer"]
TOOL_JSON = ('[\n  {"type": "function", "function": {"name": "lookup", "description": "Find",\n'
             '    "parameters": {"type": "object",\n'
             '                   "properties": {"q": {"type": "string"}}}}}\n]\n')
FULL = """+++
name = "full"
description = "Everything set"
hotkey = "7"
provider = "anthropic"
model = "claude-sonnet-4-5"
cache_ttl = "1h"
tools = ["tools/lookup.json"]

[params]
temperature = 0.2
max_tokens = 300
reasoning = { effort = "low" }

[[tool]]
name = "get_delivery_date"
description = "When will it arrive"
parameters = { type = "object", properties = { order_id = { type = "string" } }, required = ["order_id"] }

[tool_commands]
lookup = "grep -r"
+++
You are full.
"""


@pytest.fixture
def approx(monkeypatch):
    """Deterministic token counts, whatever else ran in this process."""
    monkeypatch.setenv("CHATTUI_TOKENIZER", "approx")
    monkeypatch.setattr(tokens, "_encoding", None)


def write(folder: Path, name: str, text: str | bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def persona(folder: Path, name: str, text: str | bytes) -> Persona:
    loaded = load_persona_file(write(folder, name, text))
    assert isinstance(loaded, Persona), loaded
    return loaded


def simple(name: str, hotkey: str | None = None, body: str = "Hi.\n") -> str:
    key = f'hotkey = "{hotkey}"\n' if hotkey else ""
    return f'+++\nname = "{name}"\n{key}+++\n{body}'


# --- parsing ---------------------------------------------------------------------------

def test_front_matter_params_and_tools(tmp_path):
    write(tmp_path / "tools", "lookup.json", TOOL_JSON)
    p = persona(tmp_path, "full.md", FULL)
    assert (p.name, p.description, p.hotkey, p.provider, p.model, p.cache_ttl) == (
        "full", "Everything set", "7", "anthropic", "claude-sonnet-4-5", "1h")
    assert dict(p.params) == {"temperature": 0.2, "max_tokens": 300,
                              "reasoning": {"effort": "low"}}
    assert p.tools == (
        Tool("lookup", "Find", {"properties": {"q": {"type": "string"}}, "type": "object"}),
        Tool("get_delivery_date", "When will it arrive", {
            "properties": {"order_id": {"type": "string"}}, "required": ["order_id"],
            "type": "object"}))
    assert dict(p.tool_commands) == {"lookup": "grep -r"}
    assert p.system == "You are full.\n"
    assert p.source == p.path == tmp_path / "full.md"


def test_name_defaults_to_the_file_stem_and_other_keys_are_optional(tmp_path):
    p = persona(tmp_path, "plain.md", "+++\n+++\nBody")
    assert (p.name, p.description, p.hotkey, p.provider, p.model, p.cache_ttl) == (
        "plain", "", None, None, None, None)
    assert (dict(p.params), p.tools, dict(p.tool_commands), p.system) == ({}, (), {}, "Body")


@pytest.mark.parametrize(("raw", "system"), [
    (b"+++\nname = 'a'\n+++\nline  \n\n\n", "line  \n\n\n"),
    (b"+++\r\nname = 'a'\r\n+++\r\none\r\ntwo  \r\n\r\n", "one\r\ntwo  \r\n\r\n"),
    (b"+++\nname = 'a'\n+++   \n  indented\tand tab", "  indented\tand tab"),
    (b"+++\nname = 'a'\n+++\n\nstarts with a blank line\n", "\nstarts with a blank line\n"),
    (b"+++\nname = 'a'\n+++", ""),
    (b"\xef\xbb\xbf+++\nname = 'a'\n+++\nBOM before the fence\n", "BOM before the fence\n"),
    (b"+++\nname = 'a'\n+++\nsecond +++\n+++\nfence stays in the body\n",
     "second +++\n+++\nfence stays in the body\n"),
    ("+++\nname = 'a'\n+++\n한국어 본문 ✓\n".encode(), "한국어 본문 ✓\n"),
])
def test_body_is_kept_byte_for_byte(tmp_path, raw, system):
    assert persona(tmp_path, "a.md", raw).system == system


def test_parse_persona_resolves_tools_against_the_given_path(tmp_path):
    write(tmp_path / "tools", "lookup.json", TOOL_JSON)
    p = parse_persona(FULL, tmp_path / "virtual.md")
    assert [t.name for t in p.tools] == ["lookup", "get_delivery_date"]
    assert parse_persona("+++\n+++\nx", tmp_path / "b.md", builtin=True).source == BUILTIN


# --- broken files ----------------------------------------------------------------------

BROKEN = [  # file name, text, (problem file, line, message fragment)
    ("toml.md", '+++\nname = "x"\nhotkey = = "1"\n+++\nbody\n',
     ("toml.md", 3, "invalid TOML front matter: Invalid value at column 10")),
    ("eof.md", '+++\nname = "x\n+++\nbody\n', ("eof.md", 2, "invalid TOML front matter")),
    ("noopen.md", 'name = "x"\n+++\nbody\n', ("noopen.md", 1, "must start with a +++ line")),
    ("noclose.md", '+++\nname = "x"\nbody\n', ("noclose.md", 1, "no closing +++ line")),
    ("unknown.md", '+++\nname = "x"\n\nhotkye = "1"\n+++\nbody\n',
     ("unknown.md", 4, "hotkye: unknown key (did you mean 'hotkey'?)")),
    ("unknown2.md", '+++\nflavour = 1\n+++\nbody\n',
     ("unknown2.md", 2, "flavour: unknown key; expected one of: name, description")),
    ("hotkey.md", '+++\nname = "x"\nhotkey = 2\n+++\nbody\n',
     ("hotkey.md", 3, "hotkey: expected a string, got integer")),
    ("provider.md", '+++\nprovider = "openia"\n+++\nbody\n',
     ("provider.md", 2, "provider: 'openia' is not one of: openai, openai-compatible")),
    ("ttl.md", '+++\ncache_ttl = "10m"\n+++\nbody\n',
     ("ttl.md", 2, "cache_ttl: '10m' is not one of: 5m, 1h")),
    ("params.md", '+++\nname = "x"\nparams = 3\n+++\nbody\n',
     ("params.md", 3, "params: expected a table, got integer")),
    ("reserved.md", '+++\n[params]\ntemperature = 1\nmodel = "m"\n+++\nbody\n',
     ("reserved.md", 4, "params.model: not allowed in params (use the top-level key)")),
    ("date.md", '+++\n[params]\nwhen = 2024-01-01\n+++\nbody\n',
     ("date.md", 3, "params.when: must be plain JSON")),
    ("noname.md", '+++\n[[tool]]\nname = "ok"\n[[tool]]\ndescription = "no name"\n+++\nb\n',
     ("noname.md", 4, "[[tool]] #2: name missing")),
    ("params2.md", '+++\n[[tool]]\nname = "f"\nparameters = { type = "string" }\n+++\nb\n',
     ("params2.md", 4, "[[tool]] #1: parameters must be a JSON Schema object")),
    ("dup.md", '+++\n[[tool]]\nname = "f"\n[[tool]]\nname = "f"\n+++\nb\n',
     ("dup.md", 5, "[[tool]] #2: a second tool is named 'f'")),
    ("cmd.md", '+++\n[[tool]]\nname = "lookup"\n[tool_commands]\nlookpu = "ls"\n+++\nb\n',
     ("cmd.md", 5, "tool_commands.lookpu: no tool of this persona has this name "
                   "(did you mean 'lookup'?)")),
    ("missing.md", '+++\nname = "x"\ntools = ["tools/nope.json"]\n+++\nbody\n',
     ("missing.md", 3, "tools: tool file not found: tools/nope.json")),
    ("notjson.md", '+++\ntools = ["tools/bad.json"]\n+++\nbody\n',
     ("tools/bad.json", 3, "not valid JSON: Expecting ',' delimiter at column 3")),
    ("badtool.md", '+++\ntools = ["tools/badtool.json"]\n+++\nbody\n',
     ("tools/badtool.json", 3, "tool #2: parameters must be a JSON Schema object")),
]


@pytest.fixture
def broken_dir(tmp_path) -> Path:
    folder = tmp_path / "cfg" / "personas"
    write(folder / "tools", "bad.json", '[\n  {"name": "a"}\n  {"name": "b"}\n]\n')
    write(folder / "tools", "badtool.json",
          '[\n  {"name": "a"},\n  {"name": "b", "parameters": {"type": "array"}}\n]\n')
    for name, text, _ in BROKEN:
        write(folder, name, text)
    write(folder, "good.md", simple("good", hotkey="9"))
    return folder


@pytest.mark.parametrize(("name", "expected"), [(n, e) for n, _, e in BROKEN],
                         ids=[n for n, _, _ in BROKEN])
def test_each_broken_file_reports_file_line_and_reason(broken_dir, name, expected):
    item = load_persona_file(broken_dir / name)
    assert isinstance(item, BrokenPersona)
    assert (item.name, item.path) == (Path(name).stem, broken_dir / name)
    file, line, fragment = expected
    assert (item.problem.path, item.problem.line) == (broken_dir / file, line), item.problem
    assert fragment in item.problem.message
    assert str(item.problem) == f"{broken_dir / file}:{line}: {item.problem.message}"


def test_broken_files_do_not_stop_the_others(broken_dir, tmp_path):
    library = load_personas(tmp_path / "cfg", tmp_path / "project")
    assert [p.name for p in library.personas] == BUILTIN_NAMES + ["good"]
    assert sorted(b.path.name for b in library.broken) == sorted(n for n, _, _ in BROKEN)
    assert library.by_hotkey("9").name == "good"
    assert len(library.all_problems()) >= len(BROKEN)


def test_every_problem_of_a_file_is_listed(tmp_path):
    item = load_persona_file(write(tmp_path, "many.md",
                                   '+++\nhotkey = 1\nmodle = "m"\ncache_ttl = "2h"\n+++\nb\n'))
    assert [(p.line, p.message.split(":")[0]) for p in item.problems] == [
        (3, "modle"), (2, "hotkey"), (4, "cache_ttl")]


def test_unreadable_file_is_broken(tmp_path):
    item = load_persona_file(write(tmp_path, "latin1.md", b"+++\n+++\ncaf\xe9\n"))
    assert isinstance(item, BrokenPersona)
    assert item.problem.line is None and "cannot read persona file" in item.problem.message


# --- sources, overrides, hotkeys -------------------------------------------------------

def test_later_sources_override_by_name_in_place(tmp_path):
    config, project = tmp_path / "cfg", tmp_path / "project"
    write(config / "personas", "a.md", simple("assistant", body="from config\n"))
    write(config / "personas", "chef.md", simple("chef", body="config chef\n"))
    write(config / "personas", "zz.md", simple("mine", body="config mine\n"))
    write(project / ".chattui" / "personas", "x.md", simple("chef", body="project chef\n"))
    write(project / ".chattui" / "personas", "new.md", simple("new"))
    library = load_personas(config, project)
    assert [p.name for p in library.personas] == BUILTIN_NAMES + ["mine", "new"]
    assert library.get("assistant").system == "from config\n"
    assert library.get("chef").system == "project chef\n"
    assert library.get("chef").source == project / ".chattui" / "personas" / "x.md"
    assert library.get("panda").source == BUILTIN
    assert library.get("nope") is None


def test_a_broken_override_keeps_the_earlier_persona(tmp_path):
    write(tmp_path / "cfg" / "personas", "support.md", "+++\nname = 1\n+++\nb\n")
    library = load_personas(tmp_path / "cfg", tmp_path)
    assert library.get("support").source == BUILTIN
    assert [b.name for b in library.broken] == ["support"]


def test_same_folder_as_config_dir_is_read_once(tmp_path):
    write(tmp_path / ".chattui" / "personas", "a.md", simple("a", hotkey="8"))
    library = load_personas(tmp_path / ".chattui", tmp_path)
    assert [p.name for p in library.personas].count("a") == 1
    assert library.problems == ()


def test_hotkey_lookup_for_built_ins(tmp_path):
    library = load_personas(tmp_path / "cfg", tmp_path)
    assert {key: library.by_hotkey(key).name for key in "123456"} == {
        "1": "assistant", "2": "support", "3": "chef", "4": "trainer", "5": "panda",
        "6": "styleguide"}
    assert library.by_hotkey("7") is None


def test_duplicate_hotkey_later_wins_with_a_problem(tmp_path):
    path = write(tmp_path / "cfg" / "personas", "mine.md",
                 '+++\nname = "mine"\n\nhotkey = "1"\n+++\nb\n')
    library = load_personas(tmp_path / "cfg", tmp_path)
    assert library.by_hotkey("1").name == "mine"
    assert library.get("assistant").hotkey == "1"
    assert library.problems == (PersonaProblem(
        path, 4, "hotkey '1' is also set by persona 'assistant'; 'mine' gets it"),)


def test_two_files_with_one_name_in_a_folder(tmp_path):
    folder = tmp_path / "cfg" / "personas"
    write(folder, "a.md", simple("twin", body="a\n"))
    second = write(folder, "b.md", simple("twin", body="b\n"))
    library = load_personas(tmp_path / "cfg", tmp_path)
    assert library.get("twin").system == "b\n"
    assert [(p.path, p.line) for p in library.problems] == [(second, None)]


# --- prefix bytes and fingerprints -----------------------------------------------------

def test_prefix_bytes_are_canonical_json(tmp_path):
    write(tmp_path / "tools", "t.json", '[{"parameters": {"type": "object", "properties": {}},'
                                         ' "description": "Då", "name": "f"}]')
    p = persona(tmp_path, "p.md", '+++\ntools = ["tools/t.json"]\n+++\nSystem ✓\n')
    assert p.prefix_bytes() == ('{"system":"System ✓\\n","tools":[{"description":"Då",'
                                 '"name":"f","parameters":{"properties":{},"type":"object"}}]}'
                                 ).encode()


def test_same_file_gives_the_same_fingerprint(tmp_path):
    write(tmp_path / "tools", "lookup.json", TOOL_JSON)
    path = write(tmp_path, "full.md", FULL)
    one, two = load_persona_file(path), load_persona_file(path)
    assert one.prefix_bytes() == two.prefix_bytes()
    assert re.fullmatch(r"[0-9a-f]{12}", one.fingerprint()) and one.fingerprint() == two.fingerprint()


def test_schema_key_order_does_not_change_the_prefix(tmp_path):
    reordered = FULL.replace(
        'parameters = { type = "object", properties = { order_id = { type = "string" } }, '
        'required = ["order_id"] }',
        'parameters = { required = ["order_id"], properties = { order_id = { type = "string" } }, '
        'type = "object" }')
    assert reordered != FULL
    write(tmp_path / "tools", "lookup.json", TOOL_JSON)
    assert (persona(tmp_path, "a.md", FULL).prefix_bytes()
            == persona(tmp_path, "b.md", reordered).prefix_bytes())


@pytest.mark.parametrize(("old", "new"), [
    ("You are full.\n", "You are full!\n"),
    ("You are full.\n", "You are full.\r\n"),
    ("You are full.\n", "You are full. \n"),
    ('description = "When will it arrive"', 'description = "When will it arrivE"'),
    ('order_id = { type = "string" }', 'order_id = { type = "integer" }'),
])
def test_one_changed_byte_changes_the_fingerprint(tmp_path, old, new):
    write(tmp_path / "tools", "lookup.json", TOOL_JSON)
    assert FULL.count(old) == 1
    before = persona(tmp_path, "a.md", FULL)
    after = persona(tmp_path, "b.md", FULL.replace(old, new))
    assert before.fingerprint() != after.fingerprint()


def test_a_changed_tool_file_changes_the_fingerprint(tmp_path):
    write(tmp_path / "tools", "lookup.json", TOOL_JSON)
    before = persona(tmp_path, "full.md", FULL).fingerprint()
    write(tmp_path / "tools", "lookup.json", TOOL_JSON.replace('"Find"', '"Find."'))
    assert load_persona_file(tmp_path / "full.md").fingerprint() != before


def test_tool_order_is_part_of_the_prefix(tmp_path):
    two = ('+++\n[[tool]]\nname = "a"\n[[tool]]\nname = "b"\n+++\nx\n')
    swapped = ('+++\n[[tool]]\nname = "b"\n[[tool]]\nname = "a"\n+++\nx\n')
    assert (persona(tmp_path, "a.md", two).fingerprint()
            != persona(tmp_path, "b.md", swapped).fingerprint())


def test_built_in_fingerprints_match_in_a_fresh_process(tmp_path):
    here = {p.name: p.fingerprint() for p in load_personas(tmp_path, tmp_path).personas}
    code = ("import json, pathlib; from chattui.core.personas import load_personas;"
            "d = pathlib.Path(r'%s'); print(json.dumps({p.name: p.fingerprint() for p in "
            "load_personas(d, d).personas}))" % tmp_path)
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, check=True, cwd=tmp_path)
    assert json.loads(out.stdout) == here and len(here) == len(BUILTIN_NAMES)


# --- tokens and cacheability -----------------------------------------------------------

def test_prefix_tokens_count_system_and_tools(approx, tmp_path):
    write(tmp_path / "tools", "lookup.json", TOOL_JSON)
    p = persona(tmp_path, "full.md", FULL)
    tools_json = p.prefix_bytes().decode().split('"tools":', 1)[1][:-1]
    expected = tokens.approximate(p.system) + tokens.approximate(tools_json)
    assert p.prefix_tokens() == tokens.TokenCount(expected, exact=False)


def test_cacheability_of_the_long_and_a_short_persona(approx, tmp_path):
    long = load_personas(tmp_path, tmp_path).get("styleguide")
    n = long.prefix_tokens().n
    assert long.cacheability("openai", "gpt-4.1-mini") == (
        True, 1024, f"≈{n:,} tok · cacheable (≥1024)")
    short = persona(tmp_path, "short.md", "+++\n+++\n" + "word " * 100)
    assert short.prefix_tokens().n == 100  # the estimate counts "word", not single spaces
    assert short.cacheability("anthropic", "claude-sonnet-4-5") == (
        False, 1024, "≈100 tok · below the 1,024 minimum")
    assert long.cacheability("anthropic", "claude-haiku-4-5")[:2] == (n >= 4096, 4096)


def test_long_persona_is_at_least_2048_tokens(approx, tmp_path):
    long = load_personas(tmp_path, tmp_path).get("styleguide")
    assert tokens.count(long.system).n >= 2048
    assert long.prefix_tokens().n >= 2048


@pytest.mark.parametrize(("provider", "model", "minimum"), [
    ("openai", "gpt-4.1-mini", 1024),
    ("openai-compatible", "llama3.2", 1024),
    ("anthropic", "claude-sonnet-4-5-20250929", 1024),
    ("anthropic", "claude-sonnet-4-6", 2048),
    ("anthropic", "claude-opus-4-7", 4096),
    ("anthropic", "claude-opus-4-20250514", 1024),
    ("anthropic", "claude-opus-4-1-20250805", 1024),
    ("anthropic", "claude-haiku-4-5", 4096),
    ("anthropic", "claude-3-5-haiku-latest", 2048),
    ("anthropic", "claude-opus-5", 512),
    ("openai-compatible", "anthropic/claude-sonnet-4.6", 2048),
    ("gemini", "gemini-2.5-flash", 2048),
    ("gemini", "models/gemini-2.5-pro", 4096),
    ("gemini", "gemini-3-flash-preview", 1024),
    ("gemini", "gemini-9-ultra", 1024),
    ("someone-else", "whatever", 1024),
])
def test_cache_minimum_per_model(provider, model, minimum):
    assert cache_minimum(provider, model) == minimum


# --- built-ins -------------------------------------------------------------------------

def test_all_built_ins_load_without_problems(tmp_path):
    library = load_personas(tmp_path / "none", tmp_path / "none")
    assert library.all_problems() == () and library.broken == ()
    assert [p.name for p in library.personas] == BUILTIN_NAMES
    assert all(p.source == BUILTIN and p.path.parent == BUILTIN_DIR for p in library.personas)
    assert all(p.description and p.system.strip() for p in library.personas)


def test_built_ins_pass_the_checks_a_user_file_gets(tmp_path):
    """Start-up skips the JSON Schema check of chattui's own schemas (jsonschema is slow to
    import): read as a user's files, every built-in, its schema checked, is the same."""
    library = load_personas(tmp_path / "none", tmp_path / "none")
    for persona in library.personas:
        as_user = load_persona_file(persona.path)
        assert not isinstance(as_user, BrokenPersona), as_user.problems
        assert as_user.response_format == persona.response_format
    assert any(p.response_format is not None for p in library.personas)


def test_built_in_contents(tmp_path):
    library = load_personas(tmp_path, tmp_path)
    assert [t.name for t in library.get("support").tools] == [
        "get_delivery_date", "cancel_order", "update_payment_method"]
    for name in ("chef", "trainer", "panda"):
        hangul = len(re.findall(r"[\uac00-\ud7a3]", library.get(name).system))
        assert hangul > 200, name
    for p in library.personas:
        assert not re.search(r"\b(19|20)\d\d-\d\d-\d\d\b|\b\d\d:\d\d\b", p.system), p.name


def test_cacheability_text_with_exact_counts(monkeypatch, tmp_path):
    monkeypatch.setattr(tokens, "count", lambda text: tokens.TokenCount(906, exact=True))
    write(tmp_path / "tools", "lookup.json", TOOL_JSON)
    with_tools = persona(tmp_path, "full.md", FULL)
    assert with_tools.cacheability("openai", "gpt-4.1") == (
        True, 1024, "1,812 tok · cacheable (≥1024)")
    assert persona(tmp_path, "bare.md", "+++\n+++\nx").cacheability("openai", "gpt-4.1") == (
        False, 1024, "906 tok · below the 1,024 minimum")

"""`chattui gemini-cache create|ls|extend|rm` run through chattui.cli.main, with the real
google-genai SDK talking to the emulator."""

from __future__ import annotations

import json
import re
import sys

import pytest

from chattui.cli import main
from chattui.store import DB_NAME, Store

KEY = "gk-test-SECRET123456789"


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch, emulator):
    """No machine config; a Gemini key; the base URL from the environment (the emulator)."""
    monkeypatch.setenv("CHATTUI_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("CHATTUI_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CHATTUI_BASE_URL", emulator.gemini_base_url)
    monkeypatch.setenv("GEMINI_API_KEY", KEY)
    for var in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "CHATTUI_PROVIDER", "CHATTUI_MODEL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "data" / DB_NAME)
    yield s
    s.close()


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["gemini-cache", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def live(emulator) -> list:
    return emulator.cached_contents.live(emulator.now())


def test_create_prints_the_cache_with_its_expiry_and_storage_cost(capsys, emulator, tmp_path):
    (tmp_path / "notes.txt").write_text("House rules: no passive voice.")
    code, out, err = run(capsys, "create", "--persona", "styleguide", "--ttl", "30m",
                         "--file", "notes.txt")
    assert code == 0, err
    [entry] = live(emulator)
    assert out.startswith(f"Created {entry.name} (chattui styleguide + notes.txt) on gemini-2.5-flash: "
                          f"{entry.tokens:,} tok · expires ")
    assert "(in 29 min)" in out or "(in 30 min)" in out
    assert f"storage ≈ ${entry.tokens / 1e6:.4f}/h" in out  # $1.00 per million tokens per hour
    sent = emulator.requests[-1].json
    assert sent["ttl"] == "1800s" and sent["systemInstruction"]["parts"][0]["text"].startswith("You")
    assert sent["contents"][0]["parts"][0]["text"] == "File: notes.txt\n\nHouse rules: no passive voice."


def test_create_binds_a_gemini_conversation(capsys, emulator, store):
    conversation = store.create_conversation("gemini", "gemini-2.5-flash", "styleguide")
    code, out, err = run(capsys, "create", "--persona", "styleguide", "--conversation", "last")
    assert code == 0, err
    binding = store.gemini_cache_binding(conversation.id)
    assert binding.cache_name == live(emulator)[0].name and binding.persona == "styleguide"
    assert f"Conversation {conversation.id} now sends it instead of persona styleguide." in out


def test_create_refuses_to_bind_another_providers_conversation(capsys, emulator, store):
    conversation = store.create_conversation("openai", "gpt-4.1-mini", "styleguide")
    code, _, err = run(capsys, "create", "--persona", "styleguide", "--conversation", conversation.id)
    assert code == 1 and "is on openai" in err
    assert live(emulator) == []  # nothing was created


def test_ls_lists_name_model_tokens_storage_and_expiry(capsys, emulator, store):
    conversation = store.create_conversation("gemini", "gemini-2.5-flash", "styleguide")
    run(capsys, "create", "--persona", "styleguide", "--ttl", "2h", "--conversation", "last")
    [entry] = live(emulator)
    code, out, _ = run(capsys, "ls")
    header, row = out.splitlines()
    assert header.split() == ["NAME", "MODEL", "TOKENS", "STORAGE/H", "UNTIL", "EXPIRY",
                              "EXPIRES", "DISPLAY", "NAME"]
    name, model, count, hourly, until, expires, display = re.split(r"\s{2,}", row, maxsplit=6)
    assert (name, model, count) == (entry.name, "gemini-2.5-flash", f"{entry.tokens:,}")
    per_hour = entry.tokens / 1e6  # gemini-2.5-flash: $1.00 per million tokens per hour
    assert (hourly, until) == (f"≈ ${per_hour:.4f}", f"≈ ${2 * per_hour:.4f}")
    assert expires.endswith(("(in 1 h 59 min)", "(in 2 h 00 min)"))
    assert display == f"chattui styleguide  [bound: {conversation.id}]"

    code, out, _ = run(capsys, "ls", "--json")
    [cache] = json.loads(out)
    assert cache["name"] == entry.name and cache["tokens"] == entry.tokens
    assert cache["expires_in_s"] == pytest.approx(7200, abs=2)
    assert cache["storage_usd_per_hour"] == pytest.approx(per_hour)
    assert cache["storage_usd_until_expiry"] == pytest.approx(2 * per_hour, rel=1e-3)
    assert cache["conversations"] == [conversation.id]


def test_ls_with_no_caches(capsys):
    assert run(capsys, "ls") == (0, "No Gemini caches.\n", "")
    assert run(capsys, "ls", "--json")[1] == "[]\n"


def test_extend_moves_the_expiry(capsys, emulator):
    run(capsys, "create", "--persona", "styleguide", "--ttl", "10m")
    [entry] = live(emulator)
    before = entry.expires
    code, out, _ = run(capsys, "extend", entry.name.removeprefix("cachedContents/"), "--ttl", "1h")
    assert code == 0 and out.startswith(f"Extended {entry.name}: ")
    assert "(in 59 min)" in out or "(in 1 h 00 min)" in out
    assert live(emulator)[0].expires == pytest.approx(before + 50 * 60, abs=2)


def test_rm_deletes_and_unbinds_then_a_second_rm_says_it_is_gone(capsys, emulator, store):
    conversation = store.create_conversation("gemini", "gemini-2.5-flash", "styleguide")
    run(capsys, "create", "--persona", "styleguide", "--conversation", conversation.id)
    [entry] = live(emulator)
    assert run(capsys, "rm", entry.name) == (
        0, f"Deleted {entry.name}; 1 conversation(s) unbound.\n", "")
    assert live(emulator) == [] and store.gemini_cache_binding(conversation.id) is None
    code, _, err = run(capsys, "rm", entry.name)
    assert code == 1 and "is gone (expired or deleted)" in err


def test_errors_are_one_clear_line(capsys, monkeypatch):
    code, _, err = run(capsys, "create", "--persona", "assistant")  # a short persona
    assert code == 1 and "Cached content is too small" in err
    code, _, err = run(capsys, "create", "--persona", "nobody")
    assert (code, err) == (1, "chattui gemini-cache create: no persona named 'nobody'\n")
    monkeypatch.delenv("GEMINI_API_KEY")
    code, _, err = run(capsys, "ls")
    assert code == 1 and "Set GEMINI_API_KEY" in err


def test_without_google_genai_it_says_what_to_install(capsys, monkeypatch, emulator):
    monkeypatch.setitem(sys.modules, "google.genai", None)
    code, _, err = run(capsys, "ls")
    assert code == 1 and "install chattui[gemini]" in err
    assert not [r for r in emulator.requests if "cachedContents" in r.path]


def test_the_flag_wins_over_the_environment(capsys, monkeypatch, emulator):
    monkeypatch.setenv("CHATTUI_BASE_URL", "http://127.0.0.1:9/v1beta/openai/")
    code, _, err = run(capsys, "ls", "--base-url", emulator.base_url)
    assert code == 0, err
    code, _, err = run(capsys, "ls")
    assert code == 1 and "Could not reach Gemini at http://127.0.0.1:9" in err

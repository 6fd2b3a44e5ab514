"""chattui.config: layering, directories, validation problems, secrets, key hints, prices."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from chattui import config, trust
from chattui.config import (
    DEFAULT_MODELS,
    ENVIRONMENT,
    ConfigProblem,
    PriceOverride,
    Settings,
    load_settings,
)
from chattui.core.provider_ids import PROVIDERS

SECRET = "sk-test-SECRET-0123456789"


@pytest.fixture(autouse=True)
def platform_dirs(tmp_path, monkeypatch):
    """Platform default dirs point into tmp_path, so no test can touch the real home."""
    home = tmp_path / "platform"
    monkeypatch.setattr(config.platformdirs, "user_config_dir",
                        lambda *a, **k: str(home / "config"))
    monkeypatch.setattr(config.platformdirs, "user_data_dir",
                        lambda *a, **k: str(home / "data"))
    return home


class Env:
    """A throwaway project: cwd, config dir, data dir, and an explicit environ."""

    def __init__(self, root: Path) -> None:
        self.cwd = root / "project"
        self.config_dir = root / "cfg"
        self.data_dir = root / "data"
        self.cwd.mkdir()
        self.config_dir.mkdir()
        self.environ = {"CHATTUI_CONFIG_DIR": str(self.config_dir),
                        "CHATTUI_DATA_DIR": str(self.data_dir)}

    @property
    def config_file(self) -> Path:
        return self.config_dir / "config.toml"

    def toml(self, text: str) -> Path:
        self.config_file.write_text(text, encoding="utf-8")
        return self.config_file

    def dotenv(self, where: Path, text: str) -> Path:
        (where / ".env").write_text(text, encoding="utf-8")
        return where / ".env"

    def load(self, flags=None, **environ) -> Settings:
        """Settings with the project's `.env` trusted (as `chattui trust` would; see test_trust)."""
        environ = {**self.environ, **environ}
        if local := trust.local_files(self.cwd):
            config_dir = config._dir(environ.get("CHATTUI_CONFIG_DIR"), self.cwd, "config")
            trust.allow(local, config_dir / trust.TRUST_FILE)
        return load_settings(flags, environ, self.cwd)


@pytest.fixture
def env(tmp_path) -> Env:
    return Env(tmp_path)


# --- defaults and directories -------------------------------------------------------


def test_defaults_with_no_files_and_empty_environment(tmp_path, platform_dirs):
    (tmp_path / "cwd").mkdir()
    s = load_settings({}, {}, tmp_path / "cwd")
    assert (s.provider, s.model, s.base_url) == ("openai", "gpt-4.1-mini", None)
    assert (s.persona, s.mode, s.theme) == ("assistant", "full", "textual-dark")
    assert s.config_dir == platform_dirs / "config"
    assert s.data_dir == platform_dirs / "data"
    assert s.config_file == platform_dirs / "config" / "config.toml"
    assert (s.conversation, s.continue_last, s.emulator) == (None, False, False)
    assert dict(s.keys) == {} and dict(s.prices) == {} and dict(s.api_keys) == {}
    assert s.problems == ()
    assert s.api_key() is None


def test_config_and_data_dir_from_environment(env):
    env.toml('persona = "from-config-dir"\n')
    s = env.load()
    assert s.config_dir == env.config_dir
    assert s.data_dir == env.data_dir
    assert s.config_file == env.config_file
    assert s.persona == "from-config-dir"


def test_relative_dirs_resolve_against_cwd(env):
    s = env.load(CHATTUI_CONFIG_DIR="conf", CHATTUI_DATA_DIR="store")
    assert s.config_dir == env.cwd / "conf"
    assert s.data_dir == env.cwd / "store"


def test_config_dir_can_come_from_cwd_dotenv(env, tmp_path):
    other = tmp_path / "other-cfg"
    other.mkdir()
    (other / "config.toml").write_text('theme = "nord"\n')
    env.dotenv(env.cwd, f"CHATTUI_CONFIG_DIR={other}\n")
    del env.environ["CHATTUI_CONFIG_DIR"]
    s = env.load()
    assert s.config_dir == other
    assert s.theme == "nord"


def test_data_dir_flag_beats_environment(env, tmp_path):
    s = env.load({"data_dir": tmp_path / "flagged"})
    assert s.data_dir == tmp_path / "flagged"


def test_config_flag_picks_another_file(env, tmp_path):
    env.toml('persona = "default-file"\n')
    other = tmp_path / "elsewhere.toml"
    other.write_text('persona = "flag-file"\n')
    s = env.load({"config": str(other)})
    assert s.config_file == other
    assert s.persona == "flag-file"
    assert s.config_dir == env.config_dir


# --- layering -----------------------------------------------------------------------


def test_each_layer_overrides_the_one_below_field_by_field(env):
    env.toml('provider = "anthropic"\nmodel = "m-config"\npersona = "p-config"\n'
             'mode = "chained"\ntheme = "t-config"\n')
    env.dotenv(env.config_dir, "CHATTUI_MODEL=m-dirdotenv\nCHATTUI_PERSONA=p-dirdotenv\n"
                               "CHATTUI_THEME=t-dirdotenv\n")
    env.dotenv(env.cwd, "CHATTUI_PERSONA=p-cwddotenv\nCHATTUI_THEME=t-cwddotenv\n")
    s = env.load({"model": "m-flag", "provider": None}, CHATTUI_THEME="t-env",
                 CHATTUI_MODEL="m-env")
    assert s.provider == "anthropic"   # config only
    assert s.mode == "chained"         # config only
    assert s.persona == "p-cwddotenv"  # cwd .env over config-dir .env over config
    assert s.theme == "t-env"          # environment over both .env files
    assert s.model == "m-flag"         # flag over environment
    assert s.problems == ()


def test_cwd_dotenv_beats_config_dir_dotenv(env):
    env.dotenv(env.config_dir, "CHATTUI_PERSONA=dir\nCHATTUI_MODE=chained\n")
    env.dotenv(env.cwd, "CHATTUI_PERSONA=cwd\n")
    s = env.load()
    assert (s.persona, s.mode) == ("cwd", "chained")


def test_dotenv_beats_config_toml(env):
    env.toml('persona = "toml"\ntheme = "toml-theme"\n')
    env.dotenv(env.config_dir, "CHATTUI_PERSONA=dotenv\n")
    s = env.load()
    assert (s.persona, s.theme) == ("dotenv", "toml-theme")


def test_environment_beats_dotenv(env):
    env.dotenv(env.cwd, "CHATTUI_PROVIDER=anthropic\nCHATTUI_PERSONA=dotenv\n")
    s = env.load(CHATTUI_PROVIDER="gemini")
    assert (s.provider, s.persona) == ("gemini", "dotenv")


def test_flags_beat_environment(env):
    s = env.load({"provider": "anthropic", "persona": "flag", "mode": "chained"},
                 CHATTUI_PROVIDER="gemini", CHATTUI_PERSONA="env", CHATTUI_MODE="full")
    assert (s.provider, s.persona, s.mode) == ("anthropic", "flag", "chained")


def test_empty_environment_value_does_not_override(env):
    env.toml('persona = "toml"\n')
    assert env.load(CHATTUI_PERSONA="").persona == "toml"


def test_dotenv_is_read_without_touching_os_environ(env, monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    env.dotenv(env.cwd, f"ANTHROPIC_API_KEY={SECRET}\n")
    s = env.load({"provider": "anthropic"})
    assert s.api_key() == SECRET
    assert "ANTHROPIC_API_KEY" not in os.environ


def test_api_keys_layer_config_then_dotenv_then_environment(env):
    env.toml('[api_keys]\nopenai = "from-toml"\nanthropic = "a-toml"\ngemini = "g-toml"\n')
    env.dotenv(env.cwd, "OPENAI_API_KEY=from-dotenv\nANTHROPIC_API_KEY=a-dotenv\n")
    s = env.load(OPENAI_API_KEY="from-env")
    assert dict(s.api_keys) == {"openai": "from-env", "anthropic": "a-dotenv",
                                "gemini": "g-toml"}


def test_base_url_layers_and_provider_specific_variables(env):
    env.toml('base_url = "http://toml.example/v1"\n')
    assert env.load().base_url == "http://toml.example/v1"
    assert env.load(OPENAI_BASE_URL="http://oa.example").base_url == "http://oa.example"
    assert env.load(ANTHROPIC_BASE_URL="http://an.example").base_url == "http://toml.example/v1"
    both = env.load(OPENAI_BASE_URL="http://oa.example", CHATTUI_BASE_URL="http://any.example")
    assert both.base_url == "http://any.example"
    flagged = env.load({"base_url": "http://flag.example"}, CHATTUI_BASE_URL="http://x.example")
    assert flagged.base_url == "http://flag.example"


def test_sdk_base_url_variables_only_apply_to_their_provider(env):
    environ = {"OPENAI_BASE_URL": "http://oa.example", "ANTHROPIC_BASE_URL": "http://an.example"}
    assert env.load({"provider": "openai-compatible"}, **environ).base_url == "http://oa.example"
    assert env.load({"provider": "anthropic"}, **environ).base_url == "http://an.example"
    assert env.load({"provider": "gemini"}, **environ).base_url is None
    assert env.load({"provider": "gemini"}, CHATTUI_BASE_URL="http://g.example").base_url == (
        "http://g.example")


def test_cli_only_flags_pass_through(env):
    s = env.load({"conversation": "abc123", "emulator": True})
    assert (s.conversation, s.continue_last, s.emulator) == ("abc123", False, True)
    assert env.load({"continue_last": True}).continue_last is True


# --- models -------------------------------------------------------------------------


@pytest.mark.parametrize("provider, model", [
    ("openai", "gpt-4.1-mini"), ("openai-compatible", "gpt-4.1-mini"),
    ("anthropic", "claude-sonnet-5"), ("gemini", "gemini-2.5-flash"),
])
def test_default_model_follows_the_resolved_provider(env, provider, model):
    assert env.load(CHATTUI_PROVIDER=provider).model == model


def test_explicit_model_is_kept_whatever_the_provider(env):
    env.toml('model = "claude-opus-4-1"\n')
    s = env.load({"provider": "anthropic"})
    assert (s.provider, s.model) == ("anthropic", "claude-opus-4-1")


def test_settings_built_directly_resolve_model_and_validate(tmp_path):
    s = Settings(provider="gemini", data_dir=tmp_path, config_dir=tmp_path,
                 config_file=tmp_path / "c.toml")
    assert s.model == DEFAULT_MODELS["gemini"]
    with pytest.raises(ValueError, match="provider"):
        Settings(provider="nope", data_dir=tmp_path, config_dir=tmp_path,
                 config_file=tmp_path / "c.toml")


# --- problems -----------------------------------------------------------------------


def test_broken_toml_is_reported_with_path_and_line_and_ignored(env):
    path = env.toml('persona = "ignored"\nmodel = "x"\ntheme = = "oops"\n')
    env.dotenv(env.cwd, "CHATTUI_MODE=chained\n")
    s = env.load()
    assert len(s.problems) == 1
    problem = s.problems[0]
    assert (problem.path, problem.line) == (path, 3)
    assert "invalid TOML" in problem.message
    assert str(problem).startswith(f"{path}:3: invalid TOML")
    assert (s.persona, s.model, s.theme) == ("assistant", "gpt-4.1-mini", "textual-dark")
    assert s.mode == "chained"  # the other layers still apply


def test_unknown_key_is_reported_with_its_line_and_the_rest_applies(env):
    path = env.toml('persona = "kept"\n\n# a comment\nprovder = "anthropic"\n')
    s = env.load()
    assert s.persona == "kept"
    assert s.problems == (ConfigProblem(
        path, 4, "provder: unknown key (did you mean 'provider'?)"),)


def test_unknown_table_is_reported_at_its_header(env):
    path = env.toml('theme = "nord"\n\n[colours]\naccent = "red"\n')
    (problem,) = env.load().problems
    assert (problem.path, problem.line) == (path, 3)
    assert problem.message.startswith("colours: unknown key")


@pytest.mark.parametrize("text, line, message", [
    ('mode = "full"\nprovider = "foo"\n', 2,
     "provider: 'foo' is not one of: openai, openai-compatible, anthropic, gemini"),
    ('mode = "sideways"\n', 1, "mode: 'sideways' is not one of: full, chained"),
    ('persona = "x"\nmodel = 5\n', 2, "model: expected a string, got integer"),
    ('theme = ""\n', 1, "theme: must not be empty"),
    ('base_url = "localhost:1234"\n', 1, "base_url: expected an http:// or https:// URL"),
    ('base_url = "http://[oops/v1"\n', 1, "base_url: expected an http:// or https:// URL"),
    ('base_url = "http://host:port/v1"\n', 1, "base_url: expected an http:// or https:// URL"),
    ('base_url = "https:///v1"\n', 1, "base_url: expected an http:// or https:// URL"),
    ('keys = "escape"\n', 1, "keys: expected a table, got string"),
    ('[keys]\nquit = "ctrl+q"\nstop-reply = true\n', 3,
     "keys.stop-reply: expected a string, got boolean"),
])
def test_bad_values_are_reported_by_key_and_line(env, text, line, message):
    path = env.toml(text)
    s = env.load()
    assert s.problems == (ConfigProblem(path, line, message),)
    assert (s.provider, s.mode) == ("openai", "full")  # bad values fall back to defaults
    assert s.model == "gpt-4.1-mini"


def test_bad_key_falls_back_to_the_layer_below(env):
    env.toml('mode = "chained"\n')
    dotenv = env.dotenv(env.cwd, "CHATTUI_PERSONA=ok\nCHATTUI_MODE=sideways\n")
    s = env.load(CHATTUI_PROVIDER="foo")
    assert (s.mode, s.provider, s.persona) == ("chained", "openai", "ok")
    assert [str(p) for p in s.problems] == [
        f"{dotenv}:2: CHATTUI_MODE: 'sideways' is not one of: full, chained",
        f"{ENVIRONMENT}: CHATTUI_PROVIDER: 'foo' is not one of: "
        "openai, openai-compatible, anthropic, gemini",
    ]


def test_unparsable_dotenv_line_is_a_problem_not_log_noise(env, caplog):
    dotenv = env.dotenv(env.cwd, "CHATTUI_PERSONA=ok\nthis is not valid\n")
    with caplog.at_level("DEBUG"):
        s = env.load()
    assert s.persona == "ok"
    assert s.problems == (ConfigProblem(dotenv, 2, "cannot parse this line; ignored"),)
    assert caplog.records == []


def test_problem_str_without_line():
    assert str(ConfigProblem(Path("/x/config.toml"), None, "boom")) == "/x/config.toml: boom"


@pytest.mark.parametrize("flags, fragment", [
    ({"provider": "foo"}, "invalid provider: 'foo' is not one of"),
    ({"mode": "fast"}, "invalid mode: 'fast' is not one of: full, chained"),
    ({"model": ""}, "invalid model: must not be empty"),
    ({"base_url": "ftp://x"}, "invalid base_url: expected an http:// or https:// URL"),
    ({"base_url": "http://[::1/v1"}, "invalid base_url: expected an http:// or https:// URL"),
    ({"conversation": "a", "continue_last": True}, "cannot be used together"),
    ({"config": "missing.toml"}, "config file not found: missing.toml"),
])
def test_bad_flags_raise_value_error(env, flags, fragment):
    with pytest.raises(ValueError) as excinfo:
        env.load(flags)
    assert fragment in str(excinfo.value)


# --- secrets ------------------------------------------------------------------------


def test_api_keys_never_appear_in_repr_str_or_problems(env):
    env.toml(f'[api_keys]\nopenai = "{SECRET}"\nopenia = "{SECRET}-typo"\n'
             'anthropic = 42\ngemini = ["sk-list-SECRET"]\n')
    s = env.load(ANTHROPIC_API_KEY=SECRET + "-env")
    assert s.api_key() == SECRET
    assert s.api_keys["anthropic"] == SECRET + "-env"
    messages = [str(p) for p in s.problems]
    assert messages == [
        f"{env.config_file}:3: api_keys.openia: unknown key (did you mean 'openai'?)",
        f"{env.config_file}:4: api_keys.anthropic: expected a string, got integer",
        f"{env.config_file}:5: api_keys.gemini: expected a string, got array",
    ]
    for text in [repr(s), str(s), *messages, *map(repr, s.problems)]:
        assert "SECRET" not in text


# --- missing key hints --------------------------------------------------------------


@pytest.mark.parametrize("provider, var", [
    ("openai", "OPENAI_API_KEY"), ("openai-compatible", "OPENAI_API_KEY"),
    ("anthropic", "ANTHROPIC_API_KEY"), ("gemini", "GEMINI_API_KEY"),
])
def test_missing_key_hint_names_variable_and_config_file(env, provider, var):
    s = env.load({"provider": provider})
    assert s.missing_key_hint() == (
        f"Set {var} (environment or .env) or [api_keys] {provider} in {env.config_file}")
    assert env.load({"provider": provider}, **{var: "k"}).missing_key_hint() is None


def test_no_hint_when_key_is_in_config(env):
    env.toml('provider = "gemini"\n[api_keys]\ngemini = "g"\n')
    s = env.load()
    assert (s.api_key(), s.missing_key_hint()) == ("g", None)


@pytest.mark.parametrize("url", ["http://localhost:11434/v1", "http://127.0.0.1:8080/v1",
                                 "http://[::1]:8000/v1"])
def test_no_hint_for_local_openai_compatible_server(env, url):
    s = env.load({"provider": "openai-compatible", "base_url": url})
    assert s.api_key() is None
    assert s.missing_key_hint() is None


def test_remote_openai_compatible_server_still_needs_a_key(env):
    s = env.load({"provider": "openai-compatible", "base_url": "https://openrouter.ai/api/v1"})
    assert "OPENAI_API_KEY" in s.missing_key_hint()


def test_openai_compatible_falls_back_to_openai_key_but_prefers_its_own(env):
    s = env.load({"provider": "openai-compatible"}, OPENAI_API_KEY="oa")
    assert s.api_key() == "oa"
    env.toml('[api_keys]\nopenai-compatible = "own"\n')
    assert env.load({"provider": "openai-compatible"}, OPENAI_API_KEY="oa").api_key() == "own"


def test_emulator_needs_no_key(env):
    assert env.load({"provider": "anthropic", "emulator": True}).missing_key_hint() is None


# --- keys and prices ----------------------------------------------------------------


def test_key_bindings_are_parsed(env):
    env.toml('[keys]\nstop-reply = "escape"\nquit = "ctrl+q"\n')
    assert dict(env.load().keys) == {"stop-reply": "escape", "quit": "ctrl+q"}


def test_price_overrides_are_parsed(env):
    env.toml('[prices."my-local-model"]\ninput = 0.5\noutput = 1.5\ncache_read = 0.05\n\n'
             '[prices."gpt-4.1-mini"]\ninput = 0\noutput = 2\ncache_write = 1\n'
             'cache_write_1h = 2.5\n')
    s = env.load()
    assert s.problems == ()
    assert dict(s.prices) == {
        "my-local-model": PriceOverride(input=0.5, output=1.5, cache_read=0.05),
        "gpt-4.1-mini": PriceOverride(input=0.0, output=2.0, cache_write=1.0,
                                      cache_write_1h=2.5),
    }
    assert isinstance(s.prices["gpt-4.1-mini"].output, float)


def test_bad_price_tables_are_reported_and_skipped(env):
    path = env.toml('[prices."good"]\ninput = 1\noutput = 2\n\n'
                    '[prices."gpt-4.1-mini"]\ninput = 1\noutput = "cheap"\n\n'
                    '[prices.neg]\ninput = -1\noutput = 1\ncache = 2\n')
    s = env.load()
    assert list(s.prices) == ["good"]
    assert [(p.line, p.message) for p in s.problems] == [
        (7, 'prices."gpt-4.1-mini".output: expected a number, got string'),
        (5, 'prices."gpt-4.1-mini": needs output; override ignored'),
        (10, "prices.neg.input: must be a non-negative number"),
        (12, "prices.neg.cache: unknown key (did you mean 'cache_read'?)"),
        (9, "prices.neg: needs input; override ignored"),
    ]
    assert all(p.path == path for p in s.problems)


def test_providers_constant_matches_default_models():
    assert PROVIDERS == ("openai", "openai-compatible", "anthropic", "gemini")
    assert set(DEFAULT_MODELS) == set(PROVIDERS)


def test_reasoning_level_from_the_config_file_and_environment(env):
    env.toml('reasoning = "medium"\n')
    assert env.load().reasoning == "medium"
    assert env.load(CHATTUI_REASONING="high").reasoning == "high"
    env.toml('reasoning = "lots"\n')
    assert env.load().reasoning is None

"""Settings: built-in defaults, `config.toml`, `.env`, the environment and CLI flags.

Layers, lowest to highest; every field comes from the highest layer that sets it:

1. built-in defaults
2. `config.toml` in the config directory (or the file given with `--config`)
3. `.env` in the config directory, then `.env` in the current directory
   (read with python-dotenv; `os.environ` is never modified). The current directory's
   `.env` (like its `.chattui/`) is used only once the directory is trusted (chattui.trust,
   `chattui trust`); until then `Settings.local_changes` says what it would change.
4. the environment
5. command-line flags

Directories: `CHATTUI_CONFIG_DIR` (environment, or `.env` in the current directory) and
`CHATTUI_DATA_DIR` (environment or either `.env`; `--data-dir` beats it) replace the
platform defaults (on Linux `~/.config/chattui` and `~/.local/share/chattui`). Relative
paths are taken from the current directory.

Variables: `CHATTUI_PROVIDER`, `CHATTUI_MODEL`, `CHATTUI_PERSONA`, `CHATTUI_MODE`,
`CHATTUI_THEME`, `CHATTUI_IMAGE_DETAIL`, `CHATTUI_BASE_URL` (any provider; beats the SDK
variables below), and the SDKs' own `OPENAI_API_KEY`, `OPENAI_BASE_URL` (openai, openai-compatible),
`ANTHROPIC_API_KEY`, `ANTHROPIC_BASE_URL` (anthropic) and `GEMINI_API_KEY`.

`config.toml`:

```toml
provider = "openai"          # openai | openai-compatible | anthropic | gemini
model = "gpt-4.1-mini"       # default depends on the provider
base_url = "http://localhost:11434/v1"   # optional
persona = "assistant"
mode = "full"                # full | chained
theme = "textual-dark"
image_detail = "auto"        # auto | low | high | original: recorded on each image attached
reasoning = "low"            # off | low | medium | high: thinking, unless the persona sets it

[api_keys]                   # optional; prefer env vars / .env
openai = "sk-..."            # openai | openai-compatible | anthropic | gemini

[keys]                       # remap bindings by id
stop-reply = "escape"

[keep_warm]                  # Anthropic, OpenAI GPT-5.6+ chained: pre-warm before the TTL ends
enabled = false              # off by default; also toggled from the palette
max_pings = 6                # per idle stretch (a new turn starts a new one)

[prices."my-local-model"]    # USD per million tokens
input = 0.5
output = 1.5
cache_read = 0.05            # optional, also cache_write and cache_write_1h

[prices."gpt-oss-*"]         # a shell-style pattern (* ? [abc]); the longest match wins,
input = 0.1                  # an exact name beats any pattern
output = 0.5

[endpoints."localhost:11434"]  # every model served there ("host:port", or "host")
price = 0                      # free; or input/output/cache_* rates as under [prices]

[models."my-local-*"]        # what a model can take (pattern as under [prices]); a switch
images = false               # to it names what it lacks; unknown models are assumed able
tools = false
```

Cache rates an override leaves out are derived from the provider's published ratios
(chattui.core.price_rules.derived_rates); with no ratio known for the model, a turn that
used the cache is `cost ?` with the reason, never charged at the input rate. On a host
other than the provider's own, a model genai-prices does not list exactly is `cost ?`
until priced here.

A mistake in a file never stops the app: a TOML syntax error drops that whole file, a bad
key or value drops just that key, and each is reported in `Settings.problems` with its
file and line. Bad flag values raise `ValueError`.
"""

from __future__ import annotations

import io
import math
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Mapping
from urllib.parse import urlsplit

import platformdirs

from chattui.core.provider_ids import PROVIDERS
from chattui.toml_lines import FileProblem, key_lines

if TYPE_CHECKING:
    from chattui.core.capabilities import Abilities

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

MODES = ("full", "chained")
DEFAULT_MODELS = {"openai": "gpt-4.1-mini", "openai-compatible": "gpt-4.1-mini",
                  "anthropic": "claude-sonnet-5", "gemini": "gemini-2.5-flash"}
KEY_ENV_VARS = {"openai": "OPENAI_API_KEY", "openai-compatible": "OPENAI_API_KEY",
                "anthropic": "ANTHROPIC_API_KEY", "gemini": "GEMINI_API_KEY"}
IMAGE_DETAILS = ("auto", "low", "high", "original")
"""`detail` recorded on attached images (chattui.core.attachments.DETAILS)."""
ENVIRONMENT = Path("<environment>")  # ConfigProblem.path for a bad environment variable

REASONING_LEVELS = ("off", "low", "medium", "high")
"""`reasoning` (chattui.core.reasoning.LEVELS)."""
_ENUMS = {"provider": PROVIDERS, "mode": MODES, "image_detail": IMAGE_DETAILS,
          "reasoning": REASONING_LEVELS}
_STR_FIELDS = ("provider", "model", "base_url", "persona", "mode", "theme", "image_detail",
               "reasoning")
_TOP_KEYS = _STR_FIELDS + ("api_keys", "keys", "prices", "endpoints", "keep_warm",
                           "mcp_servers", "models")
_KEEP_WARM_FIELDS = {"enabled": bool, "max_pings": int}
_MODEL_FIELDS = ("images", "tools")
_PRICE_FIELDS = ("input", "output", "cache_read", "cache_write", "cache_write_1h", "cache_storage")
_ENV_FIELDS = {"CHATTUI_PROVIDER": "provider", "CHATTUI_MODEL": "model",
               "CHATTUI_PERSONA": "persona", "CHATTUI_MODE": "mode", "CHATTUI_THEME": "theme",
               "CHATTUI_BASE_URL": "base_url", "CHATTUI_DATA_DIR": "data_dir",
               "CHATTUI_IMAGE_DETAIL": "image_detail", "CHATTUI_REASONING": "reasoning",
               "OPENAI_BASE_URL": "base_url@openai", "ANTHROPIC_BASE_URL": "base_url@anthropic"}
_ENV_API_KEYS = {"OPENAI_API_KEY": "openai", "ANTHROPIC_API_KEY": "anthropic",
                 "GEMINI_API_KEY": "gemini"}
_BASE_URL_FAMILY = {"openai": "openai", "openai-compatible": "openai", "anthropic": "anthropic"}
_TYPE_NAMES = {bool: "boolean", int: "integer", float: "float", str: "string", dict: "table",
               list: "array"}
_LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1", "0.0.0.0")


@dataclass(frozen=True)
class PriceOverride:
    """USD per million tokens; None = not overridden."""

    input: float
    output: float
    cache_read: float | None = None
    cache_write: float | None = None
    cache_write_1h: float | None = None
    cache_storage: float | None = None
    """Gemini explicit caches: USD per million tokens per hour stored."""


ConfigProblem = FileProblem


@dataclass(frozen=True, kw_only=True)
class Settings:
    provider: str = "openai"
    model: str = ""  # "" resolves to DEFAULT_MODELS[provider]
    base_url: str | None = None
    persona: str = "assistant"
    mode: str = "full"
    theme: str = "textual-dark"
    image_detail: str = "auto"
    reasoning: str | None = None
    """Thinking level for personas that set none (None: the provider's default)."""
    data_dir: Path
    config_dir: Path
    config_file: Path
    conversation: str | None = None
    continue_last: bool = False
    emulator: bool = False
    keys: Mapping[str, str] = field(default_factory=dict)
    prices: Mapping[str, PriceOverride] = field(default_factory=dict)
    keep_warm: Mapping[str, Any] = field(default_factory=dict)
    """`[keep_warm]` as given: enabled (bool), max_pings (int ≥ 0)."""
    mcp_servers: Mapping[str, Any] = field(default_factory=dict)
    """`[mcp_servers.NAME]` shared by every persona (chattui.core.mcp.ServerConfig by name)."""
    models: Mapping[str, Abilities] = field(default_factory=dict)
    """`[models."pattern"]`: what those models can take (chattui.core.capabilities)."""
    api_keys: Mapping[str, str] = field(default_factory=dict, repr=False)
    secrets: tuple[str, ...] = field(default=(), repr=False)
    """Every API key value found in any layer (used or not, trusted or not): what to redact."""
    problems: tuple[ConfigProblem, ...] = ()
    local_files: Any = None
    """chattui.trust.LocalFiles of the working directory (its `.env`, `.chattui/`), or None."""
    local_trusted: bool = True
    """False while the working directory's files are ignored (not allowed yet, or changed)."""
    trust_store: Path | None = None
    """Where directory allowances are kept (chattui.trust.TRUST_FILE in the config dir)."""
    local_changes: tuple[str, ...] = ()
    """What the working directory's `.env` sets (names and hosts, never key values)."""
    flags: Mapping[str, Any] = field(default_factory=dict)
    """Values given on the command line (provider, model, base_url, persona, mode): they win
    over what a reopened conversation recorded."""
    provider_urls: Mapping[str, str] = field(default_factory=dict)
    """Base URLs set for a provider family (OPENAI_BASE_URL, ANTHROPIC_BASE_URL): where a
    switch to another provider goes."""
    emulator_urls: Mapping[str, str] = field(default_factory=dict)
    """With --emulator: the emulator's base URL per provider (a reopen goes there too)."""

    def __post_init__(self) -> None:
        for name in _ENUMS:
            if name == "reasoning" and self.reasoning is None:
                continue
            if error := _check(getattr(self, name), name):
                raise ValueError(f"invalid {name}: {error}")
        if not self.model:
            object.__setattr__(self, "model", DEFAULT_MODELS[self.provider])
        for name in ("keys", "prices", "keep_warm", "api_keys", "flags", "emulator_urls",
                     "provider_urls", "mcp_servers", "models"):
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))

    def api_key(self) -> str | None:
        key = self.api_keys.get(self.provider)
        if not key and self.provider == "openai-compatible":
            key = self.api_keys.get("openai")
        return key or None

    def known_secrets(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*self.api_keys.values(), *self.secrets)))

    def for_provider(self, provider: str, base_url: str | None) -> Settings:
        """These settings aimed at `provider` at `base_url` (its key, its default model)."""
        from dataclasses import replace

        return replace(self, provider=provider, base_url=base_url,
                       model=self.model if provider == self.provider else "")

    def missing_key_hint(self) -> str | None:
        """What to do about a missing API key; None when none is needed."""
        if self.emulator or self.api_key():
            return None
        if self.provider == "openai-compatible" and _is_local(self.base_url):
            return None
        return (f"Set {KEY_ENV_VARS[self.provider]} (environment or .env) "
                f"or [api_keys] {self.provider} in {self.config_file}")


def load_settings(flags: Mapping[str, Any] | None = None,
                  environ: Mapping[str, str] | None = None,
                  cwd: Path | None = None) -> Settings:
    flags = dict(flags or {})
    environ = os.environ if environ is None else environ
    cwd = Path.cwd() if cwd is None else Path(cwd)
    flag_layer = _flag_layer(flags)
    local, trusted, trust_store = _local_trust(environ, cwd)
    cwd_env, cwd_report = _read_dotenv(cwd / ".env")
    local_changes = _local_changes(cwd_env, environ) if local else ()
    secrets: list[str] = []  # every key value seen, used or not: what to redact
    if not trusted:
        secrets = [v for var in _ENV_API_KEYS if (v := (cwd_env.get(var) or "").strip())]
        cwd_env, cwd_report = {}, _Report(cwd / ".env")
    config_dir = _dir(environ.get("CHATTUI_CONFIG_DIR") or cwd_env.get("CHATTUI_CONFIG_DIR"),
                      cwd, "config")
    config_file = _config_file(flags.get("config"), config_dir, cwd)
    toml_layer, toml_report = _read_toml(config_file)
    dir_env, dir_report = _read_dotenv(config_dir / ".env", same_as=cwd / ".env")
    env_report = _Report(ENVIRONMENT)
    layers = [toml_layer, _env_layer(dir_env, dir_report), _env_layer(cwd_env, cwd_report),
              _env_layer(environ, env_report), flag_layer]
    merged, api_keys = {}, {}
    for layer in layers:
        merged.update(layer.fields)
        api_keys.update(layer.api_keys)
        secrets += layer.api_keys.values()
    return Settings(
        **{name: merged[name] for name in _STR_FIELDS if name in merged and name != "base_url"},
        base_url=_base_url(layers, merged.get("provider", "openai")),
        data_dir=_dir(merged.get("data_dir"), cwd, "data"),
        config_dir=config_dir, config_file=config_file,
        conversation=flags.get("conversation"),
        continue_last=bool(flags.get("continue_last")), emulator=bool(flags.get("emulator")),
        keys=toml_layer.keys, prices=toml_layer.prices, keep_warm=toml_layer.keep_warm,
        provider_urls={p: url for p in _BASE_URL_FAMILY if (url := _family_url(layers, p))},
        mcp_servers=toml_layer.mcp_servers, models=toml_layer.models,
        api_keys=api_keys, secrets=tuple(dict.fromkeys(secrets)),
        flags={k: v for k, v in flag_layer.fields.items() if k != "data_dir"},
        problems=tuple(p for r in (toml_report, dir_report, cwd_report, env_report)
                       for p in r.problems),
        local_files=local, local_trusted=trusted, local_changes=local_changes,
        trust_store=trust_store)


def _local_trust(environ: Mapping[str, str], cwd: Path):
    """The working directory's `.env`/`.chattui/` and whether the user allowed them as they are."""
    from chattui import trust

    config_dir = _dir(environ.get("CHATTUI_CONFIG_DIR"), cwd, "config")
    store = config_dir / trust.TRUST_FILE
    local = trust.local_files(cwd, config_dir)
    if local is None:
        return None, True, store
    return local, trust.is_allowed(local, store), store


def _local_changes(values: Mapping[str, str | None], environ: Mapping[str, str]) -> tuple[str, ...]:
    """What an untrusted `.env` would set, never quoting a key."""
    changes = []
    for var, raw in values.items():
        if not (value := (raw or "").strip()):
            continue
        if var in _ENV_API_KEYS:
            changes.append(f"{var} (replaces yours)" if environ.get(var) else f"{var} (its own key)")
        elif var.endswith("BASE_URL"):
            if var in _ENV_FIELDS:
                changes.append(f"{var} → {urlsplit(value).hostname or value}")
        elif var in _ENV_FIELDS or var == "CHATTUI_CONFIG_DIR":
            changes.append(f"{var}={value}")
    return tuple(changes)


@dataclass
class _Layer:
    fields: dict[str, Any] = field(default_factory=dict)
    api_keys: dict[str, str] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)
    prices: dict[str, PriceOverride] = field(default_factory=dict)
    keep_warm: dict[str, Any] = field(default_factory=dict)
    mcp_servers: dict[str, Any] = field(default_factory=dict)
    models: dict[str, Abilities] = field(default_factory=dict)


@dataclass
class _Report:
    """Problems found in one source; lines are looked up only when a problem occurs."""

    path: Path
    text: str = ""
    toml: bool = False
    problems: list[ConfigProblem] = field(default_factory=list)

    def add(self, key: tuple[str, ...], message: str, line: int | None = None) -> None:
        if key:
            line = self.line_of(key)
            message = ".".join(k if re.fullmatch(r"[\w-]+", k) else f'"{k}"' for k in key) + (
                ": " + message)
        self.problems.append(ConfigProblem(self.path, line, message))

    def line_of(self, key: tuple[str, ...]) -> int | None:
        if not self.toml:
            pattern = rf"^[ \t]*(?:export[ \t]+)?{re.escape(key[0])}[ \t]*="
            found = re.search(pattern, self.text, re.MULTILINE)
            return self.text.count("\n", 0, found.start()) + 1 if found else None
        lines = key_lines(self.text)
        while key and key not in lines:
            key = key[:-1]
        return lines.get(key)

    def read(self) -> bool:
        """Load `text` from `path`; False (with a problem if it exists) when unreadable."""
        if not self.path.is_file():
            return False
        try:
            self.text = self.path.read_text(encoding="utf-8")
            return True
        except (OSError, UnicodeDecodeError) as exc:
            self.add((), f"cannot read file, ignored: {exc}")
            return False


def _read_toml(path: Path) -> tuple[_Layer, _Report]:
    report = _Report(path, toml=True)
    if not report.read():
        return _Layer(), report
    try:
        data = tomllib.loads(report.text)
    except tomllib.TOMLDecodeError as exc:
        line = re.search(r"at line (\d+)", str(exc))
        message = re.sub(r"\s*\(at line \d+, column (\d+)\)", r" at column \1", str(exc))
        last = len(report.text.splitlines()) or None  # "(at end of document)"
        report.add((), f"invalid TOML, file ignored: {message}", int(line[1]) if line else last)
        return _Layer(), report
    layer = _Layer()
    for name, value in data.items():
        if name in _STR_FIELDS:
            _put(layer.fields, name, value, report, (name,))
        elif name in ("api_keys", "keys"):
            allowed = PROVIDERS if name == "api_keys" else None
            setattr(layer, name, _string_table(report, name, value, allowed))
        elif name == "prices":
            layer.prices = {**layer.prices, **_prices(report, value)}
        elif name == "endpoints":
            layer.prices = {**layer.prices, **_endpoints(report, value)}
        elif name == "keep_warm":
            layer.keep_warm = _keep_warm(report, value)
        elif name == "models":
            layer.models = _models(report, value)
        elif name == "mcp_servers":
            from chattui.core.mcp import parse_servers

            layer.mcp_servers, problems = parse_servers(value)
            for where, message in problems:
                report.add(tuple(where.split(".")), message)
        else:
            report.add((name,), _unknown(name, _TOP_KEYS))
    return layer, report


def _table(report: _Report, where: tuple[str, ...], value: Any) -> dict[str, Any] | None:
    if isinstance(value, dict):
        return value
    report.add(where, f"expected a table, got {_type_name(value)}")
    return None


def _string_table(report: _Report, name: str, value: Any,
                  allowed: tuple[str, ...] | None) -> dict[str, str]:
    """A table of strings; messages name the key, never the value (it may be a secret)."""
    result: dict[str, str] = {}
    for key, item in (_table(report, (name,), value) or {}).items():
        if allowed and key not in allowed:
            report.add((name, key), _unknown(key, allowed))
        else:
            _put(result, key, item, report, (name, key), kind="")
    return result


def _prices(report: _Report, value: Any) -> dict[str, PriceOverride]:
    tables = _table(report, ("prices",), value) or {}
    return {model: price for model, table in tables.items()
            if (price := _price(report, ("prices", model), table))}


def _endpoints(report: _Report, value: Any) -> dict[str, PriceOverride]:
    """`[endpoints."host:port"]`: `price = 0` (free) or rates; kept in the price mapping
    under `endpoint:host:port` (chattui.core.price_rules)."""
    from chattui.core.price_rules import ENDPOINT_PREFIX

    result = {}
    for host, table in (_table(report, ("endpoints",), value) or {}).items():
        where = ("endpoints", host)
        if not isinstance(table, dict):
            report.add(where, f"expected a table, got {_type_name(table)}")
            continue
        if "price" in table:
            flat = table["price"]
            if set(table) != {"price"} or isinstance(flat, bool) or flat != 0:
                report.add(where + ("price",), "only `price = 0` (free) is allowed here; "
                           "give rates as input/output/cache_* instead")
                continue
            result[ENDPOINT_PREFIX + host.lower()] = PriceOverride(0.0, 0.0, 0.0, 0.0, 0.0)
        elif rates := _price(report, where, table):
            result[ENDPOINT_PREFIX + host.lower()] = rates
    return result


def _price(report: _Report, where: tuple[str, ...], value: Any) -> PriceOverride | None:
    rates = {}
    for key, rate in (_table(report, where, value) or {}).items():
        if key not in _PRICE_FIELDS:
            report.add(where + (key,), _unknown(key, _PRICE_FIELDS))
        elif isinstance(rate, bool) or not isinstance(rate, (int, float)):
            report.add(where + (key,), f"expected a number, got {_type_name(rate)}")
        elif not math.isfinite(rate) or rate < 0:
            report.add(where + (key,), "must be a non-negative number")
        else:
            rates[key] = float(rate)
    if missing := [key for key in ("input", "output") if key not in rates]:
        if isinstance(value, dict):
            report.add(where, f"needs {' and '.join(missing)}; override ignored")
        return None
    return PriceOverride(**rates)


def _models(report: _Report, value: Any) -> dict[str, Abilities]:
    """`[models."pattern"]`: `images` / `tools` true or false (left out: true)."""
    from chattui.core.capabilities import Abilities

    result = {}
    for model, table in (_table(report, ("models",), value) or {}).items():
        flags = {}
        for key, item in (_table(report, ("models", model), table) or {}).items():
            if key not in _MODEL_FIELDS:
                report.add(("models", model, key), _unknown(key, _MODEL_FIELDS))
            elif not isinstance(item, bool):
                report.add(("models", model, key), f"expected true or false, got {_type_name(item)}")
            else:
                flags[key] = item
        result[model] = Abilities(**flags)
    return result


def _keep_warm(report: _Report, value: Any) -> dict[str, Any]:
    result = {}
    for key, item in (_table(report, ("keep_warm",), value) or {}).items():
        kind = _KEEP_WARM_FIELDS.get(key)
        if kind is None:
            report.add(("keep_warm", key), _unknown(key, tuple(_KEEP_WARM_FIELDS)))
        elif type(item) is not kind:
            wanted = "true or false" if kind is bool else "a whole number"
            report.add(("keep_warm", key), f"expected {wanted}, got {_type_name(item)}")
        elif kind is int and isinstance(item, int) and item < 0:
            report.add(("keep_warm", key), "must be 0 or more")
        else:
            result[key] = item
    return result


def _read_dotenv(path: Path, same_as: Path | None = None
                 ) -> tuple[dict[str, str | None], _Report]:
    """dotenv_values() of a file; its "could not parse" log records become problems."""
    report = _Report(path)
    if (same_as and path.resolve() == same_as.resolve()) or not report.read():
        return {}, report
    import logging

    from dotenv import dotenv_values

    def capture(record: logging.LogRecord) -> bool:
        line = record.args[0] if isinstance(record.args, tuple) and record.args else None
        report.add((), "cannot parse this line; ignored", line)  # type: ignore[arg-type]
        return False  # keep it off stderr

    logger = logging.getLogger("dotenv.main")
    logger.addFilter(capture)
    try:
        return dotenv_values(stream=io.StringIO(report.text)), report
    finally:
        logger.removeFilter(capture)


def _env_layer(values: Mapping[str, str | None], report: _Report) -> _Layer:
    layer = _Layer()
    for var, name in _ENV_FIELDS.items():
        if value := (values.get(var) or "").strip():
            _put(layer.fields, name, value, report, (var,))
    for var, provider in _ENV_API_KEYS.items():
        if value := (values.get(var) or "").strip():
            layer.api_keys[provider] = value
    return layer


def _flag_layer(flags: Mapping[str, Any]) -> _Layer:
    layer = _Layer()
    for name in _STR_FIELDS + ("data_dir",):
        if (value := flags.get(name)) is not None:
            if error := _check(str(value) if isinstance(value, Path) else value, name):
                raise ValueError(f"invalid {name}: {error}")
            layer.fields[name] = value
    if (conversation := flags.get("conversation")) is not None:
        if error := _check(conversation):
            raise ValueError(f"invalid conversation: {error}")
        if flags.get("continue_last"):
            raise ValueError("--conversation and --continue cannot be used together")
    return layer


def _put(target: dict[str, Any], name: str, value: Any, report: _Report,
         where: tuple[str, ...], kind: str | None = None) -> None:
    """Store a valid value under `name`, or report why not (at `where`)."""
    if error := _check(value, name if kind is None else kind):
        report.add(where, error)
    else:
        target[name] = value


def _check(value: Any, kind: str = "") -> str | None:
    """What is wrong with `value` (never quoting it unless it is an enum), or None."""
    if not isinstance(value, str):
        return f"expected a string, got {_type_name(value)}"
    if not value.strip():
        return "must not be empty"
    choices = _ENUMS.get(kind)
    if choices and value not in choices:
        return f"{value!r} is not one of: {', '.join(choices)}"
    if kind.startswith("base_url") and urlsplit(value).scheme not in ("http", "https"):
        return "expected an http:// or https:// URL"
    return None


def _unknown(key: str, allowed: tuple[str, ...]) -> str:
    from difflib import get_close_matches

    if close := get_close_matches(key, allowed, n=1):
        return f"unknown key (did you mean {close[0]!r}?)"
    return f"unknown key; expected one of: {', '.join(allowed)}"


def _type_name(value: Any) -> str:
    return _TYPE_NAMES.get(type(value), type(value).__name__)


def _dir(value: str | Path | None, cwd: Path, kind: str) -> Path:
    """`value` relative to `cwd`, or the platform's user config/data dir."""
    if value:
        return cwd / Path(value).expanduser()
    return Path(getattr(platformdirs, f"user_{kind}_dir")("chattui", appauthor=False))


def _config_file(flag: str | Path | None, config_dir: Path, cwd: Path) -> Path:
    if flag is None:
        return config_dir / "config.toml"
    if not str(flag).strip() or not (path := cwd / Path(flag).expanduser()).is_file():
        raise ValueError(f"config file not found: {flag}")
    return path


def _base_url(layers: list[_Layer], provider: str) -> str | None:
    family = _BASE_URL_FAMILY.get(provider)
    for layer in reversed(layers):
        if url := layer.fields.get("base_url") or layer.fields.get(f"base_url@{family}"):
            return url
    return None


def _family_url(layers: list[_Layer], provider: str) -> str | None:
    """The base URL set for `provider`'s family only (not the generic `base_url`)."""
    for layer in reversed(layers):
        if url := layer.fields.get(f"base_url@{_BASE_URL_FAMILY[provider]}"):
            return url
    return None


def _is_local(url: str | None) -> bool:
    host = (urlsplit(url).hostname or "") if url else ""
    return host in _LOCAL_HOSTS or host.endswith(".localhost")


def save_theme(config_file: Path, name: str) -> None:
    """Set `theme = "<name>"` in config.toml, leaving every other line exactly as it was
    (the file is created if need be). ValueError, and nothing written, when the file is not
    valid TOML before or after; OSError when it cannot be written."""
    from chattui.core.export import write_atomic

    config_file = Path(config_file)
    text = config_file.read_text(encoding="utf-8") if config_file.is_file() else ""
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{config_file} is not valid TOML ({exc}); theme not saved") from None
    lines = text.splitlines(keepends=True)
    first_table = next((i for i, line in enumerate(lines) if line.lstrip().startswith("[")),
                       len(lines))
    setting = f"theme = {_toml_string(name)}\n"
    found = next((i for i in range(first_table) if re.match(r"\s*theme\s*=", lines[i])), None)
    if found is not None:
        lines[found] = setting
    else:  # after the last top-level key (top-level keys must come before any table)
        keys = [i for i in range(first_table) if re.match(r"\s*[\w\"'-]+\s*=", lines[i])]
        at = keys[-1] + 1 if keys else 0
        if at and not lines[at - 1].endswith("\n"):
            lines[at - 1] += "\n"
        lines.insert(at, setting)
    result = "".join(lines)
    if tomllib.loads(result).get("theme") != name:  # a file this reading got wrong
        raise ValueError(f"could not set the theme in {config_file}; nothing written")
    config_file.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(config_file, result)


def _toml_string(text: str) -> str:
    """`text` as a TOML basic string (JSON's escapes are TOML's)."""
    import json

    return json.dumps(text)

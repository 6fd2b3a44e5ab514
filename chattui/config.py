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
file and line. Bad flag values raise `ValueError`. Each source is read by
chattui.config_sources; this module merges them.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Mapping
from urllib.parse import urlsplit

import platformdirs

from chattui.config_sources import (
    ENUMS, ENV_API_KEYS, ENV_FIELDS, STR_FIELDS, ConfigProblem, Layer, PriceOverride, Report, check,
    env_layer, flag_layer, is_http_url, read_dotenv, read_toml,
)

if TYPE_CHECKING:
    from chattui.core.capabilities import Abilities

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DEFAULT_MODELS = {"openai": "gpt-4.1-mini", "openai-compatible": "gpt-4.1-mini",
                  "anthropic": "claude-sonnet-5", "gemini": "gemini-2.5-flash"}
KEY_ENV_VARS = {"openai": "OPENAI_API_KEY", "openai-compatible": "OPENAI_API_KEY",
                "anthropic": "ANTHROPIC_API_KEY", "gemini": "GEMINI_API_KEY"}
ENVIRONMENT = Path("<environment>")  # ConfigProblem.path for a bad environment variable
_BASE_URL_FAMILY = {"openai": "openai", "openai-compatible": "openai", "anthropic": "anthropic"}
_LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1", "0.0.0.0")


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
        for name in ENUMS:
            if name == "reasoning" and self.reasoning is None:
                continue
            if error := check(getattr(self, name), name):
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
    command_line = flag_layer(flags)
    local, trusted, trust_store = _local_trust(environ, cwd)
    cwd_env, cwd_report = read_dotenv(cwd / ".env")
    local_changes = _local_changes(cwd_env, environ) if local else ()
    secrets: list[str] = []  # every key value seen, used or not: what to redact
    if not trusted:
        secrets = [v for var in ENV_API_KEYS if (v := (cwd_env.get(var) or "").strip())]
        cwd_env, cwd_report = {}, Report(cwd / ".env")
    config_dir = _dir(environ.get("CHATTUI_CONFIG_DIR") or cwd_env.get("CHATTUI_CONFIG_DIR"),
                      cwd, "config")
    config_file = _config_file(flags.get("config"), config_dir, cwd)
    toml_layer, toml_report = read_toml(config_file)
    dir_env, dir_report = read_dotenv(config_dir / ".env", same_as=cwd / ".env")
    env_report = Report(ENVIRONMENT)
    layers = [toml_layer, env_layer(dir_env, dir_report), env_layer(cwd_env, cwd_report),
              env_layer(environ, env_report), command_line]
    merged, api_keys = {}, {}
    for layer in layers:
        merged.update(layer.fields)
        api_keys.update(layer.api_keys)
        secrets += layer.api_keys.values()
    return Settings(
        **{name: merged[name] for name in STR_FIELDS if name in merged and name != "base_url"},
        base_url=_base_url(layers, merged.get("provider", "openai")),
        data_dir=_dir(merged.get("data_dir"), cwd, "data"),
        config_dir=config_dir, config_file=config_file,
        conversation=flags.get("conversation"),
        continue_last=bool(flags.get("continue_last")), emulator=bool(flags.get("emulator")),
        keys=toml_layer.keys, prices=toml_layer.prices, keep_warm=toml_layer.keep_warm,
        provider_urls={p: url for p in _BASE_URL_FAMILY if (url := _family_url(layers, p))},
        mcp_servers=toml_layer.mcp_servers, models=toml_layer.models,
        api_keys=api_keys, secrets=tuple(dict.fromkeys(secrets)),
        flags={k: v for k, v in command_line.fields.items() if k != "data_dir"},
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
        if var in ENV_API_KEYS:
            changes.append(f"{var} (replaces yours)" if environ.get(var) else f"{var} (its own key)")
        elif var.endswith("BASE_URL"):
            if var in ENV_FIELDS:
                host = urlsplit(value).hostname if is_http_url(value) else "(not a URL)"
                changes.append(f"{var} → {host}")
        elif var in ENV_FIELDS or var == "CHATTUI_CONFIG_DIR":
            changes.append(f"{var}={value}")
    return tuple(changes)


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


def _base_url(layers: list[Layer], provider: str) -> str | None:
    family = _BASE_URL_FAMILY.get(provider)
    for layer in reversed(layers):
        if url := layer.fields.get("base_url") or layer.fields.get(f"base_url@{family}"):
            return url
    return None


def _family_url(layers: list[Layer], provider: str) -> str | None:
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

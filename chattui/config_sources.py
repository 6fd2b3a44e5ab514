"""One source of settings read into a layer, with what is wrong in it: `config.toml`
(`read_toml`), a `.env` file (`read_dotenv`), the environment (`env_layer`) and the
command line's flags (`flag_layer`). chattui.config merges the layers into Settings.

A mistake in a file never stops the app: a TOML syntax error drops that whole file, a bad
key or value drops just that key, and each becomes a problem of its `Report`, with its
file and line. Bad flag values raise `ValueError`. Messages never quote a value that may be
a secret.
"""

from __future__ import annotations

import io
import math
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping
from urllib.parse import urlsplit

from chattui.core.provider_ids import PROVIDERS
from chattui.toml_lines import FileProblem, key_lines

if TYPE_CHECKING:
    from chattui.core.capabilities import Abilities

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

MODES = ("full", "chained")
IMAGE_DETAILS = ("auto", "low", "high", "original")
"""`detail` recorded on attached images (chattui.core.attachments.DETAILS)."""
REASONING_LEVELS = ("off", "low", "medium", "high")
"""`reasoning` (chattui.core.reasoning.LEVELS)."""
ENUMS = {"provider": PROVIDERS, "mode": MODES, "image_detail": IMAGE_DETAILS,
         "reasoning": REASONING_LEVELS}
STR_FIELDS = ("provider", "model", "base_url", "persona", "mode", "theme", "image_detail",
              "reasoning")
_TOP_KEYS = STR_FIELDS + ("api_keys", "keys", "prices", "endpoints", "keep_warm",
                          "mcp_servers", "models")
_KEEP_WARM_FIELDS = {"enabled": bool, "max_pings": int}
_MODEL_FIELDS = ("images", "tools")
_PRICE_FIELDS = ("input", "output", "cache_read", "cache_write", "cache_write_1h", "cache_storage")
ENV_FIELDS = {"CHATTUI_PROVIDER": "provider", "CHATTUI_MODEL": "model",
              "CHATTUI_PERSONA": "persona", "CHATTUI_MODE": "mode", "CHATTUI_THEME": "theme",
              "CHATTUI_BASE_URL": "base_url", "CHATTUI_DATA_DIR": "data_dir",
              "CHATTUI_IMAGE_DETAIL": "image_detail", "CHATTUI_REASONING": "reasoning",
              "OPENAI_BASE_URL": "base_url@openai", "ANTHROPIC_BASE_URL": "base_url@anthropic"}
ENV_API_KEYS = {"OPENAI_API_KEY": "openai", "ANTHROPIC_API_KEY": "anthropic",
                "GEMINI_API_KEY": "gemini"}
_TYPE_NAMES = {bool: "boolean", int: "integer", float: "float", str: "string", dict: "table",
               list: "array"}


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


@dataclass
class Layer:
    """What one source sets: its valid fields (`base_url@openai` for a provider family's
    URL), API keys, and what only `config.toml` has."""

    fields: dict[str, Any] = field(default_factory=dict)
    api_keys: dict[str, str] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)
    prices: dict[str, PriceOverride] = field(default_factory=dict)
    keep_warm: dict[str, Any] = field(default_factory=dict)
    mcp_servers: dict[str, Any] = field(default_factory=dict)
    models: dict[str, Abilities] = field(default_factory=dict)


@dataclass
class Report:
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


def read_toml(path: Path) -> tuple[Layer, Report]:
    """`config.toml`: every key checked; a bad one is dropped and reported."""
    report = Report(path, toml=True)
    if not report.read():
        return Layer(), report
    try:
        data = tomllib.loads(report.text)
    except tomllib.TOMLDecodeError as exc:
        line = re.search(r"at line (\d+)", str(exc))
        message = re.sub(r"\s*\(at line \d+, column (\d+)\)", r" at column \1", str(exc))
        last = len(report.text.splitlines()) or None  # "(at end of document)"
        report.add((), f"invalid TOML, file ignored: {message}", int(line[1]) if line else last)
        return Layer(), report
    layer = Layer()
    for name, value in data.items():
        if name in STR_FIELDS:
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


def _table(report: Report, where: tuple[str, ...], value: Any) -> dict[str, Any] | None:
    if isinstance(value, dict):
        return value
    report.add(where, f"expected a table, got {_type_name(value)}")
    return None


def _string_table(report: Report, name: str, value: Any,
                  allowed: tuple[str, ...] | None) -> dict[str, str]:
    """A table of strings; messages name the key, never the value (it may be a secret)."""
    result: dict[str, str] = {}
    for key, item in (_table(report, (name,), value) or {}).items():
        if allowed and key not in allowed:
            report.add((name, key), _unknown(key, allowed))
        else:
            _put(result, key, item, report, (name, key), kind="")
    return result


def _prices(report: Report, value: Any) -> dict[str, PriceOverride]:
    tables = _table(report, ("prices",), value) or {}
    return {model: price for model, table in tables.items()
            if (price := _price(report, ("prices", model), table))}


def _endpoints(report: Report, value: Any) -> dict[str, PriceOverride]:
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


def _price(report: Report, where: tuple[str, ...], value: Any) -> PriceOverride | None:
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


def _models(report: Report, value: Any) -> dict[str, Abilities]:
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


def _keep_warm(report: Report, value: Any) -> dict[str, Any]:
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


def read_dotenv(path: Path, same_as: Path | None = None
                 ) -> tuple[dict[str, str | None], Report]:
    """dotenv_values() of a file; its "could not parse" log records become problems."""
    report = Report(path)
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


def env_layer(values: Mapping[str, str | None], report: Report) -> Layer:
    """The variables chattui reads (ENV_FIELDS, ENV_API_KEYS), from the environment or a
    `.env` file's values; empty ones are unset."""
    layer = Layer()
    for var, name in ENV_FIELDS.items():
        if value := (values.get(var) or "").strip():
            _put(layer.fields, name, value, report, (var,))
    for var, provider in ENV_API_KEYS.items():
        if value := (values.get(var) or "").strip():
            layer.api_keys[provider] = value
    return layer


def flag_layer(flags: Mapping[str, Any]) -> Layer:
    """The command line's flags; a bad value raises ValueError (the command line says so)."""
    layer = Layer()
    for name in STR_FIELDS + ("data_dir",):
        if (value := flags.get(name)) is not None:
            if error := check(str(value) if isinstance(value, Path) else value, name):
                raise ValueError(f"invalid {name}: {error}")
            layer.fields[name] = value
    if (conversation := flags.get("conversation")) is not None:
        if error := check(conversation):
            raise ValueError(f"invalid conversation: {error}")
        if flags.get("continue_last"):
            raise ValueError("--conversation and --continue cannot be used together")
    return layer


def _put(target: dict[str, Any], name: str, value: Any, report: Report,
         where: tuple[str, ...], kind: str | None = None) -> None:
    """Store a valid value under `name`, or report why not (at `where`)."""
    if error := check(value, name if kind is None else kind):
        report.add(where, error)
    else:
        target[name] = value


def check(value: Any, kind: str = "") -> str | None:
    """What is wrong with `value` (never quoting it unless it is an enum), or None."""
    if not isinstance(value, str):
        return f"expected a string, got {_type_name(value)}"
    if not value.strip():
        return "must not be empty"
    choices = ENUMS.get(kind)
    if choices and value not in choices:
        return f"{value!r} is not one of: {', '.join(choices)}"
    if kind.startswith("base_url") and not is_http_url(value):
        return "expected an http:// or https:// URL"
    return None


def is_http_url(value: str) -> bool:
    """An http(s) URL with a host, that parses: urlsplit raises ValueError on `http://[x`,
    and its `port` on `http://host:port/`."""
    try:
        parts = urlsplit(value.strip())
        parts.port  # noqa: B018 - parsed here, or raises
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _unknown(key: str, allowed: tuple[str, ...]) -> str:
    from difflib import get_close_matches

    if close := get_close_matches(key, allowed, n=1):
        return f"unknown key (did you mean {close[0]!r}?)"
    return f"unknown key; expected one of: {', '.join(allowed)}"


def _type_name(value: Any) -> str:
    return _TYPE_NAMES.get(type(value), type(value).__name__)

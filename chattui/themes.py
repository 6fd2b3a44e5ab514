"""Themes are data: small TOML files mapped onto `textual.theme.Theme`.

```toml
name = "my-theme"        # optional: the file name without .toml
dark = true              # optional, default true

[colors]                 # primary is required; Textual derives the ones left out
primary = "#4EA1F3"
secondary = "#8C92E8"
accent = "#F5A524"
foreground = "#E3E6EA"
background = "#15181C"
surface = "#1D2126"
panel = "#262C34"
warning = "#E5B73B"
error = "#EF5F57"
success = "#5FB36A"

[variables]              # optional: any Textual theme variable
"footer-key-foreground" = "#F5A524"
```

chattui ships three (`themes/` in the repository; `chattui/themes_data/` in the installed
package: the same files, a test keeps them equal). Users add their own in
`<config dir>/themes/*.toml`; a user theme with a shipped theme's name replaces it. A file
with a mistake is skipped and reported (`ThemeSet.problems`, with the file and the reason);
it never stops the app. No Textual app is needed to load themes.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from textual.color import Color, ColorParseError
from textual.css.stylesheet import Stylesheet
from textual.theme import Theme

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

PACKAGE_DIR = Path(__file__).resolve().parent / "themes_data"
"""The shipped themes as installed with the package."""
REPO_DIR = Path(__file__).resolve().parent.parent / "themes"
"""The shipped themes in a checkout (the copies users are pointed at)."""
COLOR_KEYS = ("primary", "secondary", "accent", "foreground", "background", "surface", "panel",
              "boost", "warning", "error", "success")
_TOP_KEYS = ("name", "dark", "colors", "variables")
_THEME_NAME = re.compile(r"[\w.-]+")
"""A theme's name is a key (config.toml's `theme`), listed by Textual's palette as markup."""


class ThemeError(ValueError):
    """Why a theme file cannot be used."""


@dataclass(frozen=True)
class ThemeProblem:
    path: Path
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass
class ThemeSet:
    themes: dict[str, Theme] = field(default_factory=dict)
    """Name → theme, shipped ones first, then the user's."""
    sources: dict[str, Path] = field(default_factory=dict)
    """Name → the file it came from."""
    problems: list[ThemeProblem] = field(default_factory=list)
    """Files that were not loaded, and why."""


def shipped_dir() -> Path:
    """Where the shipped theme files are: the package's copy, else the checkout's."""
    return PACKAGE_DIR if PACKAGE_DIR.is_dir() else REPO_DIR


def load_themes(config_dir: Path | None = None) -> ThemeSet:
    """The shipped themes plus `<config_dir>/themes/*.toml`; broken files are reported."""
    found = ThemeSet()
    folders = [shipped_dir()] + ([Path(config_dir) / "themes"] if config_dir else [])
    for folder in folders:
        for path in sorted(folder.glob("*.toml")) if folder.is_dir() else ():
            try:
                theme = load_theme(path)
            except ThemeError as exc:
                found.problems.append(ThemeProblem(path, str(exc)))
                continue
            found.themes[theme.name] = theme
            found.sources[theme.name] = path
    return found


def load_theme(path: Path) -> Theme:
    """One theme file as a Theme; ThemeError says what is wrong with it."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ThemeError(f"cannot read the file: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ThemeError(f"invalid TOML: {exc}") from None
    return theme_from_data(data, default_name=Path(path).stem)


def theme_from_data(data: dict[str, Any], default_name: str) -> Theme:
    errors = [f"unknown key '{key}' (expected one of: {', '.join(_TOP_KEYS)})"
              for key in data if key not in _TOP_KEYS]
    name = data.get("name", default_name)
    if not isinstance(name, str) or not _THEME_NAME.fullmatch(name):
        errors.append("name: expected a non-empty string without spaces, of letters, digits, "
                      f"'-', '_' or '.'; got {name!r}")
    dark = data.get("dark", True)
    if not isinstance(dark, bool):
        errors.append("dark: expected true or false")
    colors = _string_table(data, "colors", errors)
    for key, value in colors.items():
        if key not in COLOR_KEYS:
            errors.append(f"colors.{key}: unknown colour (expected one of: {', '.join(COLOR_KEYS)})")
        else:
            _check_colour(f"colors.{key}", value, errors)
    if "primary" not in colors:
        errors.append("colors.primary is required")
    variables = _string_table(data, "variables", errors)
    if errors:
        raise ThemeError("; ".join(errors))
    theme = Theme(name=name, dark=dark, variables=variables,
                  **{key: value for key, value in colors.items()})  # type: ignore[arg-type]  # only COLOR_KEYS (checked above), never a bool/float keyword
    try:
        theme.to_color_system().generate()
    except Exception as exc:  # noqa: BLE001 - whatever Textual rejects, report it
        raise ThemeError(f"Textual cannot use it: {exc}") from None
    if problems := [problem for name, value in variables.items()
                    if (problem := _variable_problem(name, value))]:
        raise ThemeError("; ".join(problems))
    return theme


def _variable_problem(name: str, value: str) -> str | None:
    """What Textual's CSS makes of `$name` where it is used (`text-style:`, `link-style:`,
    else `color:`, by its name): a value it rejects crashed the app once the theme was
    applied, at start or from the palette, even mid-reply. (A value cannot name another
    variable: Textual refuses that too.)"""
    rule = ("text-style" if name.endswith("text-style")
            else "link-style" if name.startswith("link-style") else "color")
    sheet = Stylesheet(variables={name: value})
    sheet.add_source(f"Screen {{ {rule}: ${name}; }}", read_from=("theme", name))
    try:
        sheet.parse()
    except Exception:  # noqa: BLE001 - a parse error or a token error: Textual refuses it
        return f"variables.{name}: {value!r} is not a {rule} value Textual takes"
    return None


def _string_table(data: dict[str, Any], key: str, errors: list[str]) -> dict[str, str]:
    table = data.get(key, {})
    if not isinstance(table, dict):
        errors.append(f"{key}: expected a table")
        return {}
    result = {}
    for name, value in table.items():
        if isinstance(value, str):
            result[name] = value
        else:
            errors.append(f"{key}.{name}: expected a string")
    return result


def _check_colour(where: str, value: str, errors: list[str]) -> None:
    try:
        Color.parse(value)
    except ColorParseError:
        errors.append(f"{where}: {value!r} is not a colour")


def html_colours(app) -> dict[str, str]:
    """The running app's theme as the colours an HTML export takes (see core.export)."""
    variables = app.get_css_variables()
    background = Color.parse(variables["background"])
    foreground = Color.parse(variables["foreground"])
    return {
        "background": background.hex, "foreground": foreground.hex,
        "primary": Color.parse(variables["primary"]).hex,
        "accent": Color.parse(variables["accent"]).hex,
        "error": Color.parse(variables["error"]).hex,
        "muted": foreground.blend(background, 0.4).hex,
    }

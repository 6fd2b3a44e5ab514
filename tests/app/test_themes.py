"""Themes: the shipped files, user files, broken files reported (not fatal), the choice
remembered across runs."""

from __future__ import annotations

import tomllib

import pytest

from chattui import themes
from chattui.config import save_theme
from chattui.screens.main import MainScreen
from chattui.themes import ThemeError, load_theme, load_themes
from tests.app.pilot import palette_has_results, palette_options, wait_until

SHIPPED = {"chattui-dark", "chattui-light", "solarized-ish"}


def test_the_repository_themes_are_the_packaged_ones():
    repo = {p.name: p.read_bytes() for p in themes.REPO_DIR.glob("*.toml")}
    package = {p.name: p.read_bytes() for p in themes.PACKAGE_DIR.glob("*.toml")}
    assert repo == package and len(repo) == 3


def test_shipped_themes_load_with_their_colours():
    found = load_themes()
    assert set(found.themes) == SHIPPED and found.problems == []
    light = found.themes["chattui-light"]
    assert light.dark is False and light.background == "#FAFAF7" and light.primary == "#0B5FB8"
    assert found.themes["solarized-ish"].variables == {"footer-key-foreground": "#2AA198"}


@pytest.mark.parametrize("text, reason", [
    ('name = "x"\n[colors]\nprimary = "#12345"\n', "colors.primary: '#12345' is not a colour"),
    ('name = "x"\n[colors]\nbackground = "#000000"\n', "colors.primary is required"),
    ('name = "x"\ndark = "yes"\n[colors]\nprimary = "red"\n', "dark: expected true or false"),
    ('name = "x"\ncolours = {}\n[colors]\nprimary = "red"\n', "unknown key 'colours'"),
    ('name = "x"\n[colors]\nprimary = "red"\nshadow = "blue"\n', "colors.shadow: unknown colour"),
    ('name = "two words"\n[colors]\nprimary = "red"\n', "name: expected a non-empty string"),
    ('name = "x"\n[colors\nprimary = "red"\n', "invalid TOML"),
    ('name = "x"\n[colors]\nprimary = "red"\n[variables]\n"footer-key-foreground" = "orange-ish"\n',
     "variables.footer-key-foreground: 'orange-ish' is not a color value Textual takes"),
    ('name = "x"\n[colors]\nprimary = "red"\n[variables]\n"markdown-h1-text-style" = "[b]x[/]"\n',
     "variables.markdown-h1-text-style: '[b]x[/]' is not a text-style value Textual takes"),
    ('name = "x"\n[colors]\nprimary = "red"\n[variables]\nbackground = "\\u001b[31m"\n',
     "variables.background: '\\x1b[31m' is not a color value Textual takes"),
])
def test_a_broken_theme_file_says_why(tmp_path, text, reason):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ThemeError) as caught:
        load_theme(path)
    assert reason in str(caught.value)


def test_a_theme_without_a_name_is_named_after_its_file(tmp_path):
    path = tmp_path / "plain.toml"
    path.write_text('[colors]\nprimary = "#336699"\n')
    assert load_theme(path).name == "plain"


def test_save_theme_changes_one_line_and_keeps_the_rest(tmp_path):
    config = tmp_path / "config.toml"
    original = ('# my settings\nprovider = "openai"  # the default\ntheme = "textual-dark"\n\n'
                '[keys]\nretry-turn = "f11"\n')
    config.write_text(original)
    save_theme(config, "solarized-ish")
    assert config.read_text() == original.replace('"textual-dark"', '"solarized-ish"')
    fresh = tmp_path / "new" / "config.toml"
    save_theme(fresh, "chattui-light")
    assert tomllib.loads(fresh.read_text()) == {"theme": "chattui-light"}
    config.write_text('provider = "openai"\n\n[keys]\nstop-reply = "escape"\n')
    save_theme(config, "x")
    assert tomllib.loads(config.read_text()) == {
        "provider": "openai", "theme": "x", "keys": {"stop-reply": "escape"}}
    config.write_text("provider = \n")
    with pytest.raises(ValueError, match="not valid TOML"):
        save_theme(config, "x")
    assert config.read_text() == "provider = \n"


async def test_broken_theme_files_are_reported_and_the_app_starts(app_for, tmp_path):
    folder = tmp_path / "config" / "themes"
    folder.mkdir(parents=True)
    (folder / "oops.toml").write_text('name = "oops"\n[colors]\nprimary = "not-a-colour"\n')
    (folder / "syntax.toml").write_text('name = "syntax\n')
    (folder / "mine.toml").write_text('name = "mine"\ndark = false\n[colors]\nprimary = "#884400"\n'
                                      '[variables]\n"link-style-hover" = "bold not underline"\n')
    (folder / "vars.toml").write_text('name = "vars"\n[colors]\nprimary = "red"\n'
                                      '[variables]\n"footer-key-foreground" = "orange-ish"\n')
    app = app_for(theme="mine")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        assert app.theme == "mine" and app.current_theme.dark is False
        assert SHIPPED <= set(app.available_themes)
        reported = {n.message for n in app._notifications if n.title == "Theme file not loaded"}
        assert any(str(folder / "oops.toml") in m and "'not-a-colour' is not a colour" in m
                   for m in reported)
        assert any(str(folder / "syntax.toml") in m and "invalid TOML" in m for m in reported)
        assert any(str(folder / "vars.toml") in m and "'orange-ish' is not a color value" in m
                   for m in reported)  # it crashed the app (StylesheetParseError) once applied
        assert len(reported) == 3 and "vars" not in app.available_themes


async def test_a_theme_picked_in_the_palette_is_remembered_across_runs(app_for, tmp_path):
    config = tmp_path / "config" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('# mine\n[keys]\nretry-turn = "f11"\n')
    app = app_for()
    async with app.run_test(size=(100, 30)) as pilot:
        assert app.theme == "textual-dark"
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"theme")
        assert await wait_until(pilot, lambda: palette_has_results(app))
        await pilot.press("enter")  # Textual's "Theme" command lists chattui's themes too
        assert await wait_until(pilot, lambda: any("solarized-ish" in o for o in palette_options(app)))
        await pilot.press(*"solarized-ish")
        assert await wait_until(pilot, lambda: palette_options(app)[:1] == ["solarized-ish"])
        await pilot.press("enter")
        await pilot.pause()
        assert app.theme == "solarized-ish"
        assert isinstance(app.screen, MainScreen)
    assert tomllib.loads(config.read_text()) == {"theme": "solarized-ish", "keys": {"retry-turn": "f11"}}
    assert config.read_text().startswith('theme = "solarized-ish"\n# mine\n')

    again = app_for()
    async with again.run_test(size=(100, 30)) as pilot:
        assert again.theme == "solarized-ish"
        assert again.get_css_variables()["background"].upper() == "#002B36"


async def test_an_unknown_theme_is_said_and_the_default_used(app_for):
    app = app_for(theme="no-such-theme")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.theme == "textual-dark"
        assert any("No theme named 'no-such-theme'" in n for n in app.notices)

"""Explicit-cache records: TTL text, storage rates (table and config override), and the
line the CLI and the caches screen show."""

from __future__ import annotations

import time

import pytest

from chattui.config import load_settings
from chattui.core.explicit_cache import CacheInfo, describe, parse_ttl, span, storage_rate
from chattui.providers.gemini_cache import gemini_root


@pytest.mark.parametrize("text, seconds", [
    ("30m", 1800), ("1h", 3600), ("3600s", 3600), ("90", 90), ("1h30m", 5400), ("1.5h", 5400),
    ("2d", 172800), (" 45 S ", 45),
])
def test_ttl_text(text, seconds):
    assert parse_ttl(text) == seconds


@pytest.mark.parametrize("text", ["", "soon", "1x", "-5m", "0s", "1h soon"])
def test_bad_ttl_text_says_what_to_write(text):
    with pytest.raises(ValueError, match="duration|at least one second"):
        parse_ttl(text)


def test_storage_rates_by_model_class():
    assert storage_rate("gemini-2.5-flash") == storage_rate("models/gemini-2.5-flash-lite") == 1.00
    assert storage_rate("gemini-2.5-pro") == storage_rate("gemini-3-pro-preview") == 4.50
    assert storage_rate("gemini-3.7-flash") == 0.50
    assert storage_rate("gemini-9-ultra") is None  # unknown: no estimate, never $0


def test_the_line_shows_tokens_expiry_and_storage_cost():
    now = time.mktime((2026, 11, 20, 13, 13, 0, 0, 0, -1))
    info = CacheInfo("cachedContents/abc", "gemini-2.5-flash", tokens=48_213, expires=now + 52 * 60)
    assert describe(info, 1.00, now) == (
        "48,213 tok · expires 14:05 (in 52 min) · storage ≈ $0.05/h, $0.04 until expiry")
    gone = CacheInfo("cachedContents/abc", "gemini-2.5-flash", tokens=1_500, expires=now - 180)
    assert describe(gone, 1.00, now) == "1,500 tok · expired 13:10 (3 min ago) · storage ≈ $0.0015/h"
    assert describe(info, None, now).endswith("· storage ?")


def test_spans():
    assert [span(s) for s in (40, 52 * 60, 3900, 7199.6, 2 * 86400 + 3 * 3600)] == [
        "40 s", "52 min", "1 h 05 min", "2 h 00 min", "2 d 3 h"]


def test_a_config_price_overrides_the_storage_rate(tmp_path):
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "config.toml").write_text(
        '[prices."gemini-2.5-flash"]\ninput = 0.3\noutput = 2.5\ncache_storage = 2.0\n')
    settings = load_settings({"data_dir": str(tmp_path / "d")},
                             environ={"CHATTUI_CONFIG_DIR": str(tmp_path / "config")}, cwd=tmp_path)
    assert settings.problems == ()
    assert storage_rate("gemini-2.5-flash", settings.prices) == 2.0
    assert storage_rate("gemini-2.5-pro", settings.prices) == 4.50


@pytest.mark.parametrize("base_url, root", [
    (None, "https://generativelanguage.googleapis.com"),
    ("https://generativelanguage.googleapis.com/v1beta/openai/", "https://generativelanguage.googleapis.com"),
    ("http://127.0.0.1:8089/v1beta/openai", "http://127.0.0.1:8089"),
    ("http://127.0.0.1:8089", "http://127.0.0.1:8089"),
])
def test_the_cache_api_root_comes_from_the_chat_base_url(base_url, root):
    assert gemini_root(base_url) == root

"""Start-up stays near a bare Textual app: what the first frame does not show is imported
after it (the SDKs, Markdown, markdown-it, jsonschema, the price data, the tokenizer, MCP).
Checked on what a fresh interpreter has imported, not on time (bench/startup.py and
bench/e2e_tmux.py --only launch time it)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

DEFERRED = (
    "openai", "anthropic", "google.genai", "httpx", "mcp", "tiktoken", "genai_prices",
    "jsonschema", "markdown_it", "pygments", "textual.widgets._markdown",
    "chattui.widgets.compact_markdown", "chattui.widgets.reply_stream", "chattui.widgets.lazy_chunks",
    "chattui.core.export",
)
"""Modules the first frame of a new conversation does without (~0.5 s of imports here)."""

_CHILD = """
import asyncio, json, sys
DEFERRED = {deferred!r}
loaded = lambda: sorted(m for m in DEFERRED if m in sys.modules)
import chattui.app
found = {{"import": loaded()}}

from chattui.config import load_settings
from chattui.screens.main import MainScreen
from chattui.widgets.chat_log import ChatLog
from chattui.widgets.composer import Composer

async def first_frame(screen):
    found["first frame"] = loaded()
    composer = screen.query_one(Composer)
    found["composer"] = [composer.display, composer.has_focus, str(composer.border_title)]

MainScreen._after_first_frame = first_frame  # instead of the warm-up that follows it

async def main():
    app = chattui.app.make_app(load_settings({{"base_url": "http://127.0.0.1:9/v1"}}))
    app.TUNE_GC = False
    async with app.run_test(size=(120, 40)) as pilot:
        while "first frame" not in found:
            await pilot.pause(0.01)
        await pilot.resize_terminal(80, 24)  # what a terminal does before a first frame, too
        app.screen.query_one(ChatLog).scroll_y = 1
        await pilot.pause()
        found["resized"] = loaded()

asyncio.run(main())
print(json.dumps(found))
"""


def _first_frame(tmp_path, **variables: str) -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("CHATTUI_", "OPENAI_", "ANTHROPIC_", "GEMINI_", "TIKTOKEN_"))}
    env.update(CHATTUI_DATA_DIR=str(tmp_path / "data"), CHATTUI_CONFIG_DIR=str(tmp_path / "config"),
               OPENAI_API_KEY="sk-test-0000000000000000")
    env.update(variables or {"CHATTUI_TOKENIZER": "approx"})
    done = subprocess.run([sys.executable, "-c", _CHILD.format(deferred=DEFERRED)], env=env,
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_first_frame_imports_no_sdk_markdown_or_schema_checker(tmp_path):
    found = _first_frame(tmp_path)
    assert found["import"] == []
    assert found["first frame"] == []
    assert found["resized"] == []  # the log's scroll watcher imports no Markdown either
    assert found["composer"] == [True, True, "Message"]  # the frame had what the user needs


def test_a_tokenizer_cached_on_disk_is_not_loaded_for_the_first_frame(tmp_path):
    """Counting the personas' tokens loaded tiktoken from its cache (~0.5 s) on the UI thread
    before the first frame; the warm-up thread loads it after. (A stand-in file: what counts
    is that nothing tries to load it.)"""
    from chattui.core import tokens

    cache = tmp_path / "tiktoken"
    cache.mkdir()
    (cache / tokens._cache_file().name).write_text("stand-in")
    found = _first_frame(tmp_path, TIKTOKEN_CACHE_DIR=str(cache))
    assert found["first frame"] == [] and found["resized"] == []
    assert found["composer"] == [True, True, "Message"]

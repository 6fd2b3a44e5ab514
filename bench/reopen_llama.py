"""Benchmark: does a reopened conversation still hit a real server's prefix cache?

llama.cpp's llama-server (built by `.ci/llama-server`) serves SmolLM2-135M on a free loopback
port, fresh per run (a cold cache). chattui (the real app, `make_app(...).run_test()`) sends
`--turns` turns with the styleguide persona (~3,000 tokens; `max_tokens` 12 so SmolLM2 stops),
quits, and a new app on the same data dir reopens it with `--continue` (no other flags) and
sends one more. A loopback recorder between them keeps the exact bytes.

Per turn, the server's own figures: `prompt_tokens`, `cached_tokens`, and its prefill time
(`timings.prompt_ms`). Baseline in the same run: turn 1, which prefills the persona cold.
Targets: the turn after the restart has `cached_tokens` covering the persona (counted by the
server's /tokenize) and a system message byte-identical to the turn before the restart.

    .venv/bin/python bench/reopen_llama.py [--turns 3] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from _common import (
    git_state, machine, print_errors_and_path, print_json, ratio, table, target_line, write_results,
)

from tests.real import llama  # noqa: E402  (after _common put the repo on sys.path)
from tests.real.recorder import Recorder  # noqa: E402

QUESTIONS = ("Fix: the the server are started.", "Fix: click on Submit.", "Fix: its done",
             "Fix: data is important.", "Fix: we was testing.")


async def run(turns: int, root: Path) -> dict:
    from chattui.app import make_app
    from chattui.config import load_settings
    from chattui.core.personas import BUILTIN_DIR
    from tests.app.pilot import send, settle

    config, data = root / "config", root / "data"
    (config / "personas").mkdir(parents=True)
    text = (BUILTIN_DIR / "styleguide.md").read_text()
    (config / "personas" / "styleguide.md").write_text(text.replace("[params]\n", "[params]\nmax_tokens = 12\n", 1))
    server = llama.LlamaServer(root / "llama-server.log")
    started = time.monotonic()
    server.wait_ready()
    load_s = time.monotonic() - started
    proxy = Recorder(server.url)

    def app(**flags):
        settings = load_settings({"data_dir": str(data), **flags},
                                 environ={"CHATTUI_CONFIG_DIR": str(config)}, cwd=root)
        return make_app(settings, cwd=root)

    try:
        first = app(provider="openai-compatible", base_url=proxy.url, model=llama.ALIAS, persona="styleguide")
        persona_tokens = server.count_tokens(first.session.persona.system)
        async with first.run_test(size=(120, 40)) as pilot:
            for question in QUESTIONS[:turns]:
                await send(pilot, question)
                await settle(pilot)
        second = app(continue_last=True)
        async with second.run_test(size=(120, 40)) as pilot:
            await send(pilot, QUESTIONS[turns % len(QUESTIONS)])
            await settle(pilot)
    finally:
        proxy.stop()
        server.stop()
    rows = []
    for number, chat in enumerate(proxy.chats(), 1):
        usage = chat.usage
        timings = [e["timings"] for e in chat.events() if e.get("timings")]
        rows.append({"turn": number, "after_restart": number == turns + 1,
                     "prompt_tokens": usage["prompt_tokens"],
                     "cached_tokens": usage["prompt_tokens_details"]["cached_tokens"],
                     "prompt_ms": timings[-1]["prompt_ms"] if timings else None,
                     "system_same_as_turn_1": chat.raw_system() == proxy.chats()[0].raw_system()})
    return {"persona_tokens": persona_tokens, "server_load_s": load_s, "turns": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=3, help="turns before the restart")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if not llama.available():
        print(f"SKIP  {llama.MISSING}")
        return
    errors: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        try:
            result = asyncio.run(run(args.turns, Path(tmp)))
        except Exception as exc:  # noqa: BLE001 - a benchmark reports, it does not crash
            errors.append(f"{type(exc).__name__}: {exc}")
            result = {"persona_tokens": 0, "server_load_s": 0, "turns": []}
    rows = result["turns"]
    after = next((r for r in rows if r["after_restart"]), None)
    cold = rows[0] if rows else None
    targets = {
        "restart_cached_covers_persona": {
            "value": after["cached_tokens"] if after else None,
            "ok": bool(after) and after["cached_tokens"] >= result["persona_tokens"]},
        "restart_system_bytes_identical": {
            "value": after["system_same_as_turn_1"] if after else None,
            "ok": bool(after) and after["system_same_as_turn_1"]},
    }
    speedup = ratio(cold["prompt_ms"], after["prompt_ms"]) if cold and after and after["prompt_ms"] else None
    data = {"benchmark": "reopen_llama", **git_state(), **machine(), **result,
            "prefill_speedup_vs_cold": speedup, "targets": targets}
    path = write_results("reopen_llama", data)
    if args.json:
        print_json(data)
        return
    print(f"persona: {result['persona_tokens']:,} tokens (server's tokenizer); "
          f"server ready in {result['server_load_s']:.1f} s")
    print(table(["turn", "after restart", "prompt", "cached", "prefill ms", "system = turn 1"],
                [[r["turn"], r["after_restart"], r["prompt_tokens"], r["cached_tokens"], r["prompt_ms"],
                  r["system_same_as_turn_1"]] for r in rows]))
    if speedup:
        print(f"prefill after the restart: {speedup:.1f}x faster than the cold turn 1 (baseline)")
    for name, target in targets.items():
        print(target_line(name, target))
    print_errors_and_path(errors, path)


if __name__ == "__main__":
    main()

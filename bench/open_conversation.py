"""Benchmark: open a long stored conversation (`chattui --conversation ID`).

One archive is seeded with `bench/open_conversation_data.py` (the real Store API): a
5,000-message conversation and, as the baseline measured in the same run, a 50-message one.
Every measured run is a fresh child process that does what `chattui --conversation ID`
does, headless: `load_settings` with `conversation=ID`, `make_app`, `app.run_test(size=(120,
40))`. It reports, for the first frame that shows the conversation's latest message (the
last MessageView of the chat log holds the last stored message and lies inside the log's
visible region):

* `launch_s`: from the parent spawning the child (interpreter start, imports included) to
  that frame: what a user waits for. Both processes read the same CLOCK_MONOTONIC
  (`time.perf_counter`), so the child can subtract the parent's spawn time;
* `open_s`: from the `make_app` call (the imports done) to that frame: the part the
  conversation's length can change. The < 0.5 s target applies to this figure;
* `rss_mb`: the peak resident set size up to that frame (`resource.getrusage`
  `ru_maxrss`), and `rss_settled_mb` one second later (anything mounted after the first
  frame counts there). The < 150 MB target applies to `rss_settled_mb`;
* `views`: how many MessageViews are mounted (all of them, or only the latest page when
  the log renders lazily).

A frame is one `App._display` call that draws something (as in bench/stream_render.py).
Bytecode: this machine sets PYTHONDONTWRITEBYTECODE=1 and chattui is installed editable;
like bench/startup.py, every child gets PYTHONPYCACHEPREFIX=bench/results/pycache and one
untimed run per conversation fills it. Runs of the two sizes are interleaved.

Usage: /tmp/venv/bin/python bench/open_conversation.py [--repeat 5] [--messages 5000] [--json]
Always exits 0; prints PASS/MISS per target and writes bench/results/open_conversation.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _common
from _common import machine, median, print_json, ratio, table, verdict, write_results

SIZE = (120, 40)
BASELINE_MESSAGES = 50
TARGET_OPEN_S = 0.5
TARGET_RSS_MB = 150.0
TIMEOUT = 120.0
PYCACHE = _common.RESULTS_DIR / "pycache"


# --------------------------------------------------------------------------- child side


async def child_run(data_dir: Path, conversation_id: str, spawned_at: float) -> dict:
    import asyncio
    import resource

    started = time.perf_counter()
    from chattui.app import make_app
    from chattui.config import load_settings
    from chattui.widgets.chat_log import ChatLog
    from chattui.widgets.message_view import MessageView
    imported = time.perf_counter()

    home = data_dir.parent
    env = {"OPENAI_API_KEY": "sk-bench-0000000000000000", "CHATTUI_TOKENIZER": "approx",
           "CHATTUI_CONFIG_DIR": str(home / "config")}
    flags = {"base_url": "http://127.0.0.1:9/v1", "data_dir": str(data_dir),
             "conversation": conversation_id}
    seen: dict = {}

    def latest_visible(app) -> bool:
        screen = app.screen
        logs = screen.query(ChatLog)
        if not logs:
            return False
        log = logs.first()
        views = [v for v in log.query_children(MessageView) if v.role in ("user", "assistant")]
        if not views or seen.get("last") is None:
            return False
        last = views[-1]  # notices may follow the history
        return (last.text == seen["last"] and last.region.area > 0
                and last.region.overlaps(log.region))

    t0 = time.perf_counter()
    app = make_app(load_settings(flags, environ=env, cwd=home), cwd=home)
    made = time.perf_counter()
    seen["last"] = app.session.messages()[-1].content
    original = app._display

    def display(screen, renderable) -> None:
        original(screen, renderable)
        if renderable is not None and not app._batch_count and "frame" not in seen:
            if latest_visible(app):
                seen["frame"] = time.perf_counter()
                seen["rss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    app._display = display
    async with app.run_test(headless=True, size=SIZE) as pilot:
        deadline = time.perf_counter() + TIMEOUT
        while ("frame" not in seen and time.perf_counter() < deadline
               and getattr(app, "_exception", None) is None):
            await asyncio.sleep(0.005)
        await asyncio.sleep(1.0)
        await pilot.pause()
        settled_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        views = len(app.screen.query(MessageView))
        stored = len(app.session.messages())
        correct = (app.session.conversation is not None
                   and app.session.conversation.id == conversation_id and "frame" in seen)
    frame = seen.get("frame")
    return {
        "launch_s": frame - spawned_at if frame else None,
        "open_s": frame - t0 if frame else None,
        "import_s": imported - started, "make_app_s": made - t0,
        "rss_mb": seen.get("rss", 0) / 1024, "rss_settled_mb": settled_rss / 1024,
        "views": views, "stored_messages": stored, "correct": correct,
    }


def child_main(data_dir: str, conversation_id: str, spawned_at: float) -> None:
    import asyncio
    import faulthandler

    faulthandler.dump_traceback_later(TIMEOUT + 60, exit=True)
    result = asyncio.run(child_run(Path(data_dir), conversation_id, spawned_at))
    print(json.dumps(result), flush=True)


# --------------------------------------------------------------------------- parent side


def seed(folder: Path, messages: int) -> dict[str, str]:
    """One archive with the long conversation and the baseline; name → conversation id."""
    from chattui.store import Store, database_path
    from open_conversation_data import make_conversation

    store = Store(database_path(folder))
    try:
        long = make_conversation(store, messages=messages, seed=7)
        short = make_conversation(store, messages=BASELINE_MESSAGES, seed=11)
    finally:
        store.close()
    return {f"{messages} messages": long.id, f"{BASELINE_MESSAGES} messages": short.id}


def spawn(data_dir: Path, conversation_id: str) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k != "PYTHONDONTWRITEBYTECODE" and not k.startswith(("CHATTUI_", "OPENAI_"))}
    env.update(CHATTUI_TOKENIZER="approx", PYTHONPYCACHEPREFIX=str(PYCACHE))
    spawned_at = time.perf_counter()
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", str(data_dir), conversation_id,
           repr(spawned_at)]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=TIMEOUT + 120)
    except subprocess.TimeoutExpired as exc:
        raise RuntimeError(f"child timed out:\n{(exc.stderr or b'')[-2000:]!r}") from exc
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"child failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return json.loads(lines[-1])


def summarize(runs: list[dict]) -> dict:
    keys = ("launch_s", "open_s", "import_s", "make_app_s", "rss_mb", "rss_settled_mb", "views")
    summary = {key: median([r[key] for r in runs if r[key] is not None]) for key in keys}
    summary.update(correct=all(r["correct"] for r in runs), repeats=len(runs),
                   stored_messages=runs[0]["stored_messages"] if runs else None)
    return summary


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=5, help="runs per conversation (default 5)")
    ap.add_argument("--messages", type=int, default=5000, help="the long conversation's size")
    ap.add_argument("--json", action="store_true", help="print JSON instead of the table")
    ap.add_argument("--child", nargs=3, metavar=("DATA_DIR", "ID", "SPAWNED_AT"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child_main(args.child[0], args.child[1], float(args.child[2]))
        return 0
    say = (lambda line: print(line, file=sys.stderr, flush=True)) if args.json else (
        lambda line: print(line, flush=True))

    PYCACHE.mkdir(parents=True, exist_ok=True)
    runs: dict[str, list[dict]] = {}
    errors: list[str] = []
    with tempfile.TemporaryDirectory(prefix="chattui-open-") as tmp:
        data_dir = Path(tmp) / "data"
        started = time.perf_counter()
        conversations = seed(data_dir, args.messages)
        say(f"seeded {args.messages} + {BASELINE_MESSAGES} messages in {time.perf_counter() - started:.1f}s")
        runs = {name: [] for name in conversations}
        for name, conversation_id in conversations.items():  # untimed: fill the bytecode cache
            try:
                spawn(data_dir, conversation_id)
            except RuntimeError as exc:
                errors.append(f"{name} warm-up: {exc}")
        for i in range(args.repeat):
            for name, conversation_id in conversations.items():
                try:
                    run = spawn(data_dir, conversation_id)
                except RuntimeError as exc:
                    errors.append(f"{name} run {i + 1}: {exc}")
                    say(f"[{i + 1}/{args.repeat}] {name:15s} FAILED: {str(exc).splitlines()[0]}")
                    continue
                runs[name].append(run)
                say(f"[{i + 1}/{args.repeat}] {name:15s} open {run['open_s'] or float('nan'):.3f}s "
                    f"launch {run['launch_s'] or float('nan'):.3f}s rss {run['rss_settled_mb']:.0f} MB "
                    f"views {run['views']}")

    summary = {name: summarize(r) for name, r in runs.items()}
    long_name, base_name = list(summary)
    long, base = summary[long_name], summary[base_name]
    shown = bool(long["repeats"] and base["repeats"] and long["correct"] and base["correct"])
    result = {
        "benchmark": "open_conversation", "machine": machine(),
        "setup": {"size": list(SIZE), "repeat": args.repeat, "messages": args.messages,
                  "baseline_messages": BASELINE_MESSAGES},
        "runs": runs, "errors": errors, "median": summary,
        "ratios": {f"{key} long/baseline": ratio(long[key], base[key])
                   for key in ("open_s", "launch_s", "rss_settled_mb", "views")},
        "targets": {
            f"open_{args.messages}_le_{TARGET_OPEN_S}s": {"value": long["open_s"],
                                                          "ok": long["open_s"] < TARGET_OPEN_S},
            f"rss_{args.messages}_le_{TARGET_RSS_MB:.0f}MB": {"value": long["rss_settled_mb"],
                                                            "ok": long["rss_settled_mb"] < TARGET_RSS_MB},
            "latest_message_shown": {"value": shown, "ok": shown},
        },
    }
    path = write_results("open_conversation", result)
    if args.json:
        print_json(result)
        return 0
    print()
    print(f"open_conversation: make_app(conversation=ID) → first frame showing the latest message, "
          f"{SIZE[0]}x{SIZE[1]} headless, median of {args.repeat}")
    headers = ["conversation", "open s", "launch s", "make_app s", "import s", "RSS@frame MB",
               "RSS+1s MB", "views"]
    rows = [[name, s["open_s"], s["launch_s"], s["make_app_s"], s["import_s"], s["rss_mb"],
             s["rss_settled_mb"], s["views"]] for name, s in summary.items()]
    rows.append(["ratio long/base", ratio(long["open_s"], base["open_s"]),
                 ratio(long["launch_s"], base["launch_s"]), ratio(long["make_app_s"], base["make_app_s"]),
                 float("nan"), ratio(long["rss_mb"], base["rss_mb"]),
                 ratio(long["rss_settled_mb"], base["rss_settled_mb"]), ratio(long["views"], base["views"])])
    print(table(headers, rows))
    print()
    for name, target in result["targets"].items():
        value = target["value"]
        print(f"{verdict(target['ok'])}  {name}: {value:.3f}" if isinstance(value, float)
              else f"{verdict(target['ok'])}  {name}: {value}")
    for error in errors:
        print(f"ERROR  {error.splitlines()[0]}")
    print(f"\nwrote {path}")
    return 0


if __name__ == "__main__":
    main()
    sys.exit(0)

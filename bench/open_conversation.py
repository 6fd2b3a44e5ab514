"""Benchmark: open a long stored conversation (`chattui --conversation ID`, or Ctrl+G).

One archive is seeded with `bench/open_conversation_data.py` (the real Store API): a
5,000-message conversation and, as the baseline measured in the same run, a 50-message one.
Every measured run is a fresh child process. A user opens a conversation in one of two
ways, and each is measured (`via`), up to the first frame that shows the conversation's
latest message (the last MessageView of the chat log holds the last stored message and
lies inside the log's visible region):

* `launch`: what `chattui --conversation ID` (or `--continue`) does, headless:
  `load_settings` with `conversation=ID`, `make_app`, `app.run_test(size=(120, 40))`;
* `switch`: the app is started on a new conversation and left to settle; Ctrl+G opens
  the conversations screen, the cursor goes to the conversation's row, and the clock starts
  when Enter is pressed (what a user picking it does).

It reports:

* `open_s`: `launch`: from the `make_app` call (the imports done) to that frame, the part
  the conversation's length can change; `switch`: from the Enter press to that frame. The
  < 0.5 s target applies to this figure (both ways);
* `launch_s` (`launch` only): from the parent spawning the child (interpreter start,
  imports included) to that frame: what a user waits for. Both processes read the same
  CLOCK_MONOTONIC (`time.perf_counter`), so the child can subtract the parent's spawn time;
* `rss_mb`: the peak resident set size up to that frame (`resource.getrusage`
  `ru_maxrss`), and `rss_settled_mb` one second later (anything mounted after the first
  frame counts there). The < 150 MB target applies to `rss_settled_mb`;
* `views`: how many MessageViews are mounted one second after that frame (the latest page:
  the log renders lazily).

The message the frame must show is read from the store before the clock starts (reading it
through the app would add a read of the whole conversation to the measured time).

A frame is one `App._display` call that draws something (as in bench/stream_render.py).
Bytecode: this machine sets PYTHONDONTWRITEBYTECODE=1 and chattui is installed editable;
like bench/startup.py, every child gets PYTHONPYCACHEPREFIX=bench/results/pycache and one
untimed run per conversation fills it. Runs of the two sizes are interleaved.

Usage: /tmp/venv/bin/python bench/open_conversation.py [--repeat 5] [--messages 5000]
           [--via launch,switch] [--json]
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
from _common import (
    machine, median, print_errors_and_path, print_json, ratio, table, target_line, write_results,
)

SIZE = (120, 40)
BASELINE_MESSAGES = 50
TARGET_OPEN_S = 0.5
TARGET_RSS_MB = 150.0
TIMEOUT = 120.0
CONTIGUOUS_PAGES = 60
JUMPS = 150
SCROLL_TIMEOUT = 900.0
TARGET_SCROLL_RSS_MB = 200.0
TARGET_HOME_S = 1.0
TARGET_OPEN_RATIO = 1.1
PYCACHE = _common.RESULTS_DIR / "pycache"
VIAS = ("launch", "switch")


# --------------------------------------------------------------------------- child side


async def child_run(data_dir: Path, conversation_id: str, spawned_at: float,
                    via: str = "launch", scroll: bool = False) -> dict:
    import asyncio
    import resource

    started = time.perf_counter()
    from chattui.app import make_app
    from chattui.config import load_settings
    from chattui.store import Store, database_path
    from chattui.widgets.chat_log import ChatLog
    from chattui.widgets.message_view import MessageView
    imported = time.perf_counter()

    home = data_dir.parent
    env = {"OPENAI_API_KEY": "sk-bench-0000000000000000", "CHATTUI_TOKENIZER": "approx",
           "CHATTUI_CONFIG_DIR": str(home / "config")}
    flags = {"base_url": "http://127.0.0.1:9/v1", "data_dir": str(data_dir)}
    if via == "launch":
        flags["conversation"] = conversation_id
    seen: dict = {}
    store = Store(database_path(data_dir))
    seen["last"] = store.latest_messages(conversation_id, 1)[-1].content
    seen["first_text"] = store.messages(conversation_id)[0].content
    store.close()

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

    def first_visible(app) -> bool:
        log = app.screen.query(ChatLog).first()
        views = [v for v in log.query_children(MessageView) if v.role in ("user", "assistant")]
        return bool(views) and views[0].text == seen.get("first_text") and views[0].region.area > 0 \
            and views[0].region.overlaps(log.region) and log.scroll_y == 0

    t0 = making = time.perf_counter()
    app = make_app(load_settings(flags, environ=env, cwd=home), cwd=home)
    made = time.perf_counter()
    original = app._display

    def display(screen, renderable) -> None:
        original(screen, renderable)
        if renderable is not None and seen.get("home_armed") and "home" not in seen and first_visible(app):
            seen["home"] = time.perf_counter()
        if (renderable is not None and not app._batch_count and "frame" not in seen
                and seen.get("armed", via == "launch")):
            if latest_visible(app):
                seen["frame"] = time.perf_counter()
                seen["rss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    app._display = display
    async with app.run_test(headless=True, size=SIZE) as pilot:
        if via == "switch":
            await pick_in_conversations_screen(app, pilot, conversation_id)
            t0 = seen["armed_at"] = time.perf_counter()
            seen["armed"] = True
            await pilot.press("enter")
        deadline = time.perf_counter() + TIMEOUT
        while ("frame" not in seen and time.perf_counter() < deadline
               and getattr(app, "_exception", None) is None):
            await asyncio.sleep(0.005)
        await asyncio.sleep(1.0)
        await pilot.pause()
        settled_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        views = len(app.screen.query(MessageView))
        scrolled = await scroll_end_to_start(app, pilot, seen) if scroll and via == "launch" else {}
        stored = len(app.session.messages())
        correct = (app.session.conversation is not None
                   and app.session.conversation.id == conversation_id and "frame" in seen)
    frame = seen.get("frame")
    return {
        "via": via,
        "launch_s": frame - spawned_at if frame and via == "launch" else None,
        "open_s": frame - t0 if frame else None,
        "import_s": imported - started, "make_app_s": made - making,
        "rss_mb": seen.get("rss", 0) / 1024, "rss_settled_mb": settled_rss / 1024,
        "views": views, "stored_messages": stored, "correct": correct, **scrolled,
    }


def rss_now_mb() -> float:
    """The resident set size now (not the peak), from /proc."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


async def _settled(app, pilot) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()


async def scroll_end_to_start(app, pilot, seen: dict) -> dict:
    """From the end to the start of the conversation as a reader does: `CONTIGUOUS_PAGES`
    screens up one after the other (Page Up), then `JUMPS` evenly spaced jumps to the start
    (dragging the scrollbar); the RSS (now, and its peak) and the mounted MessageViews at
    every stop. Then End, and Home timed to the first frame showing the first message."""
    import asyncio
    import resource

    from chattui.widgets.chat_log import ChatLog
    from chattui.widgets.message_view import MessageView

    log = app.screen.query_one(ChatLog)
    log.focus()
    await _settled(app, pilot)
    started, rss, views = time.perf_counter(), [rss_now_mb()], [len(log.query_children(MessageView))]
    page = log.scrollable_content_region.height
    for _ in range(CONTIGUOUS_PAGES):
        if log.scroll_y <= 0:
            break
        await pilot.press("pageup")
        await _settled(app, pilot)
        rss.append(rss_now_mb())
        views.append(len(log.query_children(MessageView)))
    start_y = log.scroll_y
    for step in range(JUMPS, -1, -1):
        log.scroll_to(y=start_y * step / JUMPS, animate=False)
        await _settled(app, pilot)
        rss.append(rss_now_mb())
        views.append(len(log.query_children(MessageView)))
    scroll_s = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    await pilot.press("end")
    await asyncio.sleep(0.5)
    await _settled(app, pilot)
    seen["home_armed"] = True
    pressed = time.perf_counter()
    await pilot.press("home")
    deadline = time.perf_counter() + 30
    while "home" not in seen and time.perf_counter() < deadline:
        await asyncio.sleep(0.005)
    home = seen.get("home")
    return {"scroll_s": scroll_s, "scroll_stops": len(rss), "scroll_rss_max_mb": max(rss),
            "scroll_rss_peak_mb": peak, "scroll_views_max": max(views),
            "home_s": home - pressed if home else None}


async def pick_in_conversations_screen(app, pilot, conversation_id: str) -> None:
    """Started on a new conversation: let it settle, open the conversations screen (Ctrl+G)
    and put the cursor on the conversation's row, ready for Enter."""
    import asyncio

    from textual.widgets import DataTable

    from chattui.screens.conversations import ConversationsScreen

    await asyncio.sleep(1.0)
    await pilot.pause()
    await pilot.press("ctrl+g")
    deadline = time.perf_counter() + TIMEOUT
    while not isinstance(app.screen, ConversationsScreen) or not app.screen.query(DataTable):
        if time.perf_counter() > deadline:
            raise RuntimeError("the conversations screen did not open")
        await asyncio.sleep(0.01)
    table = app.screen.query_one("#conversations", DataTable)
    while conversation_id not in [row.value for row in table.rows]:
        if time.perf_counter() > deadline:
            raise RuntimeError("the conversation is not listed")
        await asyncio.sleep(0.01)
    table.focus()
    table.move_cursor(row=table.get_row_index(conversation_id))
    await asyncio.sleep(0.5)
    await pilot.pause()


def child_main(data_dir: str, conversation_id: str, spawned_at: float, via: str) -> None:
    import asyncio
    import faulthandler

    faulthandler.dump_traceback_later(SCROLL_TIMEOUT + 60, exit=True)
    scroll = via.endswith("+scroll")
    result = asyncio.run(child_run(Path(data_dir), conversation_id, spawned_at,
                                   via.removesuffix("+scroll"), scroll))
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


def spawn(data_dir: Path, conversation_id: str, via: str = "launch", scroll: bool = False) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k != "PYTHONDONTWRITEBYTECODE" and not k.startswith(("CHATTUI_", "OPENAI_"))}
    env.update(CHATTUI_TOKENIZER="approx", PYTHONPYCACHEPREFIX=str(PYCACHE))
    spawned_at = time.perf_counter()
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", str(data_dir), conversation_id,
           repr(spawned_at), via + ("+scroll" if scroll and via == "launch" else "")]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=SCROLL_TIMEOUT + 120)
    except subprocess.TimeoutExpired as exc:
        raise RuntimeError(f"child timed out:\n{(exc.stderr or b'')[-2000:]!r}") from exc
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"child failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return json.loads(lines[-1])


SCROLL_KEYS = ("scroll_stops", "scroll_s", "scroll_rss_max_mb", "scroll_rss_peak_mb", "scroll_views_max", "home_s")


def summarize(runs: list[dict]) -> dict:
    keys = ("launch_s", "open_s", "import_s", "make_app_s", "rss_mb", "rss_settled_mb", "views")
    summary = {key: median([r[key] for r in runs if r[key] is not None]) for key in keys}
    summary.update(correct=all(r["correct"] for r in runs), repeats=len(runs),
                   stored_messages=runs[0]["stored_messages"] if runs else None)
    return summary


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=5, help="runs per conversation and way (default 5)")
    ap.add_argument("--messages", type=int, default=5000, help="the long conversation's size")
    ap.add_argument("--via", default=",".join(VIAS), help="comma-separated subset of launch,switch")
    ap.add_argument("--json", action="store_true", help="print JSON instead of the table")
    ap.add_argument("--scroll-repeat", type=int, default=1,
                    help="launch runs per conversation that then scroll end -> start and time Home (0: none)")
    ap.add_argument("--child", nargs=4, metavar=("DATA_DIR", "ID", "SPAWNED_AT", "VIA"),
                    help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child_main(args.child[0], args.child[1], float(args.child[2]), args.child[3])
        return 0
    say = (lambda line: print(line, file=sys.stderr, flush=True)) if args.json else (
        lambda line: print(line, flush=True))
    vias = [v for v in args.via.split(",") if v in VIAS]

    PYCACHE.mkdir(parents=True, exist_ok=True)
    runs: dict[str, list[dict]] = {}
    errors: list[str] = []
    with tempfile.TemporaryDirectory(prefix="chattui-open-") as tmp:
        data_dir = Path(tmp) / "data"
        started = time.perf_counter()
        conversations = seed(data_dir, args.messages)
        say(f"seeded {args.messages} + {BASELINE_MESSAGES} messages in {time.perf_counter() - started:.1f}s")
        keys = [(via, name) for via in vias for name in conversations]
        runs = {f"{via}: {name}": [] for via, name in keys}
        for via, name in keys:  # untimed: fill the bytecode cache
            try:
                spawn(data_dir, conversations[name], via)
            except RuntimeError as exc:
                errors.append(f"{via}: {name} warm-up: {exc}")
        for i in range(args.repeat):
            for via, name in keys:
                key = f"{via}: {name}"
                try:
                    run = spawn(data_dir, conversations[name], via)
                except RuntimeError as exc:
                    errors.append(f"{key} run {i + 1}: {exc}")
                    say(f"[{i + 1}/{args.repeat}] {key:23s} FAILED: {str(exc).splitlines()[0]}")
                    continue
                runs[key].append(run)
                say(f"[{i + 1}/{args.repeat}] {key:23s} open {run['open_s'] or float('nan'):.3f}s "
                    f"launch {run['launch_s'] or float('nan'):.3f}s rss {run['rss_settled_mb']:.0f} MB "
                    f"views {run['views']}")
        scrolls = {name: [] for name in conversations}
        for i in range(args.scroll_repeat):
            for name in conversations:
                try:
                    run = spawn(data_dir, conversations[name], "launch", scroll=True)
                except RuntimeError as exc:
                    errors.append(f"scroll: {name} run {i + 1}: {exc}")
                    say(f"[{i + 1}/{args.scroll_repeat}] scroll: {name} FAILED: {str(exc).splitlines()[0]}")
                    continue
                scrolls[name].append(run)
                say(f"[{i + 1}/{args.scroll_repeat}] scroll: {name:14s} {run['scroll_stops']} stops in "
                    f"{run['scroll_s']:.1f}s, RSS max {run['scroll_rss_max_mb']:.0f} MB (peak "
                    f"{run['scroll_rss_peak_mb']:.0f}), views max {run['scroll_views_max']}, "
                    f"Home {run['home_s'] or float('nan'):.3f}s")

    summary = {key: summarize(r) for key, r in runs.items()}
    names = list(conversations)
    long_name, base_name = names
    ratios, targets = {}, {}
    for via in vias:
        long, base = summary[f"{via}: {long_name}"], summary[f"{via}: {base_name}"]
        for key in ("open_s", "launch_s", "rss_settled_mb", "views"):
            ratios[f"{via}: {key} long/baseline"] = ratio(long[key], base[key])
        targets[f"{via}: open_{args.messages}_lt_{TARGET_OPEN_S}s"] = {
            "value": long["open_s"], "ok": long["open_s"] < TARGET_OPEN_S}
        targets[f"{via}: rss_{args.messages}_lt_{TARGET_RSS_MB:.0f}MB"] = {
            "value": long["rss_settled_mb"], "ok": long["rss_settled_mb"] < TARGET_RSS_MB}
        shown = bool(long["repeats"] and base["repeats"] and long["correct"] and base["correct"])
        targets[f"{via}: latest_message_shown"] = {"value": shown, "ok": shown}
    scroll_summary = {name: {key: median([r[key] for r in rs if r.get(key) is not None])
                             for key in SCROLL_KEYS} for name, rs in scrolls.items() if rs}
    if long_name in scroll_summary and base_name in scroll_summary:
        long, base = scroll_summary[long_name], scroll_summary[base_name]
        for key in SCROLL_KEYS:
            ratios[f"scroll: {key} long/baseline"] = ratio(long[key], base[key])
        targets[f"scroll: rss_peak_{args.messages}_le_{TARGET_SCROLL_RSS_MB:.0f}MB"] = {
            "value": long["scroll_rss_peak_mb"], "ok": long["scroll_rss_peak_mb"] <= TARGET_SCROLL_RSS_MB}
        targets[f"scroll: home_{args.messages}_le_{TARGET_HOME_S}s"] = {
            "value": long["home_s"], "ok": long["home_s"] <= TARGET_HOME_S}
    if "launch" in vias:
        launch_ratio = ratio(summary[f"launch: {long_name}"]["launch_s"], summary[f"launch: {base_name}"]["launch_s"])
        targets[f"launch: launch_s_{args.messages}/{BASELINE_MESSAGES}_le_{TARGET_OPEN_RATIO}x"] = {
            "value": launch_ratio, "ok": launch_ratio <= TARGET_OPEN_RATIO}
    result = {
        "benchmark": "open_conversation", "machine": machine(), "scroll": scrolls,
        "scroll_median": scroll_summary,
        "setup": {"size": list(SIZE), "repeat": args.repeat, "messages": args.messages,
                  "baseline_messages": BASELINE_MESSAGES, "via": vias},
        "runs": runs, "errors": errors, "median": summary, "ratios": ratios, "targets": targets,
    }
    path = write_results("open_conversation", result)
    if args.json:
        print_json(result)
        return 0
    print()
    print(f"open_conversation: first frame showing the latest message, {SIZE[0]}x{SIZE[1]} headless, "
          f"median of {args.repeat}; launch: from make_app (launch s: from the spawn), "
          f"switch: from Enter on the conversations screen")
    headers = ["way: conversation", "open s", "launch s", "make_app s", "import s", "RSS@frame MB",
               "RSS+1s MB", "views"]
    rows = []
    for via in vias:
        long, base = summary[f"{via}: {long_name}"], summary[f"{via}: {base_name}"]
        for key in (f"{via}: {long_name}", f"{via}: {base_name}"):
            s = summary[key]
            rows.append([key, s["open_s"], s["launch_s"], s["make_app_s"], s["import_s"], s["rss_mb"],
                         s["rss_settled_mb"], s["views"]])
        rows.append([f"{via}: ratio long/base", ratio(long["open_s"], base["open_s"]),
                     ratio(long["launch_s"], base["launch_s"]),
                     ratio(long["make_app_s"], base["make_app_s"]), float("nan"),
                     ratio(long["rss_mb"], base["rss_mb"]),
                     ratio(long["rss_settled_mb"], base["rss_settled_mb"]),
                     ratio(long["views"], base["views"])])
    print(table(headers, rows))
    if scroll_summary:
        print()
        print(f"scroll end -> start ({CONTIGUOUS_PAGES} pages up, then {JUMPS} jumps to the start), "
              f"then End and Home (Home s: to the first frame showing the first message)")
        scroll_rows = [[name, *(scroll_summary[name][key] for key in SCROLL_KEYS)] for name in scroll_summary]
        if long_name in scroll_summary and base_name in scroll_summary:
            scroll_rows.append(["ratio long/base", *(ratio(scroll_summary[long_name][key],
                                                          scroll_summary[base_name][key]) for key in SCROLL_KEYS)])
        print(table(["conversation", "stops", "scroll s", "RSS max MB", "RSS peak MB", "views max", "Home s"],
                    scroll_rows))
    print()
    for name, target in targets.items():
        print(target_line(name, target))
    print_errors_and_path(errors, path)
    return 0


if __name__ == "__main__":
    main()
    sys.exit(0)

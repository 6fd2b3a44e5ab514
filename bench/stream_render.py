"""Benchmark: render a long streamed Markdown reply.

The in-process emulator serves a 1000-chunk (~6k-token) Markdown reply as fast as the
client reads it. The real app (`make_app`) runs headless at 120x40; the benchmark types a
question, presses Enter and measures, from the Enter press to the final frame:

* wall seconds,
* CPU seconds of the UI thread (`time.thread_time()` read on the event-loop thread; the
  emulator's HTTP server runs in other threads of the same process),
* CPU seconds of the whole process (`time.process_time()`, emulator included),
* the longest gap between two frames (the Enter press -> first frame gap counts too),
  where the final frame is the last one that repaints the chat log (see FrameRecorder),
* the number of frames, and a breakdown of the UI thread's time: compositor reflow
  (layout), compositor render, garbage-collector pauses.

Modes, each run in the same way:

* `chattui`: the app as shipped (whatever `MessageView.stream()` returns; today it streams
  through `Markdown.get_stream`, which coalesces fragments that arrive while the widget is
  busy, into Markdown widgets of about 20 blocks each),
* `naive`: the baseline the targets compare with: `MessageView.stream` monkeypatched (in
  the benchmark process only) to re-render the whole reply with
  `Markdown.update(text_so_far)` on every chunk,
* `floor`: for reference, not a target: the reply is only accumulated while it streams
  and rendered once, with one `Markdown.update(full_text)` into the one Markdown widget
  when the stream stops: what receiving the stream plus one render of the whole reply as a
  single Markdown widget costs.

Every measured run is a fresh child process (a real chattui session is one app per
process, and Textual apps are not freed between `run_test` sessions in one process, so the
heap, and with it the garbage collector's pauses, would grow run after run). In the child,
one short turn (60 chunks) warms up first-use imports and caches, then the measured turn
runs in the same app. Runs of the different modes are interleaved. Each run also checks
correctness: the reply's Markdown source (of all its Markdown widgets: the app may stream
a long reply into several) must equal the full reply and the turn must complete. A child
that hangs dumps its stack and exits (faulthandler), and a child whose parent is killed
exits too.

Long replies (`--chunks 10000`): the same runs of `chattui` also run with a reply of that
many chunks and as many times the text (10x the 1,000-chunk reply: ~162 KB), interleaved,
and the table gives its ratio to the 1,000-chunk run of the same invocation (target: at
most 12x, i.e. linear) and the resident memory of both at the end of the turn.

Usage: /tmp/venv/bin/python bench/stream_render.py [--repeat 3] [--naive-repeat 1]
           [--naive-cap SECONDS] [--modes chattui,floor,naive] [--chunks 10000] [--json]
Always exits 0; prints PASS/MISS per target and writes bench/results/stream_render.json.
One naive run takes many minutes (11-18 on a 2-core machine): hence `--naive-repeat`
defaults to 1, and `--naive-cap` stops a naive run early (its figures are then lower
bounds, marked `capped`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import _common  # noqa: F401  (sets CHATTUI_TOKENIZER=approx and sys.path before chattui loads)
from _common import (
    machine, median, print_errors_and_path, print_json, ratio, shown, table, target_line,
    write_results,
)

SIZE = (120, 40)
CHUNKS = 1000
APPROX_TOKENS = 6000
WARM_UP_CHUNKS, WARM_UP_TOKENS = 60, 600
QUESTION = "Write me a long answer with headings, lists, code and tables."
QUIET = 0.5  # seconds without a frame (and nothing pending) after the turn = the screen is final
TIMEOUT = 3600.0  # per run, when uncapped; the naive baseline is slow by design
MODES = ("chattui", "floor", "naive")

TARGET_WALL = 1.5  # chattui, seconds from Enter to the final frame
TARGET_SPEEDUP = 10.0  # naive wall / chattui wall
TARGET_GAP = 0.100  # longest gap between frames while streaming, seconds
TARGET_LONG_RATIO = 12.0  # --chunks N: chattui wall at N chunks / at CHUNKS, when N = 10 * CHUNKS


# --------------------------------------------------------------------------- child side


class NaiveStream:
    """The baseline: every fragment re-renders the whole reply with `Markdown.update`."""

    def __init__(self, markdown) -> None:
        self.markdown = markdown
        self.text = ""

    async def write(self, fragment: str) -> None:
        self.text += fragment
        await self.markdown.update(self.text)

    async def stop(self) -> None:
        pass


class FloorStream(NaiveStream):
    """Reference floor: accumulate while streaming, render once at the end."""

    async def write(self, fragment: str) -> None:
        self.text += fragment

    async def stop(self) -> None:
        await self.markdown.update(self.text)


class FrameRecorder:
    """Timestamps every screen update the app hands to its driver.

    A frame is one call of `App._display(screen, renderable)` that actually displays
    something. For a full-screen app its only caller is `Screen._compositor_refresh`: the
    screen's update timer (or a layout refresh) asks the compositor for the dirty regions
    (`Compositor.render_update`, which renders the changed widget lines) and passes the
    result to `App._display`, which encodes it to escape sequences and writes it to the
    driver as one synchronized update. `_display` draws nothing when the renderable is None
    (nothing changed) or while `app.batch_update()` is open, so those calls are not frames.
    The lower-level `_compositor_refresh` would also count such no-op refreshes, and the
    driver's `write` is never reached headless, so `_display` is the one place that fires
    exactly once per real update.

    Headless, `_display` skips the final encoding to escape sequences; with `encode=True`
    the recorder does that encoding itself (`renderable.render_segments(app.console)`,
    what `_display` does for a real terminal) so that its cost is counted as well.

    Each frame records (perf_counter, thread_time, process_time, touches_log) once it is
    done; the wrapper runs on the event-loop thread, so `thread_time` there is the UI
    thread's clock. `touches_log` says whether the update repaints any cell of the chat log
    (the conversation pane): the app also repaints other parts on its own (the status
    bar's once-a-second cache countdown, the composer's token estimate), and those frames
    must not be taken for the reply's final frame.
    """

    def __init__(self, app, encode: bool) -> None:
        self.frames: list[tuple[float, float, float, bool]] = []
        self._log = None
        original = app._display

        def display(screen, renderable) -> None:
            counted = renderable is not None and not app._batch_count
            touches = counted and self._touches_log(app, renderable)
            original(screen, renderable)
            if counted:
                if encode and app.is_headless and hasattr(renderable, "render_segments"):
                    renderable.render_segments(app.console)
                self.frames.append((time.perf_counter(), time.thread_time(), time.process_time(), touches))

        app._display = display  # instance attribute: Screen calls `app._display(...)`

    def _touches_log(self, app, renderable) -> bool:
        from textual._compositor import ChopsUpdate, LayoutUpdate

        from chattui.widgets.chat_log import ChatLog

        if self._log is None or not self._log.is_attached:
            found = app.screen.query(ChatLog)
            self._log = found.first() if found else None
        if self._log is None:
            return True
        log = self._log.region
        if isinstance(renderable, LayoutUpdate):
            return renderable.region.overlaps(log)
        if isinstance(renderable, ChopsUpdate):
            return any(log.y <= y < log.bottom and x1 < log.right and x2 > log.x
                       for y, x1, x2 in renderable.spans)
        return True

    def last_log_frame(self) -> float:
        return max((f[0] for f in self.frames if f[3]), default=0.0)


class Breakdown:
    """UI-thread seconds spent in compositor reflow, compositor render and GC pauses."""

    def __init__(self) -> None:
        import gc
        import threading

        from textual._compositor import Compositor

        self.reflow = self.render = self.gc = 0.0
        self.gc_collections = [0, 0, 0]
        self.enabled = False
        main = threading.main_thread()

        def timed(name: str, attr: str):
            original = getattr(Compositor, name)

            def wrapper(*args, **kwargs):
                started = time.perf_counter()
                try:
                    return original(*args, **kwargs)
                finally:
                    if self.enabled:
                        setattr(self, attr, getattr(self, attr) + time.perf_counter() - started)

            setattr(Compositor, name, wrapper)

        timed("reflow", "reflow")
        timed("reflow_visible", "reflow")
        timed("render_update", "render")
        gc_started = [0.0]

        def on_gc(phase: str, info: dict) -> None:
            if not self.enabled or threading.current_thread() is not main:
                return
            if phase == "start":
                gc_started[0] = time.perf_counter()
            else:
                self.gc += time.perf_counter() - gc_started[0]
                self.gc_collections[info["generation"]] += 1

        gc.callbacks.append(on_gc)


async def _quiet(app, recorder: FrameRecorder, since: float, timeout: float = 120) -> bool:
    """Wait until nothing is pending and no frame repainted the chat log for QUIET seconds
    (False: timed out)."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        await asyncio.sleep(0.02)
        screen = app.screen
        pending = (screen._layout_required or screen._repaint_required
                   or screen._dirty_widgets or screen._scroll_required)
        last = max(recorder.last_log_frame(), since)
        if not pending and time.perf_counter() - last >= QUIET:
            return True
    return False


def reply_source(view) -> str:
    """The reply's Markdown source as displayed: every Markdown widget of the message, in
    order (the app may stream a long reply into several)."""
    from textual.widgets import Markdown

    return "".join(chunk.source for chunk in view.query_children(Markdown))


def _die_with_parent() -> None:
    """A child whose benchmark parent was killed (e.g. by `timeout`) exits too."""
    import threading

    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(1)
            if os.getppid() != parent:
                os._exit(3)

    threading.Thread(target=watch, daemon=True, name="bench-parent-watch").start()


async def _turn_done(app, deadline: float) -> bool:
    """Wait until the turn's worker (group "turn"; any worker if there is none such) is no
    longer pending or running; False if `deadline` came first."""
    from textual.worker import WorkerState

    while time.perf_counter() < deadline:
        workers = [w for w in app.workers if w.group == "turn"] or list(app.workers)
        if not any(w.state in (WorkerState.PENDING, WorkerState.RUNNING) for w in workers):
            return True
        await asyncio.sleep(0.01)
    return False


def rss_mb() -> float:
    """Resident memory of this process now, in MB (Linux)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


async def child_run(mode: str, cap: float | None, encode: bool, chunks: int = CHUNKS) -> dict:
    import gc
    import tempfile

    from chattui.app import make_app
    from chattui.config import load_settings
    from chattui.emulator import Emulator, Reply
    from chattui.widgets.composer import Composer
    from chattui.widgets.message_view import MessageView

    breakdown = Breakdown()
    emulator = Emulator().start()
    reply = Reply.long_markdown(chunks=chunks, approx_tokens=APPROX_TOKENS * chunks // CHUNKS)
    full = reply.text or ""
    try:
        with tempfile.TemporaryDirectory(prefix="chattui-bench-") as tmp:
            home = Path(tmp)
            env = {"OPENAI_API_KEY": "sk-bench-0000000000000000", "CHATTUI_TOKENIZER": "approx",
                   "CHATTUI_CONFIG_DIR": str(home / "config")}
            flags = {"base_url": emulator.openai_base_url, "data_dir": str(home / "data")}
            app = make_app(load_settings(flags, environ=env, cwd=home))
            recorder = FrameRecorder(app, encode)
            async with app.run_test(headless=True, size=SIZE) as pilot:
                await pilot.pause()
                composer = app.screen.query_one(Composer)
                # The cursor blink is a 2 Hz timer that repaints the composer forever: not
                # part of rendering the reply, it would fill gaps while the loop is free and
                # keep the screen from ever going quiet. Off for the benchmark.
                composer.cursor_blink = False

                async def turn(text: str, item) -> float:
                    composer.text = text
                    await asyncio.sleep(0.4)  # let the draft's 0.25 s token estimate land first
                    await pilot.pause()
                    emulator.queue(item)
                    gc.collect()
                    recorder.frames.clear()
                    return time.perf_counter()

                # Warm-up turn (not timed): first-use imports (pygments lexers, SDK
                # resources), caches, the HTTP connection.
                warm = Reply.long_markdown(chunks=WARM_UP_CHUNKS, approx_tokens=WARM_UP_TOKENS)
                since = await turn("warm up", warm)
                await pilot.press("enter")
                await _turn_done(app, time.perf_counter() + 120)
                await _quiet(app, recorder, since)

                if mode == "naive":
                    MessageView.stream = lambda view: NaiveStream(view.markdown)
                elif mode == "floor":
                    MessageView.stream = lambda view: FloorStream(view.markdown)

                await turn(QUESTION, reply)
                rss_before = rss_mb()
                breakdown.enabled = True
                t0, c0, p0 = time.perf_counter(), time.thread_time(), time.process_time()
                await pilot.press("enter")
                # Poll rather than `wait_for(workers.wait_for_complete())`: a timeout there
                # would cancel the turn's worker itself (awaiting a task propagates cancel).
                capped = not await _turn_done(app, t0 + (cap or TIMEOUT))
                if capped:
                    app.session.stop()  # what Esc does: the turn ends as "stopped"
                    await _turn_done(app, time.perf_counter() + 600)
                # The turn has ended: the stream was stopped (flushed) inside the worker, so
                # the text is all in. Wait for the screen to settle; the last frame is final.
                settled = await _quiet(app, recorder, t0)
                breakdown.enabled = False
                gc.collect()
                rss_after = rss_mb()
                view = list(app.screen.query(MessageView))[-1]
                source, status, role = reply_source(view), view.status, view.role
        # The final frame: the last one that repainted the chat log. Frames after it (the
        # status bar's countdown) are not part of the reply; gaps count every frame up to it.
        log_frames = [i for i, f in enumerate(recorder.frames) if f[0] >= t0 and f[3]]
        frames = [f for f in recorder.frames[:log_frames[-1] + 1] if f[0] >= t0] if log_frames else []
        t_end, c_end, p_end, _ = frames[-1] if frames else (t0, c0, p0, True)
        stamps = [t0] + [f[0] for f in frames]
        gaps = [b - a for a, b in zip(stamps, stamps[1:])]
        return {
            "mode": mode, "wall_s": t_end - t0, "ui_cpu_s": c_end - c0, "process_cpu_s": p_end - p0,
            "max_gap_s": max(gaps) if gaps else None,
            "first_frame_s": frames[0][0] - t0 if frames else None,
            "frames": len(frames), "log_frames": sum(1 for f in frames if f[3]), "capped": capped,
            "correct": (not capped and settled and role == "assistant" and status == "complete"
                        and source == full),
            "settled": settled,
            "shown_fraction": len(source) / len(full),
            "reflow_s": breakdown.reflow, "render_s": breakdown.render, "gc_s": breakdown.gc,
            "gc_collections": breakdown.gc_collections,
            "chunks": len(reply.pieces()), "chars": len(full), "encode": encode,
            "rss_before_mb": rss_before, "rss_after_mb": rss_after, "rss_growth_mb": rss_after - rss_before,
        }
    finally:
        emulator.stop()


# --------------------------------------------------------------------------- parent side


def spawn(mode: str, cap: float | None, encode: bool, chunks: int = CHUNKS) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", mode, "--chunks", str(chunks)]
    if cap:
        cmd += ["--naive-cap", str(cap)]
    if not encode:
        cmd.append("--no-encode")
    env = {**os.environ, "CHATTUI_TOKENIZER": "approx"}
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=(cap or TIMEOUT) + 600)
    except subprocess.TimeoutExpired as exc:  # the child is killed by subprocess.run
        raise RuntimeError(f"child {mode} timed out:\n{(exc.stderr or b'')[-3000:]!r}") from exc
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"child {mode} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return json.loads(lines[-1])


def summarize(runs: list[dict]) -> dict:
    def med(key: str) -> float:
        return median([r[key] for r in runs if r[key] is not None])

    return {
        "wall_s": med("wall_s"), "ui_cpu_s": med("ui_cpu_s"), "process_cpu_s": med("process_cpu_s"),
        "max_gap_s": med("max_gap_s"), "worst_gap_s": max(r["max_gap_s"] or 0 for r in runs),
        "first_frame_s": med("first_frame_s"), "frames": med("frames"),
        "reflow_s": med("reflow_s"), "render_s": med("render_s"), "gc_s": med("gc_s"),
        "rss_growth_mb": med("rss_growth_mb"), "chars": med("chars"),
        "correct": all(r["correct"] for r in runs), "capped": any(r["capped"] for r in runs),
        "repeats": len(runs),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=3, help="runs of chattui and floor (default 3)")
    ap.add_argument("--naive-repeat", type=int, default=1,
                    help="runs of the naive baseline (default 1: one takes many minutes)")
    ap.add_argument("--naive-cap", type=float, default=0,
                    help="stop a naive run after this many seconds (0 = never); its figures "
                         "become lower bounds")
    ap.add_argument("--modes", default=",".join(MODES), help="comma-separated subset of chattui,floor,naive")
    ap.add_argument("--no-encode", dest="encode", action="store_false",
                    help="do not encode frames to escape sequences (headless skips it)")
    ap.add_argument("--chunks", type=int, default=CHUNKS,
                    help=f"also run chattui with a reply of this many chunks (and as many times "
                         f"the text of the {CHUNKS}-chunk one), interleaved, and print the ratio")
    ap.add_argument("--json", action="store_true", help="print JSON instead of the table")
    ap.add_argument("--child", choices=MODES, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.child:
        import faulthandler

        cap = args.naive_cap if args.child == "naive" and args.naive_cap > 0 else None
        _die_with_parent()
        faulthandler.dump_traceback_later((cap or TIMEOUT) + 300, exit=True)
        print(json.dumps(asyncio.run(child_run(args.child, cap, args.encode, args.chunks))))
        return 0

    modes = [m for m in args.modes.split(",") if m]
    unknown = set(modes) - set(MODES)
    if unknown:
        ap.error(f"unknown modes: {', '.join(sorted(unknown))}")
    long_mode = f"chattui@{args.chunks}"  # the long reply: chattui with --chunks chunks
    if args.chunks != CHUNKS and "chattui" in modes:
        modes.insert(modes.index("chattui") + 1, long_mode)
    counts = {m: (args.naive_repeat if m == "naive" else args.repeat) for m in modes}
    say = (lambda line: print(line, file=sys.stderr, flush=True)) if args.json else (
        lambda line: print(line, flush=True))
    runs: dict[str, list[dict]] = {m: [] for m in modes}
    errors: list[str] = []
    info = machine()  # the commit measured: taken before the runs
    started = time.time()
    for i in range(max(counts.values(), default=0)):
        for mode in modes:  # interleaved, so slow patches of a noisy machine hit every mode
            if i >= counts[mode]:
                continue
            try:
                if mode == long_mode:
                    run = spawn("chattui", None, args.encode, args.chunks)
                else:
                    run = spawn(mode, args.naive_cap or None, args.encode)
            except RuntimeError as exc:  # a measurement, not a test: report and go on
                errors.append(f"{mode} run {i + 1}: {exc}")
                say(f"[{i + 1}/{counts[mode]}] {mode:7s} FAILED: {exc}")
                continue
            runs[mode].append(run)
            say(f"[{i + 1}/{counts[mode]}] {mode:7s} wall {run['wall_s']:8.3f}s  "
                f"ui-cpu {run['ui_cpu_s']:8.3f}s  proc-cpu {run['process_cpu_s']:8.3f}s  "
                f"max-gap {1000 * (run['max_gap_s'] or 0):7.1f}ms  frames {run['frames']:4d}  "
                f"reflow {run['reflow_s']:6.2f}s  gc {run['gc_s']:5.2f}s  "
                f"rss +{run['rss_growth_mb']:6.1f}MB  "
                f"{'CAPPED ' if run['capped'] else ''}correct={run['correct']}")

    summary = {m: summarize(rs) for m, rs in runs.items() if rs}
    result: dict = {
        "benchmark": "stream_render", "machine": info, "elapsed_s": time.time() - started,
        "setup": {"size": SIZE, "chunks": CHUNKS, "long_chunks": args.chunks, "approx_tokens": APPROX_TOKENS, "quiet_s": QUIET,
                  "repeat": args.repeat, "naive_repeat": args.naive_repeat,
                  "naive_cap_s": args.naive_cap or None, "encode": args.encode},
        "runs": runs, "errors": errors, "median": summary, "ratios": {}, "targets": {},
    }
    app, naive, floor = summary.get("chattui"), summary.get("naive"), summary.get("floor")
    if app:
        result["targets"]["chattui_wall_le_1.5s"] = {"value": app["wall_s"], "ok": app["wall_s"] <= TARGET_WALL}
        result["targets"]["chattui_max_gap_le_100ms"] = {"value": app["max_gap_s"],
                                                         "ok": app["max_gap_s"] <= TARGET_GAP}
        result["targets"]["chattui_reply_correct"] = {"value": app["correct"], "ok": app["correct"]}
    if app and naive:
        speedup = ratio(naive["wall_s"], app["wall_s"])
        result["ratios"]["naive/chattui"] = {
            "wall": speedup, "ui_cpu": ratio(naive["ui_cpu_s"], app["ui_cpu_s"]),
            "process_cpu": ratio(naive["process_cpu_s"], app["process_cpu_s"]),
            "lower_bound": naive["capped"]}
        result["targets"]["speedup_naive_over_chattui_ge_10x"] = {
            "value": speedup, "ok": speedup >= TARGET_SPEEDUP, "lower_bound": naive["capped"],
            "conclusive": speedup >= TARGET_SPEEDUP or not naive["capped"]}
    long = summary.get(long_mode)
    if app and long:
        scale = long["chars"] / app["chars"]
        long_ratio = ratio(long["wall_s"], app["wall_s"])
        result["ratios"][f"{long_mode}/chattui"] = {
            "wall": long_ratio, "ui_cpu": ratio(long["ui_cpu_s"], app["ui_cpu_s"]),
            "process_cpu": ratio(long["process_cpu_s"], app["process_cpu_s"]),
            "text": scale, "rss_growth": ratio(long["rss_growth_mb"], app["rss_growth_mb"])}
        limit = TARGET_LONG_RATIO * args.chunks / (10 * CHUNKS)  # 12x for 10x the chunks and text
        result["targets"][f"chattui_{args.chunks}_chunks_le_{limit:g}x"] = {
            "value": long_ratio, "ok": long_ratio <= limit}
    if app and floor:
        result["ratios"]["chattui/floor"] = {
            "wall": ratio(app["wall_s"], floor["wall_s"]), "ui_cpu": ratio(app["ui_cpu_s"], floor["ui_cpu_s"]),
            "process_cpu": ratio(app["process_cpu_s"], floor["process_cpu_s"])}
    path = write_results("stream_render", result)

    if args.json:
        print_json(result)
        return 0
    rows = [[m + (" (capped: lower bounds)" if s["capped"] else ""), s["repeats"], s["wall_s"],
             s["ui_cpu_s"], s["process_cpu_s"], s["max_gap_s"] * 1000, s["worst_gap_s"] * 1000,
             s["first_frame_s"] * 1000, s["frames"], s["reflow_s"], s["render_s"], s["gc_s"],
             s["rss_growth_mb"], s["correct"]] for m, s in summary.items()]
    for name, r in result["ratios"].items():
        rows.append([name + (" (>=)" if r.get("lower_bound") else ""), "", r["wall"], r["ui_cpu"],
                     r["process_cpu"], "", "", "", "", "", "", "", r.get("rss_growth", ""), ""])
    print()
    print(f"stream_render: {CHUNKS} chunks, ~{APPROX_TOKENS} tokens, {SIZE[0]}x{SIZE[1]} headless, "
          f"medians; ratios are of the medians")
    print(table(["mode", "n", "wall s", "ui cpu s", "proc cpu s", "max gap ms", "worst gap ms",
                 "1st frame ms", "frames", "reflow s", "render s", "gc s", "rss +MB", "correct"], rows))
    print()
    for name, t in result["targets"].items():
        if t.get("lower_bound") and not t["ok"]:  # a capped naive run cannot fail the target
            print(f"????  {name}: >= {shown(t['value'])} (lower bound from a capped naive run: "
                  "rerun without --naive-cap)")
            continue
        print(target_line(name, t, " (lower bound)" if t.get("lower_bound") else ""))
    print_errors_and_path(errors, path)
    return 0


if __name__ == "__main__":
    main()
    sys.exit(0)

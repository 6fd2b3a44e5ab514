"""Benchmark: the installed `chattui` end to end in tmux, the way a user sees it.

Every figure is a wall-clock time from a process launch or a key press (`tmux new-session`
or `tmux send-keys` is called) to the moment the expected text appears in
`tmux capture-pane` (polled every `--poll` seconds, 15 ms by default). All sessions run on
this script's own tmux server (`tmux -L chattui-e2e-<pid>`, sessions `e2e-<n>`), 120x40,
with throwaway CHATTUI_DATA_DIR / CHATTUI_CONFIG_DIR, `CHATTUI_TOKENIZER=approx` (offline)
and a shared PYTHONPYCACHEPREFIX (an installed chattui has its bytecode). Rows, each with
the baseline measured in the same run:

* **launch**: `chattui --emulator` until the composer's border title (`▔ Message ▔`) and the
  footer are drawn (chattui's first frame, its start screen: the chat is built right after
  it), vs a bare Textual app with one Label launched the same way (the same interpreter in
  the same tmux) until its label is drawn.
* **long reply N**: the emulator serves `Reply.long_markdown(chunks=N)` (through
  `CHATTUI_EMULATOR_SCRIPT`, followed by one end-marker line) as fast as the client reads;
  Enter → the reply's last line visible. Baseline: the OpenAI SDK alone reading the same
  stream from an emulator in this process.
* **first / second send**: two 1-chunk replies; Enter → the reply visible. The first Enter
  comes `--type-delay` after the composer is drawn (a user types first), the second as long
  after the first reply is drawn.
* **open conversation**: `chattui --emulator --conversation ID` on an archive seeded with
  bench/open_conversation_data.py (a 5,000- and a 50-message conversation, each ending with a
  marker reply) → the last message visible; the 50-message one is the baseline.
* **open a long reply**: the same archive's conversation of 50 messages whose last reply is
  the 1000-chunk reply's text (~6k tokens), ending with its marker → that marker visible;
  the 50-message one is the baseline (no target: a reopened long reply is built lazily,
  all but its last screens).
* **home**: the same archive and launch; once the last message is drawn, the status bar has
  priced the session (`N turns`: work that follows the open, not Home's) and `--settle` has
  passed, Ctrl+Up (the log takes the focus), End, `--settle` again, then Home → the start of
  the first message visible (it must not be on screen before); the 50-message one is the
  baseline.

elia and oterm (the issue's other baselines): `--elia BIN --oterm BIN`, or `--rivals` for
the ones installed in /tmp/rivals (see bench/rivals.py), add their launch and reply rows
and a table of rival / chattui ratios. Runs are interleaved; the tables show medians.

`--speedups-ab` also runs chattui with TEXTUAL_SPEEDUPS=0 (Textual uses textual-speedups, when
installed, unless that is 0), interleaved, and prints on/off ratios.

Usage: python bench/e2e_tmux.py [--repeat 5] [--only launch,reply,send,open,home] [--speedups-ab]
       [--rivals | --elia BIN --oterm BIN] [--json]
Always exits 0; prints PASS/MISS per target and writes bench/results/e2e_tmux.json.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import _common
import rivals
from _common import machine, median, print_errors_and_path, print_json, ratio, table, target_line, write_results

COLUMNS, ROWS = 120, 40
TIMEOUT = 60.0
PYCACHE = _common.RESULTS_DIR / "pycache"
BIN = Path(sys.executable).parent
SOCKET = f"chattui-e2e-{os.getpid()}"
COMPOSER = ("▔ Message ▔", "Quit")
MINIMAL_APP = """
from textual.app import App
from textual.widgets import Label

class Minimal(App):
    def compose(self):
        yield Label("bench-minimal-ready")

Minimal().run()
"""
REPLY_SIZES = {1000: 6000, 300: 1800}  # chunks: approx tokens (the 1000-chunk ~6k-token reply)


class Tmux:
    """This script's own tmux server; sessions `e2e-<n>`; a keeper session holds it up."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.count = 0
        self.run("new-session", "-d", "-s", "e2e-keeper", "-x", "20", "-y", "5", "sleep 86400")

    def run(self, *args: str) -> str:
        done = subprocess.run(["tmux", "-L", SOCKET, *args], capture_output=True, text=True, env=self.env)
        return done.stdout

    def launch(self, command: str) -> tuple[str, float]:
        """A new session running `command`; its name and the time the launch began."""
        self.count += 1
        name = f"e2e-{self.count}"
        started = time.perf_counter()
        self.run("new-session", "-d", "-s", name, "-x", str(COLUMNS), "-y", str(ROWS), command)
        return name, started

    def screen(self, name: str) -> str:
        return self.run("capture-pane", "-p", "-t", name)

    def wait_for(self, name: str, markers: tuple[str, ...], poll: float, timeout: float = TIMEOUT) -> float:
        """perf_counter() at the first capture that shows every marker."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            text = self.screen(name)
            if all(m in text for m in markers):
                return time.perf_counter()
            time.sleep(poll)
        raise RuntimeError(f"{markers!r} not on screen within {timeout:.0f}s; screen:\n{self.screen(name)}")

    def keys(self, name: str, *keys: str) -> float:
        started = time.perf_counter()
        self.run("send-keys", "-t", name, *keys)
        return started

    def kill(self, name: str) -> None:
        self.run("kill-session", "-t", name)

    def close(self) -> None:
        self.run("kill-server")


def clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("COLUMNS", "LINES", "PYTHONDONTWRITEBYTECODE", "TMUX", "TMUX_PANE")
           and not k.startswith(("CHATTUI_", "OPENAI_", "ANTHROPIC_", "GEMINI_"))}
    env.update(TERM="xterm-256color", PYTHONPYCACHEPREFIX=str(PYCACHE))
    return env


def command(argv: list[str], home: Path, speedups: str = "1", **extra: str) -> str:
    """A shell command for tmux: throwaway dirs, the approximate tokenizer, Textual's Rust
    speedups on or off (when textual-speedups is installed), then argv."""
    variables = dict(CHATTUI_DATA_DIR=str(home / "data"), CHATTUI_CONFIG_DIR=str(home / "config"),
                     CHATTUI_TOKENIZER="approx", PYTHONPYCACHEPREFIX=str(PYCACHE),
                     TEXTUAL_SPEEDUPS=speedups, **extra)
    return "exec env " + " ".join(f"{k}={shlex.quote(v)}" for k, v in variables.items()) + " " + shlex.join(argv)


CHATTUI = [str(BIN / "chattui"), "--emulator"]
BARE = [sys.executable, "-c", MINIMAL_APP]


def end_marker(chunks: int) -> str:
    return f"bench-reply-end-{chunks}"


def long_reply(chunks: int) -> dict:
    from chattui.emulator.script import long_markdown

    return {"text": long_markdown(REPLY_SIZES[chunks]) + f"{end_marker(chunks)}\n", "chunks": chunks}


# --------------------------------------------------------------------------- measures


def measure_launch(tmux: Tmux, which: str, poll: float, speedups: str = "1") -> float:
    with tempfile.TemporaryDirectory(prefix="chattui-e2e-") as tmp:
        argv, markers = (CHATTUI, COMPOSER) if which == "chattui" else (BARE, ("bench-minimal-ready",))
        name, started = tmux.launch(command(argv, Path(tmp), speedups))
        try:
            return tmux.wait_for(name, markers, poll) - started
        finally:
            tmux.kill(name)


def with_script(tmp: Path, replies: list[dict]) -> str:
    path = tmp / "script.json"
    path.write_text(json.dumps(replies))
    return str(path)


def measure_reply(tmux: Tmux, chunks: int, poll: float, settle: float, speedups: str = "1") -> float:
    """Enter → the long reply's last line on screen (the app settled first)."""
    with tempfile.TemporaryDirectory(prefix="chattui-e2e-") as tmp:
        home = Path(tmp)
        name, _ = tmux.launch(command(CHATTUI, home, speedups, CHATTUI_EMULATOR_SCRIPT=with_script(
            home, [{"text": "warm-up reply", "chunks": 1}, long_reply(chunks)])))
        try:
            tmux.wait_for(name, COMPOSER, poll)
            time.sleep(settle)
            tmux.keys(name, "-l", "warm up")
            tmux.keys(name, "Enter")
            tmux.wait_for(name, ("warm-up reply",), poll)
            time.sleep(settle)
            tmux.keys(name, "-l", "write at length")
            tmux.wait_for(name, ("write at length",), poll)
            started = tmux.keys(name, "Enter")
            return tmux.wait_for(name, (end_marker(chunks),), poll / 2) - started
        finally:
            tmux.kill(name)


def measure_sdk_alone(chunks: int) -> float:
    """The OpenAI SDK alone reading the same stream from an in-process emulator."""
    import openai

    from chattui.emulator import Emulator, Reply

    with Emulator() as emulator:
        client = openai.OpenAI(api_key="bench", base_url=emulator.openai_base_url)
        emulator.queue(Reply(**long_reply(chunks)))
        started = time.perf_counter()
        stream = client.chat.completions.create(model="gpt-4.1-mini", stream=True,
                                                messages=[{"role": "user", "content": "go"}])
        text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
        elapsed = time.perf_counter() - started
        client.close()
    if end_marker(chunks) not in text:
        raise RuntimeError("the SDK did not read the whole reply")
    return elapsed


def measure_sends(tmux: Tmux, poll: float, type_delay: float) -> tuple[float, float]:
    """Enter → a 1-chunk reply on screen: the first send of the process, then the second."""
    with tempfile.TemporaryDirectory(prefix="chattui-e2e-") as tmp:
        home = Path(tmp)
        name, _ = tmux.launch(command(CHATTUI, home, CHATTUI_EMULATOR_SCRIPT=with_script(
            home, [{"text": "bench-first-reply", "chunks": 1}, {"text": "bench-second-reply", "chunks": 1}])))
        try:
            shown = tmux.wait_for(name, COMPOSER, poll)
            tmux.keys(name, "-l", "one")
            time.sleep(max(0.0, shown + type_delay - time.perf_counter()))
            started = tmux.keys(name, "Enter")
            first = tmux.wait_for(name, ("bench-first-reply",), poll / 2) - started
            tmux.keys(name, "-l", "two")
            time.sleep(type_delay)
            started = tmux.keys(name, "Enter")
            second = tmux.wait_for(name, ("bench-second-reply",), poll / 2) - started
            return first, second
        finally:
            tmux.kill(name)


LONG = "long"
"""The archive's third conversation: 50 messages, the last a 6k-token reply (REPLY_SIZES[1000])."""


def seed_archive(folder: Path, sizes: tuple[int, ...]) -> dict[int | str, str]:
    """One archive: a conversation of each size, each ending with a marker reply, and one
    of 50 messages whose last reply is long (`LONG`), ending with its marker; size → id.
    The same seed for each: they start with the same messages (the first screen is the same)."""
    from chattui.core.models import COMPLETE, TurnMeta, TurnResult
    from chattui.core.usage import Usage
    from chattui.emulator.script import long_markdown
    from chattui.store import Store, database_path
    from open_conversation_data import make_conversation

    store = Store(database_path(folder))
    ids: dict[int | str, str] = {}
    entries: list[int | str] = [*sizes, LONG]
    try:
        for size in entries:
            conversation = make_conversation(store, messages=(size if isinstance(size, int) else 50) - 2, seed=7)
            user = store.add_user_message(conversation.id, "and the last question?")
            meta = TurnMeta("openai", "gpt-4.1-mini", "api.openai.com", "assistant", "bench-prefix", "chat")
            turn = store.start_turn(conversation.id, user.id, meta)
            text = (long_markdown(REPLY_SIZES[1000]) + "\n") if size == LONG else ""
            store.finish_turn(turn, TurnResult(COMPLETE, f"{text}bench-last-message-{size}",
                                               Usage(input_total=10, output=5), 0.0, "chatcmpl-end",
                                               finish_reason="stop"))
            ids[size] = conversation.id
    finally:
        store.close()
    return ids


@contextmanager
def opened(tmux: Tmux, archive: Path, conversation_id: str, speedups: str = "1"):
    """`chattui --conversation ID` launched on a fresh copy of `archive` (a reopen writes:
    drafts, interrupted marks): (its tmux name, the launch time); killed at the end."""
    with tempfile.TemporaryDirectory(prefix="chattui-e2e-") as tmp:
        shutil.copytree(archive, Path(tmp) / "data")
        name, started = tmux.launch(command(CHATTUI + ["--conversation", conversation_id], Path(tmp), speedups))
        try:
            yield name, started
        finally:
            tmux.kill(name)


def measure_open(tmux: Tmux, archive: Path, size: int | str, conversation_id: str, poll: float,
                 speedups: str = "1") -> float:
    with opened(tmux, archive, conversation_id, speedups) as (name, started):
        return tmux.wait_for(name, (f"bench-last-message-{size}",), poll) - started


def first_line_marker(archive: Path, conversation_id: str) -> str:
    """The start of the conversation's first message (short enough to fit one log line)."""
    from chattui.store import Store, database_path

    store = Store(database_path(archive))
    try:
        first = store.messages(conversation_id)[0].content
    finally:
        store.close()
    return first.strip().splitlines()[0][:40].strip()


def measure_home(tmux: Tmux, archive: Path, size: int, conversation_id: str, poll: float,
                 settle: float) -> float:
    """Open the conversation, let it settle, focus the log (Ctrl+Up), End, then Home: the
    key press → the first message's text visible."""
    marker = first_line_marker(archive, conversation_id)
    with opened(tmux, archive, conversation_id) as (name, _):
        tmux.wait_for(name, (f"bench-last-message-{size}",), poll)
        tmux.wait_for(name, (f" · {size // 2} turns · ",), poll)  # the session priced (after the open)
        time.sleep(settle)  # the rows before the first page are read
        tmux.keys(name, "C-Up")
        tmux.keys(name, "End")
        tmux.wait_for(name, (f"bench-last-message-{size}",), poll)
        time.sleep(settle)
        if marker in tmux.screen(name):
            raise RuntimeError(f"{marker!r} is on screen before Home")
        started = tmux.keys(name, "Home")
        return tmux.wait_for(name, (marker,), poll / 2) - started


# --------------------------------------------------------------------------- main


def run_all(args, say) -> tuple[dict[str, list[float]], list[str]]:
    runs: dict[str, list[float]] = {}
    errors: list[str] = []
    tmux = Tmux(clean_env())
    archive = Path(tempfile.mkdtemp(prefix="chattui-e2e-archive-"))
    rival_apps = rivals.Rivals(rivals.find(args.elia, args.oterm, args.rivals))
    try:
        ids = seed_archive(archive, (5000, 50)) if args.only & {"open", "home"} else {}
        jobs = []
        if "launch" in args.only:
            jobs += [("launch: bare Textual (one Label)", lambda: measure_launch(tmux, "bare", args.poll)),
                     ("launch: chattui --emulator", lambda: measure_launch(tmux, "chattui", args.poll))]
        if "send" in args.only:
            jobs.append(("send", lambda: measure_sends(tmux, args.poll, args.type_delay)))
        if "reply" in args.only:
            for chunks in args.sizes:
                jobs += [(f"reply {chunks}: SDK alone", lambda c=chunks: measure_sdk_alone(c)),
                         (f"reply {chunks}: chattui", lambda c=chunks: measure_reply(tmux, c, args.poll, args.settle))]
        if "open" in args.only:
            for size in (50, 5000, LONG):
                jobs.append((f"open {size}", lambda s=size: measure_open(tmux, archive, s, ids[s], args.poll)))
        if "home" in args.only:
            for size in (50, 5000):
                jobs.append((f"home {size}", lambda s=size: measure_home(tmux, archive, s, ids[s], args.poll,
                                                                         args.settle)))
        if args.speedups_ab:  # the same measures with Textual's Rust speedups off, interleaved
            jobs += speedups_off_jobs(tmux, archive, ids, args)
        jobs += rival_apps.jobs(tmux, args, args.sizes, long_reply, end_marker)  # elia, oterm (bench/rivals.py)
        for name, job in jobs:  # untimed: fill the bytecode cache
            if not name.startswith(("reply", "open 5000", "home 5000")):
                try:
                    job()
                except Exception as exc:  # noqa: BLE001 - reported, the run goes on
                    errors.append(f"{name} warm-up: {exc}")
        for i in range(args.repeat):
            for name, job in jobs:  # interleaved against the machine's noise
                try:
                    value = job()
                except Exception as exc:  # noqa: BLE001 - reported, the run goes on
                    errors.append(f"{name} run {i + 1}: {exc}")
                    say(f"[{i + 1}/{args.repeat}] {name:36s} FAILED: {str(exc).splitlines()[0]}")
                    continue
                if name == "send":
                    runs.setdefault("send: first", []).append(value[0])
                    runs.setdefault("send: second", []).append(value[1])
                    say(f"[{i + 1}/{args.repeat}] {'send: first / second':36s} {value[0]:.3f}s / {value[1]:.3f}s")
                else:
                    runs.setdefault(name, []).append(value)
                    say(f"[{i + 1}/{args.repeat}] {name:36s} {value:.3f}s")
    finally:
        tmux.close()
        rival_apps.close()
        shutil.rmtree(archive, ignore_errors=True)
    return runs, errors


def speedups_off_jobs(tmux: Tmux, archive: Path, ids: dict[int | str, str], args) -> list:
    off = []
    if "launch" in args.only:
        off.append(("launch: chattui, no speedups", lambda: measure_launch(tmux, "chattui", args.poll, "0")))
    if "reply" in args.only:
        off += [(f"reply {c}: chattui, no speedups", lambda c=c: measure_reply(tmux, c, args.poll, args.settle, "0"))
                for c in args.sizes]
    if "open" in args.only:
        off.append(("open 5000, no speedups",
                    lambda: measure_open(tmux, archive, 5000, ids[5000], args.poll, "0")))
    return off


def speedups_rows(med: dict[str, float]) -> list[list]:
    """With/without Textual's Rust speedups (`--speedups-ab`): ratio < 1 means they help."""
    rows = []
    for on, off in (("launch: chattui --emulator", "launch: chattui, no speedups"),
                    ("reply 1000: chattui", "reply 1000: chattui, no speedups"),
                    ("reply 300: chattui", "reply 300: chattui, no speedups"),
                    ("open 5000", "open 5000, no speedups")):
        if off in med and on in med:
            rows.append([on, med[on], med[off], ratio(med[on], med[off])])
    return rows


def summarize(med: dict[str, float]) -> tuple[list[list], dict[str, dict]]:
    """Table rows (measure, chattui s, baseline, baseline s, ratio) and the targets."""
    def get(key: str) -> float:
        return med.get(key, float("nan"))

    rows, targets = [], {}
    app, bare = get("launch: chattui --emulator"), get("launch: bare Textual (one Label)")
    if app == app:
        rows.append(["launch → composer visible", app, "bare Textual app, one Label", bare, ratio(app, bare)])
        targets["launch_le_1.5x_bare_textual"] = {"value": ratio(app, bare), "ok": ratio(app, bare) <= 1.5}
    for chunks, target in ((1000, 1.2), (300, 0.4)):
        mine, sdk = get(f"reply {chunks}: chattui"), get(f"reply {chunks}: SDK alone")
        if mine == mine:
            rows.append([f"{chunks}-chunk reply: Enter → last line", mine, "OpenAI SDK alone reads it", sdk,
                         ratio(mine, sdk)])
            targets[f"reply_{chunks}_le_{target}s"] = {"value": mine, "ok": mine <= target}
    first, second = get("send: first"), get("send: second")
    if first == first:
        rows.append(["first send (1-chunk reply)", first, "second send", second, ratio(first, second)])
        targets["first_send_within_50ms_of_second"] = {"value": first - second, "ok": first - second <= 0.05}
    big, small = get("open 5000"), get("open 50")
    if big == big:
        rows.append(["open 5,000 messages → last visible", big, "open 50 messages", small, ratio(big, small)])
        targets["open_5000_le_1.1x_50"] = {"value": ratio(big, small), "ok": ratio(big, small) <= 1.1}
    long, small = get(f"open {LONG}"), get("open 50")
    if long == long:
        rows.append(["open 50 messages, the last a 6k-token reply", long, "open 50 messages", small,
                     ratio(long, small)])
    big, small = get("home 5000"), get("home 50")
    if big == big:
        rows.append(["5,000 messages: Home → first visible", big, "50 messages: Home", small, ratio(big, small)])
        targets["home_5000_le_1s"] = {"value": big, "ok": big <= 1.0}
    return rows, targets


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=5, help="runs per measure (default 5)")
    ap.add_argument("--only", default="launch,send,reply,open,home",
                    help="comma-separated: launch, send, reply, open, home (default all)")
    ap.add_argument("--sizes", default="1000,300",
                    help="comma-separated reply sizes in chunks, of 1000 and 300 (default both)")
    ap.add_argument("--poll", type=float, default=0.015, help="capture-pane interval, s (default 0.015)")
    ap.add_argument("--type-delay", type=float, default=1.0,
                    help="s from the composer (or the first reply) drawn to Enter (default 1.0)")
    ap.add_argument("--settle", type=float, default=1.0, help="s to let the app settle before a long reply")
    ap.add_argument("--speedups-ab", action="store_true",
                    help="also run chattui with TEXTUAL_SPEEDUPS=0 (textual-speedups installed: on vs off)")
    ap.add_argument("--elia", help="an elia binary to measure in the same run (see bench/rivals.py)")
    ap.add_argument("--oterm", help="an oterm binary to measure in the same run (see bench/rivals.py)")
    ap.add_argument("--rivals", action="store_true", help=f"elia and oterm from {rivals.RIVALS_DIR}/*/bin")
    ap.add_argument("--json", action="store_true", help="print JSON instead of the table")
    args = ap.parse_args(argv)
    args.only = set(args.only.split(","))
    args.sizes = [int(size) for size in args.sizes.split(",") if int(size) in REPLY_SIZES]
    say = (lambda line: print(line, file=sys.stderr, flush=True)) if args.json else (
        lambda line: print(line, flush=True))
    if not shutil.which("tmux") or not (BIN / "chattui").exists():
        print("SKIP  needs tmux and chattui installed in this interpreter's environment")
        return 0
    PYCACHE.mkdir(parents=True, exist_ok=True)
    info = machine()
    runs, errors = run_all(args, say)
    med = {name: median(values) for name, values in runs.items()}
    rows, targets = summarize(med)
    rival_rows, rival_targets = rivals.summarize(med, ["elia", "oterm"])
    targets.update(rival_targets)
    missing = [name for name in ("elia", "oterm") if not any(f": {name}" in key for key in runs)]
    result = {"benchmark": "e2e_tmux", "machine": info,
              "setup": {"size": [COLUMNS, ROWS], "repeat": args.repeat, "poll_s": args.poll,
                        "type_delay_s": args.type_delay, "settle_s": args.settle},
              "runs": runs, "median_s": med, "targets": targets, "errors": errors,
              "not_installed": missing, "rivals_out_of_view": dict(rivals.LOST)}
    path = write_results("e2e_tmux", result)
    if args.json:
        print_json(result)
        return 0
    print(f"\ne2e_tmux: the installed chattui in tmux {COLUMNS}x{ROWS}, median of {args.repeat}, "
          f"capture-pane every {args.poll * 1000:.0f} ms (load {info['loadavg_1m']:.2f}, {info['cpus']} cpus)")
    print(table(["measure", "chattui s", "baseline (same run)", "baseline s", "ratio"], rows))
    if rows := speedups_rows(med):
        installed = importlib.util.find_spec("textual_speedups") is not None
        print(f"\ntextual-speedups ({'installed' if installed else 'NOT installed: both columns are the same code'}):")
        print(table(["measure", "speedups on s", "off s", "on / off"], rows))
    if rival_rows:
        print("\n" + table(["measure", "chattui s", "rival", "rival s", "rival / chattui"], rival_rows))
        print(rivals.notes())
    if missing:
        print(f"\n{' and '.join(missing)} not measured: no figure for {'them' if len(missing) > 1 else 'it'} "
              "(install them in /tmp/rivals and pass --rivals; see bench/rivals.py)")
    print()
    for name, target in targets.items():
        print(target_line(name, target))
    print_errors_and_path(errors, path)
    return 0


if __name__ == "__main__":
    main()
    sys.exit(0)

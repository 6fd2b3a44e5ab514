"""Benchmark: launch to the first interactive frame.

`python -m chattui` is spawned in a real pseudo-terminal (120x40 set with TIOCSWINSZ,
TERM=xterm-256color, temporary CHATTUI_DATA_DIR / CHATTUI_CONFIG_DIR, an OPENAI_API_KEY and
`--base-url` pointing at a dead local port: nothing is sent at start-up). The benchmark reads
the terminal's output and strips the escape sequences; the time of the first frame is when
every marker of a complete screen has been drawn, for chattui:

* the header's title `chattui`,
* the composer's border title `Message`,
* the footer's `Quit` key description (on the start screen, chattui's first frame: the
  chat screen that replaces it right after has the same header, composer and footer).

Then the process is killed (by its pid). Baselines, measured the same way in the same run:

* `python -c pass`: a bare interpreter, spawn to exit,
* a minimal Textual app (one Label) in the same pseudo-terminal, until its label is drawn.

Every command runs `--repeat` times (default 7), interleaved; the table shows medians and
chattui's ratio to the minimal Textual app.

Bytecode: this machine sets PYTHONDONTWRITEBYTECODE=1, and chattui is installed editable,
so without care every launch would compile chattui's modules from source, which no
installed copy does. The benchmark points PYTHONPYCACHEPREFIX at bench/results/pycache for
every command and launches each command once, untimed, to fill it.

When chattui misses its target, the benchmark also runs one launch under `-X importtime`
(the import log goes to the same terminal and is picked out of its output) and lists the
slowest imports up to the first frame.

Usage: /tmp/venv/bin/python bench/startup.py [--repeat 7] [--json]
Always exits 0; prints PASS/MISS per target and writes bench/results/startup.json.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

import _common
from _common import (
    machine, median, print_errors_and_path, print_json, ratio, table, target_line, write_results,
)

COLUMNS, ROWS = 120, 40
TIMEOUT = 30.0
TARGET = 0.6  # seconds, launch to chattui's first interactive frame
PYCACHE = _common.RESULTS_DIR / "pycache"

MINIMAL_APP = """
from textual.app import App
from textual.widgets import Label

class Minimal(App):
    def compose(self):
        yield Label("bench-minimal-ready")

Minimal().run()
"""

COMMANDS = {
    # name: (argv after the interpreter, markers of the first frame; None = wait for exit)
    "python -c pass": (["-c", "pass"], None),
    "minimal textual app": (["-c", MINIMAL_APP], ["bench-minimal-ready"]),
    "chattui": (["-m", "chattui", "--base-url", "http://127.0.0.1:9/v1"],
                ["chattui", "Message", "Quit"]),
}

# CSI, OSC, DCS/SOS/PM/APC strings and two-byte escapes.
_ESCAPES = re.compile(rb"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[PX^_][^\x1b]*\x1b\\|[@-Z\\-_])")


def environment(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("COLUMNS", "LINES", "PYTHONDONTWRITEBYTECODE", "PYTHONPROFILEIMPORTTIME")
           and not k.startswith(("CHATTUI_", "OPENAI_", "ANTHROPIC_", "GEMINI_"))}
    env.update(TERM="xterm-256color", CHATTUI_TOKENIZER="approx", OPENAI_API_KEY="sk-bench-0000000000000000",
               CHATTUI_DATA_DIR=str(home / "data"), CHATTUI_CONFIG_DIR=str(home / "config"),
               PYTHONPYCACHEPREFIX=str(PYCACHE))
    return env


def launch(args: list[str], markers: list[str] | None, extra: list[str] = ()) -> tuple[float, bytes]:
    """Spawn `python [extra] args` in a 120x40 pty; seconds until every marker is drawn (or exit)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
    with tempfile.TemporaryDirectory(prefix="chattui-startup-") as tmp:
        home = Path(tmp)
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, *extra, *args], stdin=slave, stdout=slave, stderr=slave,
                                env=environment(home), cwd=home, start_new_session=True, close_fds=True)
        os.close(slave)
        output = b""
        wanted = [m.encode() for m in markers or ()]
        elapsed = None
        try:
            if not wanted:  # run to exit
                proc.wait(TIMEOUT)
                elapsed = time.perf_counter() - started
            while elapsed is None and time.perf_counter() - started < TIMEOUT:
                ready, _, _ = select.select([master], [], [], 0.05)
                if ready:
                    try:
                        data = os.read(master, 1 << 16)
                    except OSError:  # EIO: the child closed the terminal
                        data = b""
                    now = time.perf_counter()
                    output += data
                    if data:
                        text = _ESCAPES.sub(b"", output)
                        if all(m in text for m in wanted):
                            elapsed = now - started
                            break
                    if not data and proc.poll() is not None:
                        break
                if proc.poll() is not None and not ready:
                    break  # exited without drawing the markers
        except subprocess.TimeoutExpired:
            pass
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            os.close(master)
    if elapsed is None:
        tail = _ESCAPES.sub(b"", output)[-1500:].decode(errors="replace")
        raise RuntimeError(f"no first frame within {TIMEOUT:.0f}s (exit {proc.returncode}); output tail:\n{tail}")
    return elapsed, output


def import_costs(top: int = 12) -> dict:
    """One chattui launch under -X importtime; the slowest imports up to the first frame."""
    args, markers = COMMANDS["chattui"]
    _, output = launch(args, markers, extra=["-X", "importtime"])
    rows = []
    for line in output.replace(b"\r", b"").split(b"\n"):
        line = _ESCAPES.sub(b"", line).decode(errors="replace")
        at = line.find("import time:")
        if at < 0:
            continue
        fields = line[at + len("import time:"):].split("|")
        if len(fields) != 3 or not fields[0].strip().isdigit():
            continue
        name = fields[2]
        depth = (len(name) - len(name.lstrip(" ")) - 1) // 2
        rows.append({"module": name.strip(), "self_us": int(fields[0]), "cumulative_us": int(fields[1]),
                     "depth": depth})
    top_level = sorted((r for r in rows if r["depth"] == 0), key=lambda r: -r["cumulative_us"])[:top]
    by_self = sorted(rows, key=lambda r: -r["self_us"])[:top]
    return {"modules": len(rows), "total_self_s": sum(r["self_us"] for r in rows) / 1e6,
            "top_level_by_cumulative": top_level, "by_self": by_self}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=7, help="launches per command (default 7)")
    ap.add_argument("--json", action="store_true", help="print JSON instead of the table")
    args = ap.parse_args(argv)
    say = (lambda line: print(line, file=sys.stderr, flush=True)) if args.json else (
        lambda line: print(line, flush=True))

    PYCACHE.mkdir(parents=True, exist_ok=True)
    info = machine()  # the commit measured: taken before the runs
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    errors: list[str] = []
    for name, (cmd, markers) in COMMANDS.items():  # untimed: fill the bytecode cache
        try:
            launch(cmd, markers)
        except RuntimeError as exc:
            errors.append(f"{name} warm-up: {exc}")
    for i in range(args.repeat):
        for name, (cmd, markers) in COMMANDS.items():  # interleaved against machine noise
            try:
                seconds, _ = launch(cmd, markers)
            except RuntimeError as exc:
                errors.append(f"{name} run {i + 1}: {exc}")
                say(f"[{i + 1}/{args.repeat}] {name:20s} FAILED: {exc.args[0].splitlines()[0]}")
                continue
            times[name].append(seconds)
            say(f"[{i + 1}/{args.repeat}] {name:20s} {seconds:.3f}s")

    med = {name: median(ts) for name, ts in times.items()}
    app, minimal, bare = med["chattui"], med["minimal textual app"], med["python -c pass"]
    result: dict = {
        "benchmark": "startup", "machine": info,
        "setup": {"size": [COLUMNS, ROWS], "repeat": args.repeat, "term": "xterm-256color",
                  "markers": {n: m for n, (_, m) in COMMANDS.items()}},
        "runs": times, "errors": errors,
        "median_s": med,
        "ratios": {"chattui/minimal_textual": ratio(app, minimal), "chattui/python": ratio(app, bare),
                   "minimal_textual/python": ratio(minimal, bare)},
        "targets": {"chattui_first_frame_le_0.6s": {"value": app, "ok": app <= TARGET}},
    }
    if not app <= TARGET:
        try:
            result["imports"] = import_costs()
        except RuntimeError as exc:
            errors.append(f"importtime launch: {exc}")
    path = write_results("startup", result)

    if args.json:
        print_json(result)
        return 0
    print()
    print(f"startup: launch to first interactive frame in a {COLUMNS}x{ROWS} pty, median of {args.repeat}")
    rows = [[name, len(times[name]), med[name], min(times[name], default=float("nan")),
             max(times[name], default=float("nan")), ratio(med[name], minimal), ratio(med[name], bare)]
            for name in COMMANDS]
    print(table(["command", "n", "median s", "min s", "max s", "x minimal", "x python"], rows))
    print()
    for name, t in result["targets"].items():
        print(target_line(name, t))
    if "imports" in result:
        imports = result["imports"]
        print(f"\nimports up to the first frame (one -X importtime launch; {imports['modules']} modules, "
              f"{imports['total_self_s']:.3f}s summed self time):")
        print(table(["top-level import", "cumulative ms", "self ms"],
                    [[r["module"], r["cumulative_us"] / 1000, r["self_us"] / 1000]
                     for r in imports["top_level_by_cumulative"]]))
        print()
        print(table(["module (by self time)", "self ms", "cumulative ms"],
                    [[r["module"], r["self_us"] / 1000, r["cumulative_us"] / 1000] for r in imports["by_self"]]))
    print_errors_and_path(errors, path)
    return 0


if __name__ == "__main__":
    main()
    sys.exit(0)

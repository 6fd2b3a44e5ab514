"""elia and oterm, the issue's rival clients, measured by bench/e2e_tmux.py in the same run.

Each rival runs from its own throwaway venv (never a dependency of chattui):

    python3 -m venv /tmp/rivals/elia && /tmp/rivals/elia/bin/pip install elia-chat==1.10.0
    python3 -m venv /tmp/rivals/oterm && /tmp/rivals/oterm/bin/pip install oterm==0.26.1

`e2e_tmux.py --elia BIN --oterm BIN` (or `--rivals auto`: /tmp/rivals/*/bin/{elia,oterm})
adds, interleaved with chattui's runs, the same rows as chattui's:

* **launch**: `tmux new-session` → the rival's composer and footer drawn.
* **reply N**: one short turn, then Enter → the last line of the same
  `long_markdown` reply chattui gets (an end-marker line appended) on screen.

Both talk to chattui's emulator over loopback, as an OpenAI-compatible server: one
`Emulator` in this process, whose queue is filled just before each launch (a rival is
measured alone, so its generation requests take exactly the queued replies). chattui's own
`--emulator` runs inside chattui's process; a rival's runs in this one, a small advantage
to the rival on a loaded machine. Every launch gets throwaway config/data dirs, and
HTTP(S)_PROXY pointing at a closed loopback port (NO_PROXY for 127.0.0.1), so the rivals'
update checks and litellm's price-list download fail at once instead of leaving the machine.

* elia (Textual + litellm): `XDG_CONFIG_HOME/elia/config.toml` lists one model
  `openai/gpt-4.1-mini` with `api_base` = the emulator's /v1 and a key; sends with Ctrl+J.
* oterm (Textual + pydantic-ai): `OTERM_DATA_DIR/config.json` declares an
  `openaiCompatible` endpoint `bench` (base_url + key), and a chat on
  `openai-compat/bench` / `gpt-4.1-mini` is seeded in its store.db (with oterm's own
  Store, once per run) so the launch opens on it; sends with Enter. The issue saw oterm
  finish a long reply only when End was pressed (it does not follow the reply by itself;
  seen here too): Shift+Tab (focus its chat log) once, then End every `END_EVERY` s while
  waiting for oterm's end marker.
"""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RIVALS_DIR = Path("/tmp/rivals")
TIMEOUT = 240.0
END_EVERY = 0.25
MODEL = "gpt-4.1-mini"
LOST: dict[str, int] = {}
"""Per rival, in this run: replies that ended out of view (it stopped following them)."""
DEAD_PROXY = "http://127.0.0.1:9"  # nothing listens: a request to the internet fails at once
SEED_OTERM = """
import asyncio, sys
from oterm.store.store import Store
from oterm.types import ChatModel

async def main():
    store = await Store.get_store()
    await store.save_chat(ChatModel(name="bench", model=sys.argv[1], provider="openai-compat/bench"))

asyncio.run(main())
"""


@dataclass(frozen=True)
class Rival:
    """How to launch one rival in tmux and read its screen."""

    name: str
    binary: Path
    ready: tuple[str, ...]
    """On screen once the composer is usable (the launch figure)."""
    send: str
    """The key that sends the composer's text."""
    follow: tuple[str, ...] = ()
    """Keys pressed every END_EVERY s while waiting for the reply's end (oterm: End), after
    Shift+Tab once (the composer has the focus: it moves to the chat log)."""
    busy: tuple[str, ...] = ()
    """On screen while a reply streams (elia's status line): gone = the reply is complete."""

    def env(self, home: Path, base_url: str) -> dict[str, str]:
        """Write the rival's throwaway config under `home`; its environment."""
        if self.name == "elia":
            config = home / "config" / "elia"
            config.mkdir(parents=True)
            (config / "config.toml").write_text(
                'default_model = "bench"\n\n[[models]]\nid = "bench"\n'
                f'name = "openai/{MODEL}"\ndisplay_name = "Bench"\n'
                f'api_base = "{base_url}"\napi_key = "bench"\n')
            return {"XDG_CONFIG_HOME": str(home / "config"), "XDG_DATA_HOME": str(home / "data"),
                    "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
        return {"OTERM_DATA_DIR": str(home / "oterm")}

    def command(self, home: Path, base_url: str) -> str:
        variables = {"HTTP_PROXY": DEAD_PROXY, "HTTPS_PROXY": DEAD_PROXY, "http_proxy": DEAD_PROXY,
                     "https_proxy": DEAD_PROXY, "NO_PROXY": "127.0.0.1,localhost",
                     "no_proxy": "127.0.0.1,localhost", **self.env(home, base_url)}
        return ("exec env -u PYTHONPYCACHEPREFIX " + " ".join(f"{k}={shlex.quote(v)}" for k, v in variables.items())
                + " " + shlex.quote(str(self.binary)))


def elia(binary: Path) -> Rival:
    return Rival("elia", binary, ready=("Enter your message", "Send message"), send="C-j",
                 busy=("Awaiting response", "Agent is responding"))


def oterm(binary: Path) -> Rival:
    return Rival("oterm", binary, ready=(f"model: {MODEL}", "submit"), send="Enter", follow=("End",))


def find(elia_bin: str | None, oterm_bin: str | None, auto: bool) -> list[Rival]:
    """The rivals asked for (`--elia`, `--oterm`), or with `auto` the ones in RIVALS_DIR."""
    found = []
    for make, given in ((elia, elia_bin), (oterm, oterm_bin)):
        name = make.__name__
        path = Path(given) if given else RIVALS_DIR / name / "bin" / name if auto else None
        if path is not None and path.exists():
            found.append(make(path))
    return found


class Rivals:
    """The rivals of one e2e_tmux run: their emulator, a seeded oterm store, their jobs."""

    def __init__(self, rivals: list[Rival]) -> None:
        from chattui.emulator import Emulator

        self.rivals = rivals
        self.emulator = Emulator(models=[MODEL]).start() if rivals else None
        self.oterm_template: Path | None = None

    def close(self) -> None:
        if self.emulator is not None:
            self.emulator.stop()
        if self.oterm_template is not None:
            shutil.rmtree(self.oterm_template, ignore_errors=True)

    # -- preparing a launch ----------------------------------------------------------
    def _home(self, rival: Rival, tmp: Path) -> str:
        """Throwaway dirs for one launch; the tmux command."""
        assert self.emulator is not None
        base_url = self.emulator.openai_base_url
        if rival.name == "oterm":
            shutil.copytree(self._oterm_store(rival, base_url), tmp / "oterm")
        return rival.command(tmp, base_url)

    def _oterm_store(self, rival: Rival, base_url: str) -> Path:
        """An oterm data dir with the endpoint and one chat on it, made once per run."""
        if self.oterm_template is None:
            folder = Path(tempfile.mkdtemp(prefix="chattui-e2e-oterm-"))
            (folder / "config.json").write_text(json.dumps({
                "theme": "textual-dark", "splash-screen": False,
                "openaiCompatible": {"bench": {"base_url": base_url, "api_key": "bench"}}}))
            python = rival.binary.parent / "python"
            subprocess.run([str(python), "-c", SEED_OTERM, MODEL], check=True, capture_output=True,
                           env={"OTERM_DATA_DIR": str(folder), "PATH": "/usr/bin:/bin",
                                "HTTPS_PROXY": DEAD_PROXY, "NO_PROXY": "127.0.0.1"})
            self.oterm_template = folder
        return self.oterm_template

    def _queue(self, *replies: dict[str, Any]) -> None:
        from chattui.emulator import Reply

        assert self.emulator is not None
        self.emulator.clear_queue()  # a fresh queue for each launch
        self.emulator.queue(*(Reply(**r) for r in replies))

    # -- measures --------------------------------------------------------------------
    def measure_launch(self, tmux, rival: Rival, poll: float) -> float:
        with tempfile.TemporaryDirectory(prefix="chattui-e2e-rival-") as tmp:
            name, started = tmux.launch(self._home(rival, Path(tmp)))
            try:
                return tmux.wait_for(name, rival.ready, poll, TIMEOUT) - started
            finally:
                tmux.kill(name)

    def measure_reply(self, tmux, rival: Rival, reply: dict[str, Any], marker: str, poll: float,
                      settle: float) -> float:
        """As e2e_tmux.measure_reply: a short turn, then Enter → `marker` on screen."""
        with tempfile.TemporaryDirectory(prefix="chattui-e2e-rival-") as tmp:
            self._queue({"text": "warm-up reply", "chunks": 1}, reply)
            name, _ = tmux.launch(self._home(rival, Path(tmp)))
            try:
                tmux.wait_for(name, rival.ready, poll, TIMEOUT)
                time.sleep(settle)
                tmux.keys(name, "-l", "warm up")
                tmux.wait_for(name, ("warm up",), poll, TIMEOUT)
                tmux.keys(name, rival.send)
                tmux.wait_for(name, ("warm-up reply",), poll, TIMEOUT)
                time.sleep(settle)
                tmux.keys(name, "-l", "write at length")
                tmux.wait_for(name, ("write at length",), poll, TIMEOUT)
                started = tmux.keys(name, rival.send)
                shown, lost = wait_following(tmux, name, marker, rival, poll / 2)
                LOST[rival.name] = LOST.get(rival.name, 0) + lost
                return shown - started
            finally:
                tmux.kill(name)

    def jobs(self, tmux, args, sizes, long_reply: Callable[[int], dict], end_marker: Callable[[int], str]
             ) -> list[tuple[str, Callable[[], float]]]:
        """(name, job) pairs for e2e_tmux's loop: launch and reply rows per rival."""
        jobs: list[tuple[str, Callable[[], float]]] = []
        for rival in self.rivals:
            if "launch" in args.only:
                jobs.append((f"launch: {rival.name}", lambda r=rival: self.measure_launch(tmux, r, args.poll)))
            if "reply" in args.only:
                jobs += [(f"reply {c}: {rival.name}",
                          lambda r=rival, c=c: self.measure_reply(tmux, r, long_reply(c), end_marker(c),
                                                                  args.poll, args.settle))
                         for c in sizes]
        return jobs


def wait_following(tmux, name: str, marker: str, rival: Rival, poll: float) -> tuple[float, bool]:
    """perf_counter() when `marker` is on screen, pressing `rival.follow` every END_EVERY s;
    and whether the reply ended out of view.

    A rival with a `busy` status that drops it while the marker is out of view (elia stops
    following a reply it falls behind on) finished then: that moment counts, and Shift+Tab
    (focus the reply) then PageDown every END_EVERY s bring the marker into view, to check
    the whole reply is there."""
    deadline = time.perf_counter() + TIMEOUT
    pressed = time.perf_counter()
    seen_busy, finished, focused = False, None, False
    while time.perf_counter() < deadline:
        text, now = tmux.screen(name), time.perf_counter()
        if marker in text:
            return (finished or now), finished is not None
        if rival.busy and finished is None:
            if any(b in text for b in rival.busy):
                seen_busy = True
            elif seen_busy:
                finished = now
                tmux.keys(name, "BTab")
        keys = ("PageDown",) if finished is not None else rival.follow
        if keys and now - pressed >= END_EVERY:
            if not focused and finished is None:
                tmux.keys(name, "BTab")
                focused = True
            tmux.keys(name, *keys)
            pressed = now
        time.sleep(poll)
    raise RuntimeError(f"{marker!r} not on screen within {TIMEOUT:.0f}s; screen:\n{tmux.screen(name)}")


# --------------------------------------------------------------------------- report

ROWS = (("launch → composer visible", "launch: chattui --emulator", "launch"),
        ("300-chunk reply: Enter → last line", "reply 300: chattui", "reply 300"),
        ("1000-chunk reply: Enter → last line", "reply 1000: chattui", "reply 1000"))


def summarize(med: dict[str, float], names: list[str]) -> tuple[list[list], dict[str, dict]]:
    """Rows (measure, chattui s, rival, rival s, rival / chattui) and the issue's 10×-elia target."""
    rows, targets = [], {}
    for label, mine, prefix in ROWS:
        for rival in names:
            theirs = med.get(f"{prefix}: {rival}")
            if theirs is not None and mine in med:
                rows.append([label, med[mine], rival, theirs, theirs / med[mine]])
    elia_300, mine_300 = med.get("reply 300: elia"), med.get("reply 300: chattui")
    if elia_300 is not None and mine_300 is not None:
        targets["reply_300_ge_10x_faster_than_elia"] = {"value": elia_300 / mine_300,
                                                        "ok": elia_300 / mine_300 >= 10}
    return rows, targets


def notes(lost: dict[str, int] = LOST) -> str:
    text = ("rivals: their own venvs, chattui's emulator over loopback (in the bench process; chattui's runs "
            "inside chattui), the same replies; ratio > 1: chattui is faster.\n"
            "oterm: Shift+Tab, then End every 0.25 s while its reply streams (like the issue: it does not follow "
            "the reply by itself).")
    for name, count in lost.items():
        if count:
            text += (f"\n{name}: {count} replies ended out of view (it stopped following): timed to its "
                     "'responding' status going away, then PageDown brought the last line into view.")
    return text

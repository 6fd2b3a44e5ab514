"""The `chattui` command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

from chattui import __version__

PROVIDER_CHOICES = ("openai", "openai-compatible", "anthropic", "gemini")


def parser() -> argparse.ArgumentParser:
    from chattui.subcommands import SUBCOMMANDS

    p = argparse.ArgumentParser(
        prog="chattui",
        description="Chat with LLM APIs in the terminal and see what every turn costs.",
        epilog="Subcommands: " + (", ".join(SUBCOMMANDS) or "none yet")
        + " (chattui SUBCOMMAND --help).",
    )
    p.add_argument("--version", action="version", version=f"chattui {__version__}")
    p.add_argument("--provider", choices=PROVIDER_CHOICES, help="API to talk to (default: openai)")
    p.add_argument("--model", help="model name (default depends on the provider)")
    p.add_argument("--base-url", help="API base URL, e.g. http://localhost:11434/v1 for Ollama")
    p.add_argument("--persona", help="persona to start with")
    p.add_argument("--mode", choices=("full", "chained"), help="resend full history, or chain responses")
    resume = p.add_mutually_exclusive_group()
    resume.add_argument("--continue", dest="continue_last", action="store_true", default=None,
                        help="reopen the most recent conversation")
    resume.add_argument("--conversation", metavar="ID", help="reopen a conversation by id (or id prefix)")
    p.add_argument("--data-dir", help="where the conversation database lives (env CHATTUI_DATA_DIR)")
    p.add_argument("--config", metavar="FILE", help="config file (default: config.toml in the config dir)")
    p.add_argument("--emulator", action="store_true", default=None,
                   help="offline trial: talk to chattui's built-in provider emulator, no API key needed")
    return p


def subcommand_parser(name: str) -> argparse.ArgumentParser:
    from chattui.subcommands import load

    module = load(name)
    p = argparse.ArgumentParser(prog=f"chattui {name}", description=module.HELP)
    p.add_argument("--data-dir", help="where the conversation database lives (env CHATTUI_DATA_DIR)")
    p.add_argument("--config", metavar="FILE", help="config file (default: config.toml in the config dir)")
    module.add_arguments(p)
    return p


def run_subcommand(name: str, argv: Sequence[str]) -> int:
    from chattui.config import load_settings
    from chattui.subcommands import load

    p = subcommand_parser(name)
    args = p.parse_args(argv)
    try:
        settings = load_settings({"data_dir": args.data_dir, "config": args.config})
    except ValueError as exc:
        p.error(str(exc))
    if name != "trust":
        from chattui.trust import untrusted_notice

        if notice := untrusted_notice(settings, Path.cwd()):
            print(f"chattui: {notice}", file=sys.stderr)
    return _guarded(f"chattui {name}", lambda: load(name).run(args, settings))


def _guarded(command: str, run) -> int:
    """`run()`, with a database that cannot be used, or a standard output that cannot be
    written (a closed pipe, a full disk), reported in one line (exit 1)."""
    try:
        return run()
    except Exception as exc:  # noqa: BLE001 - only the store's failures are reported here
        import sqlite3

        from chattui.store import StoreError  # not before: the app's first frame does not wait for it

        if isinstance(exc, OSError) and _stdout_failed(exc):
            if not isinstance(exc, BrokenPipeError):  # `| head`: the reader has what it wanted
                print(f"{command}: cannot write its output: {exc.strerror or exc}", file=sys.stderr)
        elif isinstance(exc, StoreError):
            print(f"{command}: {exc}", file=sys.stderr)
        elif isinstance(exc, sqlite3.DatabaseError):
            print(f"{command}: the database failed ({exc}); if it is damaged, move it aside and "
                  "start again, or restore a backup", file=sys.stderr)
        else:
            raise
    return 1


def _stdout_failed(exc: OSError) -> bool:
    """A closed pipe or a full disk: what a subcommand's output meets (its own files it
    reports itself). Standard output then points at /dev/null, so that the flush at exit
    does not fail again."""
    import errno
    import os

    if exc.errno not in (errno.EPIPE, errno.ENOSPC, errno.EDQUOT, errno.EIO):
        return False
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):  # no file descriptor behind it (captured output)
        pass
    return True


def main(argv: Sequence[str] | None = None) -> int:
    from chattui.subcommands import SUBCOMMANDS

    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in SUBCOMMANDS:
        return run_subcommand(argv[0], argv[1:])
    args = parser().parse_args(argv)
    from chattui.config import load_settings

    try:
        settings = load_settings(vars(args))
    except ValueError as exc:
        parser().error(str(exc))
    emulated = _EmulatorRun() if settings.emulator else None
    try:
        return _guarded("chattui", lambda: _run_app(settings, emulated and emulated.start))
    finally:
        if emulated is not None:
            emulated.stop(settings)


class _EmulatorRun:
    """`--emulator`: the built-in emulator, started when the app builds its chat (after its
    first frame: the emulator's import and start are not in front of it), stopped when
    chattui ends, its warm caches saved for the next run."""

    emulator = None

    def start(self, settings):
        settings, self.emulator = _with_emulator(settings)
        return settings

    def stop(self, settings) -> None:
        if self.emulator is None:  # chattui ended before it built the chat
            return
        try:  # the emulator's warm caches, for the next --emulator run: worth a try only
            self.emulator.save_caches(_emulator_caches(settings))
        except OSError:
            pass  # the data dir is unusable, and chattui said so
        _save_request_log(self.emulator)
        self.emulator.stop()


def _print_unsaved(session) -> None:
    """Replies a full disk kept from the database: printed, so the terminal keeps them."""
    for turn, result in getattr(session, "unsaved", ()):
        print(f"chattui: this reply (conversation {turn.conversation_id}) could not be saved; "
              "the disk is still full. Its text follows.", file=sys.stderr)
        print(result.text)


def _run_app(settings, prepare=None, **run_options) -> int:
    """Run the app (`prepare(settings)`, when given, runs just before its chat is built); a
    crash exits 1 with one line that names the log file holding the traceback (API keys
    masked): in the app, or while building it (before its first frame, or after it:
    `start_error`)."""
    try:
        from chattui.app import start_app

        app = start_app(settings, prepare=prepare)
    except Exception as exc:  # noqa: BLE001 - the top level: every crash is logged, then reported
        return _start_failed(settings, exc)
    app.run(**run_options)
    if app.start_error is not None:
        return _start_failed(settings, app.start_error)
    _print_unsaved(getattr(app, "session", None))  # None: quit before the chat was built
    if app.return_code:
        print(app.crash_line, file=sys.stderr)
    return app.return_code or 0


def _start_failed(settings, exc: Exception) -> int:
    """A failure while building the app: logged and reported in one line (exit 1); a
    database that cannot be used is left to `_guarded`, which says what to do about it."""
    import sqlite3

    from chattui.failures import log_path, reason, record
    from chattui.store import StoreError

    if isinstance(exc, (StoreError, sqlite3.DatabaseError)):
        raise exc
    log, secrets = log_path(settings.data_dir), tuple(settings.known_secrets())
    record(log, exc, "chattui start-up", secrets)
    print(f"chattui crashed ({reason(exc, secrets)}); the traceback is in {log}", file=sys.stderr)
    return 1


def _emulator_caches(settings):
    """Where the emulator keeps its prompt caches between runs (warm for a `--continue`)."""
    return settings.data_dir / "emulator-caches.json"


def _with_emulator(settings):
    """Start the built-in emulator on a free loopback port (its caches as the last run left
    them) and point the settings at it."""
    import dataclasses

    from chattui.emulator import Emulator

    emulator = Emulator().start()
    emulator.load_caches(_emulator_caches(settings))
    _queue_script(emulator)
    urls = {"openai": emulator.openai_base_url, "openai-compatible": emulator.openai_base_url,
            "anthropic": emulator.base_url, "gemini": emulator.gemini_base_url}
    return dataclasses.replace(settings, base_url=urls[settings.provider], emulator_urls=urls), emulator


def _queue_script(emulator) -> None:
    """`CHATTUI_EMULATOR_SCRIPT`: a JSON list of replies the emulator gives first, e.g.
    `[{"tool_calls": [{"name": "time__get_current_time", "arguments": {"timezone": "UTC"}}]},
    {"text": "It is noon."}]` (for trying tool calls by hand)."""
    import json
    import os

    from chattui.emulator import Reply

    if path := os.environ.get("CHATTUI_EMULATOR_SCRIPT"):
        emulator.queue(*(Reply(**item) for item in json.loads(Path(path).read_text())))


def _save_request_log(emulator) -> None:
    """`CHATTUI_EMULATOR_LOG=FILE`: append every request the emulator answered in this run
    as a JSON line (method, path, status, the body bytes as sent, the usage returned), to
    see what went over the wire. No headers: credentials never reach the file."""
    import json
    import os

    if not (path := os.environ.get("CHATTUI_EMULATOR_LOG")):
        return
    try:
        with open(path, "a", encoding="utf-8") as log:
            for r in emulator.requests:
                log.write(json.dumps({"method": r.method, "path": r.path, "status": r.status,
                                      "body": r.body.decode("utf-8", "replace"),
                                      "usage": r.usage}, ensure_ascii=False) + "\n")
    except OSError as exc:
        print(f"chattui: could not write the emulator log {path}: {exc}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())

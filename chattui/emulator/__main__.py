"""`python -m chattui.emulator [--host H] [--port P]`: run the emulator until Ctrl-C."""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from chattui.emulator.server import Emulator


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def _banner(emulator: Emulator) -> str:
    base = emulator.base_url
    return (f"chattui provider emulator listening on {base}\n"
            f"  OpenAI (Chat Completions, Responses): {emulator.openai_base_url}\n"
            f"  Anthropic Messages:                   {base}\n"
            f"  Gemini (OpenAI-compatible):           {emulator.gemini_base_url}\n"
            f"Point chattui at it:  chattui --base-url {emulator.openai_base_url}\n"
            "Any API key works. Ctrl-C stops.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m chattui.emulator",
                                     description="Local emulator of the LLM provider APIs.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8089, help="0 picks a free port")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)
    emulator = Emulator(host=args.host, port=args.port)
    try:  # a signal may arrive as soon as the URLs are out: print inside the try
        emulator.start()
        print(_banner(emulator), flush=True)
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

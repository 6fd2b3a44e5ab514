"""llama.cpp's llama-server serving SmolLM2-135M on a free loopback port: a real
OpenAI-compatible server with real prefix caching, nobody here wrote it (/work/shared/LOCAL_LLM.md).

Built once per machine by `.ci/llama-server` into a cache outside the repository; tests that
need it are skipped (with `MISSING` as the reason) when it is not there.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

CACHE = Path(os.environ.get("CHATTUI_LLAMA_CACHE") or Path.home() / ".cache" / "chattui-llama")
BINARY = CACHE / "bin" / "llama-server"
MODEL = CACHE / "SmolLM2-135M-Instruct.Q4_1.gguf"
ALIAS = "smollm2"
MISSING = (f"llama-server is not built: run .ci/llama-server (builds it and fetches SmolLM2 into "
           f"{CACHE}, about 7 minutes on 2 cores; CHATTUI_LLAMA_CACHE moves it)")


def available() -> bool:
    return BINARY.is_file() and os.access(BINARY, os.X_OK) and MODEL.is_file()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LlamaServer:
    """One llama-server process; `url` is its OpenAI base URL (…/v1)."""

    def __init__(self, log: Path, context: int = 8192) -> None:
        self.port = free_port()
        self.root = f"http://127.0.0.1:{self.port}"
        self.url = self.root + "/v1"
        # one slot: every request meets the same KV cache (with 4, a request may land on a cold one)
        command = [str(BINARY), "-m", str(MODEL), "--host", "127.0.0.1", "--port", str(self.port),
                   "-c", str(context), "-np", "1", "--alias", ALIAS, "--no-webui"]
        self._log = open(log, "wb")
        self.process = subprocess.Popen(command, stdout=self._log, stderr=subprocess.STDOUT)

    def wait_ready(self, timeout: float = 120.0) -> None:
        """Poll /health until it answers 200 (503 while the model loads)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"llama-server exited with {self.process.returncode}; see {self._log.name}")
            try:
                with urllib.request.urlopen(self.root + "/health", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.2)
        raise TimeoutError(f"llama-server not ready after {timeout:.0f} s; see {self._log.name}")

    def count_tokens(self, text: str) -> int:
        """Tokens in `text` by the server's own tokenizer (POST /tokenize)."""
        request = urllib.request.Request(self.root + "/tokenize", json.dumps({"content": text}).encode(),
                                         {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as answer:
            return len(json.loads(answer.read())["tokens"])

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()

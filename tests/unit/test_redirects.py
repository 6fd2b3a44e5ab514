"""A server that redirects a request to another host does not get the conversation (or any
header) sent there: the real SDKs, through chattui's providers, against a loopback server
that answers 307 and the emulator behind it."""

from __future__ import annotations

import http.client
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

from chattui.core.provider import ProviderError
from chattui.core.request import ChatRequest
from chattui.emulator import Reply
from chattui.providers.anthropic import AnthropicProvider
from chattui.providers.openai_chat import OpenAIChatProvider
from tests.stream_events import collect, text_of, user

ANTHROPIC_KEY = "sk-ant-redirect-test-key"
OPENAI_KEY = "sk-redirect-test-key"


class Redirector:
    """A loopback server: a request under /old/ is answered 307 to `target(path)` (the path
    without /old); any other request is passed on to the emulator."""

    def __init__(self, emulator, target) -> None:
        upstream = urlsplit(emulator.base_url)

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path.startswith("/old/"):
                    self.send_response(307)
                    self.send_header("Location", target(self.path.removeprefix("/old")))
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                connection = http.client.HTTPConnection(upstream.hostname, upstream.port,
                                                        timeout=60)
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                connection.request("POST", self.path, body, headers)
                answer = connection.getresponse()
                data = answer.read()
                self.send_response(answer.status)
                self.send_header("Content-Type", answer.getheader("Content-Type") or "text/plain")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                connection.close()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def elsewhere(emulator):
    """307 to the emulator under another name (localhost, not 127.0.0.1): another host."""
    port = urlsplit(emulator.base_url).port
    front = Redirector(emulator, lambda path: f"http://localhost:{port}{path}")
    yield front
    front.stop()


@pytest.fixture
def same_origin(emulator):
    """307 to the same server, at the path without /old."""
    front = Redirector(emulator, lambda path: path)
    yield front
    front.stop()


def _anthropic(base_url: str) -> AnthropicProvider:
    return AnthropicProvider("anthropic", ANTHROPIC_KEY, base_url, max_retries=0)


def _openai(base_url: str) -> OpenAIChatProvider:
    return OpenAIChatProvider("openai", OPENAI_KEY, base_url, max_retries=0)


@pytest.mark.parametrize("make, path", [(_anthropic, "/old"), (_openai, "/old/v1")])
async def test_a_redirect_to_another_host_is_refused_and_nothing_goes_there(
        emulator, elsewhere, make, path):
    provider = make(elsewhere.origin + path)
    try:
        with pytest.raises(ProviderError) as refused:
            await collect(provider, ChatRequest("any-model", (user("Hi"),)))
    finally:
        await provider.aclose()
    assert emulator.requests == []  # the other host heard nothing: no prompt, no header
    port = urlsplit(emulator.base_url).port
    assert str(refused.value) == (
        f"{elsewhere.origin} redirected the request to http://localhost:{port}; chattui does not "
        "send your conversation to a host you did not choose. Set base_url to the server you "
        "mean to use.")


@pytest.mark.parametrize("make, path", [(_anthropic, "/old"), (_openai, "/old/v1")])
async def test_a_redirect_on_the_same_server_is_followed(emulator, same_origin, make, path):
    emulator.queue(Reply(text="Moved, and answered.", chunks=2))
    provider = make(same_origin.origin + path)
    try:
        events = await collect(provider, ChatRequest("any-model", (user("Hi"),)))
    finally:
        await provider.aclose()
    assert text_of(events) == "Moved, and answered."
    assert len(emulator.requests) == 1 and not emulator.requests[0].path.startswith("/old")

"""A loopback pass-through proxy that keeps the exact bytes of every request and answer, so
tests can assert on what chattui sent and on the usage the server itself reported."""

from __future__ import annotations

import http.client
import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


@dataclass
class Exchange:
    method: str
    path: str
    request: bytes
    status: int
    response: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.request)

    def events(self) -> list[dict]:
        """The answer's SSE `data:` objects (without `[DONE]`)."""
        out = []
        for line in self.response.decode().splitlines():
            if line.startswith("data: ") and line != "data: [DONE]":
                out.append(json.loads(line[6:]))
        return out

    @property
    def usage(self) -> dict:
        """The server's usage object (the last chunk that carries one)."""
        return [e["usage"] for e in self.events() if e.get("usage")][-1]

    def raw_system(self) -> bytes:
        """The exact bytes of the first message (the system prompt) as sent."""
        first = self.json["messages"][0]
        raw = json.dumps(first, separators=(",", ":"), ensure_ascii=False).encode()
        assert raw in self.request, "the SDK serialised the system message differently"
        return raw


class Recorder:
    """`url`: the proxy's base URL (same path as `upstream`); `exchanges`: in order."""

    def __init__(self, upstream: str) -> None:
        target = urlsplit(upstream)
        self.exchanges: list[Exchange] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # chunked answers, as the server sends them

            def _forward(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                connection = http.client.HTTPConnection(target.hostname, target.port, timeout=600)
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in ("host", "connection", "accept-encoding")}
                connection.request(self.command, self.path, body, headers)
                answer = connection.getresponse()
                self.send_response(answer.status)
                self.send_header("Content-Type", answer.getheader("Content-Type") or "application/json")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                parts = []
                while chunk := answer.read1(65536):  # as it arrives: the client's read timeout
                    parts.append(chunk)               # applies between chunks, as without us
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                    self.wfile.flush()
                self.wfile.write(b"0\r\n\r\n")
                recorder.exchanges.append(Exchange(self.command, self.path, body, answer.status,
                                                   b"".join(parts)))
                connection.close()

            do_GET = do_POST = _forward

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}{target.path}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def chats(self) -> list[Exchange]:
        return [e for e in self.exchanges if e.path.endswith("/chat/completions")]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

"""The emulator: a standard-library HTTP/1.1 server on a background thread.

Routes requests to the provider modules, checks credentials and the model allow-list,
hands out scripted replies and faults, applies delivery faults to the answer, and keeps a
request log. JSON answers use Content-Length and keep-alive; streams use chunked
transfer encoding, one chunk per server-sent event.
"""

from __future__ import annotations

import contextlib
import functools
import json
import re
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from chattui.emulator import anthropic_messages, errors, gemini_caches, openai_chat, openai_responses
from chattui.emulator.cache import BreakpointCache, PrefixCache, Rules
from chattui.emulator.diagnostics import Snapshots
from chattui.emulator.openai_responses import ResponseStore
from chattui.emulator.script import Fault, Reply
from chattui.emulator.wire import Call, Json, RequestRecord, Stream, corrupt, new_id, redact

Handler = Callable[[Any, Call], "Json | Stream"]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    provider: str
    handler: Handler
    generates: bool = False


def _route(method: str, path: str, provider: str, handler: Handler, generates: bool = False
           ) -> Route:
    return Route(method, re.compile(path), provider, handler, generates)


DEFAULT_MODELS = frozenset({"gpt-4.1-mini", "claude-sonnet-5", "gemini-2.5-flash"})
_PRICE_FAMILY = {"openai": "openai", "anthropic": "anthropic", "gemini": "google",
                 "openrouter": "openrouter"}


@functools.cache
def _known_models(provider: str) -> frozenset[str]:
    """The model ids genai-prices lists for `provider` (what a real models endpoint would)."""
    from genai_prices import data

    family = _PRICE_FAMILY.get(provider)
    return frozenset(m.id for p in data.providers if p.id == family for m in p.models
                     if re.fullmatch(r"[\w.-]*\w", m.id))  # not `ft:…` or prefix-only ids


def list_models(emu: Emulator, call: Call) -> Json:
    """GET /v1/models in the OpenAI or (with an anthropic-version header) Anthropic shape."""
    names = sorted(emu.listed_models(call.provider))
    if call.provider == "anthropic":
        data = [{"type": "model", "id": n, "display_name": n,
                 "created_at": "2025-01-01T00:00:00Z"} for n in names]
        return Json({"data": data, "has_more": False, "first_id": names[0],
                     "last_id": names[-1]})
    return Json({"object": "list", "data": [{"id": n, "object": "model", "created": 0,
                                              "owned_by": "emulator"} for n in names]})


ROUTES = (
    _route("POST", r"/v1/chat/completions", "openai", openai_chat.create, True),
    _route("POST", r"/v1beta/openai/chat/completions", "gemini", openai_chat.create, True),
    _route("POST", r"/api/v1/chat/completions", "openrouter", openai_chat.create, True),
    _route("POST", r"/v1/responses", "openai", openai_responses.create, True),
    _route("POST", r"/v1/responses/compact", "openai", openai_responses.compact),
    _route("POST", r"/v1/responses/input_tokens", "openai", openai_responses.input_tokens),
    _route("GET", r"/v1/responses/(?P<id>[^/]+)", "openai", openai_responses.retrieve),
    _route("DELETE", r"/v1/responses/(?P<id>[^/]+)", "openai", openai_responses.delete),
    _route("POST", r"/v1/messages", "anthropic", anthropic_messages.create, True),
    _route("POST", r"/v1/messages/count_tokens", "anthropic", anthropic_messages.count_tokens),
    _route("GET", r"/v1/models", "auto", list_models),
    _route("GET", r"/v1beta/openai/models", "gemini", list_models),
    _route("POST", r"/v1beta/cachedContents", "gemini", gemini_caches.create),
    _route("GET", r"/v1beta/cachedContents", "gemini", gemini_caches.list_),
    _route("GET", r"/v1beta/cachedContents/(?P<id>[^/]+)", "gemini", gemini_caches.get),
    _route("PATCH", r"/v1beta/cachedContents/(?P<id>[^/]+)", "gemini", gemini_caches.update),
    _route("DELETE", r"/v1beta/cachedContents/(?P<id>[^/]+)", "gemini", gemini_caches.delete),
)


def provider_of(path: str, headers: dict[str, str]) -> str:
    """Whose error shape and credentials a request uses."""
    if path.startswith("/v1/messages") or "anthropic-version" in headers:
        return "anthropic"
    return "gemini" if path.startswith("/v1beta") else "openai"


def has_key(provider: str, headers: dict[str, str]) -> bool:
    bearer = headers.get("authorization", "")
    if bearer.lower().startswith("bearer ") and bearer[7:].strip():
        return True
    extra = {"anthropic": "x-api-key", "gemini": "x-goog-api-key"}.get(provider)
    return bool(extra and headers.get(extra, "").strip())


class Emulator:
    """A local stand-in for the OpenAI, Anthropic and Gemini-compatible APIs.

    `Emulator(port=0)` picks a free port; `start()` returns at once, `stop()` closes every
    socket. `queue()` scripts replies and faults; `requests` is the request log; `advance()`
    moves the clock that cache TTLs, paced streams and slow first bytes follow, and
    `freeze_clock()` (for tests) stops it from moving on its own, so that only `advance()`
    lets a paced stream go on: no real seconds are waited. `models` (optional) is an allow-list
    (and what the models endpoint lists); without one every model is answered and the list is
    the defaults, genai-prices' models of the provider and every model answered so far.
    `retire()` takes models away: they are refused (404 model not found) and never listed.
    `text_only_models` answer an image part with a 400 (Chat Completions), as a text-only
    model behind an OpenAI-compatible server does. `openrouter_byok`: the OpenRouter
    endpoint answers as for a bring-your-own-key request (`usage.cost` is only the
    gateway's fee, the provider's bill is `cost_details.upstream_inference_cost`).
    """

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0,
                 models: Iterable[str] | None = None, rules: Rules | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 text_only_models: Iterable[str] = (), openrouter_byok: bool = False) -> None:
        self.models = set(models) if models is not None else None
        self.retired: set[str] = set()
        self._served: set[str] = set()
        self.openrouter_byok = openrouter_byok
        self.text_only_models = set(text_only_models)
        self.rules = rules or Rules()
        self.prefix_cache = PrefixCache()
        self.breakpoint_cache = BreakpointCache()
        self.responses = ResponseStore()
        self.snapshots = Snapshots()
        """Each answered request's prompt, for cache diagnostics."""
        self.cached_contents = gemini_caches.CachedContents()
        self._clock, self._offset = clock, 0.0
        self._queue: deque[list[Any]] = deque()
        self._log: list[RequestRecord] = []
        self._lock = threading.Lock()
        self._ticked = threading.Condition()
        """Notified when the clock moves by `advance()` or the emulator stops."""
        self._stopping = threading.Event()
        self._server = _Server((host, port), _RequestHandler, self)
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        host = host.decode() if isinstance(host, bytes) else host  # an AF_INET server: a str
        return f"http://{host}:{port}"

    @property
    def openai_base_url(self) -> str:
        return self.base_url + "/v1"

    @property
    def openrouter_base_url(self) -> str:
        return self.base_url + "/api/v1"

    @property
    def gemini_base_url(self) -> str:
        return self.base_url + "/v1beta/openai"

    def start(self) -> Emulator:
        if self._thread is None:
            self._thread = threading.Thread(target=self._server.serve_forever,
                                            kwargs={"poll_interval": 0.05},
                                            name="chattui-emulator", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        with self._ticked:
            self._ticked.notify_all()
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()
        self._server.close_connections()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def save_caches(self, path: Path) -> None:
        """Write the live prompt-cache entries to `path` (seconds left, wall-clock stamped), so
        the next emulator run finds them warm, as a provider's cache outlives a client restart."""
        now, wall = self.now(), time.time()
        state = {"saved_at": wall, "prefix": self.prefix_cache.dump(now),
                 "breakpoint": self.breakpoint_cache.dump(now)}
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(state))

    def load_caches(self, path: Path) -> None:
        """Read what `save_caches` wrote (missing or unreadable: start cold); the time since
        it was saved has passed for every entry."""
        try:
            state = json.loads(path.read_text())
            now = self.now() - (time.time() - float(state["saved_at"]))
            self.prefix_cache.load(state["prefix"], now)
            self.breakpoint_cache.load(state["breakpoint"], now)
        except (OSError, ValueError, KeyError, TypeError):
            return

    # -- script, clock, log ----------------------------------------------------------
    def note_served(self, model: str) -> None:
        with self._lock:
            self._served.add(model)

    def retire(self, *models: str) -> None:
        """From now on `models` no longer exist here: refused, and missing from the list."""
        with self._lock:
            self.retired.update(models)

    def listed_models(self, provider: str) -> set[str] | frozenset[str]:
        """What GET /models answers for `provider` (see the class docstring)."""
        with self._lock:
            if self.models is not None:
                return self.models - self.retired
            return (DEFAULT_MODELS | _known_models(provider) | self._served) - self.retired

    def queue(self, *items: Reply | Fault) -> None:
        """Script the next generation requests, first in first out, on any endpoint."""
        with self._lock:
            self._queue.extend([item, getattr(item, "times", 1)] for item in items)

    def clear_queue(self) -> None:
        """Drop the scripted replies not served yet (the default reply answers again)."""
        with self._lock:
            self._queue.clear()

    def now(self) -> float:
        return self._clock() + self._offset

    def advance(self, seconds: float) -> None:
        """Move the emulator's clock forward: cache TTLs expire, and paced streams and slow
        first bytes go on, without sleeping."""
        with self._ticked:
            self._offset += seconds
            self._ticked.notify_all()

    def freeze_clock(self) -> None:
        """Stop the clock where it is: from now on it moves only with `advance()`. A test
        then decides how much of a paced stream has arrived (a stop mid-stream is always
        mid-stream) and waits no real time for the rest. A paced answer keeps time from
        when its request arrived: advance once the request is in `requests`."""
        with self._ticked:
            frozen = self.now()
            self._clock, self._offset = (lambda: frozen), 0.0

    @property
    def requests(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._log)

    def _record(self, record: RequestRecord) -> None:
        with self._lock:
            self._log.append(record)

    def _take(self, want_status: bool) -> Reply | Fault | None:
        """Consume the head of the queue if it is of the wanted kind: a status fault
        (`want_status`), else a reply or a delivery fault."""
        with self._lock:
            if not self._queue:
                return None
            entry = self._queue[0]
            if want_status != (isinstance(entry[0], Fault) and entry[0].status is not None):
                return None
            entry[1] -= 1
            if entry[1] <= 0:
                self._queue.popleft()
            return entry[0]

    def _sleep_until(self, deadline: float) -> None:
        """Wait until the clock reads `deadline` (real time or `advance()` moves it), or
        the emulator stops."""
        with self._ticked:
            while not self._stopping.is_set() and (left := deadline - self.now()) > 0:
                self._ticked.wait(left)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], handler: type, emulator: Emulator) -> None:
        self.emulator = emulator
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that goes away mid-answer is normal here; stay quiet."""

    def close_connections(self) -> None:
        with self.connections_lock:
            for conn in list(self.connections):
                _abort(conn)
            self.connections.clear()


def _abort(conn: socket.socket) -> None:
    with contextlib.suppress(OSError):
        conn.shutdown(socket.SHUT_RDWR)
    conn.close()


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server
    request_id = ""

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        with self.server.connections_lock:
            self.server.connections.discard(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._dispatch()

    do_POST = do_DELETE = do_PATCH = do_GET

    def _dispatch(self) -> None:
        emu = self.server.emulator
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {k.lower(): v for k, v in self.headers.items()}
        path = self.path.split("?", 1)[0]
        route, params = _match(self.command, path)
        provider = route.provider if route and route.provider != "auto" \
            else provider_of(path, headers)
        record = RequestRecord(self.command, path, redact(headers), raw, None, provider)
        arrived = emu.now()  # read before the log shows the request: an advance() after counts
        emu._record(record)
        call = Call(self.command, path, headers, None, provider, record, params)
        self.request_id = new_id("req_", 24)
        answer = _answer(emu, route, call, raw, self.request_id)
        record.status = answer.status if isinstance(answer, Json) else 200
        fault = record.fault or Fault()
        if fault.first_byte_delay:
            emu._sleep_until(arrived + fault.first_byte_delay)
        if fault.drop_after is not None and isinstance(answer, Json):
            record.status = None  # nothing was sent
            self._drop()
        elif isinstance(answer, Json):
            self._send_json(answer, provider)
        else:
            self._send_stream(answer, fault, provider, arrived + fault.first_byte_delay)

    def _drop(self) -> None:
        self.close_connection = True
        _abort(self.connection)

    def _head(self, status: int, headers: dict[str, str], provider: str) -> None:
        self.send_response(status)
        name = "request-id" if provider == "anthropic" else "x-request-id"
        self.send_header(name, self.request_id)
        for name, value in headers.items():
            self.send_header(name, value)

    def _send_json(self, answer: Json, provider: str) -> None:
        data = json.dumps(answer.body).encode()
        self._head(answer.status, {"Content-Type": "application/json",
                                   "Content-Length": str(len(data)), **answer.headers}, provider)
        self.end_headers()
        self.wfile.write(data)

    def _send_stream(self, answer: Stream, fault: Fault, provider: str, started: float) -> None:
        emu = self.server.emulator
        self._head(200, {"Content-Type": "text/event-stream; charset=utf-8",
                         "Cache-Control": "no-cache", "Transfer-Encoding": "chunked",
                         **answer.headers}, provider)
        self.end_headers()
        pause = 1 / fault.chunks_per_second if fault.chunks_per_second else 0.0
        try:
            for index, frame in enumerate(answer.frames):
                if index == fault.drop_after:
                    return self._drop()
                if index == fault.malformed_after:
                    frame = corrupt(frame)
                self.wfile.write(b"%x\r\n%s\r\n" % (len(frame), frame))
                if pause:  # on a schedule: `advance(s)` lets s seconds' worth through
                    emu._sleep_until(started + (index + 1) * pause)
            self.wfile.write(b"0\r\n\r\n")
        except OSError:
            self.close_connection = True


def _match(method: str, path: str) -> tuple[Route | None, dict[str, str]]:
    for route in ROUTES:
        found = route.pattern.fullmatch(path)
        if found and route.method == method:
            return route, found.groupdict()
    return None, {}


def _answer(emu: Emulator, route: Route | None, call: Call, raw: bytes, request_id: str
            ) -> Json | Stream:
    """Run the request through auth, parsing, the allow-list and the route's handler."""
    try:
        if not has_key(call.provider, call.headers):
            raise errors.missing_key(call.provider)
        if route is None:
            raise errors.ApiError(404, f"Unknown request URL: {call.method} {call.path}.",
                                  code="unknown_url")
        call.json = call.record.json = _parse(raw)
        model = call.body.get("model")
        if isinstance(model, str):
            model = model.removeprefix("models/")  # Gemini's native resource names
        if isinstance(model, str) and (model in emu.retired or (
                emu.models is not None and model not in emu.models)):
            raise errors.unknown_model(call.provider, model)
        if route.generates:
            if isinstance(model, str):
                emu.note_served(model)
            _arm(emu, call)
        return route.handler(emu, call)
    except errors.ApiError as error:
        body = errors.render(call.provider, error, request_id)
        return Json(body, error.status, error.headers)
    except Exception as error:  # a request shape nobody planned for: answer, don't hang up
        failure = errors.ApiError(500, f"The emulator could not handle this request: {error!r}")
        return Json(errors.render(call.provider, failure, request_id), 500)


def _parse(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise errors.invalid("We could not parse the JSON body of your request.") from None


def _arm(emu: Emulator, call: Call) -> None:
    """Raise a queued status fault now; let the handler take a reply (or delivery fault)."""
    fault = emu._take(want_status=True)
    if isinstance(fault, Fault):
        call.record.fault = fault
        headers = {"retry-after": f"{fault.retry_after:g}"} if fault.retry_after is not None \
            else {}
        raise errors.ApiError(fault.status or 500, fault.message or "", headers=headers)

    def take_reply() -> Reply | None:
        item = emu._take(want_status=False)
        if isinstance(item, Fault):
            call.record.fault = item
            return item.reply
        return item

    call.take_reply = take_reply

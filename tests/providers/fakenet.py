"""A scripted HTTP server on 127.0.0.1 that plays a network's API from fixtures.

Each route is (method, path regex) -> Reply; the first matching route answers. Every request is
recorded. Used where no local peer exists (Meta, LinkedIn, X, Google): the fixtures are written
from each network's published reference (shared/research/provider-apis.md).
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # dict/list -> JSON, bytes/str -> as is
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0

    def encoded(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        return json.dumps(self.body).encode()


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


Responder = Reply | Callable[[Recorded], Reply]


@dataclass
class Route:
    method: str
    pattern: str
    reply: Responder
    times: int | None = None  # answer this many times, then let later routes answer

    def matches(self, method: str, path: str) -> bool:
        return self.method == method and re.fullmatch(self.pattern, path) is not None


class FakeNetwork:
    def __init__(self) -> None:
        self.routes: list[Route] = []
        self.requests: list[Recorded] = []
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def route(
        self,
        method: str,
        pattern: str,
        reply: Responder,
        *,
        times: int | None = None,
        first: bool = False,
    ) -> None:
        entry = Route(method.upper(), pattern, reply, times)
        with self.lock:
            if first:
                self.routes.insert(0, entry)
            else:
                self.routes.append(entry)

    def requests_to(self, method: str, pattern: str) -> list[Recorded]:
        return [
            r
            for r in self.requests
            if r.method == method and re.fullmatch(pattern, r.path) is not None
        ]

    def _answer(self, recorded: Recorded) -> Reply:
        with self.lock:
            self.requests.append(recorded)
            for route in self.routes:
                if route.matches(recorded.method, recorded.path):
                    if route.times is not None:
                        if route.times <= 0:
                            continue
                        route.times -= 1
                    reply = route.reply
                    break
            else:
                return Reply(404, {"error": f"no fixture for {recorded.method} {recorded.path}"})
        return reply(recorded) if callable(reply) else reply


def _handler(network: FakeNetwork) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            path, _, query = self.path.partition("?")
            recorded = Recorded(
                self.command, path, query, {k.lower(): v for k, v in self.headers.items()}, body
            )
            reply = network._answer(recorded)
            if reply.delay:
                time.sleep(reply.delay)
            payload = reply.encoded()
            try:
                self.send_response(reply.status)
                headers = {"Content-Type": "application/json", **reply.headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve  # noqa: N815

    return Handler


@contextmanager
def fake_network() -> Iterator[FakeNetwork]:
    network = FakeNetwork()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(network))
    server.daemon_threads = True
    network.server = server
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield network
    finally:
        server.shutdown()
        server.server_close()

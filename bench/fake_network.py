"""A fast loopback Mastodon for benchmarks: stdlib asyncio, HTTP/1.1 keep-alive, fixed latency.

It speaks just enough of the Mastodon API for ``MastodonProvider.publish`` without media:

* ``POST /api/v1/statuses`` honours ``Idempotency-Key`` (the same key returns the same status,
  as Mastodon does for an hour). The status is created when the request arrives, and the answer
  leaves ``--latency`` seconds later, so a client killed while waiting has already posted.
* ``GET /stats`` returns counters and, per key, the first arrival time (Unix seconds), the number
  of requests and the status id; ``POST /reset`` forgets everything.

Duplicates are counted two ways: keys that created a status twice (0 by construction: the key is
honoured), and the same text posted twice on the same account (Authorization token) under
different keys, which is what a publisher that loses track of an attempt would cause.

Run: ``python bench/fake_network.py --port 0 --latency 0.05`` prints ``PORT <n>`` when ready.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys
import time
from typing import Any

MAX_HEADER_LINES = 100
MAX_BODY = 1_000_000
IDLE_TIMEOUT = 30.0


class State:
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.started = time.time()
        self.requests = 0
        self.status_posts = 0
        self.other_requests = 0
        self.connections = 0
        self.open_connections = 0
        self.max_open_connections = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.created = 0
        self.keys_created_twice = 0
        self.missing_key = 0
        # key -> [first arrival (unix s), requests, status id]
        self.keys: dict[str, list[Any]] = {}
        # (token, text) -> list of status ids: more than one is a duplicate on the network
        self.by_content: dict[tuple[str, str], list[str]] = {}

    def stats(self, with_keys: bool) -> dict[str, Any]:
        content_dups = {
            f"{token}|{text[:60]}": ids
            for (token, text), ids in self.by_content.items()
            if len(ids) > 1
        }
        out: dict[str, Any] = {
            "since": self.started,
            "requests": self.requests,
            "status_posts": self.status_posts,
            "other_requests": self.other_requests,
            "connections_opened": self.connections,
            "open_connections": self.open_connections,
            "max_open_connections": self.max_open_connections,
            "max_in_flight": self.max_in_flight,
            "statuses_created": self.created,
            "keys": len(self.keys),
            "keys_created_twice": self.keys_created_twice,
            "keys_sent_more_than_once": sum(1 for v in self.keys.values() if v[1] > 1),
            "requests_without_key": self.missing_key,
            "content_duplicates": len(content_dups),
            "content_duplicate_examples": dict(list(content_dups.items())[:10]),
        }
        if with_keys:
            out["per_key"] = self.keys
        return out


STATE = State()
LATENCY = 0.05
REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 413: "Payload Too Large"}


def _response(status: int, body: bytes, keep_alive: bool) -> bytes:
    head = (
        f"HTTP/1.1 {status} {REASONS.get(status, 'OK')}\r\n"
        "Content-Type: application/json; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\n"
        f"Connection: {'keep-alive' if keep_alive else 'close'}\r\n\r\n"
    )
    return head.encode("ascii") + body


def create_status(headers: dict[str, str], body: bytes, arrived: float) -> dict[str, Any]:
    key = headers.get("idempotency-key", "")
    token = headers.get("authorization", "")
    try:
        text = str(json.loads(body or b"{}").get("status", ""))
    except ValueError:
        text = ""
    if not key:
        STATE.missing_key += 1
        key = f"<none>{STATE.missing_key}"
    entry = STATE.keys.get(key)
    if entry is None:
        STATE.created += 1
        number = str(100_000 + STATE.created)
        entry = [arrived, 0, number]
        STATE.keys[key] = entry
        STATE.by_content.setdefault((token, text), []).append(number)
    entry[1] += 1
    number = entry[2]
    return {
        "id": number,
        "url": f"https://fake.mastodon.test/@bench/{number}",
        "uri": f"https://fake.mastodon.test/users/bench/statuses/{number}",
        "content": f"<p>{text}</p>",
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(entry[0])),
        "visibility": "public",
    }


async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    STATE.connections += 1
    STATE.open_connections += 1
    STATE.max_open_connections = max(STATE.max_open_connections, STATE.open_connections)
    try:
        while True:
            try:
                line = await asyncio.wait_for(reader.readline(), IDLE_TIMEOUT)
            except TimeoutError:
                return
            if not line:
                return
            arrived = time.time()
            parts = line.decode("latin-1").split()
            if len(parts) != 3:
                writer.write(_response(400, b'{"error":"bad request line"}', False))
                return
            method, target, version = parts
            headers: dict[str, str] = {}
            for _ in range(MAX_HEADER_LINES):
                raw = await reader.readline()
                if raw in (b"\r\n", b"\n", b""):
                    break
                name, _sep, value = raw.decode("latin-1").partition(":")
                headers[name.strip().lower()] = value.strip()
            length = int(headers.get("content-length", "0") or 0)
            if length > MAX_BODY:
                writer.write(_response(413, b'{"error":"too big"}', False))
                return
            body = await reader.readexactly(length) if length else b""
            keep_alive = headers.get("connection", "").lower() != "close" and version == "HTTP/1.1"
            path = target.split("?", 1)[0]
            STATE.requests += 1
            if method == "POST" and path == "/api/v1/statuses":
                STATE.status_posts += 1
                STATE.in_flight += 1
                STATE.max_in_flight = max(STATE.max_in_flight, STATE.in_flight)
                status = create_status(headers, body, arrived)
                delay = LATENCY - (time.time() - arrived)
                try:
                    if delay > 0:
                        await asyncio.sleep(delay)
                finally:
                    STATE.in_flight -= 1
                payload = json.dumps(status).encode()
                writer.write(_response(200, payload, keep_alive))
            elif method == "GET" and path == "/stats":
                STATE.requests -= 1  # the benchmark's own questions are not traffic
                with_keys = "keys=0" not in target
                writer.write(
                    _response(200, json.dumps(STATE.stats(with_keys)).encode(), keep_alive)
                )
            elif method == "POST" and path == "/reset":
                STATE.reset()
                writer.write(_response(200, b'{"ok":true}', keep_alive))
            else:
                STATE.other_requests += 1
                writer.write(_response(404, b'{"error":"Record not found"}', keep_alive))
            await writer.drain()
            if not keep_alive:
                return
    except (ConnectionError, asyncio.IncompleteReadError):
        return
    finally:
        STATE.open_connections -= 1
        with contextlib.suppress(Exception):  # the peer may be gone already
            writer.close()


async def main_async(host: str, port: int, max_seconds: float) -> None:
    server = await asyncio.start_server(handle, host, port, backlog=2048, limit=2**16)
    bound = server.sockets[0].getsockname()[1]
    print(f"PORT {bound}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        # Bounded: a forgotten server stops by itself.
        await asyncio.wait_for(stop.wait(), max_seconds)
    except TimeoutError:
        print("fake network: time limit reached, stopping", file=sys.stderr)
    server.close()


def main() -> None:
    global LATENCY
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per request")
    parser.add_argument("--max-seconds", type=float, default=3600, help="stop after this long")
    ns = parser.parse_args()
    if ns.host not in ("127.0.0.1", "localhost", "::1"):
        parser.error("loopback only")
    LATENCY = ns.latency
    asyncio.run(main_async(ns.host, ns.port, ns.max_seconds))


if __name__ == "__main__":
    main()

"""A loopback HTTP server in a thread, for fake remote APIs (no test reaches the internet)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class JSONHandler(BaseHTTPRequestHandler):
    """Base handler: quiet logs and a helper to answer JSON with headers."""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (stdlib signature)
        pass

    def send_json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)


@contextmanager
def serve(handler: type[BaseHTTPRequestHandler], state: Any, host: str = "127.0.0.1") -> Iterator[str]:
    """Run `handler` on `host` (a loopback address, a free port); yields the base URL.
    `state` is server.state."""
    server = ThreadingHTTPServer((host, 0), handler)
    server.state = state  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Script:
    """What a `ScriptedHandler` answers: per path (query included) a list of (status, headers,
    JSON body) used in turn (the last one repeats); anything else is a 404. Every request is
    recorded with its headers."""

    routes: dict[str, list[tuple[int, dict[str, str], Any]]] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def paths(self) -> list[str]:
        return [s.path for s in self.seen]


class ScriptedHandler(JSONHandler):
    protocol_version = "HTTP/1.1"

    def _answer(self) -> None:
        state: Script = self.server.state  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        with state.lock:
            state.seen.append(Seen(self.command, self.path, dict(self.headers.items()), body))
            answers = state.routes.get(self.path)
            status, headers, payload = (answers.pop(0) if len(answers) > 1 else answers[0]) if answers else \
                (404, {}, {"message": "Not Found"})
        self.send_json(status, payload, headers)

    do_GET = _answer  # noqa: N815 (stdlib naming)
    do_POST = _answer  # noqa: N815

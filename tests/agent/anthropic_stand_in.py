"""A local HTTP server that plays the Anthropic Messages API: it replays scripted replies in order
and records every request, so tests see exactly what the SDK sent over the wire."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Scripted:
    """One reply: a status, a JSON body and extra headers."""

    body: dict[str, Any]
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class StandInAPI:
    """The server's script and what it has received; `url` is the SDK's base_url."""

    url: str = ""
    script: list[Scripted] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)

    def play(self, *replies: Scripted | dict[str, Any]) -> None:
        """Queue replies; a bare dict is a 200 message body."""
        self.script.extend(r if isinstance(r, Scripted) else Scripted(r) for r in replies)


def _handler(api: StandInAPI, lock: threading.Lock) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["content-length"])))
            with lock:
                api.requests.append(body)
                api.paths.append(self.path)
                api.headers.append({k.lower(): v for k, v in self.headers.items()})
                reply = api.script.pop(0) if api.script else _exhausted()
            payload = json.dumps(reply.body).encode()
            self.send_response(reply.status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(payload)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            """Keep the test output quiet."""

    return Handler


def _exhausted() -> Scripted:
    error = {"type": "invalid_request_error", "message": "the stand-in's script is exhausted"}
    return Scripted({"type": "error", "error": error}, status=400)


@contextmanager
def anthropic_stand_in() -> Iterator[StandInAPI]:
    """Serve the stand-in on a free loopback port for the duration of the block."""
    api = StandInAPI()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(api, threading.Lock()))
    api.url = f"http://127.0.0.1:{server.server_address[1]}"
    # A short poll keeps shutdown quick; the default half second would dominate the suite.
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()
        thread.join()

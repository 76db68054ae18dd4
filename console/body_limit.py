"""Every request body is counted as it arrives and refused with 413 past a limit.

Endpoints read bodies whole (the Inngest SDK, Slack's Bolt, forms): without a bound, one chunked
upload with no Content-Length could fill memory before any signature is checked. This ASGI
middleware sits in front of them all, so no route needs to remember.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

DEFAULT_LIMIT = 1024 * 1024


class BodyLimit:
    """Answer 413 once a body is declared or found to exceed its path's limit.

    The app never sees more than the limit plus one chunk: past it, it is told the client went
    away, and whatever it answers is dropped in favour of the 413.
    """

    def __init__(
        self, app: ASGIApp, *, limit: int = DEFAULT_LIMIT, limits: Mapping[str, int] | None = None
    ) -> None:
        self.app = app
        self.limit = limit
        # Path prefixes with a limit of their own, e.g. the Inngest serve endpoint.
        self.limits = dict(limits or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit_for(scope["path"])
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await _too_large(send, limit)
            return
        guard = _Guard(limit, receive, send)
        try:
            await self.app(scope, guard.receive, guard.send)
        except Exception:
            # The app failed on the body it was denied (a "disconnect"); the 413 already went out.
            if not guard.refused:
                raise

    def _limit_for(self, path: str) -> int:
        for prefix, limit in self.limits.items():
            if path == prefix or path.startswith(prefix.rstrip("/") + "/"):
                return limit
        return self.limit


class _Guard:
    """One request's receive and send, counting body bytes and refusing past the limit."""

    def __init__(self, limit: int, receive: Receive, send: Send) -> None:
        self.limit, self._receive, self._send = limit, receive, send
        self.received = 0
        self.refused = False
        self.responding = False

    async def receive(self) -> Message:
        if self.refused:
            return {"type": "http.disconnect"}
        message = await self._receive()
        if message["type"] != "http.request":
            return message
        self.received += len(message.get("body", b""))
        if self.received <= self.limit:
            return message
        self.refused = True
        if not self.responding:
            await _too_large(self._send, self.limit)
        return {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        if self.refused:
            return
        if message["type"] == "http.response.start":
            self.responding = True
        await self._send(message)


async def _too_large(send: Send, limit: int) -> None:
    body = json.dumps({"error": f"body larger than {_size(limit)}"}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _size(limit: int) -> str:
    mebibytes, rest = divmod(limit, 1024 * 1024)
    return f"{mebibytes} MiB" if mebibytes and not rest else f"{limit} bytes"

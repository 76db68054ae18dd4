"""A local HTTP server that plays an external service: it records requests and replies as told."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: Any = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)


class StandIn:
    """Answers `reply()`-configured routes, 404 for the rest, on a free port of 127.0.0.1."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self._replies: dict[tuple[str, str], Reply] = {}
        self._runner: web.AppRunner | None = None
        self.url = ""

    def reply(
        self,
        method: str,
        path: str,
        *,
        status: int = 200,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self._replies[(method.upper(), path)] = Reply(
            status, {} if body is None else body, headers or {}
        )

    def received(self, method: str, path: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method.upper() and r.path == path]

    async def __aenter__(self) -> StandIn:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *_exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        self.requests.append(
            Recorded(
                method=request.method,
                path=request.path,
                query=dict(request.query),
                headers=dict(request.headers),
                body=await request.read(),
            )
        )
        reply = self._replies.get((request.method, request.path)) or Reply(404, {"error": "none"})
        response = web.json_response(reply.body, status=reply.status, headers=reply.headers)
        # The Inngest SDK pools connections in a client it never closes; closing each one
        # here leaves no socket behind for the suite's ResourceWarning-as-error to trip on.
        response.force_close()
        return response

"""A stand-in for an app's serve endpoint, and an engine whose one function it serves: to see each
call as the app receives it, and to answer with what the SDK gives only rarely or never."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.engine.harness import Harness, free_port, serve
from workflows.engine import Engine, ManualClock
from workflows.engine.protocol import sign
from workflows.engine.registry import FunctionDef

SIGNING_KEY = "signkey-test-" + "5f1e" * 16
OTHER_KEY = "signkey-test-" + "99" * 32
OUTPUT = {"answer": 42}


@dataclass
class Call:
    headers: dict[str, str]
    query: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


Answer = Callable[[bytes], Awaitable[Response]]


@dataclass
class App:
    """Plays an app's serve endpoint: records each call and answers as `answer` says."""

    answer: Answer
    port: int = field(default_factory=free_port)
    calls: list[Call] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/inngest"

    def asgi(self) -> Starlette:
        async def endpoint(request: Request) -> Response:
            body = await request.body()
            query = dict(request.query_params)
            self.calls.append(Call(headers=dict(request.headers), query=query, body=body))
            return await self.answer(body)

        return Starlette(routes=[Route("/api/inngest", endpoint, methods=["POST"])])


def _function(url: str, extra: dict[str, Any]) -> FunctionDef:
    config = {
        "id": "t-call",
        "triggers": [{"event": "t/call"}],
        "cancel": [{"event": "t/cancel"}],
        "steps": {"step": {"runtime": {"url": url}, "retries": {"attempts": 1}}},
        **extra,
    }
    return FunctionDef.parse("t", config)


@contextlib.asynccontextmanager
async def engine_calling(
    engine_db: str,
    engine_port: int,
    url: str,
    *,
    signing_key: str | None = None,
    call_timeout: float = 300.0,
    config: dict[str, Any] | None = None,
) -> AsyncIterator[Harness]:
    """An engine whose one function, retried once and cancelled by `t/cancel`, is served at
    `url`; `config` adds to its registration."""
    clock = ManualClock()
    engine = Engine(
        database_url=engine_db, signing_key=signing_key, clock=clock, call_timeout=call_timeout
    )
    async with serve(engine.asgi, engine_port), httpx.AsyncClient(timeout=30) as http:
        await engine.start()
        try:
            await engine.register("t", [_function(url, config or {})])
            yield Harness(
                engine=engine,
                clock=clock,
                engine_url=f"http://127.0.0.1:{engine_port}",
                http=http,
                fail_when_idle=True,
            )
        finally:
            await engine.stop()


def plain(
    status: int = 200, body: object = OUTPUT, headers: dict[str, str] | None = None
) -> Answer:
    async def answer(_: bytes) -> Response:
        content = json.dumps(body).encode()
        return Response(content, status, headers=headers, media_type="application/json")

    return answer


def signed(key: str, *, over: bytes | None = None) -> Answer:
    """A 200 reply signed with `key`, over its own body or over `over`."""

    async def answer(_: bytes) -> Response:
        content = json.dumps(OUTPUT).encode()
        signature = sign(content if over is None else over, key, 1_700_000_000)
        headers = {"x-inngest-signature": signature}
        return Response(content, 200, headers=headers, media_type="application/json")

    return answer


def script(*replies: tuple[int, object]) -> Answer:
    """Answers the calls in turn with `replies`, each a status and a JSON body."""
    left = list(replies)

    async def answer(_: bytes) -> Response:
        status, body = left.pop(0)
        return Response(json.dumps(body).encode(), status, media_type="application/json")

    return answer

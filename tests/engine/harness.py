"""A real serve endpoint (FastAPI + the Inngest SDK under uvicorn) and a real engine, in-process."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import fastapi
import httpx
import inngest
import inngest.fast_api
import uvicorn
from sqlalchemy import select
from starlette.types import ASGIApp

from workflows.engine import Engine, ManualClock, schema
from workflows.engine.protocol import hashed_signing_key

EVENT_KEY = "test-key"
T = TypeVar("T")
# Seconds of real work before a test gives up.
SETTLE_LIMIT = 20.0
# mutmut's first pass records which test reaches which function, in-process, and slows the
# engine many times over; it says so in MUTANT_UNDER_TEST.
RECORDING_SETTLE_LIMIT = 300.0
# Polls of an idle engine (nothing running, nothing due) after which a check that still finds
# nothing has failed: no more work will come to change its answer.
IDLE_POLLS = 3


def settle_limit() -> float:
    """Read at each call: mutmut runs its passes in one process, telling them apart by the env."""
    if os.environ.get("MUTANT_UNDER_TEST") == "stats":
        return RECORDING_SETTLE_LIMIT
    return float(os.environ.get("TEST_SETTLE_LIMIT", SETTLE_LIMIT))


class EngineIdle(AssertionError):
    """The engine has no work left and what a test waits for has not happened."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.asynccontextmanager
async def serve(app: ASGIApp, port: int) -> AsyncIterator[None]:
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn offers a flag, not an event
        await asyncio.sleep(0.005)
    try:
        yield
    finally:
        server.should_exit = True
        await task


def make_client(engine_url: str, signing_key: str | None = None) -> inngest.Inngest:
    return inngest.Inngest(
        app_id="t",
        api_base_url=engine_url,
        event_api_base_url=engine_url,
        event_key=EVENT_KEY,
        signing_key=signing_key,
        is_production=signing_key is not None,
    )


class WallClock(ManualClock):
    """The wall clock behind the manual clock's type, for a test that really waits."""

    def now(self) -> float:
        return time.time()


@dataclass
class Harness:
    engine: Engine
    clock: ManualClock
    engine_url: str
    http: httpx.AsyncClient
    # Fail a settle as soon as the engine is idle. Only where every piece of work the checks
    # wait for runs as an engine job: a web app's own background task is invisible here.
    fail_when_idle: bool = False

    async def send(self, name: str, data: dict[str, Any] | None = None, **extra: Any) -> str:
        response = await self.http.post(
            f"{self.engine_url}/e/{EVENT_KEY}", json={"name": name, "data": data or {}, **extra}
        )
        response.raise_for_status()
        return str(response.json()["ids"][0])

    async def send_events(self, events: list[dict[str, Any]]) -> list[str]:
        response = await self.http.post(f"{self.engine_url}/e/{EVENT_KEY}", json=events)
        response.raise_for_status()
        return [str(event_id) for event_id in response.json()["ids"]]

    @property
    def api_headers(self) -> dict[str, str]:
        """What the engine's /v1 API asks of a caller when it has a signing key."""
        if not self.engine.signing_key:
            return {}
        return {"authorization": f"Bearer {hashed_signing_key(self.engine.signing_key)}"}

    async def runs(self, event_id: str) -> list[dict[str, Any]]:
        return list((await self.api(f"/v1/events/{event_id}/runs"))["data"])

    async def api(self, path: str) -> Any:
        """The engine's REST API's answer to a GET, as JSON."""
        response = await self.http.get(f"{self.engine_url}{path}", headers=self.api_headers)
        response.raise_for_status()
        return response.json()

    async def finished_run(self, event_id: str) -> dict[str, Any]:
        """The event's single run once it has ended."""
        return (await self.finished_runs(event_id, 1))[0]

    async def finished_runs(self, event_id: str, count: int) -> list[dict[str, Any]]:
        async def ended() -> list[dict[str, Any]] | None:
            runs = await self.runs(event_id)
            done = len(runs) >= count and all(r["status"] != "Running" for r in runs)
            return runs if done else None

        return await self.settle(ended)

    async def settle(self, check: Callable[[], Awaitable[T | None]]) -> T:
        """Wait for the engine's work (not for time) until `check` returns a value; with
        `fail_when_idle`, fail once the engine has stayed idle for IDLE_POLLS polls."""
        progress = self.engine.progress
        idle_polls = 0
        async with asyncio.timeout(settle_limit()):
            while True:
                progress.clear()
                result = await check()
                if result is not None:
                    return result
                # A job that ended since the check began may have changed its answer.
                idle = self._watch_idle() and await self._idle() and not progress.is_set()
                idle_polls = idle_polls + 1 if idle else 0
                if idle_polls >= IDLE_POLLS:
                    raise EngineIdle(
                        f"the engine is idle and {check!r} still finds nothing; jobs (kind, due in "
                        f"seconds): {await self._jobs()}, held back: {self.engine.held_jobs}"
                    )
                with contextlib.suppress(TimeoutError):
                    # a backstop for work that finishes without a job ending, such as a sync
                    async with asyncio.timeout(0.2):
                        await progress.wait()
                if progress.is_set():
                    idle_polls = 0

    def _watch_idle(self) -> bool:
        # Not while mutmut records: a failure there ends the whole run, and the long limit is
        # there to be waited out.
        return self.fail_when_idle and os.environ.get("MUTANT_UNDER_TEST") != "stats"

    async def _jobs(self) -> list[tuple[str, float]]:
        async with self.engine.store.engine.connect() as conn:
            rows = (
                await conn.execute(select(schema.jobs.c.kind, schema.jobs.c.available_at))
            ).all()
        return [(row.kind, round(row.available_at - self.clock.now(), 3)) for row in rows]

    async def _idle(self) -> bool:
        """No job running and none due at the clock's now, except those held back."""
        if self.engine.working:
            return False
        query = select(schema.jobs.c.id).where(schema.jobs.c.available_at <= self.clock.now())
        async with self.engine.store.engine.connect() as conn:
            due = set((await conn.execute(query)).scalars())
        # A job could start and end while the table was read: then it is no longer due.
        return not (due - self.engine.held_jobs) and not self.engine.working


@contextlib.asynccontextmanager
async def running_harness(
    database_url: str,
    functions: Sequence[inngest.Function[Any]],
    client: inngest.Inngest,
    engine_port: int,
    *,
    signing_key: str | None = None,
    clock: ManualClock | None = None,
) -> AsyncIterator[Harness]:
    app_port = free_port()
    app = fastapi.FastAPI()
    inngest.fast_api.serve(app, client, list(functions))
    clock = clock or ManualClock()
    engine = Engine(
        database_url=database_url,
        app_urls=[f"http://127.0.0.1:{app_port}/api/inngest"],
        signing_key=signing_key,
        clock=clock,
    )
    engine_url = f"http://127.0.0.1:{engine_port}"
    async with (
        serve(app, app_port),
        serve(engine.asgi, engine_port),
        # Fifty events at once queue behind SQLite's one writer; on a busy machine that
        # takes longer than httpx's default five seconds, and a slow answer is not a wrong one.
        httpx.AsyncClient(timeout=30) as http,
    ):
        await engine.start()
        try:
            await asyncio.wait_for(engine.synced.wait(), 10)
            yield Harness(
                engine=engine, clock=clock, engine_url=engine_url, http=http, fail_when_idle=True
            )
        finally:
            await engine.stop()


async def pending_job(h: Harness, kind: str, *, future: bool) -> bool | None:
    """True when a job of `kind` is queued (for later, if `future`); None otherwise."""
    query = select(schema.jobs.c.id).where(schema.jobs.c.kind == kind)
    if future:
        query = query.where(schema.jobs.c.available_at > h.clock.now())
    async with h.engine.store.engine.connect() as conn:
        return True if (await conn.execute(query)).first() else None

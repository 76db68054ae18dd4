"""The embedded engine: Inngest's executor for one machine, with its state in SQL."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable
from typing import Any

import httpx
from sqlalchemy import delete, select, update
from starlette.types import ASGIApp

from workflows.engine import flow_control, schema
from workflows.engine.clock import Clock, SystemClock
from workflows.engine.dispatch import (
    dispatch_event,
    expire_invoke,
    expire_wait,
    fire_cron,
    schedule_cron,
)
from workflows.engine.executor import INFER_JOB, Executor
from workflows.engine.protocol import sign
from workflows.engine.registry import FunctionDef
from workflows.engine.runs import end_run
from workflows.engine.scheduler import Scheduler
from workflows.engine.store import Job, Store, connect, load_run, new_id
from workflows.engine.transport import Transport, TransportError

log = logging.getLogger(__name__)
# The app usually answers within moments of the engine starting: retry soon, then every second.
SYNC_FIRST_RETRY_SECONDS = 0.05
SYNC_RETRY_SECONDS = 1.0
# Events that arrive before the functions are known wait this long between looks (and are
# released at once when the functions are registered).
HOLD_EVENT_SECONDS = 5.0


class SyncError(Exception):
    """An app refused to register its functions."""


class Engine:
    """Accepts events, runs functions over HTTP and keeps every run's state in the database."""

    def __init__(
        self,
        *,
        database_url: str,
        app_urls: Iterable[str] = (),
        signing_key: str | None = None,
        event_key: str | None = None,
        clock: Clock | None = None,
        workers: int = 32,
        call_timeout: float = 300.0,
    ) -> None:
        self.clock: Clock = clock or SystemClock()
        self.signing_key = signing_key
        self.event_key = event_key
        self.app_urls = list(app_urls)
        self.store = Store(connect(database_url))
        self.functions: dict[str, FunctionDef] = {}
        self._http = Transport(timeout=call_timeout, connect_timeout=10.0, connections=workers * 2)
        # Model calls (`step.ai.infer`) go to third parties, through their own client.
        self._model_http = httpx.AsyncClient(timeout=httpx.Timeout(call_timeout, connect=10.0))
        self._executor = Executor(
            store=self.store,
            functions=self.functions,
            http=self._http,
            model_http=self._model_http,
            clock=self.clock,
            signing_key=signing_key,
        )
        self._scheduler = Scheduler(
            store=self.store,
            clock=self.clock,
            handle=self._handle,
            slots_for=self._slots_for,
            workers=workers,
        )
        self._sync_task: asyncio.Task[None] | None = None
        # Events are dispatched one at a time, in order: idempotency keys, throttle slots and
        # cancellations are decided against every earlier event, never beside one.
        self._dispatch_lock = asyncio.Lock()
        self.synced = asyncio.Event()

    @property
    def asgi(self) -> ASGIApp:
        from workflows.engine.api import create_api

        return create_api(self)

    @property
    def ready(self) -> bool:
        """Whether events may be dispatched: the functions they would start are known.

        With apps to sync, that is once they have registered in this process (functions kept
        from an earlier start may be stale); otherwise once any function is registered.
        """
        return self.synced.is_set() if self.app_urls else bool(self.functions)

    @property
    def progress(self) -> asyncio.Event:
        """Set each time a job finishes: lets a caller wait for work instead of for time."""
        return self._scheduler.progress

    @property
    def working(self) -> bool:
        """Whether a job is running now; with `held_jobs`, lets a caller tell the engine is idle."""
        return self._scheduler.working

    @property
    def held_jobs(self) -> set[int]:
        """Due jobs held back in memory after failing outside the protocol, until their delay."""
        return self._scheduler.held_jobs

    async def start(self) -> None:
        """Create the tables, load what was registered, resume every unfinished job."""
        await self.store.create_tables()
        async with self.store.engine.connect() as conn:
            rows = (await conn.execute(select(schema.functions))).all()
        for row in rows:
            self.functions[row.id] = FunctionDef.parse(row.app_name, row.config)
        self._scheduler.start()
        if self.app_urls:
            self._sync_task = asyncio.create_task(self._sync_until_done(), name="engine-sync")

    async def stop(self) -> None:
        if self._sync_task is not None:
            self._sync_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sync_task
        await self._scheduler.stop()
        await self._http.close()
        await self._model_http.aclose()
        await self.store.close()

    async def sync_apps(self) -> None:
        """Ask each app to register its functions (a PUT to its serve URL)."""
        for url in self.app_urls:
            headers = {"x-inngest-server-kind": "cloud" if self.signing_key else "dev"}
            if self.signing_key:
                headers["x-inngest-signature"] = sign(b"", self.signing_key, int(self.clock.now()))
            response = await self._http.request("PUT", url, headers=headers)
            if response.status >= 400:
                raise SyncError(f"{url} answered {response.status} to the sync")
        self.synced.set()
        await self._release_held_events()

    async def _sync_until_done(self) -> None:
        delay = SYNC_FIRST_RETRY_SECONDS
        while True:
            try:
                await self.sync_apps()
                return
            except (TransportError, SyncError) as err:
                level = logging.INFO if delay == SYNC_FIRST_RETRY_SECONDS else logging.DEBUG
                log.log(level, "app not synced yet (%s); retrying", type(err).__name__)
                await asyncio.sleep(delay)
                delay = min(delay * 2, SYNC_RETRY_SECONDS)

    async def _hold_events(self) -> None:
        """Keep events until the functions they may start are registered: never drop one.
        Every due event is put back at once, so a backlog costs one write per look, not one each."""
        now = self.clock.now()
        async with self.store.transaction() as conn:
            await conn.execute(
                update(schema.jobs)
                .where(schema.jobs.c.kind == "event", schema.jobs.c.available_at <= now)
                .values(available_at=now + HOLD_EVENT_SECONDS)
            )

    async def _release_held_events(self) -> None:
        now = self.clock.now()
        async with self.store.transaction() as conn:
            await conn.execute(
                update(schema.jobs)
                .where(schema.jobs.c.kind == "event", schema.jobs.c.available_at > now)
                .values(available_at=now)
            )
        self._scheduler.wake()

    async def accept_events(self, events: list[dict[str, Any]]) -> list[str]:
        """Store events durably (each id at most once a day) and return their ids."""
        now = self.clock.now()
        ids = []
        for event in events:
            event.setdefault("id", new_id())
            event.setdefault("ts", int(now * 1000))
            event.setdefault("data", {})
            await self.store.accept_event(event, now)
            ids.append(event["id"])
        self._scheduler.wake()
        return ids

    async def cancel(self, run_id: str) -> bool:
        """Cancel a running run, as Inngest's `DELETE /v1/runs/{id}` does; False if there is no
        such run. A run that has ended stays as it ended."""
        async with self._dispatch_lock, self.store.transaction() as conn:
            run = await load_run(conn, run_id)
            if run is None:
                return False
            await end_run(conn, run, status="Cancelled", now=self.clock.now())
        self._scheduler.wake()
        return True

    async def register(self, app_name: str, functions: list[FunctionDef]) -> None:
        """Replace an app's functions; (re)schedule their crons."""
        now = self.clock.now()
        async with self.store.transaction() as conn:
            await conn.execute(
                delete(schema.functions).where(schema.functions.c.app_name == app_name)
            )
            for old in [fn for fn in self.functions.values() if fn.app_name == app_name]:
                await conn.execute(
                    delete(schema.jobs).where(
                        schema.jobs.c.kind == "cron",
                        schema.jobs.c.payload["function_id"].as_string() == old.id,
                    )
                )
            for fn in functions:
                await conn.execute(
                    schema.functions.insert().values(
                        id=fn.id, app_name=app_name, url=fn.url, config=fn.config, updated_at=now
                    )
                )
                for cron in fn.crons:
                    await schedule_cron(conn, fn, cron, now)
        for fn_id in [k for k, fn in self.functions.items() if fn.app_name == app_name]:
            del self.functions[fn_id]
        self.functions.update({fn.id: fn for fn in functions})
        await self._release_held_events()

    async def _slots_for(self, job: Job) -> list[tuple[str, int]]:
        if job.kind != "call" or job.run_id is None:
            return []
        run = await self.store.run(job.run_id)
        return [(key, limit) for key, limit in (run.concurrency if run else [])]

    async def _handle(self, job: Job) -> None:
        """Carry out one job. A failure here (the database refused a write) propagates: the
        scheduler holds the job back, since postponing it in the table is a write too."""
        if job.kind == "call":
            if job.payload.get("first"):
                await flow_control.mark_started(self.store, job, self.functions, self.clock.now())
            await self._executor.call(job)
            return
        if job.kind == INFER_JOB:
            await self._executor.infer(job)
            return
        if job.kind == "event" and not self.ready:
            await self._hold_events()
            return
        async with self._dispatch_lock, self.store.transaction() as conn:
            now = self.clock.now()
            if job.kind == "event":
                await dispatch_event(conn, job, self.functions, now)
            elif job.kind == "wait-timeout":
                await expire_wait(conn, job, now)
            elif job.kind == "invoke-timeout":
                await expire_invoke(conn, job, now)
            elif job.kind == "cron":
                await fire_cron(conn, job, self.functions, now)
            elif job.kind in flow_control.JOB_KINDS:
                await flow_control.fire(conn, job, self.functions, now)

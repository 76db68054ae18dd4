"""Waiting for runs to end without adding load: the engine says when a job finished."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

from sqlalchemy import select

from workflows.engine import Engine, schema


class Completions:
    """Resolves a future per event once its run has ended; reads the store only when the
    engine reports that a job finished, so waiting adds one query per finished job at most."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._waiting: dict[str, asyncio.Future[float]] = {}
        self._task: asyncio.Task[None] | None = None

    def expect(self, event_id: str) -> asyncio.Future[float]:
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._waiting[event_id] = future
        self._engine.progress.set()  # the run may have ended before we knew its event id
        return future

    async def watch(self) -> None:
        progress = self._engine.progress
        runs = schema.runs
        while True:
            await progress.wait()
            progress.clear()
            if not self._waiting:
                continue
            query = select(runs.c.event_id, runs.c.status).where(
                runs.c.event_id.in_(list(self._waiting)), runs.c.status != "Running"
            )
            async with self._engine.store.engine.connect() as conn:
                ended = (await conn.execute(query)).all()
            now = time.perf_counter()
            for row in ended:
                future = self._waiting.pop(row.event_id)
                if row.status == "Completed":
                    future.set_result(now)
                else:
                    future.set_exception(RuntimeError(f"run ended {row.status}"))

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[Completions]:
        self._task = asyncio.create_task(self.watch())
        try:
            yield self
        finally:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

"""Reads and writes of the engine's state. Each public coroutine is one committed transaction."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import (
    CursorResult,
    Executable,
    Row,
    bindparam,
    delete,
    event,
    exists,
    insert,
    select,
    union,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, Dialect, make_url
from sqlalchemy.engine import Engine as SyncEngine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from workflows.engine import schema
from workflows.engine.sqlite_inline import BUSY_WAIT_SECONDS, InlineSQLite, Parameters

EVENT_DEDUPE_WINDOW = 24 * 3600.0


def new_id() -> str:
    """A random unique id for runs and events."""
    return uuid.uuid4().hex


@dataclass(frozen=True)
class Job:
    id: int
    kind: str
    run_id: str | None
    target: str
    attempt: int
    immediate: bool
    payload: dict[str, Any]
    available_at: float

    @classmethod
    def from_row(cls, row: Row[Any]) -> Job:
        return cls(
            id=row.id,
            kind=row.kind,
            run_id=row.run_id,
            target=row.target,
            attempt=row.attempt,
            immediate=row.immediate,
            payload=row.payload or {},
            available_at=row.available_at,
        )


class Connection(Protocol):
    """What the engine's statements need of a connection: SQLAlchemy's `AsyncConnection` on
    PostgreSQL, an `InlineConnection` on SQLite."""

    @property
    def dialect(self) -> Dialect: ...

    async def execute(
        self, statement: Executable, parameters: Parameters = None
    ) -> CursorResult[Any]: ...


@dataclass(frozen=True)
class Due:
    jobs: list[Job]
    next_at: float | None  # when the earliest job not listed is due; None when there is none


def connect(database_url: str | URL, *, autocommit: bool = False) -> AsyncEngine:
    """An async engine; SQLite gets WAL and a busy timeout so the web app can share the file.
    On PostgreSQL, `autocommit` connections run each statement as a transaction of its own."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        # No reset on return: closing a connection already rolls back what it left open, and
        # each round trip to the driver's thread counts on a busy machine.
        engine = create_async_engine(url, connect_args={"timeout": 30}, pool_reset_on_return=None)
        # Only reads and the tables' creation use it: the engine's writes run on the loop's
        # thread (`InlineSQLite`), which also replaces a connection that found the file read-only.
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    options: dict[str, Any] = {}
    if autocommit:
        # What these connections write is a step's result, which a crash of the database server
        # (not of the engine) may lose for a moment after it commits, like SQLite's
        # synchronous=NORMAL: the step then runs again, as after any crash before its commit.
        # With no transaction to roll back on return, skipping that rollback saves a round trip.
        options = {
            "isolation_level": "AUTOCOMMIT",
            "skip_autocommit_rollback": True,
            "connect_args": {"server_settings": {"synchronous_commit": "off"}},
        }
    return create_async_engine(url, pool_size=20, max_overflow=20, **options)


def _sqlite_pragmas(dbapi_connection: Any, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class Store:
    """The engine's tables behind a few verbs."""

    def __init__(self, engine: AsyncEngine, *, busy_wait: float = BUSY_WAIT_SECONDS) -> None:
        self.engine = engine
        self._writer: asyncio.Lock | None = None
        self._inline: InlineSQLite | None = None
        self._statements: AsyncEngine | None = None
        if engine.dialect.name == "sqlite":
            # SQLite has one writer: queued here, the engine's transactions take turns at once,
            # instead of polling SQLite's lock. The engine's own statements run on the loop's
            # thread (see sqlite_inline).
            self._writer = asyncio.Lock()
            self._inline = InlineSQLite(engine.url, _sqlite_pragmas, busy_wait=busy_wait)
        else:
            # Single statements (reads, a step's result) run on connections that commit each
            # one. `engine` stays for everything else (the REST API, tests).
            self._statements = connect(engine.url, autocommit=True)

    async def close(self) -> None:
        await self.engine.dispose()
        if self._inline is not None:
            await self._inline.close()
        if self._statements is not None:
            await self._statements.dispose()

    def statement(self) -> contextlib.AbstractAsyncContextManager[Connection]:
        """A connection for one statement, which commits on its own: a read that needs no
        snapshot beyond that statement's, or a write that is a whole change by itself."""
        if self._inline is not None:
            return self._inline.statement()
        assert self._statements is not None
        return self._statements.connect()

    @property
    def sync_engine(self) -> SyncEngine:
        return self.engine.sync_engine

    async def create_tables(self) -> None:
        async with self.engine.begin() as conn:
            await conn.run_sync(schema.metadata.create_all)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Connection]:
        if self._inline is not None and self._writer is not None:
            async with self._writer, self._inline.transaction() as inline:
                yield inline
            return
        async with self.engine.begin() as conn:
            yield conn

    async def record_step(
        self,
        job_id: int,
        *,
        run_id: str,
        step_id: str,
        name: str | None,
        op: str,
        memo: object,
        at: float,
    ) -> bool:
        """A sequential step's result, in one statement that commits on its own: the step's
        job must still exist (its run was not ended meanwhile) and the step must have no result
        yet. False when either fails; nothing is written then.

        A step costs one round trip to the database this way, where a transaction takes four."""
        row = {"run_id": run_id, "id": step_id, "name": name, "op": op, "memo": memo, "at": at}
        values = {f"step_{column}": value for column, value in row.items()} | {"job_id": job_id}
        statement = _RECORD_STEP[self.engine.dialect.name]
        async with self._writer or contextlib.nullcontext(), self.statement() as conn:
            return bool((await conn.execute(statement, values)).rowcount)

    async def accept_event(self, payload: dict[str, Any], now: float) -> bool:
        """Store an event and its dispatch job; False when its id was seen in the last 24h."""
        try:
            return await self._accept_event(payload, now)
        except IntegrityError:  # the same id, accepted a moment ago by a concurrent request
            return False

    async def _accept_event(self, payload: dict[str, Any], now: float) -> bool:
        async with self.transaction() as conn:
            seen = (await conn.execute(_SEEN_EVENT, {"event_id": payload["id"]})).first()
            if seen is not None and seen.received_at > now - EVENT_DEDUPE_WINDOW:
                return False
            if seen is not None:
                await conn.execute(delete(schema.events).where(schema.events.c.seq == seen.seq))
            seq = await insert_event(conn, payload, now)
            await add_job(conn, kind="event", payload={"seq": seq}, available_at=now)
            return True

    async def due_jobs(self, now: float, limit: int, exclude: set[int]) -> Due:
        """Up to `limit` due jobs not in `exclude`, oldest first, and when to look again,
        in one read: the scheduler runs this after every job."""
        fetch = limit + len(exclude) + 1
        async with self.statement() as conn:
            rows = (await conn.execute(_DUE_JOBS, {"fetch": fetch})).all()
        pending = [Job.from_row(row) for row in rows if row.id not in exclude]
        due = [job for job in pending if job.available_at <= now]
        later = [job.available_at for job in pending if job.available_at > now]
        if len(due) > limit or (not later and len(rows) == fetch):
            return Due(jobs=due[:limit], next_at=now)  # more may be due beyond what was read
        return Due(jobs=due, next_at=later[0] if later else None)

    async def run(self, run_id: str) -> Row[Any] | None:
        async with self.statement() as conn:
            return await load_run(conn, run_id)

    async def memos(self, run_id: str) -> list[Row[Any]]:
        async with self.statement() as conn:
            return list((await conn.execute(_MEMOS, {"run_id": run_id})).all())

    async def runs_for_event(self, event_id: str) -> list[Row[Any]]:
        # Run ids from each index, then the runs: an OR across the two tables would make
        # PostgreSQL read every run.
        started = select(schema.runs.c.id).where(schema.runs.c.event_id == event_id)
        batched = select(schema.run_events.c.run_id).where(schema.run_events.c.event_id == event_id)
        query = select(schema.runs).where(schema.runs.c.id.in_(union(started, batched)))
        async with self.statement() as conn:
            return list((await conn.execute(query.order_by(schema.runs.c.started_at))).all())


async def insert_event(conn: Connection, payload: dict[str, Any], now: float) -> int:
    row = {"id": payload["id"], "name": payload["name"], "payload": payload, "received_at": now}
    result = await conn.execute(_INSERT_EVENT, row)
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


async def add_job(
    conn: Connection,
    *,
    kind: str,
    available_at: float,
    run_id: str | None = None,
    target: str = "step",
    immediate: bool = True,
    payload: dict[str, Any] | None = None,
) -> None:
    row = {
        "kind": kind,
        "run_id": run_id,
        "target": target,
        "attempt": 0,
        "immediate": immediate,
        "payload": payload,
        "available_at": available_at,
    }
    await conn.execute(_ADD_JOB, row)


async def load_run(conn: Connection, run_id: str) -> Row[Any] | None:
    return (await conn.execute(_LOAD_RUN, {"run_id": run_id})).first()


async def save_memo(
    conn: Connection,
    *,
    run_id: str,
    step_id: str,
    op: str,
    memo: object,
    at: float,
    name: str | None = None,
) -> bool:
    """Record a step's result unless it has one: the first result of a step is its result.
    False when the step already had one."""
    values = {"run_id": run_id, "id": step_id, "name": name, "op": op, "memo": memo, "at": at}
    statement = _SAVE_MEMO[conn.dialect.name]
    return bool((await conn.execute(statement, values)).rowcount)


# Built once: a step's result is saved at every step, and building the statement costs more
# than running it on SQLite.
_SAVE_MEMO = {
    "postgresql": postgresql.insert(schema.steps).on_conflict_do_nothing(),
    "sqlite": sqlite.insert(schema.steps).on_conflict_do_nothing(),
}


def _record_step(insert: Any) -> Any:
    steps = schema.steps
    # FOR SHARE: a concurrent end of the run deletes the job first or waits for this insert.
    job_alive = exists(
        select(schema.jobs.c.id)
        .where(schema.jobs.c.id == bindparam("job_id"))
        .with_for_update(read=True)
    )
    columns = ["run_id", "id", "name", "op", "memo", "at"]
    row = select(*(bindparam(f"step_{name}", type_=steps.c[name].type) for name in columns))
    return insert(steps).from_select(columns, row.where(job_alive)).on_conflict_do_nothing()


_RECORD_STEP = {
    "postgresql": _record_step(postgresql.insert),
    "sqlite": _record_step(sqlite.insert),
}


async def delete_job(conn: Connection, job_id: int) -> bool:
    """Remove a job; False when it was already gone (another worker finished it)."""
    return bool((await conn.execute(_DELETE_JOB, {"job_id": job_id})).rowcount)


async def finish_run(
    conn: Connection,
    run_id: str,
    *,
    status: str,
    at: float,
    output: object = None,
    error: object = None,
) -> bool:
    """Move a running run to its end state; False when it had already ended."""
    ending = {
        "run_id": run_id,
        "end_status": status,
        "end_output": output,
        "end_error": error,
        "ended": at,
    }
    result = await conn.execute(_FINISH_RUN, ending)
    await conn.execute(_DELETE_RUN_JOBS, {"run_id": run_id})
    await conn.execute(_DELETE_RUN_PAUSES, {"run_id": run_id})
    return bool(result.rowcount)


# Built once, like the statements above: each runs at least once a run, and building one costs
# SQLAlchemy several times what SQLite takes to run it.
_SEEN_EVENT = select(schema.events.c.seq, schema.events.c.received_at).where(
    schema.events.c.id == bindparam("event_id")
)
_INSERT_EVENT = insert(schema.events)
_ADD_JOB = insert(schema.jobs)
_DELETE_JOB = delete(schema.jobs).where(schema.jobs.c.id == bindparam("job_id"))
_DUE_JOBS = (
    select(schema.jobs)
    .order_by(schema.jobs.c.available_at, schema.jobs.c.id)
    .limit(bindparam("fetch"))
)
_LOAD_RUN = select(schema.runs).where(schema.runs.c.id == bindparam("run_id"))
_MEMOS = (
    select(schema.steps)
    .where(schema.steps.c.run_id == bindparam("run_id"))
    .order_by(schema.steps.c.at)
)
_FINISH_RUN = (
    update(schema.runs)
    .where(schema.runs.c.id == bindparam("run_id"), schema.runs.c.status == "Running")
    .values(
        status=bindparam("end_status"),
        output=bindparam("end_output", type_=schema.runs.c.output.type),
        error=bindparam("end_error", type_=schema.runs.c.error.type),
        ended_at=bindparam("ended"),
    )
)
_DELETE_RUN_JOBS = delete(schema.jobs).where(schema.jobs.c.run_id == bindparam("run_id"))
_DELETE_RUN_PAUSES = delete(schema.pauses).where(schema.pauses.c.run_id == bindparam("run_id"))

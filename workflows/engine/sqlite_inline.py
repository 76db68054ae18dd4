"""SQLite on the event loop's own thread.

A statement the engine runs (an index lookup, a row written) costs SQLite tens of microseconds;
handing it to a driver thread and back costs several times that. So the engine's statements
run here, on the loop's thread, where nothing may block: a write transaction begins with
`BEGIN IMMEDIATE` on a connection that never waits for a lock, and when another connection
(the web app's) holds the write lock, the loop sleeps between tries instead. In WAL mode a
writer that holds the lock and a reader never wait for anyone, so the statements themselves
cannot block.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from sqlalchemy import Connection, CursorResult, Engine, Executable, create_engine, event
from sqlalchemy.engine import Dialect
from sqlalchemy.engine.url import URL
from sqlalchemy.exc import OperationalError

log = logging.getLogger(__name__)
BUSY_WAIT_SECONDS = 30.0  # as long as the driver-thread connections wait for the lock
CHECKPOINT_EVERY = 500  # uses of the connections between two checkpoints
FIRST_BUSY_SLEEP = 0.001
MAX_BUSY_SLEEP = 0.05

Parameters = Mapping[str, Any] | Sequence[Mapping[str, Any]] | None
T = TypeVar("T")


def _busy(error: OperationalError) -> bool:
    """Another connection holds the lock this statement needs (SQLITE_BUSY and its kinds)."""
    code = getattr(error.orig, "sqlite_errorcode", None)
    return code is not None and code & 0xFF == sqlite3.SQLITE_BUSY


class InlineConnection:
    """What the engine's statements need of a connection, run on the loop's thread."""

    def __init__(self, sync: Connection, *, busy_wait: float | None) -> None:
        self._sync = sync
        # Set when each statement commits on its own, so that running it again is safe.
        self._busy_wait = busy_wait

    @property
    def dialect(self) -> Dialect:
        return self._sync.dialect

    async def execute(
        self, statement: Executable, parameters: Parameters = None
    ) -> CursorResult[Any]:
        if self._busy_wait is None:
            return self._sync.execute(statement, parameters)
        return await _when_free(lambda: self._sync.execute(statement, parameters), self._busy_wait)


class InlineSQLite:
    """Two connections to one SQLite file, used only on the loop's thread: one writes a
    transaction at a time (the store queues them), the other runs statements that commit on
    their own. A connection that finds the file read-only is replaced on its next use.

    Neither copies the write-ahead log back into the file when it commits (SQLite's automatic
    checkpoint, which ends with an fsync): a worker thread does that every few hundred uses."""

    def __init__(
        self,
        url: URL,
        on_connect: Callable[[Any, Any], None],
        *,
        busy_wait: float = BUSY_WAIT_SECONDS,
    ) -> None:
        self._busy_wait = busy_wait
        self._engine: Engine = create_engine(
            url.set(drivername="sqlite+pysqlite"),
            # No implicit transactions: this class begins and ends them itself.
            isolation_level="AUTOCOMMIT",
            connect_args={"timeout": 0, "check_same_thread": False},
        )
        event.listen(self._engine, "connect", on_connect)
        event.listen(self._engine, "connect", _no_automatic_checkpoint)
        self._path = url.database or ""
        self._writer: Connection | None = None
        self._statements: Connection | None = None
        self._uses = 0
        self._checkpoint: asyncio.Task[None] | None = None

    async def close(self) -> None:
        if self._checkpoint is not None:
            await self._checkpoint
        for conn in (self._writer, self._statements):
            if conn is not None:
                conn.close()
        self._writer = self._statements = None
        self._engine.dispose()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[InlineConnection]:
        if self._writer is None:
            self._writer = await _when_free(self._engine.connect, self._busy_wait)
        conn = self._writer
        try:
            await _when_free(lambda: conn.exec_driver_sql("BEGIN IMMEDIATE"), self._busy_wait)
        except OperationalError:
            self._drop_writer()
            raise
        try:
            yield InlineConnection(conn, busy_wait=None)
            await _when_free(lambda: conn.exec_driver_sql("COMMIT"), self._busy_wait)
        except BaseException as error:
            self._roll_back(conn, error)
            raise
        self._used()

    @asynccontextmanager
    async def statement(self) -> AsyncIterator[InlineConnection]:
        if self._statements is None:
            self._statements = await _when_free(self._engine.connect, self._busy_wait)
        try:
            yield InlineConnection(self._statements, busy_wait=self._busy_wait)
        except OperationalError as error:
            if _read_only(error):
                self._statements.invalidate()
                self._statements = None
            raise
        self._used()

    def _used(self) -> None:
        self._uses += 1
        idle = self._checkpoint is None or self._checkpoint.done()
        if self._uses % CHECKPOINT_EVERY == 0 and idle:
            self._checkpoint = asyncio.create_task(asyncio.to_thread(self._copy_log_back))

    def _copy_log_back(self) -> None:
        """A passive checkpoint, which neither waits for nor holds up readers and writers."""
        try:
            with contextlib.closing(sqlite3.connect(self._path, timeout=self._busy_wait)) as conn:
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
        except sqlite3.Error as error:  # a read-only or vanished file: the next one tries again
            log.debug("checkpoint of %s failed: %s", self._path, error)

    def _roll_back(self, conn: Connection, cause: BaseException) -> None:
        try:
            conn.exec_driver_sql("ROLLBACK")
        except Exception:
            self._drop_writer()
            return
        if _read_only(cause):
            self._drop_writer()

    def _drop_writer(self) -> None:
        # Also what makes a connection opened on a read-only file writable again.
        if self._writer is not None:
            self._writer.invalidate()
            self._writer = None


def _no_automatic_checkpoint(dbapi_connection: Any, _record: object) -> None:
    dbapi_connection.execute("PRAGMA wal_autocheckpoint=0")


def _read_only(error: BaseException) -> bool:
    return isinstance(error, OperationalError) and "readonly database" in str(error.orig)


async def _when_free(attempt: Callable[[], T], busy_wait: float) -> T:
    """Run `attempt` (one statement that holds no lock when it fails), sleeping between tries
    while another connection holds the write lock, for at most `busy_wait` seconds."""
    deadline = time.monotonic() + busy_wait
    sleep = FIRST_BUSY_SLEEP
    while True:
        try:
            return attempt()
        except OperationalError as error:
            if not _busy(error) or time.monotonic() > deadline:
                raise
        await asyncio.sleep(sleep)
        sleep = min(sleep * 2, MAX_BUSY_SLEEP)

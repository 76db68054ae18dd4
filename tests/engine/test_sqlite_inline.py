"""SQLite on the loop's thread: while another connection (the web app's) holds the write lock,
the engine's writes wait without stopping the loop, then go through; a failed transaction
leaves nothing behind; a lock held too long is an error, not a hang."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError

from workflows.engine import schema
from workflows.engine.sqlite_inline import CHECKPOINT_EVERY
from workflows.engine.store import Store, add_job, connect

HELD_SECONDS = 0.3


@asynccontextmanager
async def scratch_store(path: Path) -> AsyncIterator[Store]:
    store = Store(connect(f"sqlite+aiosqlite:///{path}"))
    await store.create_tables()
    try:
        yield store
    finally:
        await store.close()


@contextmanager
def write_lock_held(path: Path, seconds: float) -> Iterator[threading.Event]:
    """Another connection takes the file's write lock and keeps it for `seconds`."""
    taken = threading.Event()

    def hold() -> None:
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        taken.set()
        threading.Event().wait(seconds)
        other.execute("COMMIT")
        other.close()

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        yield taken
    finally:
        thread.join()


async def ticks_while(work: asyncio.Future[None]) -> int:
    """How many times a 10 ms ticker ran on the loop while `work` was under way."""
    count = 0
    while not work.done():
        await asyncio.sleep(0.01)
        count += 1
    return count


async def add_one_job(store: Store) -> None:
    async with store.transaction() as conn:
        await add_job(conn, kind="event", available_at=0.0)


async def count_jobs(store: Store) -> int:
    async with store.statement() as conn:
        return int((await conn.execute(select(func.count()).select_from(schema.jobs))).scalar_one())


async def add_job_alone(store: Store) -> None:
    async with store.statement() as conn:  # commits on its own, as a step's result does
        await add_job(conn, kind="event", available_at=0.0)


@pytest.mark.parametrize("write", [add_one_job, add_job_alone], ids=["transaction", "statement"])
async def test_a_write_waits_for_another_writer_without_stopping_the_loop(
    tmp_path: Path, write: Callable[[Store], Awaitable[None]]
) -> None:
    path = tmp_path / "engine.db"
    async with scratch_store(path) as store:
        with write_lock_held(path, HELD_SECONDS) as taken:
            await asyncio.to_thread(taken.wait)
            work = asyncio.ensure_future(write(store))
            ticks = await ticks_while(work)
            await work
        assert await count_jobs(store) == 1
    # The loop ran on while the lock was held, close to once per 10 ms: it never blocked.
    assert ticks >= HELD_SECONDS / 0.01 / 3


async def test_a_lock_held_past_the_wait_is_an_error_and_nothing_is_written(
    tmp_path: Path,
) -> None:
    path = tmp_path / "engine.db"
    store = Store(connect(f"sqlite+aiosqlite:///{path}"), busy_wait=0.1)
    await store.create_tables()
    try:
        with write_lock_held(path, 1.0) as taken:
            await asyncio.to_thread(taken.wait)
            with pytest.raises(OperationalError, match="locked"):
                await add_one_job(store)
        assert await count_jobs(store) == 0
        await add_one_job(store)  # the connection is fine once the lock is free
        assert await count_jobs(store) == 1
    finally:
        await store.close()


async def test_a_failed_transaction_leaves_nothing_and_the_next_one_commits(
    tmp_path: Path,
) -> None:
    async def half_a_change(store: Store) -> None:
        async with store.transaction() as conn:
            await add_job(conn, kind="event", available_at=0.0)
            raise RuntimeError("the rest of the change failed")

    async with scratch_store(tmp_path / "engine.db") as store:
        with pytest.raises(RuntimeError):
            await half_a_change(store)
        assert await count_jobs(store) == 0
        async with store.transaction() as conn:
            await add_job(conn, kind="event", available_at=0.0)
        assert await count_jobs(store) == 1


async def test_what_a_transaction_writes_is_seen_by_the_app_connections_once_committed(
    tmp_path: Path,
) -> None:
    async with scratch_store(tmp_path / "engine.db") as store:
        async with store.transaction() as conn:
            await add_job(conn, kind="event", available_at=0.0)
            async with store.engine.connect() as other:  # a driver-thread connection
                before = (
                    await other.execute(select(func.count()).select_from(schema.jobs))
                ).scalar()
        async with store.engine.connect() as other:
            after = (await other.execute(select(func.count()).select_from(schema.jobs))).scalar()
    assert (before, after) == (0, 1)


async def test_the_log_is_copied_back_into_the_file_once_every_few_hundred_uses(
    tmp_path: Path,
) -> None:
    path = tmp_path / "engine.db"
    pad = "x" * 2000

    async def add_padded_job(store: Store) -> None:
        async with store.statement() as conn:
            await add_job(conn, kind="event", available_at=0.0, payload={"pad": pad})

    async with scratch_store(path) as store:
        before = path.stat().st_size
        for _ in range(CHECKPOINT_EVERY - 1):
            await add_padded_job(store)
        await asyncio.sleep(0.3)
        not_yet = path.stat().st_size  # every write so far is in the log alone
        await add_padded_job(store)
        written = CHECKPOINT_EVERY * len(pad)
        for _ in range(100):  # by a worker thread, so not at once
            if path.stat().st_size - before >= written:
                break
            await asyncio.sleep(0.05)
        after = path.stat().st_size
    assert not_yet == before
    assert after - before >= written


async def test_an_error_other_than_a_held_lock_is_raised_at_once(tmp_path: Path) -> None:
    async with scratch_store(tmp_path / "engine.db") as store:
        started = time.monotonic()
        with pytest.raises(OperationalError, match="no such table"):
            async with store.statement() as conn:
                await conn.execute(text("SELECT * FROM no_such_table"))
        waited = time.monotonic() - started
    assert waited < 1.0  # not retried for the 30 s a held lock gets


async def test_closing_the_store_closes_every_connection_to_the_file(tmp_path: Path) -> None:
    path = tmp_path / "engine.db"
    async with scratch_store(path) as store:
        await add_one_job(store)
        await add_job_alone(store)
        assert await count_jobs(store) == 1 + 1
        log = path.with_name(path.name + "-wal")
        assert log.exists()
    # SQLite removes the write-ahead log when the last connection to the file closes.
    assert not log.exists()

"""The store's verbs on a real database: each says truthfully whether it changed anything."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, insert, select, text
from sqlalchemy.dialects import postgresql, sqlite

from workflows.engine import schema
from workflows.engine.runs import latest_event_seq
from workflows.engine.store import (
    EVENT_DEDUPE_WINDOW,
    Store,
    _record_step,
    add_job,
    connect,
    delete_job,
    finish_run,
    save_memo,
)

T0 = 1_000_000.0


@pytest.fixture
async def store(engine_db: str) -> AsyncIterator[Store]:
    made = Store(connect(engine_db))
    await made.create_tables()
    try:
        yield made
    finally:
        await made.close()


async def _add_run(store: Store, run_id: str, *, event_id: str = "evt_1", at: float = T0) -> None:
    async with store.transaction() as conn:
        await conn.execute(
            insert(schema.runs).values(
                id=run_id,
                function_id="fn",
                event_id=event_id,
                event={"id": event_id, "name": "test/event"},
                status="Running",
                concurrency=[],
                started_at=at,
            )
        )
        await add_job(conn, kind="call", run_id=run_id, available_at=at)
        await conn.execute(
            schema.pauses.insert().values(
                run_id=run_id, step_id="wait", event_name="e", after_seq=0, expires_at=at + 60
            )
        )


async def _count(store: Store, table: Any, **where: object) -> int:
    query = select(func.count()).select_from(table)
    for column, value in where.items():
        query = query.where(table.c[column] == value)
    async with store.engine.connect() as conn:
        return int((await conn.execute(query)).scalar_one())


async def test_an_ended_run_is_never_ended_again(store: Store) -> None:
    await _add_run(store, "run_a")
    await _add_run(store, "run_b")

    async with store.transaction() as conn:
        first = await finish_run(conn, "run_a", status="Completed", at=T0 + 1, output={"n": 1})
    async with store.transaction() as conn:
        again = await finish_run(conn, "run_a", status="Failed", at=T0 + 2, error={"name": "X"})

    assert (first, again) == (True, False)
    run = await store.run("run_a")
    assert run is not None
    assert (run.status, run.output, run.error, run.ended_at) == (
        "Completed",
        {"n": 1},
        None,
        T0 + 1,
    )
    # The ended run's jobs and pauses are gone; the other run's are untouched.
    assert await _count(store, schema.jobs, run_id="run_a") == 0
    assert await _count(store, schema.pauses, run_id="run_a") == 0
    assert await _count(store, schema.jobs, run_id="run_b") == 1
    assert await _count(store, schema.pauses, run_id="run_b") == 1
    other = await store.run("run_b")
    assert other is not None
    assert other.status == "Running"


async def test_a_failed_run_keeps_its_error(store: Store) -> None:
    await _add_run(store, "run_a")

    async with store.transaction() as conn:
        await finish_run(conn, "run_a", status="Failed", at=T0 + 1, error={"name": "Boom"})

    run = await store.run("run_a")
    assert run is not None
    assert (run.status, run.error, run.output) == ("Failed", {"name": "Boom"}, None)


async def test_finishing_a_run_that_does_not_exist_reports_nothing_finished(store: Store) -> None:
    async with store.transaction() as conn:
        assert await finish_run(conn, "run_missing", status="Failed", at=T0) is False


async def test_deleting_a_job_says_whether_this_call_deleted_it(store: Store) -> None:
    await _add_run(store, "run_a")
    await _add_run(store, "run_b")
    [job_a, job_b] = (await store.due_jobs(T0, limit=10, exclude=set())).jobs

    async with store.transaction() as conn:
        deleted = await delete_job(conn, job_a.id)
    async with store.transaction() as conn:
        deleted_again = await delete_job(conn, job_a.id)

    assert (deleted, deleted_again) == (True, False)
    assert [job.id for job in (await store.due_jobs(T0, limit=10, exclude=set())).jobs] == [
        job_b.id
    ]


async def test_an_event_id_is_accepted_once_a_day(store: Store) -> None:
    event = {"id": "evt_once", "name": "test/event", "data": {}}

    first = await store.accept_event(event, T0)
    repeat = await store.accept_event(event, T0 + EVENT_DEDUPE_WINDOW - 1)
    # Exactly a day later the first one is outside the window.
    next_day = await store.accept_event(event, T0 + EVENT_DEDUPE_WINDOW)

    assert (first, repeat, next_day) == (True, False, True)
    assert EVENT_DEDUPE_WINDOW == 24 * 3600
    async with store.engine.connect() as conn:
        stored = (await conn.execute(select(schema.events))).all()
    assert [(row.id, row.received_at) for row in stored] == [("evt_once", T0 + EVENT_DEDUPE_WINDOW)]
    jobs = (await store.due_jobs(T0 + EVENT_DEDUPE_WINDOW, limit=10, exclude=set())).jobs
    # Each acceptance queued one dispatch; the newest points at the event now stored.
    assert [job.kind for job in jobs] == ["event", "event"]
    assert jobs[-1].payload == {"seq": stored[0].seq}


async def test_an_event_id_sent_by_ten_requests_at_once_is_accepted_by_one(store: Store) -> None:
    # On PostgreSQL the requests' transactions overlap, and all but one meet the unique id.
    event = {"id": "evt_racing", "name": "test/event", "data": {}}
    accepted = await asyncio.gather(*(store.accept_event(dict(event), T0) for _ in range(10)))
    assert sorted(accepted) == [False] * 9 + [True]
    assert await _count(store, schema.events) == 1
    assert await _count(store, schema.jobs) == 1


async def test_postgresql_commits_step_results_without_waiting_for_the_disk(store: Store) -> None:
    if store.engine.dialect.name != "postgresql":
        pytest.skip("a PostgreSQL setting")
    show = text("SHOW synchronous_commit")
    async with store.statement() as conn:
        assert (await conn.execute(show)).scalar() == "off"
    async with store.transaction() as conn:  # a transaction's changes wait, as by default
        assert (await conn.execute(show)).scalar() == "on"


async def test_postgresql_serves_forty_statements_at_once(store: Store) -> None:
    if store.engine.dialect.name != "postgresql":
        pytest.skip("a PostgreSQL pool")
    all_in = asyncio.Barrier(40)

    async def hold_a_connection() -> None:
        async with store.statement() as conn:
            await conn.execute(text("SELECT 1"))
            await all_in.wait()

    async with asyncio.timeout(10):  # a smaller pool waits 30 s for a connection, then fails
        await asyncio.gather(*(hold_a_connection() for _ in range(40)))


async def test_an_event_accepted_again_a_day_later_comes_after_every_earlier_event(
    store: Store,
) -> None:
    # A wait matches only events with a higher sequence number than the newest when it began:
    # the event stored anew must not take back the number of the one it replaces.
    event = {"id": "evt_again", "name": "test/event", "data": {}}
    await store.accept_event(event, T0)
    async with store.engine.connect() as conn:
        before = await latest_event_seq(conn)

    await store.accept_event(event, T0 + EVENT_DEDUPE_WINDOW)

    async with store.engine.connect() as conn:
        assert await latest_event_seq(conn) > before


async def test_due_jobs_come_oldest_first_up_to_the_limit_skipping_those_in_hand(
    store: Store,
) -> None:
    async with store.transaction() as conn:
        for at in (T0 + 3, T0 + 1, T0 + 2, T0 + 10):
            await add_job(
                conn, kind="call", run_id=f"run_{int(at - T0)}", available_at=at, payload={"a": 1}
            )
    due = await store.due_jobs(T0 + 3, limit=10, exclude=set())
    assert [job.available_at for job in due.jobs] == [T0 + 1, T0 + 2, T0 + 3]
    assert due.next_at == T0 + 10
    first = due.jobs[0]
    assert (first.kind, first.run_id, first.target, first.attempt, first.immediate) == (
        "call",
        "run_1",
        "step",
        0,
        True,
    )
    assert first.payload == {"a": 1}

    limited = await store.due_jobs(T0 + 3, limit=2, exclude={first.id})
    assert [job.available_at for job in limited.jobs] == [T0 + 2, T0 + 3]
    assert limited.next_at == T0 + 10
    assert (await store.due_jobs(T0, limit=10, exclude=set())).next_at == T0 + 1
    assert (await store.due_jobs(T0 + 10, limit=10, exclude=set())).next_at is None
    # More due than the limit: the oldest, and look again at once.
    crowded = await store.due_jobs(T0 + 3, limit=1, exclude=set())
    assert ([job.id for job in crowded.jobs], crowded.next_at) == ([first.id], T0 + 3)


async def test_a_job_without_a_payload_reads_as_an_empty_one(store: Store) -> None:
    async with store.transaction() as conn:
        await add_job(conn, kind="call", run_id="run_x", available_at=T0, immediate=False)

    [job] = (await store.due_jobs(T0, limit=1, exclude=set())).jobs

    assert (job.payload, job.immediate, job.target) == ({}, False, "step")


async def test_a_step_result_is_recorded_once_while_its_job_lasts(store: Store) -> None:
    await _add_run(store, "run_a")
    [job] = (await store.due_jobs(T0, limit=10, exclude=set())).jobs
    step = {"run_id": "run_a", "step_id": "charge", "name": "Charge", "op": "StepRun"}

    first = await store.record_step(job.id, **step, memo={"data": {"id": "ch_1"}}, at=T0 + 1)
    again = await store.record_step(job.id, **step, memo={"data": {"id": "ch_2"}}, at=T0 + 2)

    assert (first, again) == (True, False)
    [memo] = await store.memos("run_a")
    assert (memo.id, memo.name, memo.op, memo.memo, memo.at) == (
        "charge",
        "Charge",
        "StepRun",
        {"data": {"id": "ch_1"}},
        T0 + 1,
    )
    assert [j.id for j in (await store.due_jobs(T0, limit=10, exclude=set())).jobs] == [job.id]


async def test_the_step_result_statement_inserts_only_for_a_live_job(store: Store) -> None:
    # Built afresh: the store builds its statement once, when it is imported.
    dialect = sqlite if store.engine.dialect.name == "sqlite" else postgresql
    statement = _record_step(dialect.insert)
    await _add_run(store, "run_a")
    [job] = (await store.due_jobs(T0, limit=10, exclude=set())).jobs
    row = {
        "step_run_id": "run_a",
        "step_id": "charge",
        "step_name": "Charge",
        "step_op": "StepRun",
        "step_memo": {"data": 1},
        "step_at": T0 + 1,
        "job_id": job.id,
    }

    async with store.transaction() as conn:
        recorded = (await conn.execute(statement, row)).rowcount
        again = (await conn.execute(statement, row | {"step_memo": {"data": 2}})).rowcount
        orphan = (
            await conn.execute(statement, row | {"step_id": "x", "job_id": job.id + 1})
        ).rowcount

    assert (recorded, again, orphan) == (1, 0, 0)
    assert [(m.id, m.name, m.op, m.memo, m.at) for m in await store.memos("run_a")] == [
        ("charge", "Charge", "StepRun", {"data": 1}, T0 + 1)
    ]


async def test_a_step_result_is_not_recorded_once_its_run_ended(store: Store) -> None:
    await _add_run(store, "run_a")
    [job] = (await store.due_jobs(T0, limit=10, exclude=set())).jobs
    async with store.transaction() as conn:
        await finish_run(conn, "run_a", status="Cancelled", at=T0 + 1)

    recorded = await store.record_step(
        job.id, run_id="run_a", step_id="charge", name=None, op="StepRun", memo=None, at=T0 + 2
    )

    assert recorded is False
    assert await store.memos("run_a") == []


async def test_memos_are_kept_per_run_in_the_order_they_were_made(store: Store) -> None:
    async with store.transaction() as conn:
        # Ids sort the other way round from the time the steps finished.
        await save_memo(conn, run_id="run_a", step_id="a-late", op="StepRun", memo=2, at=T0 + 2)
        await save_memo(
            conn, run_id="run_a", step_id="b-early", op="StepRun", memo=1, at=T0 + 1, name="Early"
        )
        await save_memo(conn, run_id="run_b", step_id="b-early", op="StepRun", memo=9, at=T0)

    memos = await store.memos("run_a")

    assert [(m.id, m.memo, m.name, m.op) for m in memos] == [
        ("b-early", 1, "Early", "StepRun"),
        ("a-late", 2, None, "StepRun"),
    ]


async def test_runs_for_an_event_come_in_the_order_they_started(store: Store) -> None:
    await _add_run(store, "run_late", event_id="evt_shared", at=T0 + 5)
    await _add_run(store, "run_early", event_id="evt_shared", at=T0 + 1)
    await _add_run(store, "run_other", event_id="evt_other", at=T0)

    runs = await store.runs_for_event("evt_shared")

    assert [run.id for run in runs] == ["run_early", "run_late"]
    assert await store.run("run_missing") is None


async def test_a_batched_run_is_listed_under_every_event_of_its_batch(store: Store) -> None:
    await _add_run(store, "run_batch", event_id="evt_1")
    await _add_run(store, "run_other", event_id="evt_9")
    async with store.transaction() as conn:
        await conn.execute(
            insert(schema.run_events),
            [{"event_id": f"evt_{n}", "run_id": "run_batch", "position": n - 1} for n in (1, 2, 3)],
        )

    for event_id in ("evt_1", "evt_2", "evt_3"):
        assert [run.id for run in await store.runs_for_event(event_id)] == ["run_batch"]
    assert [run.id for run in await store.runs_for_event("evt_9")] == ["run_other"]
    assert await store.runs_for_event("evt_4") == []


async def test_sqlite_is_shared_in_wal_mode_and_waits_for_a_busy_writer(tmp_path: Path) -> None:
    engine = connect(f"sqlite+aiosqlite:///{tmp_path / 'wal.db'}")
    try:
        async with engine.connect() as conn:
            mode = (await conn.execute(text("PRAGMA journal_mode"))).scalar()
            synchronous = (await conn.execute(text("PRAGMA synchronous"))).scalar()
            busy_ms = (await conn.execute(text("PRAGMA busy_timeout"))).scalar()
    finally:
        await engine.dispose()

    # synchronous: 1 is NORMAL; the busy timeout is 30 seconds.
    assert (mode, synchronous, busy_ms) == ("wal", 1, 30000)

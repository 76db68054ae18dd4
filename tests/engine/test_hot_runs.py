"""A run's job keeps the run and its memos in memory from one step to the next; what the
database says still wins: a run cancelled mid-step records nothing more, and every step of a
long run sees every earlier result."""

from __future__ import annotations

import asyncio
from typing import Any

import inngest
from sqlalchemy import event
from sqlalchemy.engine import Engine as SyncEngine

from tests.engine.harness import make_client, running_harness
from workflows.engine.protocol import hash_step_id

STEPS = 6


async def test_a_run_cancelled_while_a_step_runs_records_nothing_more_and_runs_no_more(
    engine_db: str, engine_port: int
) -> None:
    client = make_client(f"http://127.0.0.1:{engine_port}")
    started, release, returned = asyncio.Event(), asyncio.Event(), asyncio.Event()
    later_steps: list[str] = []

    async def slow() -> str:
        started.set()
        await release.wait()
        returned.set()
        return "slow done"

    async def first() -> str:
        return "first done"

    async def after() -> str:
        later_steps.append("after")
        return "after done"

    @client.create_function(
        fn_id="cancelled-mid-step",
        trigger=inngest.TriggerEvent(event="t/mid-step"),
        cancel=[inngest.Cancel(event="t/stop")],
    )
    async def cancelled_mid_step(ctx: inngest.Context) -> Any:
        await ctx.step.run("first", first)
        await ctx.step.run("slow", slow)
        return await ctx.step.run("after", after)

    async with running_harness(engine_db, [cancelled_mid_step], client, engine_port) as h:
        event_id = await h.send("t/mid-step")
        await asyncio.wait_for(started.wait(), 10)
        await h.send("t/stop")
        run = await h.finished_run(event_id)
        release.set()
        await asyncio.wait_for(returned.wait(), 10)
        h.engine.progress.clear()
        await asyncio.wait_for(h.engine.progress.wait(), 10)  # the slow step's job has ended
        memos = await h.engine.store.memos(run["run_id"])

    assert run["status"] == "Cancelled"
    assert [memo.id for memo in memos] == [hash_step_id("first")]
    assert later_steps == []


async def test_every_step_of_a_long_run_sees_every_earlier_result(
    engine_db: str, engine_port: int
) -> None:
    client = make_client(f"http://127.0.0.1:{engine_port}")
    calls: list[int] = []

    async def add(index: int, total: int) -> int:
        calls.append(index)
        return total + index

    @client.create_function(fn_id="long", trigger=inngest.TriggerEvent(event="t/long"))
    async def long(ctx: inngest.Context) -> Any:
        total = 0
        for index in range(12):
            total = await ctx.step.run(f"add-{index}", add, index, total)
        return total

    async with running_harness(engine_db, [long], client, engine_port) as h:
        run = await h.finished_run(await h.send("t/long"))

    assert (run["status"], run["output"]) == ("Completed", sum(range(12)))
    assert calls == list(range(12))  # each step once: none was run again for a lost memo


async def test_a_plain_step_is_recorded_by_one_statement_with_no_transaction(
    engine_db: str, engine_port: int
) -> None:
    client = make_client(f"http://127.0.0.1:{engine_port}")

    async def step(index: int) -> int:
        return index

    @client.create_function(fn_id="plain", trigger=inngest.TriggerEvent(event="t/plain"))
    async def plain(ctx: inngest.Context) -> Any:
        for index in range(STEPS):
            await ctx.step.run(f"step-{index}", step, index)
        return "done"

    statements: list[str] = []
    transactions: list[str] = []

    def executed(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(" ".join(statement.split()[:3]))

    def committed(conn: Any) -> None:
        transactions.append("commit")

    async with running_harness(engine_db, [plain], client, engine_port) as h:
        event.listen(SyncEngine, "before_cursor_execute", executed)
        event.listen(SyncEngine, "commit", committed)
        try:
            run = await h.finished_run(await h.send("t/plain"))
        finally:
            event.remove(SyncEngine, "before_cursor_execute", executed)
            event.remove(SyncEngine, "commit", committed)

    assert run["status"] == "Completed"
    assert statements.count("INSERT INTO engine_steps") == STEPS
    # No step moves its job or commits a transaction: the few commits are the event's
    # acceptance, the run's start and its end (and the engine's start-up, if it lands here).
    steps_on = statements[statements.index("INSERT INTO engine_steps") :]
    assert "UPDATE engine_jobs SET" not in steps_on
    # SQLAlchemy's commit on PostgreSQL; a COMMIT statement where SQLite runs on the loop.
    assert len(transactions) + statements.count("COMMIT") <= 4 < STEPS

"""Dispatch-level flow control: singleton, debounce, batching, rate limit, priority and run
timeouts, with Inngest's documented semantics, on the engine's manual clock (and one on the wall
clock)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, inspect, select

from tests.engine.functions import Observed, build_suite
from tests.engine.harness import Harness, WallClock, make_client, running_harness
from workflows.engine import schema
from workflows.engine.registry import FunctionDef, RegistrationError
from workflows.engine.store import Store, connect

Suite = tuple[Harness, Observed]


async def _waiting(h: Harness, count: int) -> bool | None:
    async with h.engine.store.engine.connect() as conn:
        waits = (await conn.execute(select(func.count()).select_from(schema.pauses))).scalar()
    return True if waits == count else None


async def _dispatched(h: Harness) -> bool | None:
    """True once no event is left to dispatch."""
    query = select(schema.jobs.c.id).where(schema.jobs.c.kind == "event")
    async with h.engine.store.engine.connect() as conn:
        return None if (await conn.execute(query)).first() else True


async def _status(h: Harness, event_id: str, status: str) -> dict[str, Any] | None:
    runs = await h.runs(event_id)
    return runs[0] if runs and runs[0]["status"] == status else None


async def test_singleton_skip_starts_no_run_while_one_runs_for_the_key(suite: Suite) -> None:
    h, _ = suite
    first = await h.send("t/singleton-skip", {"key": "k", "n": 1})
    await h.settle(lambda: _waiting(h, 1))
    skipped = await h.send("t/singleton-skip", {"key": "k", "n": 2})
    other = await h.send("t/singleton-skip", {"key": "other", "n": 3})
    await h.settle(lambda: _waiting(h, 2))
    assert await h.runs(skipped) == []
    await h.send("t/release", {"key": "k"})
    assert (await h.finished_run(first))["output"] == 1
    again = await h.send("t/singleton-skip", {"key": "k", "n": 4})  # the key is free again
    await h.settle(lambda: _status(h, again, "Running"))
    assert (await h.runs(other))[0]["status"] == "Running"


async def test_singleton_cancel_replaces_the_running_run_for_the_key(suite: Suite) -> None:
    h, _ = suite
    first = await h.send("t/singleton-cancel", {"key": "k", "n": 1})
    other = await h.send("t/singleton-cancel", {"key": "other", "n": 2})
    await h.settle(lambda: _waiting(h, 2))
    latest = await h.send("t/singleton-cancel", {"key": "k", "n": 3})
    assert (await h.finished_run(first))["status"] == "Cancelled"
    await h.settle(lambda: _waiting(h, 2))
    await h.send("t/release", {"key": "k"})
    assert (await h.finished_run(latest))["output"] == 3
    assert (await h.runs(other))[0]["status"] == "Running"


async def test_debounce_starts_one_run_with_the_last_event_after_a_quiet_period(
    suite: Suite,
) -> None:
    h, seen = suite
    early = [await h.send("t/debounced", {"key": "k", "n": n}) for n in (1, 2)]
    last = await h.send("t/debounced", {"key": "k", "n": 3})
    other = await h.send("t/debounced", {"key": "other", "n": 4})
    await h.settle(lambda: _dispatched(h))
    h.clock.advance(9)
    await h.settle(lambda: _dispatched(h))
    assert seen.calls["debounced"] == 0
    h.clock.advance(2)
    assert (await h.finished_run(last))["output"] == [3]
    assert (await h.finished_run(other))["output"] == [4]
    assert seen.calls["debounced"] == 2
    assert all([await h.runs(event_id) == [] for event_id in early])


async def test_debounce_timeout_starts_the_run_although_events_keep_coming(suite: Suite) -> None:
    h, seen = suite
    for n in range(4):  # every 8 s: the 10 s period never passes quietly
        last = await h.send("t/debounced", {"key": "k", "n": n})
        await h.settle(lambda: _dispatched(h))
        h.clock.advance(8)
    # 32 s after the first event, beyond the 30 s timeout, 8 s after the last
    assert (await h.finished_run(last))["output"] == [3]
    assert seen.calls["debounced"] == 1


async def test_a_batch_starts_when_full_and_a_partial_one_at_its_timeout(suite: Suite) -> None:
    h, seen = suite
    full = [await h.send("t/batched", {"key": "k", "n": n}) for n in (1, 2, 3)]
    batched = await h.finished_run(full[0])
    assert batched["output"] == [1, 2, 3]
    url = f"{h.engine_url}/v0/runs/{batched['run_id']}/batch"
    served = (await h.http.get(url, headers=h.api_headers)).json()
    assert [event["data"]["n"] for event in served] == [1, 2, 3]
    partial = [await h.send("t/batched", {"key": "k", "n": n}) for n in (4, 5)]
    alone = await h.send("t/batched", {"key": "other", "n": 6})
    await h.settle(lambda: _dispatched(h))
    assert seen.calls["batched"] == 1
    h.clock.advance(11)
    assert (await h.finished_run(partial[0]))["output"] == [4, 5]
    assert (await h.finished_run(alone))["output"] == [6]
    # Every event of a batch names its run, and an ended run keeps its events.
    for event_id in full:
        assert [run["run_id"] for run in await h.runs(event_id)] == [batched["run_id"]]
    served = (await h.http.get(url, headers=h.api_headers)).json()
    assert [event["data"]["n"] for event in served] == [1, 2, 3]


async def test_rate_limit_skips_events_over_the_limit_per_key(suite: Suite) -> None:
    h, seen = suite
    first = await h.send("t/rate-limited", {"key": "k", "n": 1})
    over = await h.send("t/rate-limited", {"key": "k", "n": 2})
    other = await h.send("t/rate-limited", {"key": "other", "n": 3})
    assert (await h.finished_run(first))["output"] == [1]
    assert (await h.finished_run(other))["output"] == [3]
    assert await h.runs(over) == []
    h.clock.advance(3601)
    later = await h.send("t/rate-limited", {"key": "k", "n": 4})
    assert (await h.finished_run(later))["output"] == [4]
    assert seen.calls["rate-limited"] == 3


async def test_higher_priority_runs_start_first_behind_a_concurrency_limit(suite: Suite) -> None:
    h, seen = suite
    with _opens_the_line_at_the_end(seen):
        first = await h.send("t/prioritized", {"name": "first", "priority": 0})
        await h.settle(lambda: _true(seen.order == ["first"]))
        routine = await h.send("t/prioritized", {"name": "routine", "priority": 0})
        urgent = await h.send("t/prioritized", {"name": "urgent", "priority": 120})
        await h.settle(lambda: _dispatched(h))
        seen.gate("line").set()
        for event_id in (first, routine, urgent):
            await h.finished_run(event_id)
    assert seen.order == ["first", "urgent", "routine"]


async def test_a_run_not_started_within_its_start_timeout_is_cancelled(suite: Suite) -> None:
    h, seen = suite
    with _opens_the_line_at_the_end(seen):
        holder = await h.send("t/timed", {"name": "holder"})
        await h.settle(lambda: _true(seen.order == ["holder"]))
        queued = await h.send("t/timed", {"name": "queued"})  # held back by the concurrency limit
        await h.settle(lambda: _dispatched(h))
        h.clock.advance(61)
        assert (await h.finished_run(queued))["status"] == "Cancelled"
        seen.gate("line").set()
        await h.settle(lambda: _waiting_for_sleep(h, holder))
    assert seen.order == ["holder"]


async def test_a_run_not_finished_within_its_finish_timeout_is_cancelled(suite: Suite) -> None:
    h, seen = suite
    seen.gate("line").set()
    event_id = await h.send("t/timed", {"name": "slow"})
    await h.settle(lambda: _waiting_for_sleep(h, event_id))
    h.clock.advance(3601)  # the two-hour sleep outlasts the one-hour finish timeout
    assert (await h.finished_run(event_id))["status"] == "Cancelled"


async def test_debounce_on_the_wall_clock(tmp_path: object, engine_port: int) -> None:
    client = make_client(f"http://127.0.0.1:{engine_port}")
    seen = Observed()
    database = f"sqlite+aiosqlite:///{tmp_path}/engine.db"
    clock = WallClock()
    async with running_harness(
        database, build_suite(client, seen), client, engine_port, clock=clock
    ) as h:
        for n in range(3):
            sent_at = time.time()  # the period runs from the event's arrival, after this
            last = await h.send("t/quick-debounce", {"n": n})
            await asyncio.sleep(0.3)
        run = await h.finished_run(last)
        assert run["output"] == [2]
        assert run["run_started_at"] >= sent_at + 1
        assert seen.calls["quick-debounce"] == 1


@pytest.mark.parametrize(
    "option",
    [
        {"debounce": {"period": "1500ms"}},
        {"rateLimit": {"limit": 1, "period": "0.5s"}},
        {"timeouts": {"start": "100ms"}},
        {"batchEvents": {"maxSize": 2, "timeout": "2500ms"}},
        {"singleton": {"mode": "sometimes"}},
    ],
)
def test_durations_must_be_whole_seconds_and_options_valid(option: dict[str, Any]) -> None:
    config = {
        "id": "t-fn",
        "triggers": [{"event": "t/x"}],
        "steps": {"step": {"runtime": {"url": "http://127.0.0.1:1/api/inngest"}}},
        **option,
    }
    with pytest.raises(RegistrationError):
        FunctionDef.parse("t", config)


@contextlib.contextmanager
def _opens_the_line_at_the_end(seen: Observed) -> Iterator[None]:
    """A step held at the gate keeps its HTTP call open: release it even when the test fails,
    or the harness would wait for that call for ever."""
    try:
        yield
    finally:
        seen.gate("line").set()


async def _true(condition: bool) -> bool | None:
    return True if condition else None


async def _waiting_for_sleep(h: Harness, event_id: str) -> bool | None:
    runs = await h.runs(event_id)
    if not runs:
        return None
    query = select(schema.jobs.c.id).where(
        schema.jobs.c.run_id == runs[0]["run_id"],
        schema.jobs.c.kind == "call",
        schema.jobs.c.available_at > h.clock.now() + 3600,
    )
    async with h.engine.store.engine.connect() as conn:
        return True if (await conn.execute(query)).first() else None


async def test_a_database_from_before_flow_control_gains_its_table(tmp_path: object) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/old.db"
    store = Store(connect(url))
    try:
        older = [t for t in schema.metadata.sorted_tables if t is not schema.flow_state]
        async with store.engine.begin() as conn:
            await conn.run_sync(lambda sync: schema.metadata.create_all(sync, tables=older))
        await store.create_tables()
        async with store.engine.connect() as conn:
            names = await conn.run_sync(lambda sync: inspect(sync).get_table_names())
        assert schema.flow_state.name in names
    finally:
        await store.close()


async def test_a_cancel_event_counts_only_within_the_rules_timeout(suite: Suite) -> None:
    h, _ = suite
    early = await h.send("t/cancel-within", {"key": "early", "n": 1})
    late = await h.send("t/cancel-within", {"key": "late", "n": 2})
    await h.settle(lambda: _waiting(h, 2))
    await h.send("t/release-early", {"key": "early"})
    assert (await h.finished_run(early))["status"] == "Cancelled"
    h.clock.advance(3601)
    await h.send("t/release-early", {"key": "late"})
    await h.settle(lambda: _dispatched(h))
    assert (await h.runs(late))[0]["status"] == "Running"


async def test_an_env_scoped_concurrency_limit_is_shared_by_functions(suite: Suite) -> None:
    h, seen = suite
    try:
        first = await h.send("t/pooled-a")
        second = await h.send("t/pooled-b")
        await h.settle(lambda: _true(seen.active["pool"] == 1))
        await h.settle(lambda: _dispatched(h))
        await asyncio.sleep(0.5)  # time enough for a second step to enter, were it let in
    finally:
        seen.gate("pool").set()
    for event_id in (first, second):
        assert (await h.finished_run(event_id))["status"] == "Completed"
    assert seen.max_active["pool"] == 1

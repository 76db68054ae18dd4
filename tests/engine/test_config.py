"""Function configuration the engine honours: triggers, cron, idempotency, throttle,
concurrency, cancellation, and event de-duplication."""

from __future__ import annotations

import asyncio

from tests.engine.functions import Observed
from tests.engine.harness import Harness, pending_job

Suite = tuple[Harness, Observed]


async def test_a_trigger_expression_filters_events(suite: Suite) -> None:
    h, _ = suite
    skipped = await h.send("t/filtered", {"go": False})
    taken = await h.send("t/filtered", {"go": True})
    assert (await h.finished_run(taken))["output"] == "ran"
    assert await h.runs(skipped) == []


async def test_a_cron_function_runs_when_its_time_comes(suite: Suite) -> None:
    h, seen = suite
    await h.settle(lambda: pending_job(h, "cron", future=True))
    assert seen.calls["cron"] == 0
    h.clock.advance(5 * 60)
    await h.settle(lambda: _at_least(seen, "cron", 1))
    await h.settle(lambda: pending_job(h, "cron", future=True))  # and the next one is queued


async def test_idempotency_key_allows_one_run_per_key(suite: Suite) -> None:
    h, seen = suite
    first = await h.send("t/idempotent", {"key": "k1"})
    second = await h.send("t/idempotent", {"key": "k1"})
    other = await h.send("t/idempotent", {"key": "k2"})
    await h.finished_run(first)
    await h.finished_run(other)
    assert await h.runs(second) == []
    assert seen.calls["idempotent"] == 2


async def test_throttle_starts_limit_plus_burst_at_once_then_queues_the_rest(
    suite: Suite,
) -> None:
    # limit 1 per minute with the SDK's default burst of 1: two start at once, the third a
    # minute later (GCRA, as Inngest: limit + burst at once, then one each period / limit)
    h, seen = suite
    ids = [await h.send("t/throttled") for _ in range(3)]
    for event_id in ids[:2]:
        await h.finished_run(event_id)
    await h.settle(lambda: pending_job(h, "call", future=True))
    assert seen.calls["throttled"] == 2
    h.clock.advance(61)
    assert (await h.finished_run(ids[2]))["status"] == "Completed"
    assert seen.calls["throttled"] == 3


async def test_concurrency_limit_holds_per_key(suite: Suite) -> None:
    h, seen = suite
    ids = [await h.send("t/limited", {"key": key}) for key in ("a", "a", "a", "b")]
    await h.settle(lambda: _at_least(seen, "active", 2, keys=("a", "b")))
    assert seen.active == {"a": 1, "b": 1}
    seen.gate("hold").set()
    for event_id in ids:
        assert (await h.finished_run(event_id))["status"] == "Completed"
    assert seen.max_active == {"a": 1, "b": 1}


async def test_a_cancel_event_cancels_only_the_matching_run(suite: Suite) -> None:
    h, seen = suite
    doomed = await h.send("t/cancellable", {"id": "x"})
    kept = await h.send("t/cancellable", {"id": "y"})
    await h.settle(lambda: _runs_waiting(h, 2))
    await h.send("t/cancel", {"id": "x"})
    assert (await h.finished_run(doomed))["status"] == "Cancelled"
    assert (await h.runs(kept))[0]["status"] == "Running"
    await h.send("t/never", {})
    assert seen.calls["cancellable-finished"] == 0


async def test_a_cancelled_run_is_announced_with_inngests_payload(suite: Suite) -> None:
    h, seen = suite
    event_id = await h.send("t/cancellable", {"id": "x"})
    await h.settle(lambda: _runs_waiting(h, 1))
    await h.send("t/cancel", {"id": "x"})
    run = await h.finished_run(event_id)
    await h.settle(lambda: _first(seen.cancellations))
    announced = seen.cancellations[0]
    assert (announced["function_id"], announced["run_id"]) == ("t-cancellable", run["run_id"])
    assert announced["event"]["id"] == event_id
    assert announced["event"]["data"] == {"id": "x"}
    assert announced["error"] == {
        "error": "function cancelled",
        "name": "Error",
        "message": "function cancelled",
        "stack": "",
    }


async def test_delete_cancels_a_running_run_and_leaves_an_ended_one_alone(suite: Suite) -> None:
    h, seen = suite
    waiting = await h.send("t/cancellable", {"id": "x"})
    await h.settle(lambda: _runs_waiting(h, 1))
    run_id = (await h.runs(waiting))[0]["run_id"]
    cancelled = await h.http.delete(f"{h.engine_url}/v1/runs/{run_id}", headers=h.api_headers)
    assert cancelled.status_code == 200
    assert cancelled.json()["data"]["status"] == "Cancelled"
    await h.settle(lambda: _first(seen.cancellations))
    assert seen.cancellations[0]["run_id"] == run_id
    await h.send("t/never", {})
    assert seen.calls["cancellable-finished"] == 0

    done = await h.finished_run(await h.send("t/steps"))
    again = await h.http.delete(f"{h.engine_url}/v1/runs/{done['run_id']}", headers=h.api_headers)
    assert (again.status_code, again.json()["data"]["status"]) == (200, "Completed")
    missing = await h.http.delete(f"{h.engine_url}/v1/runs/no-such-run", headers=h.api_headers)
    assert missing.status_code == 404
    assert len(seen.cancellations) == 1


async def _first(items: list[dict[str, object]]) -> bool | None:
    return True if items else None


async def test_the_same_event_id_sent_ten_times_makes_one_run(suite: Suite) -> None:
    h, seen = suite
    ids = await asyncio.gather(*(h.send("t/steps", id="evt-dup") for _ in range(10)))
    assert set(ids) == {"evt-dup"}
    runs = await h.finished_runs("evt-dup", 1)
    assert len(runs) == 1
    assert seen.calls == {"add-0": 1, "add-1": 1, "add-2": 1}


async def test_fifty_concurrent_runs_all_complete_once(suite: Suite) -> None:
    h, seen = suite
    ids = await asyncio.gather(*(h.send("t/steps") for _ in range(50)))
    runs = [await h.finished_run(event_id) for event_id in ids]
    assert all(run["output"] == {"total": 6} for run in runs)
    assert seen.calls == {"add-0": 50, "add-1": 50, "add-2": 50}


async def _at_least(
    seen: Observed, what: str, count: int, keys: tuple[str, ...] = ()
) -> bool | None:
    if what == "active":
        return True if sum(seen.active[k] for k in keys) >= count else None
    return True if seen.calls[what] >= count else None


async def _runs_waiting(h: Harness, count: int) -> bool | None:
    from sqlalchemy import func, select

    from workflows.engine import schema

    async with h.engine.store.engine.connect() as conn:
        waiting = (await conn.execute(select(func.count()).select_from(schema.pauses))).scalar()
    return True if waiting == count else None

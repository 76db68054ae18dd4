"""Retries, permanent failures, retry-after and on_failure handlers."""

from __future__ import annotations

import functools

from sqlalchemy import select

from tests.engine.functions import Observed
from tests.engine.harness import Harness, pending_job
from workflows.engine import schema

Suite = tuple[Harness, Observed]


async def test_a_failing_step_is_retried_with_backoff_until_it_succeeds(suite: Suite) -> None:
    h, seen = suite
    event_id = await h.send("t/retry")
    for expected_calls in (1, 2):
        await h.settle(lambda: pending_job(h, "call", future=True))
        assert seen.calls["flaky"] == expected_calls
        h.clock.advance(60)
    run = await h.finished_run(event_id)
    assert (run["status"], run["output"]) == ("Completed", "ok")
    assert seen.calls["flaky"] == 3


async def test_retry_delays_start_at_a_second_and_double(suite: Suite) -> None:
    h, seen = suite
    await h.send("t/retry")
    for attempt, delay in ((1, 1.0), (2, 2.0)):
        await h.settle(functools.partial(_retry_due, h, attempt))
        assert seen.calls["flaky"] == attempt
        assert await _retry_due(h, attempt) == delay
        h.clock.advance(delay)


async def _retry_due(h: Harness, attempt: int) -> float | None:
    """Seconds until the retry numbered `attempt` is due, once it is queued."""
    query = select(schema.jobs.c.available_at).where(
        schema.jobs.c.kind == "call", schema.jobs.c.attempt == attempt
    )
    async with h.engine.store.engine.connect() as conn:
        at = (await conn.execute(query)).scalar()
    return None if at is None else at - h.clock.now()


async def test_a_step_after_another_gets_all_its_retries(suite: Suite) -> None:
    h, seen = suite
    event_id = await h.send("t/late-flaky")
    await h.settle(lambda: pending_job(h, "call", future=True))
    h.clock.advance(60)
    run = await h.finished_run(event_id)
    assert (run["status"], run["output"]) == ("Completed", "ok")
    assert seen.calls["late-flaky"] == 2


async def test_retries_run_out_then_the_run_fails_and_on_failure_runs(suite: Suite) -> None:
    h, seen = suite
    event_id = await h.send("t/doomed")
    await h.settle(lambda: pending_job(h, "call", future=True))
    h.clock.advance(60)
    run = await h.finished_run(event_id)
    assert run["status"] == "Failed"
    assert run["output"]["message"] == "broken for good"
    assert seen.calls["doomed"] == 2  # retries=1: two attempts, no more
    await h.settle(lambda: _first(seen.failures))
    assert seen.failures[0]["function_id"] == "t-doomed"
    assert seen.failures[0]["run_id"] == run["run_id"]
    # Inngest's shape for `data.error`, which failure handlers read.
    error = seen.failures[0]["error"]
    assert set(error) == {"error", "name", "message", "stack"}
    assert (error["error"], error["message"]) == ("invalid status code: 500", "broken for good")


async def test_a_non_retriable_error_fails_the_run_at_once(suite: Suite) -> None:
    h, seen = suite
    run = await h.finished_run(await h.send("t/no-retry"))
    assert run["status"] == "Failed"
    assert seen.calls["no-retry"] == 1


async def test_a_non_retriable_error_in_a_step_is_not_retried(suite: Suite) -> None:
    h, seen = suite
    run = await h.finished_run(await h.send("t/step-no-retry"))
    assert run["status"] == "Failed"
    assert seen.calls["step-no-retry"] == 1  # retries=4, yet one attempt


async def test_retry_after_is_honoured_to_the_second(suite: Suite) -> None:
    h, seen = suite
    event_id = await h.send("t/retry-after")
    await h.settle(lambda: pending_job(h, "call", future=True))
    h.clock.advance(9 * 60)
    assert (await h.runs(event_id))[0]["status"] == "Running"
    assert seen.attempts == [0]
    h.clock.advance(61)
    run = await h.finished_run(event_id)
    assert run["output"] == {"attempt": 1}


async def _first(items: list[dict[str, object]]) -> bool | None:
    return True if items else None


async def test_a_run_whose_function_is_gone_fails_at_once_with_function_not_found(
    suite: Suite,
) -> None:
    h, _ = suite
    event_id = await h.send("t/sleep")
    await h.settle(lambda: pending_job(h, "call", future=True))
    [run] = await h.runs(event_id)
    kept = [fn for fn in h.engine.functions.values() if fn.id != run["function_id"]]
    await h.engine.register(kept[0].app_name, kept)
    h.clock.advance(2 * 3600)
    ended = await h.finished_run(event_id)
    assert (ended["status"], ended["output"]["name"]) == ("Failed", "FunctionNotFound")

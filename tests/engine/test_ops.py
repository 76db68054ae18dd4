"""Every op the SDK can answer with, through the real serve endpoint; and what each call tells the
app, as a stand-in app sees it."""

from __future__ import annotations

import asyncio
import datetime
import logging
from typing import Any

import pytest
from sqlalchemy import select
from starlette.responses import Response

from tests.engine.functions import Observed
from tests.engine.harness import Harness, pending_job, serve
from tests.engine.stand_in_app import App, engine_calling, script
from workflows.engine import schema

Suite = tuple[Harness, Observed]
DAY = 24 * 3600


async def test_sequential_steps_run_once_each_and_return_the_output(suite: Suite) -> None:
    h, seen = suite
    run = await h.finished_run(await h.send("t/steps"))
    assert (run["status"], run["output"]) == ("Completed", {"total": 6})
    assert seen.calls == {"add-0": 1, "add-1": 1, "add-2": 1}


async def test_parallel_steps_are_planned_then_each_run_once(suite: Suite) -> None:
    h, seen = suite
    run = await h.finished_run(await h.send("t/parallel"))
    assert run["output"] == {"branches": [1, 2, 3], "after": 11}
    assert seen.calls == {"add-0": 1, "add-1": 1, "add-2": 1, "add-10": 1}


async def test_a_sleep_in_a_parallel_group_is_timed_from_the_reply_not_from_the_steps_end(
    suite: Suite,
) -> None:
    h, seen = suite
    event_id = await h.send("t/sleepy")
    try:
        await h.settle(lambda: _started(seen, "sleepy-work"))
        assert await pending_job(h, "call", future=True)  # the nap's timer, set beside the step
        h.clock.advance(3600 + 60)  # the SDK times the nap by the wall clock
        await h.settle(lambda: _nap_ended(h))
    finally:
        seen.gate("sleepy-work-release").set()
    run = await h.finished_run(event_id)
    assert (run["status"], run["output"]) == ("Completed", ["sleepy-work", None])


async def _nap_ended(h: Harness) -> bool | None:
    query = select(schema.steps.c.id).where(schema.steps.c.op == "Sleep")
    async with h.engine.store.engine.connect() as conn:
        return True if (await conn.execute(query)).first() else None


async def _started(seen: Observed, step: str) -> bool | None:
    return True if seen.gate(f"{step}-started").is_set() else None


async def test_sleep_resumes_only_when_the_clock_reaches_the_wake_time(suite: Suite) -> None:
    h, seen = suite
    event_id = await h.send("t/sleep")
    await h.settle(lambda: pending_job(h, "call", future=True))
    h.clock.advance(59 * 60)
    assert (await h.runs(event_id))[0]["status"] == "Running"
    assert seen.calls["add-0"] == 0
    # The SDK sets the wake time by the wall clock: a slow machine moves it on by seconds.
    h.clock.advance(3 * 60)
    run = await h.finished_run(event_id)
    assert run["output"] == {"woke": 1}


async def test_a_sleep_that_ends_leaves_another_runs_wait_to_time_out(suite: Suite) -> None:
    h, _ = suite
    waiting = await h.send("t/wait", {"id": "w"})
    await h.settle(lambda: pending_job(h, "wait-timeout", future=True))
    sleeping = await h.send("t/sleep")
    await h.settle(lambda: _sleeping(h))
    h.clock.advance(3600 + 120)  # the SDK sets the wake time by the wall clock
    assert (await h.finished_run(sleeping))["output"] == {"woke": 1}
    h.clock.advance(DAY)
    run = await h.finished_run(waiting)
    assert run["output"] == {"decision": None}


async def _sleeping(h: Harness) -> bool | None:
    query = select(schema.jobs.c.id).where(
        schema.jobs.c.kind == "call", schema.jobs.c.available_at > h.clock.now()
    )
    async with h.engine.store.engine.connect() as conn:
        return True if (await conn.execute(query)).first() else None


async def test_wait_for_event_resumes_with_the_matching_event_only(suite: Suite) -> None:
    h, _ = suite
    event_id = await h.send("t/wait", {"id": "a1"})
    await h.settle(lambda: pending_job(h, "wait-timeout", future=True))
    await h.send("t/decided", {"id": "other", "ok": False})
    await h.send("t/decided", {"id": "a1", "ok": True})
    run = await h.finished_run(event_id)
    assert run["output"] == {"decision": {"id": "a1", "ok": True}}


async def test_wait_for_event_times_out_to_none_after_24_hours(suite: Suite) -> None:
    h, seen = suite
    event_id = await h.send("t/wait", {"id": "a2"})
    await h.settle(lambda: pending_job(h, "wait-timeout", future=True))
    h.clock.advance(DAY - 1)
    assert (await h.runs(event_id))[0]["status"] == "Running"
    h.clock.advance(2)
    run = await h.finished_run(event_id)
    assert run["output"] == {"decision": None}
    await h.send("t/decided", {"id": "a2"})
    assert seen.calls["add-100"] == 1


async def test_an_event_older_than_the_wait_never_matches_it(suite: Suite) -> None:
    h, _ = suite
    await h.send("t/decided", {"id": "early"})
    event_id = await h.send("t/wait", {"id": "early"})
    await h.settle(lambda: pending_job(h, "wait-timeout", future=True))
    h.clock.advance(DAY + 1)
    run = await h.finished_run(event_id)
    assert run["output"] == {"decision": None}


async def test_a_wait_answered_early_never_ends_another_runs_wait_when_its_timeout_falls_due(
    suite: Suite,
) -> None:
    h, _ = suite
    early = await h.send("t/busy-wait", {"id": "early"})
    await h.settle(lambda: pending_job(h, "wait-timeout", future=True))
    await h.send("t/decided", {"id": "early"})
    await h.settle(lambda: pending_job(h, "call", future=True))  # resumed, now working on
    # A wait registered after the first one was answered (SQLite may give it the same row id).
    later = await h.send("t/wait", {"id": "later"})
    await h.settle(lambda: _waiting(h, later))

    h.clock.advance(3600 + 1)  # the first wait's timeout falls due while its run still works
    await h.settle(lambda: _timeouts_done(h))

    await h.send("t/decided", {"id": "later", "ok": True})
    run = await h.finished_run(later)
    assert run["output"] == {"decision": {"id": "later", "ok": True}}
    assert (await h.runs(early))[0]["status"] == "Running"


async def _waiting(h: Harness, event_id: str) -> bool | None:
    runs = await h.runs(event_id)
    if not runs:
        return None
    query = select(schema.pauses.c.id).where(schema.pauses.c.run_id == runs[0]["run_id"])
    async with h.engine.store.engine.connect() as conn:
        return True if (await conn.execute(query)).first() else None


async def _timeouts_done(h: Harness) -> bool | None:
    query = select(schema.jobs.c.id).where(
        schema.jobs.c.kind == "wait-timeout", schema.jobs.c.available_at <= h.clock.now()
    )
    async with h.engine.store.engine.connect() as conn:
        return None if (await conn.execute(query)).first() else True


async def test_invoke_runs_the_child_and_returns_its_output(suite: Suite) -> None:
    h, _ = suite
    run = await h.finished_run(await h.send("t/parent"))
    assert (run["status"], run["output"]) == ("Completed", {"doubled": 42})


async def test_an_invoked_run_names_the_run_that_invoked_it(suite: Suite) -> None:
    h, _ = suite
    parent = await h.finished_run(await h.send("t/parent"))
    query = select(schema.runs.c.event).where(schema.runs.c.id != parent["run_id"])
    async with h.engine.store.engine.connect() as conn:
        [event] = (await conn.execute(query)).scalars().all()
    assert event["data"] == {
        "n": 21,
        "_inngest": {"source_app_id": parent["function_id"], "source_run_id": parent["run_id"]},
    }


async def test_an_invoke_that_outlasts_its_timeout_raises_inngests_timeout_error(
    suite: Suite,
) -> None:
    h, _ = suite
    event_id = await h.send("t/impatient-parent")
    await h.settle(lambda: pending_job(h, "invoke-timeout", future=True))
    h.clock.advance(61)
    run = await h.finished_run(event_id)
    assert run["output"] == {
        "name": "InngestInvokeTimeoutError",
        "message": "Timed out waiting for invoked function to complete",
    }


async def test_a_parallel_group_goes_on_only_once_every_branch_has_ended(suite: Suite) -> None:
    h, seen = suite
    event_id = await h.send("t/uneven-parallel")
    try:
        await h.settle(lambda: _quick_done_and_held(seen))
        await h.settle(lambda: _no_call_due(h))
    finally:
        seen.gate("branch").set()  # a held call would keep the app from shutting down
    run = await h.finished_run(event_id)
    assert (run["status"], run["output"]) == ("Completed", [1, "held"])
    assert seen.calls == {"add-0": 1, "held-branch": 1}


async def _quick_done_and_held(seen: Observed) -> bool | None:
    return True if seen.calls["add-0"] == 1 and seen.calls["held-branch"] == 1 else None


async def _no_call_due(h: Harness) -> bool | None:
    """True once the only call left is the held branch's, running now."""
    query = select(schema.jobs.c.id).where(schema.jobs.c.kind == "call")
    async with h.engine.store.engine.connect() as conn:
        return True if len((await conn.execute(query)).all()) == 1 else None


async def test_the_timeline_names_a_sleep_and_shows_when_it_ends(suite: Suite) -> None:
    h, _ = suite
    event_id = await h.send("t/sleep")
    await h.settle(lambda: pending_job(h, "call", future=True))
    [run] = await h.runs(event_id)
    asleep = await _timeline(h, run["run_id"])
    [(kind, at)] = [(s["kind"], s["at"]) for s in asleep["scheduled"]]
    # The SDK sets the wake time by the wall clock, which the engine's clock started from.
    assert kind == "call"
    assert h.clock.now() + 3600 <= at < h.clock.now() + 3600 + 120
    h.clock.advance(3600 + 120)
    await h.finished_run(event_id)
    steps = (await _timeline(h, run["run_id"]))["steps"]
    assert sorted((s["name"], s["op"]) for s in steps) == [("nap", "Sleep"), ("wake", "StepRun")]
    assert {s["name"]: s["at"] for s in steps}["nap"] == h.clock.now()


async def test_the_timeline_shows_when_a_wait_expires(suite: Suite) -> None:
    h, _ = suite
    event_id = await h.send("t/wait")
    await h.settle(lambda: _waiting(h, event_id))
    [run] = await h.runs(event_id)
    timeline = await _timeline(h, run["run_id"])
    assert timeline["waits"] == [
        {
            "step_id": timeline["waits"][0]["step_id"],
            "event": "t/decided",
            "expires_at": h.clock.now() + DAY,
        }
    ]
    assert [(s["kind"], s["at"]) for s in timeline["scheduled"]] == [
        ("wait-timeout", h.clock.now() + DAY)
    ]


async def _timeline(h: Harness, run_id: str) -> dict[str, Any]:
    url = f"{h.engine_url}/v1/runs/{run_id}/timeline"
    response = await h.http.get(url, headers=h.api_headers)
    response.raise_for_status()
    return dict(response.json()["data"])


def _step_run(step_id: str, data: object, **names: str) -> dict[str, object]:
    return {"op": "StepRun", "id": step_id, "data": data, **names}


async def test_each_call_carries_the_steps_so_far_and_its_own_attempt(
    engine_db: str, engine_port: int
) -> None:
    jobs_during_third_call: list[tuple[str, str | None, int, bool]] = []
    replies = script(
        (500, {"name": "Error", "message": "flaky"}),
        (206, [_step_run("s1", 1, name="first", displayName="First")]),
        # The one result of a plain step, on its first attempt.
        (206, [_step_run("s2", 2, name="second", displayName="Second")]),
        # A result beside an op that ends at once: an invoke of a function nobody serves.
        (206, [_step_run("s3", 3, name="third"), _INVOKE_NONE]),
        (200, {"total": 6}),
    )

    async def answer(body: bytes) -> Response:
        if len(app.calls) == 3:
            async with h.engine.store.engine.connect() as conn:
                rows = (await conn.execute(select(schema.jobs))).all()
            jobs_during_third_call.extend((r.kind, r.target, r.attempt, r.immediate) for r in rows)
        if len(app.calls) in (3, 4):
            h.clock.advance(1)  # each step ends a second after the one before
        return await replies(body)

    app = App(answer)
    async with serve(app.asgi(), app.port), engine_calling(engine_db, engine_port, app.url) as h:
        event_id = await h.send("t/call", {"n": 7})
        await h.settle(lambda: pending_job(h, "call", future=True))
        h.clock.advance(1)
        run = await h.finished_run(event_id)
        memos = await h.engine.store.memos(run["run_id"])

    now = h.clock.now()
    assert (run["status"], run["output"], run["ended_at"]) == ("Completed", {"total": 6}, now)
    assert sorted((m.id, m.name, m.op, m.memo, m.at) for m in memos) == [
        ("invoke", "Call none", "InvokeFunction", _NOT_FOUND, now),
        ("s1", "First", "StepRun", {"data": 1}, now - 2),
        ("s2", "Second", "StepRun", {"data": 2}, now - 1),
        ("s3", "third", "StepRun", {"data": 3}, now),
    ]
    sent = [call.json for call in app.calls]
    assert [call.query for call in app.calls] == [{"fnId": "t-call", "stepId": "step"}] * 5
    steps = {"s1": {"data": 1}, "s2": {"data": 2}, "s3": {"data": 3}, "invoke": _NOT_FOUND}
    assert [body["steps"] for body in sent] == [
        {},
        {},
        {"s1": steps["s1"]},
        {"s1": steps["s1"], "s2": steps["s2"]},
        steps,
    ]
    assert [body["ctx"]["stack"] for body in sent[:4]] == [
        {"stack": [], "current": 0},
        {"stack": [], "current": 0},
        {"stack": ["s1"], "current": 1},
        {"stack": ["s1", "s2"], "current": 2},
    ]
    # In the order the steps ended; the two that ended together in either order.
    last = sent[4]["ctx"]["stack"]
    assert (last["stack"][:2], sorted(last["stack"][2:]), last["current"]) == (
        ["s1", "s2"],
        ["invoke", "s3"],
        4,
    )
    # The retry is attempt 1; a step that ends starts the next one's attempts afresh.
    assert [body["ctx"]["attempt"] for body in sent] == [0, 1, 0, 0, 0]
    for body in sent:
        assert body["ctx"]["run_id"] == run["run_id"]
        assert body["ctx"]["max_attempts"] == 2
        assert body["ctx"]["disable_immediate_execution"] is False
        assert (body["event"]["name"], body["event"]["data"]) == ("t/call", {"n": 7})
        assert body["events"] == [body["event"]]
    # What a restart would resume: the call in flight, not the attempt before it.
    assert jobs_during_third_call == [("call", "step", 0, True)]


_INVOKE_NONE = {
    "op": "InvokeFunction",
    "id": "invoke",
    "name": "call-none",
    "displayName": "Call none",
    "opts": {"function_id": "t-none"},
}
_NOT_FOUND = {"error": {"name": "FunctionNotFound", "message": "t-none"}}
# A wait is registered at once, so a late one would outlive its run.
_WAIT = {"op": "WaitForEvent", "id": "w", "name": "t/go", "opts": {"timeout": "1h"}}


@pytest.mark.parametrize(
    ("held", "reply"),
    [
        (1, _WAIT),
        (2, _WAIT),
        (2, _step_run("s2", 2, name="second")),
    ],
    ids=["wait-on-the-first-call", "wait-after-a-step", "step-after-a-step"],
)
async def test_what_a_call_answers_after_its_run_was_cancelled_is_not_carried_out(
    engine_db: str,
    engine_port: int,
    held: int,
    reply: dict[str, object],
    caplog: pytest.LogCaptureFixture,
) -> None:
    started, release = asyncio.Event(), asyncio.Event()
    replies = script(*[(206, [_step_run("s1", 1)])][: held - 1], (206, [reply]), (200, "late"))

    async def answer(body: bytes) -> Response:
        if len(app.calls) == held:
            started.set()
            await release.wait()
        return await replies(body)

    app = App(answer)
    async with serve(app.asgi(), app.port), engine_calling(engine_db, engine_port, app.url) as h:
        try:
            event_id = await h.send("t/call")
            await asyncio.wait_for(started.wait(), 10)
            await h.send("t/cancel")
            run = await h.finished_run(event_id)
        finally:
            release.set()
        await h.settle(lambda: _answered(h, app, held))
        memos = await h.engine.store.memos(run["run_id"])
        ended = (await h.runs(event_id))[0]
        async with h.engine.store.engine.connect() as conn:
            pauses = (await conn.execute(select(schema.pauses))).all()

    assert run["status"] == ended["status"] == "Cancelled"
    assert [m.id for m in memos] == ["s1"][: held - 1]
    assert pauses == []
    assert len(app.calls) == held
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]  # no job failed


async def _answered(h: Harness, app: App, calls: int) -> bool | None:
    """True once the app has had `calls` calls, the engine runs none and no job is left."""
    if len(app.calls) < calls or h.engine.working:
        return None
    async with h.engine.store.engine.connect() as conn:
        return None if (await conn.execute(select(schema.jobs.c.id))).first() else True


async def test_a_batched_runs_calls_carry_every_event_of_the_batch(
    engine_db: str, engine_port: int
) -> None:
    app = App(script((200, "batched")))
    batch = {"batchEvents": {"maxSize": 2, "timeout": "60s"}}
    async with (
        serve(app.asgi(), app.port),
        engine_calling(engine_db, engine_port, app.url, config=batch) as h,
    ):
        event_ids = await h.send_events([{"name": "t/call", "data": {"n": n}} for n in (1, 2)])
        run = await h.finished_run(event_ids[0])

    assert run["output"] == "batched"
    [body] = [call.json for call in app.calls]
    assert [event["id"] for event in body["events"]] == event_ids
    assert body["event"]["id"] == event_ids[0]


async def test_timers_and_a_failed_invoke_in_a_parallel_group_wait_for_the_step_beside_them(
    engine_db: str, engine_port: int
) -> None:
    started, release = asyncio.Event(), asyncio.Event()
    replies = script((200, "after the group"))

    async def answer(body: bytes) -> Response:
        if len(app.calls) == 1:
            return await group(body)
        if len(app.calls) == 2:  # the planned step: it ends only when told
            started.set()
            await release.wait()
            return await script((206, [_step_run("work", "worked")]))(body)
        return await replies(body)

    app = App(answer)
    async with serve(app.asgi(), app.port), engine_calling(engine_db, engine_port, app.url) as h:
        start = h.clock.now()
        group = script(
            (
                206,
                [
                    {"op": "StepPlanned", "id": "work", "name": "work"},
                    {"op": "Sleep", "id": "nap-1", "name": _iso(start + 3600)},
                    {"op": "Sleep", "id": "nap-2", "name": _iso(start + 7200)},
                    _INVOKE_NONE,  # fails at once
                ],
            )
        )
        try:
            event_id = await h.send("t/call")
            await asyncio.wait_for(started.wait(), 10)
            for nap in ("nap-1", "nap-2"):
                h.clock.advance(3600 + 1)  # past the time the ISO text rounds to
                await h.settle(lambda nap=nap: _timer_done(h, nap))  # type: ignore[misc]
                # The step beside the timers runs still: the function is not called yet.
                assert len(app.calls) == 2
        finally:
            release.set()
        run = await h.finished_run(event_id)

    assert run["output"] == "after the group"
    assert [call.query["stepId"] for call in app.calls] == ["step", "work", "step"]
    assert app.calls[1].json["ctx"]["disable_immediate_execution"] is True
    assert app.calls[2].json["steps"] == {
        "work": {"data": "worked"},
        "nap-1": None,
        "nap-2": None,
        "invoke": _NOT_FOUND,
    }


def _iso(at: float) -> str:
    return datetime.datetime.fromtimestamp(at, datetime.UTC).isoformat()


async def _timer_done(h: Harness, step_id: str) -> bool | None:
    """True once the timer's step is recorded and its job gone: the held call's is the only one
    due."""
    due = select(schema.jobs.c.target).where(schema.jobs.c.available_at <= h.clock.now())
    async with h.engine.store.engine.connect() as conn:
        recorded = (await conn.execute(select(schema.steps.c.id))).scalars().all()
        jobs = (await conn.execute(due)).scalars().all()
    return True if step_id in recorded and jobs == ["work"] else None


async def test_a_parallel_step_that_ends_first_leaves_the_call_to_the_last(
    engine_db: str, engine_port: int
) -> None:
    release = asyncio.Event()
    planned = [{"op": "StepPlanned", "id": step, "name": step} for step in ("a", "b")]
    group, done = script((206, planned)), script((200, "both"))

    async def answer(body: bytes) -> Response:
        step = app.calls[-1].query["stepId"]
        if step == "b":  # ends only when told
            await release.wait()
        if step in ("a", "b"):
            return await script((206, [_step_run(step, step)]))(body)
        return await (group if len(app.calls) == 1 else done)(body)

    app = App(answer)
    async with serve(app.asgi(), app.port), engine_calling(engine_db, engine_port, app.url) as h:
        try:
            event_id = await h.send("t/call")
            await h.settle(lambda: _ended(h, "a"))
            # b runs still: the function is not called on yet.
            assert sorted(call.query["stepId"] for call in app.calls) == ["a", "b", "step"]
        finally:
            release.set()
        run = await h.finished_run(event_id)

    assert run["output"] == "both"
    assert [call.query["stepId"] for call in app.calls][-1] == "step"
    assert len(app.calls) == 4
    assert app.calls[-1].json["steps"] == {"a": {"data": "a"}, "b": {"data": "b"}}


async def _ended(h: Harness, step_id: str) -> bool | None:
    """True once the step is recorded and its job gone: the one job left is another's."""
    async with h.engine.store.engine.connect() as conn:
        recorded = (await conn.execute(select(schema.steps.c.id))).scalars().all()
        jobs = (await conn.execute(select(schema.jobs.c.target))).scalars().all()
    return True if step_id in recorded and step_id not in jobs and len(jobs) == 1 else None


async def test_a_result_beside_a_sleep_waits_for_the_sleep_to_end(
    engine_db: str, engine_port: int
) -> None:
    async def answer(body: bytes) -> Response:
        if len(app.calls) > 1:
            return await script((200, "rested"))(body)
        nap = {"op": "Sleep", "id": "nap", "name": _iso(h.clock.now() + 3600)}
        return await script((206, [_step_run("s1", 1), nap]))(body)

    app = App(answer)
    async with serve(app.asgi(), app.port), engine_calling(engine_db, engine_port, app.url) as h:
        event_id = await h.send("t/call")
        await h.settle(lambda: _sleeping(h))
        assert len(app.calls) == 1
        h.clock.advance(3600 + 1)  # past the time the ISO text rounds to
        run = await h.finished_run(event_id)

    assert run["output"] == "rested"
    assert [sorted(call.json["steps"]) for call in app.calls] == [[], ["nap", "s1"]]

"""Retries, permanent failures, retry-after and on_failure handlers; calls that get no usable
answer (an app that cannot be reached or does not answer in time, a reply that breaks the protocol
or, with a signing key, is not signed with it) are errors of the call like any other."""

from __future__ import annotations

import asyncio
import functools

import pytest
from sqlalchemy import select
from starlette.responses import Response

from tests.engine.functions import Observed
from tests.engine.harness import Harness, free_port, pending_job, serve
from tests.engine.stand_in_app import (
    OTHER_KEY,
    OUTPUT,
    SIGNING_KEY,
    Answer,
    App,
    engine_calling,
    plain,
    script,
    signed,
)
from workflows.engine import schema
from workflows.engine.protocol import verify

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
    # The SDK sets the time by the wall clock, which the engine's clock started from: on a busy
    # machine the reply comes seconds after the start.
    due = await _retry_due(h, 1)
    assert due is not None
    assert 9 * 60 < due < 10 * 60 + 60
    h.clock.advance(due - 1)
    assert (await h.runs(event_id))[0]["status"] == "Running"
    assert seen.attempts == [0]
    h.clock.advance(1)
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


async def _fails_after_a_retry(h: Harness) -> dict[str, object]:
    """The run of a new event, once its call has failed, been retried a second later, failed
    again and ended the run: the error it ended with."""
    event_id = await h.send("t/call")
    await h.settle(lambda: pending_job(h, "call", future=True))
    assert (await h.runs(event_id))[0]["status"] == "Running"
    h.clock.advance(1)
    run = await h.finished_run(event_id)
    assert (run["status"], run["ended_at"]) == ("Failed", h.clock.now())
    error = run["output"]
    assert isinstance(error, dict)
    return error


async def test_an_app_that_refuses_the_connection_is_retried_then_fails_the_run(
    engine_db: str, engine_port: int
) -> None:
    closed = free_port()  # nothing listens there
    url = f"http://127.0.0.1:{closed}/api/inngest"
    async with engine_calling(engine_db, engine_port, url) as h:
        error = await _fails_after_a_retry(h)

    assert error["name"] == "ClientConnectorError"
    assert f"127.0.0.1:{closed}" in str(error["message"])


async def test_an_app_that_does_not_answer_in_time_is_retried_then_fails_the_run(
    engine_db: str, engine_port: int
) -> None:
    released = asyncio.Event()

    async def hang(_: bytes) -> Response:
        await released.wait()
        return Response(b"null", 200)

    app = App(hang)
    async with serve(app.asgi(), app.port):
        try:
            async with engine_calling(engine_db, engine_port, app.url, call_timeout=0.3) as h:
                error = await _fails_after_a_retry(h)
        finally:
            released.set()

    assert len(app.calls) == 2
    assert (error["name"], error["message"]) == ("TimeoutError", "TimeoutError")


@pytest.mark.parametrize(
    ("answer", "signature"),
    [
        (plain(), "none"),
        (signed(OTHER_KEY), "another key's"),
        (signed(SIGNING_KEY, over=b'{"answer": 0}'), "one over another body"),
    ],
    ids=["unsigned", "other-key", "other-body"],
)
async def test_a_reply_not_signed_with_the_signing_key_is_retried_then_fails_the_run(
    engine_db: str, engine_port: int, answer: Answer, signature: str
) -> None:
    app = App(answer)
    async with (
        serve(app.asgi(), app.port),
        engine_calling(engine_db, engine_port, app.url, signing_key=SIGNING_KEY) as h,
    ):
        error = await _fails_after_a_retry(h)

    assert len(app.calls) == 2, f"a reply with {signature} signature is retried once"
    assert error == {
        "name": "SignatureError",
        "message": "reply 200 is not signed with the signing key",
    }


async def test_with_a_signing_key_calls_are_signed_and_a_signed_reply_is_taken(
    engine_db: str, engine_port: int
) -> None:
    app = App(signed(SIGNING_KEY))
    async with (
        serve(app.asgi(), app.port),
        engine_calling(engine_db, engine_port, app.url, signing_key=SIGNING_KEY) as h,
    ):
        run = await h.finished_run(await h.send("t/call"))
        now = int(h.clock.now())

    assert (run["status"], run["output"]) == ("Completed", OUTPUT)
    [call] = app.calls
    assert call.headers["x-inngest-server-kind"] == "cloud"
    assert call.headers["content-type"] == "application/json"
    # The SDK checks the signature over the body and refuses one more than minutes old.
    assert verify(call.body, call.headers["x-inngest-signature"], SIGNING_KEY)
    assert call.headers["x-inngest-signature"].startswith(f"t={now}&")


async def test_without_a_signing_key_calls_say_dev_and_an_unsigned_reply_is_taken(
    engine_db: str, engine_port: int
) -> None:
    app = App(plain())
    async with (
        serve(app.asgi(), app.port),
        engine_calling(engine_db, engine_port, app.url) as h,
    ):
        run = await h.finished_run(await h.send("t/call"))

    assert (run["status"], run["output"]) == ("Completed", OUTPUT)
    [call] = app.calls
    assert call.headers["x-inngest-server-kind"] == "dev"
    assert call.headers["content-type"] == "application/json"
    assert "x-inngest-signature" not in call.headers


async def test_a_reply_that_breaks_the_protocol_is_retried_then_fails_the_run(
    engine_db: str, engine_port: int
) -> None:
    app = App(plain(206, {"not": "a list of ops"}))
    async with (
        serve(app.asgi(), app.port),
        engine_calling(engine_db, engine_port, app.url) as h,
    ):
        error = await _fails_after_a_retry(h)

    assert len(app.calls) == 2
    assert error == {"name": "ProtocolError", "message": "a 206 reply must carry a list of ops"}


async def test_a_step_error_on_the_last_attempt_becomes_the_steps_error(
    engine_db: str, engine_port: int
) -> None:
    error = {"name": "RuntimeError", "message": "still broken"}
    step_error = {"op": "StepError", "id": "s1", "name": "flaky", "error": error}
    app = App(script((206, [step_error]), (206, [step_error]), (200, "handled")))
    async with serve(app.asgi(), app.port), engine_calling(engine_db, engine_port, app.url) as h:
        event_id = await h.send("t/call")
        await h.settle(lambda: pending_job(h, "call", future=True))
        h.clock.advance(1)
        run = await h.finished_run(event_id)
        memos = await h.engine.store.memos(run["run_id"])

    assert (run["status"], run["output"]) == ("Completed", "handled")
    assert [(m.id, m.op, m.memo) for m in memos] == [("s1", "StepError", {"error": error})]
    sent = [call.json for call in app.calls]
    assert [body["ctx"]["attempt"] for body in sent] == [0, 1, 0]
    assert sent[2]["steps"] == {"s1": {"error": error}}


async def test_retry_after_in_seconds_is_counted_from_the_engines_clock(
    engine_db: str, engine_port: int
) -> None:
    busy = plain(503, {"name": "Busy", "message": "later"}, headers={"retry-after": "30"})
    replies = [busy, plain()]

    async def answer(body: bytes) -> Response:
        return await replies.pop(0)(body)

    app = App(answer)
    async with serve(app.asgi(), app.port), engine_calling(engine_db, engine_port, app.url) as h:
        event_id = await h.send("t/call")
        await h.settle(lambda: pending_job(h, "call", future=True))
        assert await _retry_due(h, 1) == 30
        h.clock.advance(30)
        run = await h.finished_run(event_id)

    assert (run["status"], run["output"]) == ("Completed", OUTPUT)
    assert len(app.calls) == 2

"""`step.ai.infer`: the engine calls the model provider (a local stand-in), memoizes the answer."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from inngest.experimental.ai import gemini
from sqlalchemy import select
from starlette.responses import JSONResponse, Response

from tests.engine.harness import free_port, make_client, pending_job, running_harness, serve
from tests.engine.stand_in_app import App, engine_calling, script
from tests.engine.stand_in_model import ANSWER, KEY, Provider, anthropic_adapter, asker
from workflows.engine import schema
from workflows.engine.inference import MAX_ANSWER_BYTES
from workflows.engine.logs import redact_event_keys


async def _ask(
    engine_db: str, engine_port: int, provider: Provider, adapter_for: Any, *, retried: bool = False
) -> Any:
    port = free_port()
    client = make_client(f"http://127.0.0.1:{engine_port}")
    adapter = adapter_for(f"http://127.0.0.1:{port}")
    async with (
        serve(provider.app(), port),
        running_harness(engine_db, [asker(client, adapter)], client, engine_port) as h,
    ):
        event_id = await h.send("t/ask")
        if retried:
            await h.settle(lambda: pending_job(h, "ai-infer", future=True))
            h.clock.advance(1)  # the first retry's backoff
        run = await h.finished_run(event_id)
        async with h.engine.store.engine.connect() as conn:
            steps = (await conn.execute(select(schema.steps))).all()
            jobs = (await conn.execute(select(schema.jobs))).all()
    return run, steps, jobs


def _logged(caplog: pytest.LogCaptureFixture) -> str:
    # The SQLite driver echoes every statement's parameters at debug level (customer data
    # too); anyone who turns that on has chosen to see the database's contents.
    return "\n".join(r.getMessage() for r in caplog.records if r.name != "aiosqlite")


async def test_the_engine_makes_the_model_call_once_and_the_answer_is_the_steps_output(
    engine_db: str, engine_port: int, caplog: pytest.LogCaptureFixture
) -> None:
    provider = Provider()
    # httpx too, whatever level a server set-up left it at: its request lines carry the URL.
    with caplog.at_level(logging.DEBUG), caplog.at_level(logging.DEBUG, logger="httpx"):
        run, steps, jobs = await _ask(engine_db, engine_port, provider, anthropic_adapter)

    assert (run["status"], run["output"]) == ("Completed", {"answer": ANSWER, "after": "after"})
    [request] = provider.requests
    assert request["path"] == "/v1/messages"
    assert request["headers"]["x-api-key"] == KEY
    assert request["headers"]["anthropic-version"] == "2023-06-01"
    assert request["body"]["model"] == "claude-test"
    [memo] = [step for step in steps if step.op == "AIGateway"]
    assert (memo.name, memo.memo) == ("ask-model", {"data": ANSWER})
    assert not [job for job in jobs if job.kind == "ai-infer"]  # the key left the database
    assert KEY not in _logged(caplog)


async def test_a_failing_model_call_is_retried_then_fails_the_step(
    engine_db: str, engine_port: int
) -> None:
    provider = Provider(status=500, body=b'{"error": "overloaded"}')
    run, steps, _ = await _ask(engine_db, engine_port, provider, anthropic_adapter, retried=True)

    assert len(provider.requests) == 2  # retries=1
    name = "Error making AI request: unsuccessful status code: 500"
    assert run["output"] == {"error": name}
    [memo] = [step for step in steps if step.op == "AIGateway"]
    assert memo.memo == {"error": {"name": name, "message": '{"error": "overloaded"}'}}


async def test_an_answer_over_the_size_limit_fails_the_step_instead_of_filling_memory(
    engine_db: str, engine_port: int
) -> None:
    provider = Provider(body=b'"' + b"x" * MAX_ANSWER_BYTES + b'"')
    run, _, _ = await _ask(engine_db, engine_port, provider, anthropic_adapter, retried=True)

    assert run["output"] == {
        "error": f"Error making AI request: the answer is over {MAX_ANSWER_BYTES} bytes"
    }


async def test_a_key_the_provider_takes_in_the_url_is_redacted_from_request_logs(
    engine_db: str, engine_port: int, caplog: pytest.LogCaptureFixture
) -> None:
    redact_event_keys()
    provider = Provider()

    def adapter_for(origin: str) -> gemini.Adapter:
        return gemini.Adapter(auth_key=KEY, base_url=f"{origin}/v1beta", model="gemini-test")

    # httpx too, whatever level a server set-up left it at: its request lines carry the URL.
    with caplog.at_level(logging.DEBUG), caplog.at_level(logging.DEBUG, logger="httpx"):
        run, _, _ = await _ask(engine_db, engine_port, provider, adapter_for)

    assert run["status"] == "Completed"
    [request] = provider.requests
    assert request["path"] == "/v1beta/models/gemini-test:generateContent"
    assert request["headers"]["x-goog-api-key"] == KEY
    assert "/models/gemini-test:generateContent?key=[redacted]" in _logged(caplog)
    assert KEY not in _logged(caplog)


async def test_a_failed_model_call_of_a_function_removed_meanwhile_is_not_retried(
    engine_db: str, engine_port: int
) -> None:
    provider = App(script((500, {"error": "overloaded"})))
    ask = {"op": "AIGateway", "id": "ask", "opts": {"url": provider.url, "body": {}}}

    async def ask_then_go(_: bytes) -> Response:
        await h.engine.register("t", [])  # the app no longer serves the function
        return JSONResponse([ask], status_code=206)

    app = App(ask_then_go)
    async with (
        serve(provider.asgi(), provider.port),
        serve(app.asgi(), app.port),
        engine_calling(engine_db, engine_port, app.url) as h,
    ):
        run = await h.finished_run(await h.send("t/call"))

    assert len(provider.calls) == 1
    assert (run["status"], run["output"]["name"]) == ("Failed", "FunctionNotFound")

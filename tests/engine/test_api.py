"""The engine's edges: malformed input, signatures, keys and body limits."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from starlette.types import Message

from tests.engine.functions import Observed, build_suite
from tests.engine.harness import EVENT_KEY, Harness, make_client, pending_job, running_harness
from workflows.engine import Engine, schema
from workflows.engine.api import MAX_EVENTS_BODY_BYTES
from workflows.engine.protocol import hash_step_id, hashed_signing_key, sign
from workflows.engine.server import main

SIGNING_KEY = "signkey-test-" + "5f1e" * 16
Suite = tuple[Harness, Observed]


async def _count(engine: Engine, table: object) -> int:
    async with engine.store.engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar() or 0)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"name": "t/steps"', "not valid JSON"),
        (b'{"data": {}}', "name must be a non-empty string"),
        (b'[{"name": "t/steps"}, {"name": "t/steps", "data": [1]}]', "data must be an object"),
        (b'{"name": "t/steps", "ts": "yesterday"}', "ts must be an integer"),
        (b"[]", "no events"),
    ],
)
async def test_malformed_events_get_400_with_a_message_and_store_nothing(
    suite: Suite, body: bytes, message: str
) -> None:
    h, _ = suite
    response = await h.http.post(f"{h.engine_url}/e/{EVENT_KEY}", content=body)
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert await _count(h.engine, schema.events) == 0
    assert await _count(h.engine, schema.jobs) == 1  # only the cron function's next tick


async def test_a_malformed_registration_gets_400_and_keeps_the_old_functions(suite: Suite) -> None:
    h, _ = suite
    before = set(h.engine.functions)
    bad = {"appname": "t", "functions": [{"id": "x", "triggers": [{"event": "e"}]}]}
    response = await h.http.post(f"{h.engine_url}/fn/register", json=bad)
    assert response.status_code == 400
    assert "function x" in response.json()["error"]
    assert set(h.engine.functions) == before


async def test_an_oversized_body_is_refused_with_413(suite: Suite) -> None:
    h, _ = suite
    big = json.dumps({"name": "t/steps", "data": {"blob": "x" * (4 * 1024 * 1024)}})
    response = await h.http.post(f"{h.engine_url}/e/{EVENT_KEY}", content=big)
    assert response.status_code == 413
    assert await _count(h.engine, schema.events) == 0


async def test_signed_mode_runs_functions_and_refuses_forgeries(
    engine_db: str, engine_port: int
) -> None:
    seen = Observed()
    client = make_client(f"http://127.0.0.1:{engine_port}", signing_key=SIGNING_KEY)
    functions = build_suite(client, seen)
    async with running_harness(
        engine_db, functions, client, engine_port, signing_key=SIGNING_KEY
    ) as h:
        run = await h.finished_run(await h.send("t/steps"))
        assert run["output"] == {"total": 6}

        forged = await h.http.post(
            f"{h.engine_url}/fn/register",
            json={"appname": "t", "functions": []},
            headers={"authorization": "Bearer " + "0" * 64},
        )
        assert forged.status_code == 401
        assert set(h.engine.functions) >= {"t-steps"}
        unauthenticated = await h.http.get(f"{h.engine_url}/v1/runs/{run['run_id']}")
        assert unauthenticated.status_code == 401
        waiting = await h.send("t/cancellable", {"id": "x"})
        await h.settle(lambda: pending_job(h, "wait-timeout", future=True))
        waiting_run = (await h.runs(waiting))[0]["run_id"]
        refused_cancel = await h.http.delete(f"{h.engine_url}/v1/runs/{waiting_run}")
        assert refused_cancel.status_code == 401
        assert (await h.runs(waiting))[0]["status"] == "Running"
        bearer = {"authorization": f"Bearer {hashed_signing_key(SIGNING_KEY)}"}
        allowed = await h.http.get(f"{h.engine_url}/v1/runs/{run['run_id']}", headers=bearer)
        assert allowed.json()["data"]["status"] == "Completed"

        app_url = h.engine.app_urls[0]
        body = b'{"event": {"name": "t/steps", "data": {}}}'
        wrong_key = sign(body, "signkey-test-" + "99" * 32, int(h.clock.now()))
        async with httpx.AsyncClient() as http:
            refused = await http.post(
                f"{app_url}?fnId=t-steps&stepId=step",
                content=body,
                headers={"x-inngest-signature": wrong_key},
            )
        assert refused.status_code == 401
    assert seen.calls == {"add-0": 1, "add-1": 1, "add-2": 1}


async def test_an_engine_with_an_event_key_refuses_other_keys(
    engine_db: str, engine_port: int
) -> None:
    engine = Engine(database_url=engine_db, event_key="the-key")
    await engine.start()
    try:
        transport = httpx.ASGITransport(app=engine.asgi)
        async with httpx.AsyncClient(transport=transport, base_url="http://engine") as http:
            refused = await http.post("/e/another-key", json={"name": "a"})
            accepted = await http.post("/e/the-key", json={"name": "a"})
        assert refused.status_code == 401
        assert accepted.status_code == 200
        assert await _count(engine, schema.events) == 1
    finally:
        await engine.stop()


def _function(url: str) -> dict[str, object]:
    return {
        "id": "t-x",
        "triggers": [{"event": "t/x"}],
        "steps": {"step": {"runtime": {"url": f"{url}?fnId=t-x&stepId=step"}}},
    }


async def test_a_registration_pointing_elsewhere_is_refused_even_with_the_key(
    engine_db: str,
) -> None:
    app_url = "http://127.0.0.1:8000/api/inngest"
    engine = Engine(database_url=engine_db, app_urls=[app_url], signing_key=SIGNING_KEY)
    await engine.start()
    bearer = {"authorization": f"Bearer {hashed_signing_key(SIGNING_KEY)}"}
    try:
        transport = httpx.ASGITransport(app=engine.asgi)
        async with httpx.AsyncClient(transport=transport, base_url="http://engine") as http:
            elsewhere = {"appname": "t", "functions": [_function("http://attacker:9/api/inngest")]}
            refused = await http.post("/fn/register", json=elsewhere, headers=bearer)
            ours = {"appname": "t", "url": app_url, "functions": [_function(app_url)]}
            accepted = await http.post("/fn/register", json=ours, headers=bearer)
        assert refused.status_code == 403
        assert "http://attacker:9/api/inngest" in refused.json()["error"]
        assert accepted.status_code == 200
        assert engine.functions["t-x"].url.startswith(app_url)
    finally:
        await engine.stop()


async def test_the_bearer_may_carry_the_keys_environment_prefix(engine_db: str) -> None:
    engine = Engine(database_url=engine_db, signing_key=SIGNING_KEY)
    await engine.start()
    hashed = hashed_signing_key(SIGNING_KEY)
    try:
        transport = httpx.ASGITransport(app=engine.asgi)
        async with httpx.AsyncClient(transport=transport, base_url="http://engine") as http:
            prefixed = await http.get(
                "/v1/runs/none", headers={"authorization": f"Bearer signkey-test-{hashed}"}
            )
            raw = await http.get(
                "/v1/runs/none", headers={"authorization": f"Bearer {SIGNING_KEY}"}
            )
        assert prefixed.status_code == 404  # authorised; there is no such run
        assert raw.status_code == 401  # the key itself is never a bearer
    finally:
        await engine.stop()


async def test_an_undeclared_oversized_body_is_refused_without_being_read_whole(
    engine_db: str,
) -> None:
    engine = Engine(database_url=engine_db, event_key=EVENT_KEY)
    await engine.start()
    pulled = 0
    sent: list[Message] = []

    async def receive() -> Message:
        # A chunked body of 64 MiB with no content-length: one MiB per pull.
        nonlocal pulled
        pulled += 1
        return {"type": "http.request", "body": b"x" * (1024 * 1024), "more_body": pulled < 64}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": f"/e/{EVENT_KEY}",
        "raw_path": f"/e/{EVENT_KEY}".encode(),
        "query_string": b"",
        "headers": [(b"transfer-encoding", b"chunked")],
    }
    try:
        await engine.asgi(scope, receive, send)
    finally:
        await engine.stop()

    assert sent[0]["status"] == 413
    # stopped at the limit, not at the end of the body
    assert pulled <= MAX_EVENTS_BODY_BYTES // (1024 * 1024) + 1 < 64


def test_the_engine_alone_refuses_to_listen_beyond_loopback_without_keys() -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--database-url", "sqlite+aiosqlite:///:memory:", "--host", "0.0.0.0"])  # noqa: S104

    assert exit_info.value.code == 2


async def test_a_runs_trigger_event_and_step_outputs_are_served_as_inngests_api_serves_them(
    suite: Suite,
) -> None:
    h, _ = suite
    event_id = await h.send("t/steps", {"order": 7})
    run = await h.finished_run(event_id)

    def get(path: str) -> Any:
        return h.http.get(f"{h.engine_url}{path}", headers=h.api_headers)

    event = (await get(f"/v1/events/{event_id}")).json()["data"]
    assert (event["id"], event["name"], event["data"]) == (event_id, "t/steps", {"order": 7})
    batch = (await get(f"/v0/runs/{run['run_id']}/batch")).json()
    assert [(e["id"], e["data"]) for e in batch] == [(event_id, {"order": 7})]
    steps = (await get(f"/v0/runs/{run['run_id']}/actions")).json()
    assert steps == {hash_step_id(f"add-{i}"): {"data": i + 1} for i in range(3)}
    assert (await get("/v1/events/unknown")).status_code == 404
    assert (await get("/v0/runs/unknown/actions")).status_code == 404


async def test_an_invoked_runs_event_is_served_though_the_engine_made_it(suite: Suite) -> None:
    h, _ = suite
    parent = await h.finished_run(await h.send("t/parent"))
    [child] = [r for r in await _all_runs(h) if r["run_id"] != parent["run_id"]]
    response = await h.http.get(f"{h.engine_url}/v1/events/{child['event_id']}")
    event = response.json()["data"]
    assert (event["name"], event["data"]["n"]) == ("inngest/function.invoked", 21)


async def test_waits_and_invokes_the_engine_ended_are_named_in_the_timeline(suite: Suite) -> None:
    h, _ = suite
    waited = await h.send("t/wait", {"id": "w1"})
    await h.settle(lambda: pending_job(h, "wait-timeout", future=True))
    await h.send("t/decided", {"id": "w1"})
    timed_out = await h.send("t/impatient-parent")
    await h.settle(lambda: pending_job(h, "invoke-timeout", future=True))
    h.clock.advance(61)
    invoked = await h.send("t/parent")

    named = {}
    for event_id in (waited, timed_out, invoked):
        run = await h.finished_run(event_id)
        url = f"{h.engine_url}/v1/runs/{run['run_id']}/timeline"
        for step in (await h.http.get(url)).json()["data"]["steps"]:
            named[step["name"]] = step["op"]
    assert named["decision"] == "WaitForEvent"
    assert named["call-child"] == named["call-slow-child"] == "InvokeFunction"
    assert None not in named


async def _all_runs(h: Harness) -> list[dict[str, Any]]:
    async with h.engine.store.engine.connect() as conn:
        rows = (await conn.execute(select(schema.runs))).all()
    return [{"run_id": row.id, "event_id": row.event_id} for row in rows]

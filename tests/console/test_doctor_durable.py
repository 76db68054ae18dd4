"""Doctor's checks of the database, the engine and a durable ping run."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator

import httpx
import pytest

from console.doctor import Status, run_checks
from console.doctor.durable import (
    EngineApi,
    check_database,
    check_engine,
    check_ping,
)
from tests.keys import EVENT_KEY, SIGNING_KEY
from tests.stand_in import StandIn
from workflows.client import create_inngest_client
from workflows.config import Settings
from workflows.functions.ping import PING_EVENT
from workflows.store import head_revision, upgrade_database


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5.0) as client:
        yield client


def _engine_at(stand_in: StandIn, settings: Settings) -> Settings:
    return settings.model_copy(update={"engine_port": int(stand_in.url.rsplit(":", 1)[1])})


def _runs(stand_in: StandIn, event_id: str, *runs: dict[str, object]) -> None:
    stand_in.reply("POST", f"/e/{EVENT_KEY}", body={"ids": [event_id], "status": 200})
    stand_in.reply("GET", f"/v1/events/{event_id}/runs", body={"data": list(runs)})


async def test_database_is_failing_until_migrated_then_ok(
    settings: Settings, database_url: str
) -> None:
    on_database = settings.model_copy(update={"database_url": database_url})

    before = await check_database(on_database)
    await upgrade_database(database_url)
    after = await check_database(on_database)

    assert before.status is Status.FAILING
    assert "support-agent db upgrade" in before.detail
    assert (after.status, after.detail) == (Status.OK, f"at revision {head_revision()}")


async def test_database_check_does_not_create_a_missing_sqlite_file(settings: Settings) -> None:
    check = await check_database(settings)

    assert check.status is Status.FAILING
    assert "does not exist" in check.detail
    assert (await check_database(settings)).detail == check.detail


async def test_engine_answering_is_ok_and_a_closed_port_is_failing(
    settings: Settings, http: httpx.AsyncClient, stand_in: StandIn
) -> None:
    api = EngineApi.from_settings(_engine_at(stand_in, settings))

    reachable = await check_engine(api, http)
    await stand_in.__aexit__(None, None, None)
    closed = await check_engine(api, http)

    assert (reachable.status, reachable.detail) == (Status.OK, f"embedded engine at {api.url}")
    assert closed.status is Status.FAILING
    assert closed.detail.startswith(f"embedded engine unreachable at {api.url}")


async def test_ping_sends_the_event_and_reports_the_completed_run(
    settings: Settings, http: httpx.AsyncClient, stand_in: StandIn
) -> None:
    configured = _engine_at(stand_in, settings)
    api = EngineApi.from_settings(configured)
    _runs(stand_in, "evt-1", {"run_id": "run-1", "status": "Completed", "output": {"pong": True}})

    check = await check_ping(create_inngest_client(configured), api, http)

    assert check.status is Status.OK
    assert check.detail == f"run run-1 completed: {api.url}/v1/runs/run-1"
    [sent] = stand_in.received("POST", f"/e/{EVENT_KEY}")
    [event] = sent.json()
    assert event["name"] == PING_EVENT
    assert "sent_at" in event["data"]


async def test_ping_is_failing_when_the_run_failed(
    settings: Settings, http: httpx.AsyncClient, stand_in: StandIn
) -> None:
    configured = _engine_at(stand_in, settings)
    _runs(stand_in, "evt-2", {"run_id": "run-2", "status": "Failed", "output": "boom"})

    check = await check_ping(
        create_inngest_client(configured), EngineApi.from_settings(configured), http
    )

    assert check.status is Status.FAILING
    assert check.detail.startswith("run run-2 failed")


async def test_ping_gives_up_when_the_run_does_not_finish_in_time(
    settings: Settings, http: httpx.AsyncClient, stand_in: StandIn
) -> None:
    configured = _engine_at(stand_in, settings)
    _runs(stand_in, "evt-3", {"run_id": "run-3", "status": "Running"})

    check = await check_ping(
        create_inngest_client(configured), EngineApi.from_settings(configured), http, wait_seconds=0
    )

    assert (check.status, check.detail) == (Status.FAILING, "event evt-3: Running after 0s")


async def test_every_part_is_reported_in_order(settings: Settings, stand_in: StandIn) -> None:
    configured = _engine_at(stand_in, settings)
    await upgrade_database(configured.database_url)
    _runs(stand_in, "evt-4", {"run_id": "run-4", "status": "Completed"})

    checks = await run_checks(configured)

    assert [(c.name, c.status) for c in checks] == [
        ("database", Status.OK),
        ("engine", Status.OK),
        ("ping", Status.OK),
        ("anthropic", Status.NOT_CONFIGURED),
        ("front", Status.NOT_CONFIGURED),
        ("slack", Status.NOT_CONFIGURED),
    ]


def test_engine_api_follows_the_configured_inngest(settings: Settings) -> None:
    dev = Settings(_env_file=None, inngest_dev="http://inngest:8288")
    cloud = Settings(_env_file=None, inngest_signing_key=f"signkey-prod-{'ab' * 32}")
    hashed = hashlib.sha256(bytes.fromhex("ab" * 32)).hexdigest()

    assert EngineApi.from_settings(dev) == EngineApi("inngest", "http://inngest:8288", {})
    assert EngineApi.from_settings(cloud) == EngineApi(
        "inngest cloud",
        "https://api.inngest.com",
        {"Authorization": f"Bearer signkey-prod-{hashed}"},
    )


def test_the_raw_signing_key_never_leaves_the_process(settings: Settings) -> None:
    api = EngineApi.from_settings(settings)

    raw = SIGNING_KEY.removeprefix("signkey-test-")
    assert api.headers["Authorization"].startswith("Bearer signkey-test-")
    assert raw not in api.headers["Authorization"]

"""The web app answers health checks and serves our functions through the Inngest SDK."""

from __future__ import annotations

import time

from tests.console.conftest import AppClient
from tests.keys import SIGNING_KEY
from tests.stand_in import StandIn
from workflows.config import Settings
from workflows.engine.protocol import canonical_json, sign
from workflows.events import INBOUND_RECEIVED
from workflows.functions.ping import PING_EVENT
from workflows.store import upgrade_database

PING_ID = "support-agent-ping"
INBOUND_ID = "support-agent-handle-inbound-message"
APPROVAL_ID = "support-agent-handle-approval"
RESEND_ID = "support-agent-resend-decisions"
SWEEP_ID = "support-agent-sweep-approvals"
ALERTS_ID = "support-agent-raise-alerts"


def _signed(body: bytes = b"") -> dict[str, str]:
    """Headers of a call from the engine: the app serves only signed requests."""
    signature = sign(body, SIGNING_KEY, int(time.time()))
    return {"x-inngest-signature": signature, "x-inngest-server-kind": "cloud"}


def _pointed_at(stand_in: StandIn, settings: Settings) -> Settings:
    port = int(stand_in.url.rsplit(":", 1)[1])
    return settings.model_copy(update={"engine_port": port})


async def test_healthz_reports_a_ready_app_on_a_writable_database(
    app_client: AppClient, settings: Settings
) -> None:
    await upgrade_database(settings.database_url)
    async with app_client(settings) as client:
        response = await client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"ok": True, "ready": True, "db": True}


async def test_healthz_is_503_when_the_database_is_unreachable(
    app_client: AppClient, settings: Settings
) -> None:
    # Nothing listens on port 1: the connection is refused at once.
    unreachable = settings.model_copy(
        update={"database_url": "postgresql+asyncpg://postgres@127.0.0.1:1/none"}
    )
    async with app_client(unreachable) as client:
        response = await client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {
        "ok": False,
        "ready": True,
        "db": False,
        "error": "ConnectionRefusedError",
    }


async def test_get_api_inngest_describes_the_served_functions(
    app_client: AppClient, settings: Settings
) -> None:
    async with app_client(settings) as client:
        response = await client.get("/api/inngest", headers=_signed())

    assert response.status_code == 200
    # ping, inbound, approval, the two approval crons and the alerts cron (on_failure handlers
    # are not counted).
    assert response.json()["function_count"] == 6


async def test_put_api_inngest_registers_the_functions_with_the_engine(
    app_client: AppClient, settings: Settings, stand_in: StandIn
) -> None:
    stand_in.reply("POST", "/fn/register", body={"ok": True})

    async with app_client(_pointed_at(stand_in, settings)) as client:
        response = await client.put("/api/inngest", headers=_signed())

    assert response.status_code == 200
    [registration] = stand_in.received("POST", "/fn/register")
    body = registration.json()
    assert body["appname"] == "support-agent"
    assert body["url"] == "http://testserver/api/inngest"
    functions = {f["id"]: f for f in body["functions"]}
    assert set(functions) == {
        PING_ID,
        INBOUND_ID,
        f"{INBOUND_ID}-failure",
        APPROVAL_ID,
        f"{APPROVAL_ID}-failure",
        RESEND_ID,
        SWEEP_ID,
        ALERTS_ID,
    }
    # Standard cron syntax, which Inngest and the embedded engine both schedule.
    assert functions[RESEND_ID]["triggers"] == [{"cron": "* * * * *"}]
    assert functions[SWEEP_ID]["triggers"] == [{"cron": "* * * * *"}]
    assert functions[INBOUND_ID]["triggers"] == [{"event": INBOUND_RECEIVED}]
    # One run per conversation: a later message cancels the running one and starts a run that
    # sees the whole thread; its steps wait for the cancelled run's last step.
    assert functions[INBOUND_ID]["singleton"] == {
        "key": "event.data.conversation_id",
        "mode": "cancel",
    }
    assert functions[INBOUND_ID]["concurrency"] == [
        {"limit": 1, "key": "event.data.conversation_id"}
    ]
    for cron in (RESEND_ID, SWEEP_ID, ALERTS_ID):
        assert functions[cron]["triggers"] == [{"cron": "* * * * *"}]
    function = functions[PING_ID]
    assert function["triggers"] == [{"event": PING_EVENT}]
    runtime = function["steps"]["step"]["runtime"]
    assert runtime["url"] == f"http://testserver/api/inngest?fnId={PING_ID}&stepId=step"


async def test_post_api_inngest_runs_the_ping_function(
    app_client: AppClient, settings: Settings
) -> None:
    call = {
        "event": {"name": PING_EVENT, "data": {"sent_at": "2026-01-01T00:00:00Z"}},
        "events": [{"name": PING_EVENT, "data": {"sent_at": "2026-01-01T00:00:00Z"}}],
        "steps": {},
        "ctx": {
            "run_id": "run-1",
            "attempt": 0,
            "max_attempts": 1,
            "disable_immediate_execution": False,
            "use_api": False,
            "stack": {"stack": [], "current": 0},
        },
        "use_api": False,
        "version": 1,
    }
    async with app_client(settings) as client:
        body = canonical_json(call)
        response = await client.post(
            "/api/inngest",
            params={"fnId": PING_ID, "stepId": "step"},
            content=body,
            headers={**_signed(body), "content-type": "application/json"},
        )

    assert response.status_code == 206
    [op] = response.json()
    assert op["op"] == "StepRun"
    assert op["displayName"] == "pong"
    assert op["data"] == {"pong": True, "sent_at": "2026-01-01T00:00:00Z"}

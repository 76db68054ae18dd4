"""An attacker who reaches the app's and the engine's ports, without any key."""

from __future__ import annotations

import contextlib
import json
import sqlite3
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.security.forgeries import (
    INBOUND_FUNCTION,
    PLACEHOLDER,
    forged_inbound_call,
    hijacking_registration,
    placeholder_signed_webhook,
)
from tests.security.server import Served
from workflows.engine.protocol import canonical_json, hashed_signing_key, sign

ATTACKER = "http://127.0.0.1:9/api/inngest"
FOUR_MIB = 4 * 1024 * 1024


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=30.0) as client:
        yield client


def _nothing_ran(served: Served) -> None:
    assert served.count("actions") == 0
    assert served.count("demo_operations") == 0
    assert served.count("conversations") == 0


@pytest.mark.parametrize("signing_key", [None, PLACEHOLDER, "signkey-prod-" + "00" * 32])
def test_a_forged_function_call_is_refused_and_runs_nothing(
    served: Served, http: httpx.Client, signing_key: str | None
) -> None:
    body = canonical_json(forged_inbound_call())
    headers = {"content-type": "application/json", "x-inngest-server-kind": "cloud"}
    if signing_key:
        headers["x-inngest-signature"] = sign(body, signing_key, int(time.time()))

    response = http.post(
        f"{served.app_url}/api/inngest",
        params={"fnId": INBOUND_FUNCTION, "stepId": "step"},
        content=body,
        headers=headers,
    )

    assert response.status_code == 401
    _nothing_ran(served)


@pytest.mark.parametrize("key", ["anything", PLACEHOLDER, "embedded"])
def test_an_event_without_the_event_key_is_refused_and_stored_nowhere(
    served: Served, http: httpx.Client, key: str
) -> None:
    event = forged_inbound_call()["event"]

    response = http.post(f"{served.engine_url}/e/{key}", json=[event])

    assert response.status_code == 401
    assert served.count("engine_events", "name = 'front/inbound_received'") == 0


@pytest.mark.parametrize("bearer", [None, "0" * 64, PLACEHOLDER])
def test_a_registration_without_the_signing_key_cannot_take_the_functions(
    served: Served, http: httpx.Client, bearer: str | None
) -> None:
    headers = {"authorization": f"Bearer {bearer}"} if bearer else {}

    response = http.post(
        f"{served.engine_url}/fn/register", json=hijacking_registration(ATTACKER), headers=headers
    )

    assert response.status_code == 401
    assert served.count("engine_functions", f"url LIKE '{ATTACKER}%'") == 0


def test_a_registration_for_another_url_is_refused_even_with_the_key(
    served: Served, http: httpx.Client
) -> None:
    bearer = hashed_signing_key(served.secret("ENGINE_SIGNING_KEY"))

    response = http.post(
        f"{served.engine_url}/fn/register",
        json=hijacking_registration(ATTACKER),
        headers={"authorization": f"Bearer {bearer}"},
    )

    assert response.status_code == 403
    assert served.count("engine_functions", f"url LIKE '{ATTACKER}%'") == 0


@pytest.mark.parametrize(
    "path", ["/v1/events/evt_x/runs", "/v1/runs/run_x", "/v1/runs/run_x/timeline"]
)
def test_run_outputs_are_not_served_without_the_bearer(
    served: Served, http: httpx.Client, path: str
) -> None:
    response = http.get(f"{served.engine_url}{path}")

    assert response.status_code == 401


def test_a_run_is_cancelled_only_with_the_signing_key_and_the_cancellation_is_announced(
    served: Served, http: httpx.Client
) -> None:
    run_id = "run_attacked"
    event = json.dumps({"id": "evt_attacked", "name": "t/attacked", "data": {}})
    with contextlib.closing(sqlite3.connect(served.database)) as connection, connection:
        connection.execute(
            "INSERT INTO engine_runs (id, function_id, event_id, event, status, concurrency,"
            " started_at) VALUES (?, 'support-agent-t', 'evt_attacked', ?, 'Running', '[]', ?)",
            (run_id, event, time.time()),
        )
    url = f"{served.engine_url}/v1/runs/{run_id}"

    for bearer in (None, "0" * 64, PLACEHOLDER):
        headers = {"authorization": f"Bearer {bearer}"} if bearer else {}
        assert http.delete(url, headers=headers).status_code == 401
    assert served.count("engine_runs", "status = 'Running' AND id = 'run_attacked'") == 1

    bearer = hashed_signing_key(served.secret("ENGINE_SIGNING_KEY"))
    cancelled = http.delete(url, headers={"authorization": f"Bearer {bearer}"})

    assert (cancelled.status_code, cancelled.json()["data"]["status"]) == (200, "Cancelled")
    assert served.count("engine_events", "name = 'inngest/function.cancelled'") == 1


def test_a_webhook_signed_with_the_old_default_secret_is_refused_and_stores_nothing(
    served: Served, http: httpx.Client
) -> None:
    body, headers = placeholder_signed_webhook()

    response = http.post(f"{served.app_url}/webhooks/front", content=body, headers=headers)

    assert response.status_code == 401
    assert served.count("engine_events", "name = 'front/inbound_received'") == 0
    _nothing_ran(served)


def test_oversized_bodies_to_the_engine_are_refused_with_413(
    served: Served, http: httpx.Client
) -> None:
    key = served.secret("INNGEST_EVENT_KEY")
    bearer = {"authorization": f"Bearer {hashed_signing_key(served.secret('ENGINE_SIGNING_KEY'))}"}
    big_event = json.dumps([{"name": "t/big", "data": {"blob": "x" * FOUR_MIB}}])

    event = http.post(f"{served.engine_url}/e/{key}", content=big_event)
    registration = http.post(f"{served.engine_url}/fn/register", content=big_event, headers=bearer)

    assert (event.status_code, registration.status_code) == (413, 413)
    assert served.count("engine_events", "name = 't/big'") == 0


def test_the_event_key_is_redacted_from_the_access_log(served: Served, http: httpx.Client) -> None:
    key = served.secret("INNGEST_EVENT_KEY")

    sent = http.post(f"{served.engine_url}/e/{key}", json=[{"name": "t/logged", "data": {}}])

    assert sent.status_code == 200
    deadline = time.monotonic() + 10
    while "/e/[redacted]" not in served.log() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "POST /e/[redacted]" in served.log()
    assert key not in served.log()

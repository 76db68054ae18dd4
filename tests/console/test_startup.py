"""Start-up: nothing accepted before the functions are registered is lost.

`support-agent serve` runs as a real process; the test speaks to it only over HTTP, as Front and
an operator would.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from console.app import create_app
from tests.console.front_requests import (
    SECRET,
    app_envelope,
    app_headers,
    encode,
    post_app,
    seed_acme,
)
from tests.engine.harness import free_port
from workflows.config import Settings
from workflows.engine.protocol import hashed_signing_key
from workflows.secrets import with_generated_secrets

REPO = Path(__file__).resolve().parents[2]


def _demo_message(event_id: str) -> bytes:
    """A customer email to the demo app's inbox, as Front delivers it."""
    envelope = app_envelope()
    payload = envelope["payload"]
    payload["id"] = event_id
    payload["conversation"]["id"] = f"cnv_{event_id}"
    payload["source"]["data"][0]["id"] = "inb_demo"
    payload["target"]["data"]["id"] = f"msg_{event_id}"
    return encode(envelope)


async def _deliver_like_front(http: httpx.AsyncClient, url: str, body: bytes) -> list[int]:
    """Post from the first instant the port answers; redeliver each 503, as Front does."""
    statuses: list[int] = []
    while not statuses or statuses[-1] == 503:
        headers = app_headers(body, sent_at=datetime.now(UTC))
        try:
            response = await http.post(f"{url}/webhooks/front", content=body, headers=headers)
        except httpx.TransportError:
            await asyncio.sleep(0.005)  # not listening yet: poll tightly
            continue
        statuses.append(response.status_code)
        if response.status_code == 503:
            assert int(response.headers["retry-after"]) > 0
            await asyncio.sleep(0.02)  # sooner than asked, to keep the test short
    return statuses


async def _finished_run(
    http: httpx.AsyncClient, engine_url: str, event_id: str, settings: Settings
) -> Any:
    # The engine's API takes the hashed signing key `serve` generated into its secrets file.
    key = with_generated_secrets(settings, create=False).engine_signing_key
    assert key, "serve wrote no signing key"
    bearer = {"authorization": f"Bearer {hashed_signing_key(key)}"}
    async with asyncio.timeout(60):
        while True:
            url = f"{engine_url}/v1/events/{event_id}/runs"
            runs = (await http.get(url, headers=bearer)).json()["data"]
            if runs and runs[0]["status"] != "Running":
                return runs[0]
            await asyncio.sleep(0.1)


async def test_a_webhook_sent_the_first_instant_serve_answers_is_processed(
    tmp_path: Path, database_url: str
) -> None:
    port, engine_port = free_port(), free_port()
    app_url, engine_url = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{engine_port}"
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "PORT": str(port),
        "ENGINE_PORT": str(engine_port),
        "PUBLIC_URL": app_url,
        "FRONT_APP_SECRET": SECRET,
    }
    log_path = tmp_path / "serve.log"
    started = time.monotonic()
    with log_path.open("wb") as log:
        server = await asyncio.create_subprocess_exec(
            sys.executable,
            *("-m", "console.cli", "serve"),
            cwd=tmp_path,
            env={**environment, "PYTHONPATH": str(REPO)},
            stdout=log,
            stderr=asyncio.subprocess.STDOUT,
        )
    try:
        async with httpx.AsyncClient(timeout=10) as http:
            async with asyncio.timeout(60):
                statuses = await _deliver_like_front(http, app_url, _demo_message("evt_first"))
            accepted_after = time.monotonic() - started
            health = await http.get(f"{app_url}/healthz")
            # Beside the SQLite file, or in serve's working directory: tmp_path either way.
            secrets_file = str(tmp_path / "support-agent.secrets")
            served = Settings(_env_file=None, database_url=database_url, secrets_file=secrets_file)
            run = await _finished_run(http, engine_url, "evt_first", served)
    finally:
        server.terminate()
        async with asyncio.timeout(30):
            await server.wait()

    logs = log_path.read_text()
    # Every answer before the 202 asked Front to come back; the accepted message ran.
    assert statuses[-1] == 202, logs
    assert set(statuses[:-1]) <= {503}
    assert run["status"] == "Completed", logs
    assert run["output"]["draft_id"]
    assert health.status_code == 200
    assert health.json() == {"ok": True, "ready": True, "db": True}
    assert "functions registered" in logs
    # Each step call is one line, the server's; the client that made it adds none.
    step_calls = [line for line in logs.splitlines() if "/api/inngest?fnId=" in line]
    assert step_calls, logs
    assert all(line.startswith("INFO:     127.0.0.1") for line in step_calls), logs
    print(f"\nserve: {len(statuses) - 1} refusals, accepted {accepted_after:.2f}s after start")


async def test_before_functions_are_registered_webhooks_are_refused_and_health_says_not_ready(
    settings: Settings,
) -> None:
    await seed_acme(settings.database_url)
    registered = False
    app = create_app(
        settings.model_copy(update={"front_app_secret": SECRET}), ready=lambda: registered
    )
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        ) as client,
    ):
        health = await client.get("/healthz")
        webhook = await post_app(client, app_envelope())
        registered = True
        health_after = await client.get("/healthz")

    assert health.status_code == 503
    assert health.json() == {"ok": False, "ready": False, "db": True}
    assert webhook.status_code == 503
    assert webhook.headers["retry-after"] == "5"
    assert health_after.status_code == 200
    assert health_after.json()["ready"] is True

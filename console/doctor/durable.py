"""Checks for the durable backbone: the database, the engine, and a ping run through both."""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import inngest
from sqlalchemy.engine import make_url

from console.doctor.check import Check, Status
from workflows.config import Settings
from workflows.engine.protocol import hashed_signing_key
from workflows.functions.ping import PING_EVENT
from workflows.store import current_revision, head_revision

INNGEST_CLOUD_API = "https://api.inngest.com"
FINISHED_BADLY = {"Failed", "Cancelled"}


@dataclass(frozen=True)
class EngineApi:
    """Where the engine's REST API is and how to authenticate to it."""

    kind: str
    url: str
    headers: dict[str, str]

    @classmethod
    def from_settings(cls, settings: Settings) -> EngineApi:
        if settings.embedded_engine:
            return cls._make("embedded engine", settings.engine_url, settings.engine_signing_key)
        external = settings.external_inngest_url
        if external:
            return cls._make("inngest", external, settings.inngest_signing_key)
        return cls._make("inngest cloud", INNGEST_CLOUD_API, settings.inngest_signing_key)

    @classmethod
    def _make(cls, kind: str, url: str, key: str | None) -> EngineApi:
        headers = {"Authorization": f"Bearer {bearer_token(key)}"} if key else {}
        return cls(kind, url.rstrip("/"), headers)


def bearer_token(signing_key: str) -> str:
    """What Inngest takes as a bearer: the key's environment prefix and the sha256 of its bytes.

    The raw key never leaves the process; a request log on the other side shows only the hash.
    """
    prefix = re.match(r"^signkey-\w+-", signing_key)
    return f"{prefix.group(0) if prefix else ''}{hashed_signing_key(signing_key)}"


async def check_database(settings: Settings) -> Check:
    """Reachable and at the newest migration."""
    url = settings.database_url
    missing = _missing_sqlite_file(url)
    if missing:
        return Check("database", Status.FAILING, f"{missing} does not exist: {_UPGRADE}")
    try:
        current = await current_revision(url)
    except Exception as error:  # any driver error means "unreachable"; its text says why
        return Check("database", Status.FAILING, f"unreachable: {error}")
    head = head_revision()
    if current != head:
        return Check(
            "database", Status.FAILING, f"at revision {current}, head is {head}: {_UPGRADE}"
        )
    return Check("database", Status.OK, f"at revision {head}")


async def check_engine(api: EngineApi, http: httpx.AsyncClient) -> Check:
    """The engine's REST API answers; an unknown event simply has no runs."""
    url = f"{api.url}/v1/events/doctor-probe/runs"
    try:
        response = await http.get(url, headers=api.headers)
    except httpx.HTTPError as error:
        return Check("engine", Status.FAILING, f"{api.kind} unreachable at {api.url}: {error!r}")
    if response.status_code in (401, 403):
        reason = "the signing key is not the engine's" if api.headers else "no signing key"
        return Check("engine", Status.FAILING, f"HTTP {response.status_code} from {url}: {reason}")
    if response.status_code >= 500:
        return Check("engine", Status.FAILING, f"HTTP {response.status_code} from {url}")
    return Check("engine", Status.OK, f"{api.kind} at {api.url}")


async def check_ping(
    client: inngest.Inngest,
    api: EngineApi,
    http: httpx.AsyncClient,
    *,
    wait_seconds: float = 30.0,
    interval: float = 0.25,
) -> Check:
    """Send `support-agent/ping` and wait, bounded, for its run to complete."""
    event = inngest.Event(name=PING_EVENT, data={"sent_at": datetime.now(UTC).isoformat()})
    try:
        [event_id] = await client.send(event)
    except Exception as error:  # the SDK raises several error types; all mean "not sent"
        return Check("ping", Status.FAILING, f"event not sent: {error}")
    deadline = time.monotonic() + wait_seconds
    status = "no run yet"
    while True:
        try:
            runs = await _runs_of(api, http, event_id)
        except (httpx.HTTPError, ValueError) as error:
            return Check("ping", Status.FAILING, f"cannot read runs of event {event_id}: {error}")
        for run in runs:
            run_id, status = run.get("run_id"), str(run.get("status"))
            if status == "Completed":
                return Check(
                    "ping", Status.OK, f"run {run_id} completed: {api.url}/v1/runs/{run_id}"
                )
            if status in FINISHED_BADLY:
                return Check("ping", Status.FAILING, f"run {run_id} {status.lower()}: {run}")
        if time.monotonic() >= deadline:
            return Check(
                "ping", Status.FAILING, f"event {event_id}: {status} after {wait_seconds:g}s"
            )
        await asyncio.sleep(interval)


async def _runs_of(
    api: EngineApi, http: httpx.AsyncClient, event_id: str
) -> list[dict[str, object]]:
    response = await http.get(f"{api.url}/v1/events/{event_id}/runs", headers=api.headers)
    response.raise_for_status()
    data = response.json().get("data") or []
    return [run for run in data if isinstance(run, dict)]


def _missing_sqlite_file(url: str) -> str | None:
    # Opening a missing SQLite file would create it; doctor reports instead of creating.
    database = make_url(url).database
    if not url.startswith("sqlite") or not database or database == ":memory:":
        return None
    return None if Path(database).exists() else database


_UPGRADE = "run `support-agent db upgrade`"

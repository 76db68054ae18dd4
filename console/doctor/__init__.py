"""`support-agent doctor`: every part of the set-up checked end to end, one line each."""

from __future__ import annotations

import asyncio

import httpx
import inngest

from console.doctor.check import Check, Status
from console.doctor.durable import EngineApi, check_database, check_engine, check_ping
from console.doctor.services import check_anthropic, check_front, check_slack
from workflows.client import create_inngest_client
from workflows.config import Settings

__all__ = ["Check", "Status", "run_checks"]


async def run_checks(
    settings: Settings, *, client: inngest.Inngest | None = None, ping_timeout: float = 30.0
) -> list[Check]:
    """Check the database, the engine, a ping run and each external service, in that order.

    Pass the app's Inngest client when there is one: the SDK gives no way to close a client.
    """
    api = EngineApi.from_settings(settings)
    async with httpx.AsyncClient(timeout=10.0) as http:
        checks = [await check_database(settings), await check_engine(api, http)]
        if checks[-1].status is Status.OK:
            client = client or create_inngest_client(settings)
            checks.append(await check_ping(client, api, http, wait_seconds=ping_timeout))
        else:
            checks.append(Check("ping", Status.FAILING, "skipped: the engine is unreachable"))
        checks += await asyncio.gather(
            check_anthropic(settings, http),
            check_front(settings, http),
            check_slack(settings, http),
        )
    return checks

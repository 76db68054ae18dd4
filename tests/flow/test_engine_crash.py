"""The engine is a separate process, SIGKILLed while an approval waits: the approval still lands."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import httpx
from sqlalchemy import func, select
from sqlmodel import col

from console.app import create_app
from tests.engine.engine_process import engine_process
from tests.engine.harness import serve
from tests.flow.approvals import LEAD, TEAM_REFUND
from tests.flow.inbound import inbound, keep
from tests.flow.stack import stack_settings
from tests.keys import EVENT_KEY, SIGNING_KEY
from workflows.approvals.decisions import decide
from workflows.engine import schema
from workflows.events import INBOUND_RECEIVED
from workflows.integrations.registry import seed_demo_app
from workflows.store import Action, upgrade_database
from workflows.store.db import create_engine

LIMIT = 30.0  # seconds of real work, across two processes, before the test gives up
POLL = 0.05
T = TypeVar("T")


async def test_an_approval_after_the_engine_was_killed_mid_wait_still_executes(
    database_url: str, tmp_path: Path
) -> None:
    settings = stack_settings(database_url, tmp_path)
    await upgrade_database(settings.database_url)
    app = create_app(settings)
    async with app.state.sessions.begin() as session:
        await seed_demo_app(session=session)
    message = inbound(TEAM_REFUND, sender="katherine@example.com")
    async with (
        app.router.lifespan_context(app),
        serve(app, settings.port),
        httpx.AsyncClient() as http,
        engine_process(
            database_url=settings.database_url,
            app_url=settings.serve_url,
            port=settings.engine_port,
            log_path=tmp_path / "engine.log",
            http=http,
            keys=(SIGNING_KEY, EVENT_KEY),
        ) as engine,
    ):
        await keep(app.state.services, message)
        sent = await http.post(
            f"{engine.url}/e/{EVENT_KEY}",
            json={
                "name": INBOUND_RECEIVED,
                "data": message.event_data,
                "id": message.front_event_id,
            },
        )
        sent.raise_for_status()
        action_id = await _eventually(lambda: _pending_and_parked(settings.database_url))

        await engine.restart(http)  # SIGKILL, then a fresh process on the same database
        result = await decide(
            app.state.services,
            app.state.inngest,
            action_id=action_id,
            decision="approved",
            approver=LEAD,
        )

        assert result.outcome == "decided"
        assert await _eventually(lambda: _status_if(settings.database_url, action_id, "executed"))


async def _eventually(check: Callable[[], Awaitable[T | None]]) -> T:
    async with asyncio.timeout(LIMIT):
        while (value := await check()) is None:  # noqa: ASYNC110 - another process: poll it
            await asyncio.sleep(POLL)
        return value


async def _pending_and_parked(url: str) -> str | None:
    """The pending action's id once its approval run waits on a stored pause."""
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            pending = (
                await connection.execute(
                    select(col(Action.id)).where(col(Action.status) == "pending")
                )
            ).scalar_one_or_none()
            pauses = (
                await connection.execute(select(func.count()).select_from(schema.pauses))
            ).scalar_one()
    finally:
        await engine.dispose()
    return pending if pending is not None and pauses else None


async def _status_if(url: str, action_id: str, status: str) -> bool | None:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            found = (
                await connection.execute(
                    select(col(Action.status)).where(col(Action.id) == action_id)
                )
            ).scalar_one()
    finally:
        await engine.dispose()
    return True if found == status else None

"""A database outage of minutes loses no accepted work, with the engine's tables kept apart.

The app's PostgreSQL database refuses every connection (existing ones are cut) for longer than
the old retry budget (four retries, ~19 s), then comes back; the engine's own database stays up.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from tests.conftest import _fresh_postgres_database
from tests.engine.databases import scratch_database
from tests.flow.inbound import announce, comments, drafts, inbound, keep
from tests.flow.stack import Stack, running_stack, stack_settings
from workflows.engine import schema


@pytest.fixture
async def apart(tmp_path: Path) -> AsyncIterator[Stack]:
    """The stack on PostgreSQL, with ENGINE_DATABASE_URL a database of its own."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        pytest.skip("TEST_DATABASE_URL is not set: the outage is a PostgreSQL refusing connections")
    async with (
        _fresh_postgres_database(base) as app_url,
        scratch_database(base) as engine_url,
    ):
        settings = stack_settings(app_url, tmp_path, engine_database_url=engine_url)
        async with running_stack(settings) as stack:
            yield stack


@contextlib.asynccontextmanager
async def app_database_down(stack: Stack) -> AsyncIterator[None]:
    """Refuse new connections to the app's database and cut the open ones, until the block ends."""
    url = make_url(stack.settings.database_url)
    name = url.database
    admin = create_async_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            await conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
        yield
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        await admin.dispose()


async def pass_time(stack: Stack, seconds: float, *, step: float = 20.0) -> None:
    """Move the clock by `seconds`, letting the engine work through each step of it."""
    left = seconds

    async def moved() -> bool | None:
        nonlocal left
        if left <= 0:
            return True
        # Every call due by now runs before the clock moves on: the crons' runs also make
        # progress, and must not hurry the clock past a retry that has not been made yet.
        if not await _all_later(stack):
            return None
        stack.clock.advance(min(step, left))
        left -= step
        return None

    await stack.harness.settle(moved)


async def _all_later(stack: Stack) -> bool:
    query = select(schema.jobs.c.id).where(
        schema.jobs.c.kind == "call", schema.jobs.c.available_at <= stack.clock.now()
    )
    async with stack.harness.engine.store.engine.connect() as conn:
        return (await conn.execute(query)).first() is None


async def attempts_so_far(stack: Stack, run_id: str) -> int:
    response = await stack.http.get(
        f"{stack.settings.engine_url}/v1/runs/{run_id}/timeline", headers=stack.harness.api_headers
    )
    scheduled = response.json()["data"]["scheduled"]
    return max((job["attempt"] for job in scheduled), default=0)


async def test_a_message_accepted_during_a_six_minute_outage_is_answered_after_it(
    apart: Stack,
) -> None:
    stack = apart
    message = inbound("I bought a licence three days ago by mistake. Can I get a refund?")
    # The webhook kept the message just before the outage; its event reaches the engine during it.
    await keep(stack.services, message)

    async with app_database_down(stack):
        event_id = await announce(stack, message)
        await pass_time(stack, 6 * 60)
        [run] = await stack.harness.runs(event_id)
        retried = await attempts_so_far(stack, run["run_id"])

    assert run["status"] == "Running"
    assert retried > 4  # more than the old budget's four retries, still going
    finished = await _finished(stack, event_id)
    assert finished["status"] == "Completed", finished
    assert len(await drafts(stack, message.conversation_id)) == 1


async def test_an_escalation_that_cannot_be_written_is_written_once_the_outage_ends(
    apart: Stack,
) -> None:
    stack = apart
    message = inbound("Please help, I cannot log in.")
    await keep(stack.services, message)

    async with app_database_down(stack):
        event_id = await announce(stack, message)
        # Longer than every retry of the run: it fails, and its escalation cannot be written.
        await pass_time(stack, 40 * 60, step=120)
        [run] = await stack.harness.runs(event_id)

    # The run failed and its failure handler's first tries met the outage too.
    assert run["status"] == "Failed"

    async def escalated() -> str | None:
        written = await comments(stack, message.conversation_id)
        if written:
            return written[0].body
        if await _all_later(stack):
            stack.clock.advance(600)  # the handler waits at most ten minutes between tries
        return None

    assert "could not finish" in await stack.harness.settle(escalated)


async def _finished(stack: Stack, event_id: str) -> dict[str, Any]:
    async def ended() -> dict[str, Any] | None:
        runs = await stack.harness.runs(event_id)
        if runs and runs[0]["status"] != "Running":
            return runs[0]
        stack.clock.advance(30)
        return None

    return await stack.harness.settle(ended)

"""Helpers for approvals whose run misbehaves: a lost run, an odd deadline, a run's steps."""

from __future__ import annotations

from datetime import timedelta

import inngest
from sqlalchemy import delete, func, select, update

from tests.flow.stack import Stack
from workflows.engine import schema
from workflows.events import APPROVAL_REQUESTED, ApprovalRequested
from workflows.store.crud import list_audit_entries
from workflows.store.models import Action


async def lose_approval_run(stack: Stack, action_id: str) -> None:
    """What an engine that lost the run leaves behind: no wait, no timer, and no failure
    handler either (the run that proposed the action is untouched)."""
    [run] = await stack.harness.runs(action_id)
    async with stack.harness.engine.store.engine.begin() as connection:
        await connection.execute(
            delete(schema.pauses).where(schema.pauses.c.run_id == run["run_id"])
        )
        await connection.execute(delete(schema.jobs).where(schema.jobs.c.run_id == run["run_id"]))
        await connection.execute(
            update(schema.runs).where(schema.runs.c.id == run["run_id"]).values(status="Failed")
        )


async def steps_of(stack: Stack, run_id: str) -> int:
    """How many steps the engine recorded for a run (each one billed on Inngest Cloud)."""
    async with stack.harness.engine.store.engine.connect() as connection:
        query = (
            select(func.count()).select_from(schema.steps).where(schema.steps.c.run_id == run_id)
        )
        return int((await connection.execute(query)).scalar_one())


async def advance_and_settle(stack: Stack, seconds: float) -> None:
    """Move the clock, then wait until the engine has done everything that became due."""
    stack.clock.advance(seconds)

    async def quiet() -> bool | None:
        query = select(func.count()).select_from(schema.jobs)
        query = query.where(schema.jobs.c.available_at <= stack.clock.now())
        async with stack.harness.engine.store.engine.connect() as connection:
            return True if (await connection.execute(query)).scalar_one() == 0 else None

    await stack.harness.settle(quiet)


async def pauses(stack: Stack) -> int:
    async with stack.harness.engine.store.engine.connect() as connection:
        query = select(func.count()).select_from(schema.pauses)
        return int((await connection.execute(query)).scalar_one())


async def copy_with_deadline(stack: Stack, original: Action, *, seconds: float) -> Action:
    """A second pending action like `original`, due in `seconds`, with its own approval run."""
    now = stack.services.clock()
    copy = Action.model_validate(
        original.model_dump()
        | {
            "id": f"{original.id}-copy",
            "expires_at": now + timedelta(seconds=seconds),
            "slack_ts": None,
            "slack_channel": None,
        }
    )
    async with stack.sessions.begin() as session:
        session.add(copy)
    request = ApprovalRequested(
        action_id=copy.id,
        app_id=copy.app_id,
        conversation_id=copy.conversation_id,
        tool=copy.tool,
        params=copy.params,
        expires_at=now + timedelta(seconds=seconds),
    )
    await stack.inngest.send(
        inngest.Event(name=APPROVAL_REQUESTED, data=request.model_dump(mode="json"), id=copy.id)
    )
    return copy


async def audit_actions(stack: Stack, action_id: str) -> list[str]:
    async with stack.sessions() as session:
        trail = await list_audit_entries(session=session, subject=action_id)
    return [entry.action for entry in reversed(trail)]

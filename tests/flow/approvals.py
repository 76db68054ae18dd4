"""Pending actions, decisions and the approval run, for flow tests."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlmodel import select as sql_select

from tests.flow.inbound import actions, handled, inbound
from tests.flow.stack import Stack
from workflows.approvals.decisions import Approver, Decision, DecisionResult, decide
from workflows.engine import schema
from workflows.integrations.demo_app import DEMO_APP_ID
from workflows.store.crud import get_app
from workflows.store.models import Action, App, DemoOperation

LEAD = Approver(source="console", id="lead@example.com", name="Lee Lead", role="approver")
OTHER = Approver(source="console", id="sam@example.com", name="Sam Second", role="admin")
TEAM_REFUND = "I would like a refund for my team licence please."


async def pending_refund(stack: Stack) -> Action:
    """Katherine asks for a refund of her team licence: above the demo's automatic limits."""
    message = inbound(TEAM_REFUND, sender="katherine@example.com")
    await handled(stack, message)
    [action] = await actions(stack, message.conversation_id)
    assert action.status == "pending"
    return action


async def waiting(stack: Stack, action_id: str) -> None:
    """Until the approval run is parked on its wait for a decision."""

    async def parked() -> bool | None:
        async with stack.harness.engine.store.engine.connect() as connection:
            query = select(func.count()).select_from(schema.pauses)
            return True if (await connection.execute(query)).scalar_one() else None

    await stack.harness.settle(parked)


async def approval_run(stack: Stack, action_id: str) -> dict[str, Any]:
    """The approval run (its trigger event's id is the action id), once it has ended."""
    return await stack.harness.finished_run(action_id)


async def click(
    stack: Stack,
    action_id: str,
    decision: Decision = "approved",
    who: Approver = LEAD,
    **extra: Any,
) -> DecisionResult:
    return await decide(
        stack.services,
        stack.inngest,
        action_id=action_id,
        decision=decision,
        approver=who,
        **extra,
    )


async def action(stack: Stack, action_id: str) -> Action:
    async with stack.sessions() as session:
        row = await session.get(Action, action_id)
    assert row is not None
    return row


async def demo_app(stack: Stack) -> App:
    async with stack.sessions() as session:
        app = await get_app(session=session, id=DEMO_APP_ID)
    assert app is not None
    return app


async def demo_operations(stack: Stack) -> list[DemoOperation]:
    async with stack.sessions() as session:
        return list((await session.exec(sql_select(DemoOperation))).all())

"""execute-action: carry out an allowed action once, with the action id as idempotency key."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import update
from sqlmodel import col, select

from workflows.approvals.recheck import one_at_a_time, recheck_before_running, refusal_text
from workflows.errors import IntegrationError
from workflows.escalations import ESCALATION_TAG as ESCALATION_TAG
from workflows.escalations import escalate
from workflows.integrations.apps import AppIntegration
from workflows.services import Services
from workflows.store.crud import get_app, record_audit
from workflows.store.models import Action, App, utcnow


class Execution(BaseModel):
    """Where an action stands after an attempt to carry it out."""

    model_config = ConfigDict(frozen=True)

    status: str
    error: str | None = None


async def execute_action(services: Services, action_id: str) -> Execution | None:
    """Carry out an allowed action once: the app sees the action id as its idempotency key.

    A permanent refusal by the app marks the action failed; a passing failure is raised so the
    engine retries the step.
    """
    async with services.sessions() as session:
        row = await session.get(Action, action_id)
        app = await get_app(session=session, id=row.app_id) if row is not None else None
    if row is None or app is None:
        return None
    if row.status in ("auto", "approved"):
        # Fresh data may say the action no longer holds: then the app is not called at all.
        async with one_at_a_time(row):
            try:
                if (refusal := await recheck_before_running(services, row, app)) is not None:
                    raise IntegrationError(refusal_text(refusal), retryable=False)
                result = await _perform(services, app, row)
            except IntegrationError as exc:
                if exc.retryable:
                    raise
                await _finish(services, action_id, status="failed", error=str(exc))
            else:
                await _finish(services, action_id, status="executed", result=result)
    async with services.sessions() as session:
        final = await session.get(Action, action_id)
    assert final is not None
    return Execution(status=final.status, error=final.error)


async def _perform(services: Services, app: App, row: Action) -> dict[str, Any]:
    params = row.params
    if row.tool == "escalate_to_human":
        reason = str(params.get("reason") or row.rationale or "the agent asked for a person")
        await escalate(services, conversation_id=row.conversation_id, source="agent", reason=reason)
        return {"tagged": ESCALATION_TAG}
    async with services.integration(app) as integration:
        return await _call(integration, row.tool, params, idempotency_key=row.id)


async def _call(
    integration: AppIntegration, tool: str, params: dict[str, Any], *, idempotency_key: str
) -> dict[str, Any]:
    if tool == "refund_purchase":
        return await integration.refund(
            purchase_id=params["purchase_id"],
            amount_cents=params["amount_cents"],
            reason=params["reason"],
            idempotency_key=idempotency_key,
        )
    if tool == "transfer_license":
        return await integration.transfer(
            purchase_id=params["purchase_id"],
            to_email=params["to_email"],
            idempotency_key=idempotency_key,
        )
    if tool == "send_magic_link":
        return await integration.magic_link(email=params["email"])
    if tool == "update_email":
        return await integration.update_email(
            user_id=params["user_id"],
            new_email=params["new_email"],
            idempotency_key=idempotency_key,
        )
    raise IntegrationError(f"no integration method for {tool}", retryable=False)


async def _finish(
    services: Services,
    action_id: str,
    *,
    status: str,
    result: dict[str, Any] | None = None,
    error: str | None = None,
) -> None:
    async with services.sessions.begin() as session:
        row = await session.get(Action, action_id)
        assert row is not None
        row.status, row.result, row.error, row.updated_at = status, result or {}, error, utcnow()
        await record_audit(
            session=session,
            actor="agent",
            action=f"action.{status}",
            subject=action_id,
            detail={"result": result or {}, "error": error},
        )


async def fail_action(services: Services, action_id: str, *, error: str) -> bool:
    """After the engine gave up executing it: `approved|auto → failed`, with the reason."""
    now = services.clock()
    async with services.sessions.begin() as session:
        changed = await session.exec(
            update(Action)
            .where(col(Action.id) == action_id, col(Action.status).in_(("approved", "auto")))
            .values(status="failed", error=error, updated_at=now)
        )
        failed = changed.rowcount == 1
        if failed:
            await record_audit(
                session=session,
                actor="system",
                action="action.failed",
                subject=action_id,
                detail={"error": error},
            )
    return failed


async def fail_unfinished_actions(services: Services, *, run_id: str, error: str) -> list[str]:
    """After the engine gave up on a run, mark its actions that never ran as failed."""
    async with services.sessions() as session:
        rows = await session.exec(
            select(col(Action.id)).where(col(Action.run_id) == run_id, col(Action.status) == "auto")
        )
        unfinished = list(rows)
    return [a for a in unfinished if await fail_action(services, a, error=error)]

"""The one decision service: Slack and the console both approve and reject through `decide`.

The database decides: a compare-and-set moves the row `pending → approved|rejected` only while it
is pending and unexpired, so of any number of concurrent clicks exactly one wins, and the event
that resumes the run is sent only after that write committed. An accepted decision is always
carried out: if its run missed the event or is gone, the crons in workflows/functions/recovery.py
re-send it or start a fresh run for it.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, Literal

import inngest
from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy import update
from sqlmodel import col

from agent.actions import EDITABLE_PARAMS, ProposedAction
from workflows.approvals.recheck import recheck, refusal_text
from workflows.errors import IntegrationError
from workflows.events import ACTION_DECIDED, ActionDecided
from workflows.services import Services
from workflows.store.crud import record_audit
from workflows.store.models import Action, App

logger = logging.getLogger(__name__)

Decision = Literal["approved", "rejected"]
__all__ = ["EDITABLE_PARAMS", "Approver", "Decision", "DecisionResult", "decide", "may_decide"]


class Approver(BaseModel):
    """Who clicked: a Slack user (by id) or a console user (by email, with their role)."""

    model_config = ConfigDict(frozen=True)

    source: Literal["slack", "console"]
    id: str
    name: str
    role: Literal["viewer", "approver", "admin"] | None = None


class DecisionResult(BaseModel):
    """What happened to a click, and the sentence to show the person who clicked."""

    model_config = ConfigDict(frozen=True)

    outcome: Literal["decided", "already_decided", "expired", "forbidden", "invalid", "not_found"]
    message: str
    status: str | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None


def slack_approver_ids(raw: str) -> frozenset[str]:
    return frozenset(part.strip() for part in raw.split(",") if part.strip())


def may_decide(approver: Approver, app: App, *, global_slack_approvers: frozenset[str]) -> bool:
    """Console approvers and admins; on Slack, only the app's approvers or SLACK_APPROVER_IDS."""
    if approver.source == "console":
        return approver.role in ("approver", "admin")
    return approver.id in app.approver_ids or approver.id in global_slack_approvers


async def decide(
    services: Services,
    client: inngest.Inngest,
    *,
    action_id: str,
    decision: Decision,
    approver: Approver,
    reason: str = "",
    edits: dict[str, Any] | None = None,
) -> DecisionResult:
    """Authorise, re-check edited params, compare-and-set the row, then send `action/decided`."""
    now = services.clock()
    async with services.sessions() as session:
        action = await session.get(Action, action_id)
        app = await session.get(App, action.app_id) if action is not None else None
    if action is None or app is None:
        return DecisionResult(outcome="not_found", message="There is no such action.")
    allowed = slack_approver_ids(services.settings.slack_approver_ids)
    if not may_decide(approver, app, global_slack_approvers=allowed):
        logger.info("%s %s may not decide %s", approver.source, approver.id, action_id)
        return DecisionResult(
            outcome="forbidden",
            message="You can't approve or reject this action: you are not one of its approvers.",
        )
    params = action.params
    if edits:
        if decision != "approved":
            return DecisionResult(outcome="invalid", message="Only an approval can change params.")
        checked = await _recheck(services, action, app, edits)
        if isinstance(checked, str):
            return DecisionResult(outcome="invalid", message=checked, status=action.status)
        params = checked
    elif (
        decision == "approved"
        and action.status == "pending"
        and (stale := await _recheck_plain(services, action, app)) is not None
    ):
        return await _refuse_stale(services, client, action_id, approver, stale, now)
    async with services.sessions.begin() as session:
        changed = await session.exec(
            update(Action)
            .where(
                col(Action.id) == action_id,
                col(Action.status) == "pending",
                col(Action.expires_at) > now,
            )
            .values(
                status=decision,
                decided_by=approver.name,
                decided_at=now,
                decision_reason=reason or None,
                params=params,
                updated_at=now,
            )
        )
        won = changed.rowcount == 1
        if won:
            await record_audit(
                session=session,
                actor=f"{approver.source}:{approver.id}",
                action=f"action.{decision}",
                subject=action_id,
                detail={"by": approver.name, "reason": reason, "edits": edits or {}},
            )
    if not won:
        return await _why_not(services, action_id, now)
    await _announce(client, action_id, decision, approver, reason, params)
    verb = "Approved" if decision == "approved" else "Rejected"
    return DecisionResult(
        outcome="decided",
        message=f"{verb} by {approver.name}.",
        status=decision,
        decided_by=approver.name,
        decided_at=now,
    )


async def _announce(
    client: inngest.Inngest,
    action_id: str,
    decision: Decision,
    approver: Approver,
    reason: str,
    params: dict[str, Any],
) -> None:
    data = ActionDecided(
        action_id=action_id,
        decision=decision,
        decided_by=approver.name,
        reason=reason,
        params=params,
    )
    try:
        # One id per action: a retried send is one event.
        await client.send(
            inngest.Event(
                name=ACTION_DECIDED, data=data.model_dump(mode="json"), id=f"decided-{action_id}"
            )
        )
    except Exception as error:
        # The row is decided; the resend-decisions cron sends the event again, so nothing is lost.
        logger.warning(
            "decision on %s stored but not announced: %s", action_id, type(error).__name__
        )


async def _why_not(services: Services, action_id: str, now: datetime) -> DecisionResult:
    async with services.sessions() as session:
        action = await session.get(Action, action_id)
    assert action is not None
    if action.status == "pending" or action.status == "expired":
        return DecisionResult(
            outcome="expired",
            message="This action expired before anyone decided; nothing was done.",
            status="expired",
        )
    when = action.decided_at.strftime("%Y-%m-%d %H:%M UTC") if action.decided_at else "earlier"
    return DecisionResult(
        outcome="already_decided",
        message=f"Already {action.status} by {action.decided_by or 'someone'} at {when}.",
        status=action.status,
        decided_by=action.decided_by,
        decided_at=action.decided_at,
    )


async def _recheck(
    services: Services, action: Action, app: App, edits: dict[str, Any]
) -> dict[str, Any] | str:
    """The edited params if the policy still allows them, else the reason it does not."""
    editable = EDITABLE_PARAMS.get(action.tool, frozenset())
    unknown = set(edits) - editable
    if unknown:
        return f"{', '.join(sorted(unknown))} cannot be changed for {action.tool}."
    params = {**action.params, **edits}
    proposal = ProposedAction(tool=action.tool, params=params, tool_use_id=f"edit-{action.id}")
    try:
        proposal.parsed_params()
    except ValidationError as error:
        return f"Invalid value: {error.errors()[0]['msg']}."
    # Fresh facts from the app: a refund may have happened since the agent looked.
    refusal = await recheck(services, action, app, params=params)
    if refusal is not None:
        return f"The policy refuses the edited action: {refusal}."
    return params


async def _recheck_plain(services: Services, action: Action, app: App) -> str | None:
    try:
        return await recheck(services, action, app)
    except IntegrationError as error:
        # The app is unreachable: the approval stands, and execution checks again before running.
        logger.warning("could not re-check %s before approving: %s", action.id, error)
        return None


async def _refuse_stale(
    services: Services,
    client: inngest.Inngest,
    action_id: str,
    approver: Approver,
    reason: str,
    now: datetime,
) -> DecisionResult:
    """An approval that no longer holds on fresh data: the action fails, nothing runs."""
    error = refusal_text(reason)
    async with services.sessions.begin() as session:
        changed = await session.exec(
            update(Action)
            .where(
                col(Action.id) == action_id,
                col(Action.status) == "pending",
                col(Action.expires_at) > now,
            )
            .values(
                status="failed",
                decided_by=approver.name,
                decided_at=now,
                error=error,
                updated_at=now,
            )
        )
        if changed.rowcount != 1:
            return await _why_not(services, action_id, now)
        await record_audit(
            session=session,
            actor=f"{approver.source}:{approver.id}",
            action="action.failed",
            subject=action_id,
            detail={"by": approver.name, "error": error},
        )
    # The waiting run wakes, reads the failed row, and updates the card, draft and comment.
    await _announce(client, action_id, "approved", approver, error, {})
    return DecisionResult(outcome="invalid", message=error, status="failed")

"""Finding what should raise an alert: failed actions and runs, approvals that stopped moving."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement
from sqlmodel import col, select

from workflows.alerts import Raised, raise_alert
from workflows.services import Services
from workflows.store.attention import Escalation
from workflows.store.crud import list_apps
from workflows.store.models import Action

# Failures older than this when first seen (say, before alerts existed) raise nothing.
LOOK_BACK = timedelta(hours=24)
# Approved this long ago and still not carried out: the recovery sweep (3 minutes) did not help.
STUCK_AFTER = timedelta(minutes=10)
# Still pending this long past its deadline: the per-minute sweep should have expired it.
DEADLINE_GRACE = timedelta(minutes=2)
BATCH = 100


async def find_alerts(services: Services, *, now: datetime) -> list[str]:
    """Raise every alert due now; the keys raised by this call."""
    found = [
        *await _failed_actions(services, now=now),
        *await _stuck_approvals(services, now=now),
        *await _past_deadline(services, now=now),
        *await _not_started(services, now=now),
        *await _failed_runs(services, now=now),
    ]
    return [alert.key for alert in found if await raise_alert(services, alert)]


def _label(action: Action) -> str:
    return f"{action.tool.replace('_', ' ')} {action.id}"


async def _failed_actions(services: Services, *, now: datetime) -> list[Raised]:
    rows = await _actions(
        services, col(Action.status) == "failed", col(Action.updated_at) >= now - LOOK_BACK
    )
    return [
        _about(
            a,
            "action-failed",
            f"The {_label(a)} failed: {a.error or 'no reason given'}",
        )
        for a in rows
    ]


async def _stuck_approvals(services: Services, *, now: datetime) -> list[Raised]:
    rows = await _actions(
        services,
        col(Action.status) == "approved",
        col(Action.decided_at) <= now - STUCK_AFTER,
    )
    return [
        _about(
            a,
            "approval-stuck",
            f"The {_label(a)} was approved by {a.decided_by} but has not been carried "
            f"out after {int(STUCK_AFTER.total_seconds() // 60)} minutes.",
        )
        for a in rows
    ]


async def _past_deadline(services: Services, *, now: datetime) -> list[Raised]:
    rows = await _actions(
        services, col(Action.status) == "pending", col(Action.expires_at) <= now - DEADLINE_GRACE
    )
    return [
        _about(
            a,
            "past-deadline",
            f"The {_label(a)} is still waiting for a decision past its deadline; "
            "its approval run is not expiring it.",
        )
        for a in rows
    ]


async def _not_started(services: Services, *, now: datetime) -> list[Raised]:
    """Pending without its Slack card long after it was proposed: the card is the approval
    run's first step, so the run never started (or cannot post). Without Slack there is no sign."""
    if services.cards is None:
        return []
    rows = await _actions(
        services,
        col(Action.status) == "pending",
        col(Action.slack_ts).is_(None),
        col(Action.created_at) <= now - STUCK_AFTER,
    )
    async with services.sessions() as session:
        channels = {a.id: a.slack_channel for a in await list_apps(session=session)}
    fallback = services.settings.slack_approval_channel
    return [
        _about(
            a,
            "approval-not-started",
            f"The {_label(a)} has waited {int(STUCK_AFTER.total_seconds() // 60)} "
            "minutes without its approval card: its approval run has not started.",
        )
        for a in rows
        if channels.get(a.app_id) or fallback
    ]


async def _failed_runs(services: Services, *, now: datetime) -> list[Raised]:
    async with services.sessions() as session:
        rows = await session.exec(
            select(Escalation)
            .where(
                col(Escalation.source) == "failure",
                col(Escalation.created_at) >= now - LOOK_BACK,
            )
            .order_by(col(Escalation.created_at))
            .limit(BATCH)
        )
        escalations = list(rows)
    return [
        Raised(
            key=f"run-failed:{e.id}",
            kind="run-failed",
            subject=e.conversation_id,
            app_id=e.app_id,
            summary=f"The agent could not finish conversation {e.conversation_id} and handed "
            f"it to the team: {e.reason}",
        )
        for e in escalations
    ]


def _about(action: Action, kind: str, summary: str) -> Raised:
    """An alert of `kind` about one action, keyed so it is raised once."""
    return Raised(
        key=f"{kind}:{action.id}",
        kind=kind,
        subject=action.id,
        app_id=action.app_id,
        summary=summary,
    )


async def _actions(services: Services, *conditions: ColumnElement[bool]) -> list[Action]:
    async with services.sessions() as session:
        rows = await session.exec(
            select(Action).where(*conditions).order_by(col(Action.updated_at)).limit(BATCH)
        )
        return list(rows)

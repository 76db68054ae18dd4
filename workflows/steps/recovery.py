"""Steps that keep the approval promise when a run is gone: close an action after its run failed,
and find the actions whose decision or deadline no run has taken up."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict
from sqlalchemy import ColumnElement, and_, or_, update
from sqlmodel import col, select

from workflows.services import Services
from workflows.steps.approval import expire_if_due, take_up
from workflows.store.crud import record_audit
from workflows.store.models import Action

# Decided but not taken up this long: the run's wait missed the event, so it is sent again.
RESEND_AFTER = timedelta(seconds=30)
# Decided (or expired by the sweep) and still not taken up this long after: no run is left to do
# it, so a fresh approval run is started for it.
TAKEOVER_AFTER = timedelta(minutes=3)
# Rows handled per pass of a cron function; the rest wait for the next minute.
BATCH = 100


class Closure(BaseModel):
    """An action's status once its failed run was closed; None when another run holds it."""

    model_config = ConfigDict(frozen=True)

    status: str | None


class Unheard(BaseModel):
    """A decision no run has taken up, with what its event carries."""

    model_config = ConfigDict(frozen=True)

    action_id: str
    decision: str
    decided_by: str
    reason: str
    params: dict[str, object]


async def close_after_failure(
    services: Services, action_id: str, *, run_id: str, error: str
) -> Closure:
    """After a run's last retry: `expired` if undecided past its deadline, `failed` if it was
    still pending or approved, and the outcome taken up so the handler reports it."""
    now = services.clock()
    async with services.sessions() as session:
        action = await session.get(Action, action_id)
    if action is None or action.taken_up_by not in (None, run_id):
        return Closure(status=None)
    await expire_if_due(services, action_id, now=now)
    reason = f"the approval workflow failed: {error}"
    async with services.sessions.begin() as session:
        changed = await session.exec(
            update(Action)
            .where(
                col(Action.id) == action_id,
                col(Action.status).in_(("pending", "approved")),
                or_(col(Action.taken_up_by).is_(None), col(Action.taken_up_by) == run_id),
            )
            .values(status="failed", error=reason, updated_at=now)
        )
        if changed.rowcount == 1:
            await record_audit(
                session=session,
                actor="system",
                action="action.failed",
                subject=action_id,
                detail={"error": reason},
            )
    if not await take_up(services, action_id, run_id=run_id):
        return Closure(status=None)
    async with services.sessions() as session:
        closed = await session.get(Action, action_id)
    assert closed is not None
    return Closure(status=closed.status)


async def unheard_decisions(services: Services, *, now: datetime) -> list[Unheard]:
    """Decisions older than RESEND_AFTER that no run has taken up yet."""
    async with services.sessions() as session:
        rows = await session.exec(
            select(Action)
            .where(
                _decided(),
                col(Action.taken_up_by).is_(None),
                col(Action.updated_at) <= now - RESEND_AFTER,
            )
            .order_by(col(Action.updated_at))
            .limit(BATCH)
        )
        return [
            Unheard(
                action_id=row.id,
                # Refused on fresh data at the click: the approver's word was an approval.
                decision="rejected" if row.status == "rejected" else "approved",
                decided_by=row.decided_by or "",
                reason=row.decision_reason or "",
                params=row.params,
            )
            for row in rows
        ]


async def expire_overdue(services: Services, *, now: datetime) -> list[str]:
    """Expire every action still pending past its deadline; the ids this call expired."""
    async with services.sessions() as session:
        overdue = await session.exec(
            select(col(Action.id))
            .where(col(Action.status) == "pending", col(Action.expires_at) <= now)
            .limit(BATCH)
        )
        ids = list(overdue)
    return [a for a in ids if await expire_if_due(services, a, now=now)]


async def stranded_actions(
    services: Services, *, now: datetime, expired_now: list[str]
) -> list[Action]:
    """Settled actions no run has taken up: expired ones at once (a live run would have taken
    its expiry up in the same step), decided ones after TAKEOVER_AFTER (it missed the re-sends)."""
    async with services.sessions() as session:
        rows = await session.exec(
            select(Action)
            .where(
                col(Action.taken_up_by).is_(None),
                or_(
                    col(Action.id).in_(expired_now),
                    col(Action.status) == "expired",
                    _decided() & (col(Action.updated_at) <= now - TAKEOVER_AFTER),
                ),
            )
            .order_by(col(Action.updated_at))
            .limit(BATCH)
        )
        return list(rows)


def _decided() -> ColumnElement[bool]:
    """Decided by a person: approved, rejected, or refused at the click on fresh data (failed
    with a decision time; an automatic action that failed has none)."""
    return or_(
        col(Action.status).in_(("approved", "rejected")),
        and_(col(Action.status) == "failed", col(Action.decided_at).is_not(None)),
    )

"""Claim, assign and resolve an escalation: each a compare-and-set, each audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, or_, update
from sqlmodel import col

from workflows.services import Services
from workflows.store.attention import Escalation
from workflows.store.crud import record_audit
from workflows.store.users import get_user_by_email

# Who may hold an escalation: the roles that may claim and resolve one.
HOLDER_ROLES = ("approver", "admin")
NOTE_LENGTH = 2000


@dataclass(frozen=True)
class Change:
    """Whether the change was made, and what to tell the person who asked for it."""

    done: bool
    message: str


async def claim(services: Services, escalation_id: str, *, by: str) -> Change:
    """Take an unclaimed escalation (or one already yours)."""
    unheld = or_(col(Escalation.assignee).is_(None), col(Escalation.assignee) == by)
    changed = await _change(
        services,
        escalation_id,
        by=by,
        audit="escalation.claimed",
        values={"status": "claimed", "assignee": by},
        also=unheld,
    )
    return changed or await _refusal(services, escalation_id)


async def assign(services: Services, escalation_id: str, *, to: str, by: str) -> Change:
    """Hand the escalation to a console user who may resolve it."""
    async with services.sessions() as session:
        user = await get_user_by_email(session=session, email=to)
    if user is None or not user.active or user.role not in HOLDER_ROLES:
        return Change(False, "Escalations go to an active approver or admin.")
    changed = await _change(
        services,
        escalation_id,
        by=by,
        audit="escalation.assigned",
        values={"status": "claimed", "assignee": user.email},
    )
    return changed or await _refusal(services, escalation_id)


async def resolve(services: Services, escalation_id: str, *, by: str, note: str = "") -> Change:
    """Close the escalation; the conversation may be escalated again later."""
    now = services.clock()
    changed = await _change(
        services,
        escalation_id,
        by=by,
        audit="escalation.resolved",
        values={
            "status": "resolved",
            "open_key": None,
            "resolved_by": by,
            "resolved_at": now,
            "resolution": note.strip()[:NOTE_LENGTH] or None,
        },
    )
    return changed or await _refusal(services, escalation_id)


async def _change(
    services: Services,
    escalation_id: str,
    *,
    by: str,
    audit: str,
    values: dict[str, Any],
    also: ColumnElement[bool] | None = None,
) -> Change | None:
    now: datetime = services.clock()
    query = update(Escalation).where(
        col(Escalation.id) == escalation_id, col(Escalation.status) != "resolved"
    )
    if also is not None:
        query = query.where(also)
    async with services.sessions.begin() as session:
        result = await session.exec(query.values(**values, updated_at=now))
        if result.rowcount != 1:
            return None
        detail = {k: v for k, v in values.items() if k in ("assignee", "resolution")}
        await record_audit(
            session=session, actor=by, action=audit, subject=escalation_id, detail=detail
        )
    return Change(True, _DONE[audit])


_DONE = {
    "escalation.claimed": "Claimed: the conversation is yours.",
    "escalation.assigned": "Assigned.",
    "escalation.resolved": "Resolved.",
}


async def _refusal(services: Services, escalation_id: str) -> Change:
    async with services.sessions() as session:
        row = await session.get(Escalation, escalation_id)
    if row is None:
        return Change(False, "No such escalation.")
    if row.status == "resolved":
        return Change(False, f"Already resolved by {row.resolved_by}.")
    return Change(False, f"Already claimed by {row.assignee}; assign it to take it over.")

"""Alerts: something went wrong that a person should see, raised once per key, shown in the
console until dismissed and posted once to the approval channel."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from workflows.services import Services
from workflows.store.attention import Alert
from workflows.store.crud import record_audit

# Alerts shown at the top of a page; older open ones wait until these are dismissed.
SHOWN = 20
SUMMARY_LENGTH = 1000


@dataclass(frozen=True)
class Raised:
    """An alert to raise: its key says what it is about, so it is raised once."""

    key: str
    kind: str
    subject: str
    summary: str
    app_id: str | None = None


async def raise_alert(services: Services, alert: Raised) -> bool:
    """Record the alert unless its key is known; True when this call recorded it."""
    async with services.sessions() as session:
        known = await session.exec(select(col(Alert.id)).where(col(Alert.key) == alert.key))
        if known.first() is not None:
            return False
    try:
        async with services.sessions.begin() as session:
            session.add(
                Alert(
                    key=alert.key,
                    kind=alert.kind,
                    subject=alert.subject,
                    app_id=alert.app_id,
                    summary=alert.summary[:SUMMARY_LENGTH],
                    created_at=services.clock(),
                )
            )
            await session.flush()
            await record_audit(
                session=session,
                actor="system",
                action="alert.raised",
                subject=alert.subject,
                detail={"key": alert.key, "kind": alert.kind},
            )
    except IntegrityError:
        return False  # raised by another pass at the same moment
    return True


async def open_alerts(*, session: AsyncSession) -> Sequence[Alert]:
    """Alerts nobody dismissed, newest first."""
    query = (
        select(Alert)
        .where(col(Alert.dismissed_at).is_(None))
        .order_by(col(Alert.created_at).desc(), col(Alert.id).desc())
        .limit(SHOWN)
    )
    return (await session.exec(query)).all()


async def dismiss_alert(services: Services, alert_id: int, *, by: str) -> bool:
    """Take the alert off the console's pages; False when it was already gone."""
    async with services.sessions.begin() as session:
        changed = await session.exec(
            update(Alert)
            .where(col(Alert.id) == alert_id, col(Alert.dismissed_at).is_(None))
            .values(dismissed_at=services.clock(), dismissed_by=by)
        )
        if changed.rowcount != 1:
            return False
        await record_audit(
            session=session, actor=by, action="alert.dismissed", subject=str(alert_id)
        )
    return True

"""Reads and writes of apps and audit entries; callers own the session and the transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from workflows.store.models import App, AuditEntry


async def create_app(
    *,
    session: AsyncSession,
    id: str,
    name: str,
    integration_url: str,
    integration_secret: str,
    front_inbox_ids: Sequence[str] = (),
    slack_channel: str | None = None,
    approver_ids: Sequence[str] = (),
    policy: dict[str, Any] | None = None,
) -> App:
    """Add a supported product; flushes so a duplicate id fails here, not at commit."""
    app = App(
        id=id,
        name=name,
        integration_url=integration_url,
        integration_secret=integration_secret,
        front_inbox_ids=list(front_inbox_ids),
        slack_channel=slack_channel,
        approver_ids=list(approver_ids),
        policy=dict(policy or {}),
    )
    session.add(app)
    await session.flush()
    return app


async def get_app(*, session: AsyncSession, id: str) -> App | None:
    return await session.get(App, id)


async def list_apps(*, session: AsyncSession) -> Sequence[App]:
    return (await session.exec(select(App).order_by(col(App.id)))).all()


async def find_app_by_inbox(*, session: AsyncSession, inbox_id: str) -> App | None:
    """The app whose Front inboxes include this one, or None for an inbox nobody registered."""
    # Inbox lists are short JSON arrays on a handful of apps; matching in Python keeps this
    # portable across SQLite and PostgreSQL.
    return next(
        (app for app in await list_apps(session=session) if inbox_id in app.front_inbox_ids), None
    )


async def record_audit(
    *,
    session: AsyncSession,
    actor: str,
    action: str,
    subject: str,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry to the audit trail in the caller's transaction."""
    entry = AuditEntry(actor=actor, action=action, subject=subject, detail=dict(detail or {}))
    session.add(entry)
    await session.flush()
    return entry


async def list_audit_entries(
    *, session: AsyncSession, subject: str | None = None, limit: int = 100
) -> Sequence[AuditEntry]:
    """The newest entries first, optionally for one subject."""
    query = select(AuditEntry).order_by(col(AuditEntry.id).desc()).limit(limit)
    if subject is not None:
        query = query.where(AuditEntry.subject == subject)
    return (await session.exec(query)).all()

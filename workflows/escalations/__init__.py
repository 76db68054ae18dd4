"""Conversations handed to a person: opened where the `needs-human` tag is written, then claimed,
assigned and resolved by console users, each change in the audit trail."""

from __future__ import annotations

import uuid
from typing import Literal

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from workflows.services import Services
from workflows.store.attention import Escalation
from workflows.store.crud import record_audit
from workflows.store.models import Conversation

ESCALATION_TAG = "needs-human"

Source = Literal["agent", "failure", "triage"]
# Longer reasons are cut: the whole text stays in the conversation's comment.
REASON_LENGTH = 2000


async def escalate(services: Services, *, conversation_id: str, source: Source, reason: str) -> str:
    """Tag the conversation for a person and open its escalation; the escalation's id.

    Safe to repeat (a retried step): while one is unresolved, no second one is opened.
    """
    await services.inbox.add_tag(conversation_id, ESCALATION_TAG)
    return await open_escalation(
        services, conversation_id=conversation_id, source=source, reason=reason
    )


async def open_escalation(
    services: Services, *, conversation_id: str, source: Source, reason: str
) -> str:
    """The conversation's unresolved escalation, opened now if there is none."""
    if (existing := await _open_id(services, conversation_id)) is not None:
        return existing
    escalation_id = f"esc_{uuid.uuid4().hex[:16]}"
    try:
        async with services.sessions.begin() as session:
            conversation = await session.get(Conversation, conversation_id)
            now = services.clock()
            session.add(
                Escalation(
                    id=escalation_id,
                    conversation_id=conversation_id,
                    open_key=conversation_id,
                    app_id=conversation.app_id if conversation else None,
                    source=source,
                    reason=reason[:REASON_LENGTH],
                    created_at=now,
                    updated_at=now,
                )
            )
            await session.flush()
            await record_audit(
                session=session,
                actor="agent" if source == "agent" else "system",
                action="escalation.opened",
                subject=escalation_id,
                detail={"conversation_id": conversation_id, "source": source},
            )
    except IntegrityError:
        # Another run opened it between the look and the insert.
        if (existing := await _open_id(services, conversation_id)) is not None:
            return existing
        raise
    return escalation_id


async def _open_id(services: Services, conversation_id: str) -> str | None:
    async with services.sessions() as session:
        found = await session.exec(
            select(col(Escalation.id)).where(col(Escalation.open_key) == conversation_id)
        )
        return found.first()


async def count_unresolved(*, session: AsyncSession) -> int:
    """How many escalations nobody has resolved yet."""
    query = select(func.count()).where(col(Escalation.open_key).is_not(None))
    return int((await session.exec(query)).one())

"""Escalations as the console lists them, with the conversation's subject and customer."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, select

from workflows.approvals.view import front_url
from workflows.services import Services
from workflows.store.attention import Escalation
from workflows.store.models import Conversation

# Rows on one page; the oldest unresolved ones come first, so none is hidden for long.
PAGE = 200


@dataclass(frozen=True)
class EscalationRow:
    escalation: Escalation
    subject: str | None
    customer_email: str | None
    # Kept by the local inbox (opened in the console) rather than in Front.
    local: bool

    @property
    def id(self) -> str:
        return self.escalation.id

    @property
    def front_url(self) -> str | None:
        return front_url(self.escalation.conversation_id, local=self.local)


async def escalation_rows(services: Services, *, resolved: bool) -> list[EscalationRow]:
    """Unresolved escalations oldest first, or resolved ones newest first."""
    query = select(Escalation, Conversation).join(
        Conversation,
        col(Conversation.id) == col(Escalation.conversation_id),
        isouter=True,
    )
    if resolved:
        query = query.where(col(Escalation.status) == "resolved").order_by(
            col(Escalation.resolved_at).desc()
        )
    else:
        query = query.where(col(Escalation.status) != "resolved").order_by(
            col(Escalation.created_at), col(Escalation.id)
        )
    async with services.sessions() as session:
        found = await session.exec(query.limit(PAGE))
        return [
            EscalationRow(
                escalation=escalation,
                subject=conversation.subject if conversation else None,
                customer_email=conversation.customer_email if conversation else None,
                local=conversation.local if conversation else False,
            )
            for escalation, conversation in found
        ]

"""Front's `outbound_sent`: a teammate sent a reply, so keep it beside the agent's draft."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from console.webhooks.front_payload import OutboundEvent
from workflows.customer_text import clean
from workflows.integrations.front_inbox import text_of_html
from workflows.store.models import Draft
from workflows.store.sent import record_sent

logger = logging.getLogger("support_agent.webhooks.front")


async def record_outbound(request: Request, event: OutboundEvent, *, now: datetime) -> Response:
    """Mark our draft sent and keep what went out; a message that was not our draft is ignored."""
    message = event.target.data
    sent_text = clean(message.text or text_of_html(message.body or ""))
    try:
        async with request.app.state.sessions.begin() as session:
            draft = await _sent_draft(session, event)
            if draft is None:
                logger.info("Front event %s sent no draft of ours: nothing kept", event.id)
                return JSONResponse({"ignored": "no draft of ours"})
            draft.status, draft.updated_at = "sent", now
            session.add(draft)
            await record_sent(
                session=session,
                draft=draft,
                sent_text=sent_text,
                sent_by=message.author.email if message.author else None,
                source="front",
                now=now,
            )
    except (SQLAlchemyError, OSError) as error:
        logger.error("could not keep Front event %s: %s", event.id, type(error).__name__)
        return JSONResponse({"error": "could not keep the sent reply; retry later"}, 503)
    logger.info("kept the reply sent in Front event %s for draft %s", event.id, draft.id)
    return JSONResponse({"recorded": draft.id})


async def _sent_draft(session: AsyncSession, event: OutboundEvent) -> Draft | None:
    """The draft the message was: Front keeps a draft's id when it is sent; failing that, the
    conversation's newest open draft the agent wrote."""
    draft = await session.get(Draft, event.target.data.id)
    if draft is not None and draft.conversation_id == event.conversation.id:
        return draft
    newest = await session.exec(
        select(Draft)
        .where(
            Draft.conversation_id == event.conversation.id,
            Draft.status == "draft",
            col(Draft.run_id).is_not(None),
        )
        .order_by(col(Draft.created_at).desc())
        .limit(1)
    )
    return newest.first()

"""triage and hold-back: what kind of mail arrived, and for mail the agent does not answer,
the tags, the comment and the agent run that say so."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from agent.context import ConversationContext
from agent.triage import DecidedBy, InboundMessage, Route, TriageKind, TriageSettings, classify
from agent.triage_model import settle
from workflows.escalations import escalate
from workflows.events import InboundReceived
from workflows.integrations.registry import triage_settings
from workflows.services import Services
from workflows.store.crud import get_app, record_audit
from workflows.store.models import AgentRun, Conversation, utcnow


class Triaged(BaseModel):
    """The kind of the newest message, why, who said so, and what the app gives that kind."""

    model_config = ConfigDict(frozen=True)

    kind: TriageKind
    reason: str
    by: DecidedBy
    route: Route


async def triage_message(
    services: Services, *, inbound: InboundReceived, context: ConversationContext
) -> Triaged:
    """Rules on the newest customer message and its headers; the model only when they are unsure."""
    async with services.sessions() as session:
        app = await get_app(session=session, id=context.app_id)
    settings = triage_settings(app) if app is not None else TriageSettings()
    newest = context.last_customer_message()
    message = InboundMessage(
        sender=inbound.sender_email,
        subject=inbound.subject or context.subject or "",
        text=newest.text if newest is not None else "",
        headers=await services.inbox.message_headers(inbound.message_id),
    )
    verdict = await settle(
        message,
        settings,
        classify(message, settings),
        model_client=services.model_client,
        model=services.settings.anthropic_model,
    )
    return Triaged(
        kind=verdict.kind, reason=verdict.reason, by=verdict.by, route=settings.route(verdict.kind)
    )


def triage_comment(triaged: Triaged) -> str:
    """What teammates read on a conversation the agent left to them."""
    return (
        f"Triage: {triaged.kind.replace('_', ' ')} ({triaged.reason}), by {triaged.by}.\n"
        "The agent wrote no draft and proposed nothing; please answer personally."
    )


async def hold_back(
    services: Services,
    *,
    run_id: str,
    triaged: Triaged,
    context: ConversationContext,
    customer_message_ids: list[str],
) -> None:
    """Count the run, tag the conversation and, for a person's attention, comment; no draft."""
    conversation_id = context.conversation_id
    async with services.sessions.begin() as session:
        if await session.get(AgentRun, run_id) is None:
            session.add(
                AgentRun(
                    id=run_id,
                    conversation_id=conversation_id,
                    app_id=context.app_id,
                    model=services.settings.anthropic_model if triaged.by == "model" else "",
                    outcome="triaged",
                    turns=0,
                    input_tokens=0,
                    output_tokens=0,
                    cache_read_input_tokens=0,
                    cache_creation_input_tokens=0,
                    reasoning=triaged.reason,
                    triage_kind=triaged.kind,
                    triage_reason=triaged.reason,
                    triage_by=triaged.by,
                )
            )
            await record_audit(
                session=session,
                actor="agent",
                action=f"conversation.{triaged.route}",
                subject=conversation_id,
                detail={"run_id": run_id, "kind": triaged.kind, "reason": triaged.reason},
            )
        conversation = await session.get(Conversation, conversation_id)
        # The message is dealt with: a repeated event for it does not triage it again.
        if conversation is not None and customer_message_ids:
            conversation.answered_message_id = customer_message_ids[-1]
            conversation.updated_at = utcnow()
    if triaged.route == "human":
        reason = f"{triaged.kind.replace('_', ' ')}: {triaged.reason}"
        await escalate(services, conversation_id=conversation_id, source="triage", reason=reason)
    await services.inbox.add_tag(conversation_id, triaged.kind.replace("_", "-"))
    if triaged.route == "human":
        await services.inbox.add_comment(conversation_id, triage_comment(triaged))

"""create-draft and comment: what the customer reads and what teammates read, both truthful."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from sqlmodel import select

from agent.comments import compose_comment
from agent.context import ConversationContext
from agent.drafts import ActionOutcome, Status, compose_draft
from agent.result import AgentResult
from workflows.escalations import escalate
from workflows.services import Services
from workflows.steps.actions import RoutedAction
from workflows.store.crud import record_audit
from workflows.store.models import Conversation, Draft, utcnow

# How each stored action status reads to the customer; a failure reads like a refusal.
DRAFT_STATUS: dict[str, Status] = {
    "auto": "pending",
    "pending": "pending",
    "approved": "pending",
    "executed": "executed",
    "rejected": "rejected",
    "expired": "expired",
    "refused": "refused",
    "failed": "refused",
}


class DraftResult(BaseModel):
    """The draft this run saved, or why it saved none."""

    model_config = ConfigDict(frozen=True)

    draft_id: str | None
    # A later run already drafted over newer messages; this run's reply would be stale.
    superseded: bool = False
    # A person edited the current draft; it was kept as they left it.
    kept_edit_by: str | None = None


def outcomes(actions: list[RoutedAction]) -> dict[str, ActionOutcome]:
    """Each action's outcome keyed by the tool_use_id the agent's result knows it by."""
    return {
        a.tool_use_id: ActionOutcome(
            status=DRAFT_STATUS.get(a.status, "pending"), reason=a.error or "", params=a.params
        )
        for a in actions
    }


async def edited_by(services: Services, draft: Draft) -> str | None:
    """Who changed the draft since the agent wrote it (a console user, or someone in the inbox)."""
    if draft.edited_by:
        return draft.edited_by
    if draft.version is None:
        return None
    current = await services.inbox.draft_version(draft.id)
    return "a teammate" if current is not None and current != draft.version else None


async def write_draft(
    services: Services, *, conversation_id: str, run_id: str, body: str
) -> DraftResult:
    """Replace the agent's current draft with `body`, unless a person has edited it."""
    async with services.sessions() as session:
        earlier = list(
            await session.exec(
                select(Draft).where(
                    Draft.conversation_id == conversation_id, Draft.status == "draft"
                )
            )
        )
    for draft in earlier:
        if (person := await edited_by(services, draft)) is not None:
            return DraftResult(draft_id=draft.id, kept_edit_by=person)
    for draft in earlier:
        await services.inbox.delete_draft(draft.id)
    draft_id = await services.inbox.create_draft(conversation_id, body)
    version = await services.inbox.draft_version(draft_id)
    async with services.sessions.begin() as session:
        for draft in earlier:
            stale = await session.get(Draft, draft.id)
            if stale is not None:
                stale.status, stale.updated_at = "deleted", utcnow()
        # The local inbox stored the draft itself; for Front this is our copy for the console.
        await session.merge(
            Draft(
                id=draft_id,
                conversation_id=conversation_id,
                body=body,
                run_id=run_id,
                version=version,
            )
        )
        await record_audit(
            session=session,
            actor="agent",
            action="draft.created",
            subject=conversation_id,
            detail={"draft_id": draft_id, "run_id": run_id, "replaced": [d.id for d in earlier]},
        )
    return DraftResult(draft_id=draft_id)


async def create_draft(
    services: Services,
    *,
    run_id: str,
    result: AgentResult,
    actions: list[RoutedAction],
    context: ConversationContext,
    customer_message_ids: list[str],
) -> DraftResult:
    """The inbound run's draft: it answers every message seen, unless a later run did already."""
    conversation_id = context.conversation_id
    async with services.sessions() as session:
        conversation = await session.get(Conversation, conversation_id)
        answered = conversation.answered_message_id if conversation else None
    if answered is not None and answered not in customer_message_ids:
        return DraftResult(draft_id=None, superseded=True)
    body = compose_draft(result, outcomes(actions), context=context)
    written = await write_draft(services, conversation_id=conversation_id, run_id=run_id, body=body)
    async with services.sessions.begin() as session:
        conversation = await session.get(Conversation, conversation_id)
        if conversation is not None and customer_message_ids:
            conversation.answered_message_id = customer_message_ids[-1]
            conversation.updated_at = utcnow()
    return written


async def add_comment(
    services: Services,
    *,
    result: AgentResult,
    actions: list[RoutedAction],
    context: ConversationContext,
    kept_edit_by: str | None = None,
) -> None:
    """Tell teammates what the agent found, proposed, and what the policy made of it."""
    by_use = {a.tool_use_id: a for a in actions}
    decided = [
        (proposal, by_use[proposal.tool_use_id].decision())
        for proposal in result.proposed_actions
        if proposal.tool_use_id in by_use
    ]
    body = compose_comment(result, decisions=decided, outcomes=outcomes(actions), context=context)
    if kept_edit_by:
        body += f"\nThe draft was edited by {kept_edit_by}, so the agent left it as it is."
    await services.inbox.add_comment(context.conversation_id, body)


async def escalate_failed_run(services: Services, *, conversation_id: str, error: str) -> None:
    """After the engine's last retry: a comment and a tag, so a person picks the message up."""
    await services.inbox.add_comment(
        conversation_id,
        "The support agent could not finish this conversation and handed it to the team.\n"
        f"Reason: {error}\nNo action was taken without approval; please reply personally.",
    )
    await escalate(services, conversation_id=conversation_id, source="failure", reason=error)

"""After a decision: the draft is rewritten to say what really happened (and, on a rejection,
the agent first rewrites its reply without the rejected action)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from agent.actions import ProposedAction
from agent.context import ConversationContext
from agent.draft_checks import check_draft
from agent.drafts import ActionOutcome, compose_draft, judged_actions
from agent.redraft import rejection_notice
from agent.result import AgentResult, AgentState
from workflows.services import Services
from workflows.steps.proposals import action_id_for, load_proposal
from workflows.steps.replies import DRAFT_STATUS, DraftResult, edited_by, write_draft
from workflows.store.crud import get_app
from workflows.store.models import Action, AgentRun, Draft


class RedraftStart(BaseModel):
    """The agent's transcript with the rejection handed back, and what it knew then."""

    model_config = ConfigDict(frozen=True)

    state: AgentState
    context: ConversationContext


async def start_redraft(services: Services, action_id: str) -> RedraftStart | None:
    """The state to continue the run's conversation with the model; None without a transcript."""
    async with services.sessions() as session:
        action = await session.get(Action, action_id)
        run = await session.get(AgentRun, action.run_id) if action is not None else None
    if action is None or run is None or not run.transcript or not run.context:
        return None
    notice = rejection_notice(action.tool, action.params, action.decision_reason or "")
    return RedraftStart(
        state=AgentState(transcript=[*run.transcript, {"role": "user", "content": notice}]),
        context=ConversationContext.model_validate(run.context),
    )


async def _row_for(
    session: AsyncSession, run_id: str, proposal: ProposedAction, conversation_id: str
) -> Action | None:
    row = await session.get(Action, action_id_for(run_id, proposal.tool_use_id))
    if row is not None:
        return row
    # A repeated proposal was not stored again: it is the earlier identical action, as it was
    # proposed then (an approver may have edited its params since).
    rows = list(
        await session.exec(
            select(Action)
            .where(Action.conversation_id == conversation_id, Action.tool == proposal.tool)
            .order_by(col(Action.created_at).desc())
        )
    )
    for row in rows:
        if (
            row.params == proposal.params
            or (await load_proposal(session, row)).params == proposal.params
        ):
            return row
    return None


async def refresh_draft(
    services: Services, action_id: str, *, new_reply: str | None = None
) -> DraftResult:
    """Rewrite the conversation's current draft from its run's result and today's statuses."""
    async with services.sessions() as session:
        action = await session.get(Action, action_id)
        if action is None:
            return DraftResult(draft_id=None)
        current = (
            await session.exec(
                select(Draft).where(
                    Draft.conversation_id == action.conversation_id, Draft.status == "draft"
                )
            )
        ).first()
        # A sent or deleted draft is no longer ours to change.
        if current is None:
            return DraftResult(draft_id=None)
        run_id = current.run_id or action.run_id
        run = await session.get(AgentRun, run_id)
        if run is None or not run.result:
            return DraftResult(draft_id=current.id)
        result = AgentResult.model_validate(run.result)
        outcomes: dict[str, ActionOutcome] = {}
        for proposal in result.proposed_actions:
            row = await _row_for(session, run_id, proposal, action.conversation_id)
            if row is not None:
                status = DRAFT_STATUS.get(row.status, "pending")
                outcomes[proposal.tool_use_id] = ActionOutcome(status=status, params=row.params)
        app = await get_app(session=session, id=action.app_id)
    context = ConversationContext.model_validate(run.context) if run.context else None
    if new_reply is not None and run_id == action.run_id:
        rewritten = result.model_copy(update={"draft": new_reply})
        judged = judged_actions(rewritten, outcomes, context=context)
        banned = app.banned_phrases if app is not None else []
        # A rewrite that breaks a draft check is not used: the reply it replaces passed them, or
        # was flagged already, and the status lines say what became of the rejected action.
        if context is None or not check_draft(
            new_reply, context=context, actions=judged, banned_phrases=banned
        ):
            result = rewritten
    body = compose_draft(result, outcomes, context=context)
    if await services.inbox.draft_version(current.id) is None:
        # Sent (or deleted) in the inbox since: the reply is out of the agent's hands.
        return DraftResult(draft_id=None)
    if (person := await edited_by(services, current)) is not None:
        return DraftResult(draft_id=current.id, kept_edit_by=person)
    if body == current.body:
        return DraftResult(draft_id=current.id)
    return await write_draft(
        services, conversation_id=action.conversation_id, run_id=run_id, body=body
    )

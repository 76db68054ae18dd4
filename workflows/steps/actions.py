"""route-actions: the policy's verdict on every proposal, stored with the agent run's usage."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from agent.actions import ProposedAction
from agent.context import ConversationContext
from agent.policy import AUTO_REFUND_WINDOW, PolicyDecision, Verdict, decide_all
from agent.result import AgentResult
from agent.triage import Triage
from workflows.approvals.view import one_line
from workflows.integrations.registry import app_policy
from workflows.services import Services

# Kept importable from here, where the ids are given out.
from workflows.steps.proposals import action_id_for as action_id_for
from workflows.steps.proposals import load_proposal
from workflows.store.crud import get_app, record_audit
from workflows.store.models import Action, AgentRun

# An identical action already in one of these states is the same request, not a new one.
_LIVE_STATUSES = ("auto", "pending", "approved", "executed")
# Automatic refunds that ran or are about to: they count against the app's automatic limit.
_COUNTED_AUTO_STATUSES = ("auto", "executed")


class RoutedAction(BaseModel):
    """One proposal after the policy: its stored id, verdict and where it stands now."""

    model_config = ConfigDict(frozen=True)

    action_id: str
    tool_use_id: str
    tool: str
    params: dict[str, Any]
    verdict: Verdict
    reason: str
    # auto | pending | refused, or the state of the earlier identical action it repeats
    status: str
    expires_at: datetime | None = None
    # True when an earlier run proposed the same action; nothing new is requested or executed.
    repeated: bool = False
    error: str | None = None

    def decision(self) -> PolicyDecision:
        return PolicyDecision(verdict=self.verdict, reason=self.reason)


class Routed(BaseModel):
    model_config = ConfigDict(frozen=True)

    actions: list[RoutedAction]


async def route_actions(
    services: Services,
    *,
    run_id: str,
    result: AgentResult,
    context: ConversationContext,
    transcript: list[dict[str, Any]],
    triage: Triage | None = None,
) -> Routed:
    """Decide every proposal, store it with the agent run's usage, and say what happens next."""
    async with services.sessions.begin() as session:
        app = await get_app(session=session, id=context.app_id)
        policy = app_policy(app) if app is not None else None
        now = services.clock()
        decided = (
            decide_all(
                result.proposed_actions,
                context=context,
                policy=policy,
                now=now,
                earlier_auto_refunds=await _earlier_auto_refunds(
                    session, app_id=context.app_id, run_id=run_id, since=now - AUTO_REFUND_WINDOW
                ),
            )
            if policy is not None
            else [
                (a, PolicyDecision(verdict="refuse", reason="the app is gone"))
                for a in result.proposed_actions
            ]
        )
        await _record_agent_run(
            session,
            run_id=run_id,
            result=result,
            context=context,
            transcript=transcript,
            triage=triage,
        )
        routed = [
            await _store_action(session, services, run_id, action, decision, context)
            for action, decision in decided
        ]
    return Routed(actions=routed)


async def _earlier_auto_refunds(
    session: AsyncSession, *, app_id: str, run_id: str, since: datetime
) -> dict[str, int]:
    """Cents refunded without a human since `since`, by purchase, by other runs of the app."""
    rows = await session.exec(
        select(Action).where(
            Action.app_id == app_id,
            Action.tool == "refund_purchase",
            Action.verdict == "auto",
            col(Action.status).in_(_COUNTED_AUTO_STATUSES),
            col(Action.created_at) >= since,
            Action.run_id != run_id,
        )
    )
    refunded: dict[str, int] = {}
    for row in rows:
        purchase_id = str(row.params.get("purchase_id"))
        refunded[purchase_id] = refunded.get(purchase_id, 0) + int(row.params["amount_cents"])
    return refunded


async def _record_agent_run(
    session: AsyncSession,
    *,
    run_id: str,
    result: AgentResult,
    context: ConversationContext,
    transcript: list[dict[str, Any]],
    triage: Triage | None,
) -> None:
    if await session.get(AgentRun, run_id) is not None:
        return
    usage = result.usage
    session.add(
        AgentRun(
            id=run_id,
            conversation_id=context.conversation_id,
            app_id=context.app_id,
            model=result.model,
            outcome=result.outcome,
            turns=result.turns,
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            cache_read_input_tokens=usage.cache_read_input_tokens,
            cache_creation_input_tokens=usage.cache_creation_input_tokens,
            cost_usd=result.cost_usd,
            reasoning=result.reasoning,
            tool_calls=[call.model_dump(mode="json") for call in result.tool_calls],
            result=result.model_dump(mode="json"),
            # Knowledge is long and already in the transcript; the draft needs the rest.
            context=context.model_dump(mode="json", exclude={"knowledge"}),
            transcript=transcript,
            triage_kind=triage.kind if triage is not None else None,
            triage_reason=triage.reason if triage is not None else "",
            triage_by=triage.by if triage is not None else None,
        )
    )


async def _store_action(
    session: AsyncSession,
    services: Services,
    run_id: str,
    action: ProposedAction,
    decision: PolicyDecision,
    context: ConversationContext,
) -> RoutedAction:
    action_id = action_id_for(run_id, action.tool_use_id)
    row = await session.get(Action, action_id)
    if row is None:
        earlier = await _live_duplicate(session, action, context.conversation_id)
        if earlier is not None and decision.verdict != "refuse":
            return _routed(earlier, action, decision, repeated=True)
        now = services.clock()
        row = Action(
            id=action_id,
            app_id=context.app_id,
            conversation_id=context.conversation_id,
            run_id=run_id,
            tool=action.tool,
            params=action.params,
            rationale=action.rationale,
            request_line=one_line(last.text) if (last := context.last_customer_message()) else "",
            verdict=decision.verdict,
            policy_reason=decision.reason,
            status={"auto": "auto", "needs_approval": "pending", "refuse": "refused"}[
                decision.verdict
            ],
            expires_at=(
                now + services.settings.approval_timeout
                if decision.verdict == "needs_approval"
                else None
            ),
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        await record_audit(
            session=session,
            actor="agent",
            action=f"action.{row.status}",
            subject=action_id,
            detail={"tool": action.tool, "params": action.params, "policy": decision.reason},
        )
    return _routed(row, action, decision, repeated=False)


def _routed(
    row: Action, action: ProposedAction, decision: PolicyDecision, *, repeated: bool
) -> RoutedAction:
    return RoutedAction(
        action_id=row.id,
        tool_use_id=action.tool_use_id,
        tool=action.tool,
        # As it stands: an approver may have edited an earlier identical action.
        params=row.params,
        verdict=decision.verdict,
        reason=decision.reason,
        status=row.status,
        expires_at=row.expires_at,
        repeated=repeated,
        error=row.error,
    )


async def _live_duplicate(
    session: AsyncSession, action: ProposedAction, conversation_id: str
) -> Action | None:
    rows = await session.exec(
        select(Action).where(
            Action.conversation_id == conversation_id,
            Action.tool == action.tool,
            col(Action.status).in_(_LIVE_STATUSES),
        )
    )
    for row in rows:
        # An approver may have edited the earlier action: it is still the request made then.
        if (
            row.params == action.params
            or (await load_proposal(session, row)).params == action.params
        ):
            return row
    return None

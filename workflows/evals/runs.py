"""One conversation through triage, the real loop, the policy, the draft checks and the draft,
with nothing sent anywhere.

Auto actions are carried out against an in-memory copy of the customer's account (the demo app's
state, seeded with the context's customer and purchases), so the draft reads as it would after
the workflow executed them; actions that need a human stay pending. Mail that triage leaves to
people gets no agent run and no draft, as in the workflow.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from agent.actions import ProposedAction
from agent.client import ModelClient
from agent.context import AppPolicy, ConversationContext
from agent.draft_rewrite import check_and_rewrite
from agent.drafts import ActionOutcome, compose_draft, judged_actions
from agent.loop import DEFAULT_MAX_TURNS, finish, next_turn, start
from agent.policy import PolicyDecision, Verdict, decide_all
from agent.pricing import TokenUsage
from agent.result import AgentResult
from agent.triage import InboundMessage, Triage, TriageSettings, classify
from agent.triage_model import settle
from workflows.errors import IntegrationError
from workflows.integrations.demo_state import DemoPurchase, DemoState, DemoUser

# Changes the in-memory app makes, by the tool that proposes them.
_CHANGES = {
    "refund_purchase": "refund",
    "transfer_license": "transfer",
    "update_email": "update-email",
}


class RoutedProposal(BaseModel):
    """A proposal with the policy's verdict and what became of it in the in-memory app."""

    model_config = ConfigDict(frozen=True)

    tool: str
    params: dict[str, Any]
    verdict: Verdict
    reason: str
    status: str


class RunOutcome(BaseModel):
    """What one run produced, in the terms an eval or a replay compares."""

    model_config = ConfigDict(frozen=True)

    triage: Triage
    lookups: list[str]
    actions: list[RoutedProposal]
    # Empty when triage left the message to people.
    draft: str
    # The draft checks the reply still breaks after its one rewrite.
    draft_violations: list[str]
    result: AgentResult
    latency_s: float

    @property
    def triage_class(self) -> str:
        return self.triage.kind

    @property
    def usage(self) -> TokenUsage:
        return self.result.usage


async def sort_mail(
    context: ConversationContext,
    *,
    headers: dict[str, str],
    settings: TriageSettings,
    model_client: ModelClient,
    model: str,
) -> Triage:
    """Triage of the newest customer message, as the workflow's triage step does it."""
    newest = context.last_customer_message()
    message = InboundMessage(
        sender=context.sender_email,
        subject=context.subject or "",
        text=newest.text if newest is not None else "",
        headers=headers,
    )
    return await settle(
        message, settings, classify(message, settings), model_client=model_client, model=model
    )


def _account(context: ConversationContext, now: datetime) -> DemoState:
    state = DemoState(now)
    state.users, state.purchases = {}, {}
    customer = context.customer
    if customer is None:
        return state
    state.users[customer.id] = DemoUser(
        customer.id, customer.email, customer.name, customer.created_at or now
    )
    for p in context.purchases:
        state.purchases[p.id] = DemoPurchase(
            id=p.id,
            owner_id=customer.id,
            product=p.product,
            amount_cents=p.amount_cents,
            currency=p.currency,
            purchased_at=p.purchased_at,
            status=p.status,
            refunded_cents=p.refunded_cents,
        )
    return state


def _carry_out(
    action: ProposedAction, decision: PolicyDecision, account: DemoState, now: datetime
) -> ActionOutcome:
    if decision.verdict == "refuse":
        return ActionOutcome(status="refused", reason=decision.reason)
    if decision.verdict == "needs_approval":
        return ActionOutcome(status="pending")
    change = _CHANGES.get(action.tool)
    if change is not None:
        try:
            account.apply(change, dict(action.params), key=action.tool_use_id, at=now)
        except (IntegrationError, KeyError, TypeError) as exc:
            return ActionOutcome(status="refused", reason=str(exc))
    return ActionOutcome(status="executed")


def route(
    result: AgentResult, *, context: ConversationContext, policy: AppPolicy, now: datetime
) -> tuple[list[RoutedProposal], dict[str, ActionOutcome]]:
    """The policy's verdicts and what became of each proposal in the in-memory account."""
    account = _account(context, now)
    routed: list[RoutedProposal] = []
    outcomes: dict[str, ActionOutcome] = {}
    for action, decision in decide_all(
        result.proposed_actions, context=context, policy=policy, now=now
    ):
        outcome = _carry_out(action, decision, account, now)
        outcomes[action.tool_use_id] = outcome
        routed.append(
            RoutedProposal(
                tool=action.tool,
                params=action.params,
                verdict=decision.verdict,
                reason=decision.reason,
                status=outcome.status,
            )
        )
    return routed, outcomes


def _left_to_people(verdict: Triage) -> AgentResult:
    return AgentResult(
        draft="",
        reasoning=f"triage: {verdict.kind} ({verdict.reason})",
        proposed_actions=[],
        tool_calls=[],
        usage=TokenUsage(),
        cost_usd=0.0,
        model="",
        turns=0,
        outcome="completed",
    )


async def run_conversation(
    context: ConversationContext,
    *,
    model_client: ModelClient,
    model: str,
    policy: AppPolicy,
    now: datetime,
    headers: dict[str, str] | None = None,
    triage_settings: TriageSettings | None = None,
) -> RunOutcome:
    """Triage, the agent loop, the policy, the draft checks and the draft for one conversation."""
    started = time.perf_counter()
    settings = triage_settings or TriageSettings()
    verdict = await sort_mail(
        context, headers=headers or {}, settings=settings, model_client=model_client, model=model
    )
    if settings.route(verdict.kind) != "draft":
        return RunOutcome(
            triage=verdict,
            lookups=[],
            actions=[],
            draft="",
            draft_violations=[],
            result=_left_to_people(verdict),
            latency_s=time.perf_counter() - started,
        )
    state = start(context)
    while state.finished is None and state.turns < DEFAULT_MAX_TURNS:
        state = await next_turn(state, context=context, model_client=model_client, model=model)
    first = finish(state, model=model)
    actions, outcomes = route(first, context=context, policy=policy, now=now)
    rewritten = await check_and_rewrite(
        first,
        state,
        judged=judged_actions(first, outcomes, context=context),
        context=context,
        model_client=model_client,
        model=model,
    )
    result = rewritten[0] if rewritten is not None else first
    return RunOutcome(
        triage=verdict,
        lookups=[c.name for c in result.tool_calls if c.kind == "lookup"],
        actions=actions,
        draft=compose_draft(result, outcomes, context=context),
        draft_violations=sorted({v.check for v in result.draft_violations}),
        result=result,
        latency_s=time.perf_counter() - started,
    )

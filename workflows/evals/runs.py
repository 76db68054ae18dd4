"""One conversation through the real loop, the policy and the draft, with nothing sent anywhere.

Auto actions are carried out against an in-memory copy of the customer's account (the demo app's
state, seeded with the context's customer and purchases), so the draft reads as it would after
the workflow executed them; actions that need a human stay pending.
"""

from __future__ import annotations

import importlib
import importlib.util
import time
from datetime import datetime
from types import ModuleType
from typing import Any

from pydantic import BaseModel, ConfigDict

from agent.actions import ProposedAction
from agent.client import ModelClient
from agent.context import AppPolicy, ConversationContext
from agent.drafts import ActionOutcome, compose_draft
from agent.loop import run_agent
from agent.policy import PolicyDecision, Verdict, decide_all
from agent.pricing import TokenUsage
from agent.result import AgentResult
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

    triage_class: str | None
    lookups: list[str]
    actions: list[RoutedProposal]
    draft: str
    result: AgentResult
    latency_s: float

    @property
    def usage(self) -> TokenUsage:
        return self.result.usage


def optional_module(name: str) -> ModuleType | None:
    """A project module that may not exist in this version (triage, draft checks)."""
    if importlib.util.find_spec(name) is None:
        return None
    return importlib.import_module(name)


def triage_class(context: ConversationContext) -> str | None:
    """The triage class of the conversation, or None when this version has no triage."""
    triage = optional_module("agent.triage")
    classify = getattr(triage, "classify_conversation", None)
    return str(classify(context)) if classify is not None else None


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
) -> tuple[list[RoutedProposal], str]:
    """The policy's verdicts, the in-memory outcomes, and the draft the customer would get."""
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
    return routed, compose_draft(result, outcomes, context=context)


async def run_conversation(
    context: ConversationContext,
    *,
    model_client: ModelClient,
    model: str,
    policy: AppPolicy,
    now: datetime,
) -> RunOutcome:
    """Triage, the agent loop, the policy and the draft for one conversation."""
    started = time.perf_counter()
    result = await run_agent(context=context, model_client=model_client, model=model)
    actions, draft = route(result, context=context, policy=policy, now=now)
    return RunOutcome(
        triage_class=triage_class(context),
        lookups=[c.name for c in result.tool_calls if c.kind == "lookup"],
        actions=actions,
        draft=draft,
        result=result,
        latency_s=time.perf_counter() - started,
    )

"""The risk policy: pure code that decides what may run, what needs a human and what never runs.

It reads the tool, its params, the customer's purchases and the app's thresholds. It never reads the
model's rationale, so nothing the model or the customer writes can change a verdict.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from agent.actions import (
    MUTATING_TOOLS,
    EscalateParams,
    MagicLinkParams,
    ProposedAction,
    RefundParams,
    TransferParams,
    UpdateEmailParams,
)
from agent.context import AppPolicy, ConversationContext

Verdict = Literal["auto", "needs_approval", "refuse"]

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_CLOSED_STATUSES = frozenset({"refunded", "chargeback", "disputed", "cancelled"})


class PolicyDecision(BaseModel):
    """The verdict on one proposed action and the reason shown to reviewers."""

    model_config = ConfigDict(frozen=True)

    verdict: Verdict
    reason: str


def _refuse(reason: str) -> PolicyDecision:
    return PolicyDecision(verdict="refuse", reason=reason)


def _approval(reason: str) -> PolicyDecision:
    return PolicyDecision(verdict="needs_approval", reason=reason)


def _same_email(a: str, b: str) -> bool:
    return a.strip().lower() == b.strip().lower()


def decide(
    action: ProposedAction,
    *,
    context: ConversationContext,
    policy: AppPolicy,
    now: datetime | None = None,
) -> PolicyDecision:
    """Decide one action; `now` defaults to the current UTC time (pass it for replayable runs)."""
    if action.tool not in MUTATING_TOOLS:
        return _refuse(f"unknown tool {action.tool!r}")
    try:
        params = action.parsed_params()
    except ValidationError as exc:
        return _refuse(f"malformed params for {action.tool}: {exc.error_count()} error(s)")
    moment = now or datetime.now(UTC)
    match params:
        case RefundParams():
            return _decide_refund(params, context=context, policy=policy, now=moment)
        case TransferParams():
            return _decide_transfer(params, context=context)
        case MagicLinkParams():
            return _decide_magic_link(params, context=context, policy=policy)
        case UpdateEmailParams():
            return _decide_update_email(params, context=context)
        case EscalateParams():
            return PolicyDecision(verdict="auto", reason="escalation only tags and comments")
    return _refuse(f"no rule for {action.tool!r}")


def decide_all(
    actions: Iterable[ProposedAction],
    *,
    context: ConversationContext,
    policy: AppPolicy,
    now: datetime | None = None,
) -> list[tuple[ProposedAction, PolicyDecision]]:
    """Decide a run's actions in order; a repeat, or refunds summing past the price, is refused."""
    decided: list[tuple[ProposedAction, PolicyDecision]] = []
    seen: set[tuple[str, str]] = set()
    refunded: dict[str, int] = {}
    for action in actions:
        key = (action.tool, repr(sorted(action.params.items())))
        decision = decide(action, context=context, policy=policy, now=now)
        if key in seen:
            decision = _refuse("the same action was already proposed in this run")
        elif decision.verdict != "refuse" and action.tool == "refund_purchase":
            purchase_id = str(action.params["purchase_id"])
            total = refunded.get(purchase_id, 0) + int(action.params["amount_cents"])
            purchase = context.purchase(purchase_id)
            if purchase is not None and total > purchase.refundable_cents:
                decision = _refuse("refunds in this run add up to more than the purchase price")
            refunded[purchase_id] = total
        seen.add(key)
        decided.append((action, decision))
    return decided


def _decide_refund(
    params: RefundParams, *, context: ConversationContext, policy: AppPolicy, now: datetime
) -> PolicyDecision:
    purchase = context.purchase(params.purchase_id)
    if purchase is None:
        return _refuse("the purchase does not belong to this customer")
    if purchase.status in _CLOSED_STATUSES or purchase.refundable_cents == 0:
        return _refuse(f"the purchase is {purchase.status} and cannot be refunded again")
    if params.amount_cents <= 0:
        return _refuse("a refund amount must be positive")
    if params.amount_cents > purchase.refundable_cents:
        return _refuse(
            f"{params.amount_cents} cents is more than the {purchase.refundable_cents} "
            "cents left on the purchase"
        )
    age = now - purchase.purchased_at
    auto_configured = policy.auto_refund_max_cents > 0 and policy.auto_refund_max_age_days > 0
    if (
        auto_configured
        and params.amount_cents <= policy.auto_refund_max_cents
        and timedelta(0) <= age <= timedelta(days=policy.auto_refund_max_age_days)
    ):
        return PolicyDecision(verdict="auto", reason="small, recent refund within the app's limits")
    return _approval("refunds above the app's automatic limits need a human")


def _decide_transfer(params: TransferParams, *, context: ConversationContext) -> PolicyDecision:
    purchase = context.purchase(params.purchase_id)
    if purchase is None:
        return _refuse("the purchase does not belong to this customer")
    if purchase.status in _CLOSED_STATUSES:
        return _refuse(f"the purchase is {purchase.status}; there is no licence to move")
    if not _EMAIL.match(params.to_email):
        return _refuse("the new owner's email address is not valid")
    if context.customer is not None and _same_email(params.to_email, context.customer.email):
        return _refuse("the licence already belongs to that address")
    return _approval("licence transfers always need a human")


def _decide_magic_link(
    params: MagicLinkParams, *, context: ConversationContext, policy: AppPolicy
) -> PolicyDecision:
    if context.customer is None:
        return _refuse("no account on file to send a login link for")
    if not _same_email(params.email, context.customer.email):
        return _refuse("login links go only to the address on file")
    if policy.auto_magic_link:
        return PolicyDecision(verdict="auto", reason="login link to the address on file")
    return _approval("this app asks a human before sending login links")


def _decide_update_email(
    params: UpdateEmailParams, *, context: ConversationContext
) -> PolicyDecision:
    if context.customer is None or params.user_id != context.customer.id:
        return _refuse("the account is not this customer's")
    if not _EMAIL.match(params.new_email):
        return _refuse("the new email address is not valid")
    if _same_email(params.new_email, context.customer.email):
        return _refuse("the account already uses that address")
    return _approval("email changes always need a human")

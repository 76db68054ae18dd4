"""The risk policy: pure code that decides what may run, what needs a human and what never runs.

It reads the tool, its params, the customer's purchases and the app's thresholds. It never reads the
model's rationale, so nothing the model or the customer writes can change a verdict.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
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
from agent.context import CLOSED_STATUSES, AppPolicy, ConversationContext, Purchase
from agent.injection import before_forged_tag, gives_orders
from agent.matching import customer_text, is_named_or_only
from agent.money import format_money

Verdict = Literal["auto", "needs_approval", "refuse"]

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

# A run that proposes more than this many actions is handed to a person as one escalation.
MAX_PROPOSALS_PER_RUN = 5
# The automatic refund limit counts every automatic refund to a customer over this window.
AUTO_REFUND_WINDOW = timedelta(days=30)
OVERFLOW_TOOL_USE_ID = "policy-overflow"


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
    earlier_auto_refunds: Mapping[str, int] | None = None,
) -> list[tuple[ProposedAction, PolicyDecision]]:
    """Decide a run's actions in order, across the run and the customer's earlier refunds.

    `earlier_auto_refunds` maps purchase ids to the cents refunded automatically within
    `AUTO_REFUND_WINDOW` by earlier runs. A repeat, or refunds summing past the price, is refused;
    automatic refunds adding up past the app's limit, per purchase or per customer, need a human;
    proposals past `MAX_PROPOSALS_PER_RUN` are refused and replaced by one escalation.
    """
    proposed = list(actions)
    limit = _AutoRefundLimit(policy, context, earlier_auto_refunds or {})
    decided: list[tuple[ProposedAction, PolicyDecision]] = []
    seen: set[tuple[str, str]] = set()
    refunded: dict[str, int] = {}
    for index, action in enumerate(proposed):
        key = (action.tool, repr(sorted(action.params.items())))
        decision = decide(action, context=context, policy=policy, now=now)
        if index >= MAX_PROPOSALS_PER_RUN:
            decision = _refuse(
                f"more than {MAX_PROPOSALS_PER_RUN} actions in one run: a person takes over"
            )
        elif key in seen:
            decision = _refuse("the same action was already proposed in this run")
        elif decision.verdict != "refuse" and action.tool == "refund_purchase":
            purchase_id = str(action.params["purchase_id"])
            amount = int(action.params["amount_cents"])
            total = refunded.get(purchase_id, 0) + amount
            purchase = context.purchase(purchase_id)
            if purchase is not None and total > purchase.refundable_cents:
                decision = _refuse(
                    f"refunds in this run add up to {format_money(total, purchase.currency)}, "
                    f"more than the {format_money(purchase.refundable_cents, purchase.currency)} "
                    "left on the purchase"
                )
            elif decision.verdict == "auto":
                decision = limit.take(purchase_id, amount) or decision
            refunded[purchase_id] = total
        seen.add(key)
        decided.append((action, decision))
    if len(proposed) > MAX_PROPOSALS_PER_RUN:
        decided.append(_overflow_escalation(len(proposed)))
    return decided


class _AutoRefundLimit:
    """What is left of the automatic refund limit, per purchase and per customer, this window."""

    def __init__(
        self, policy: AppPolicy, context: ConversationContext, earlier: Mapping[str, int]
    ) -> None:
        self.limit = policy.auto_refund_max_cents
        owned = {p.id for p in context.purchases}
        self.by_purchase = {pid: cents for pid, cents in earlier.items() if pid in owned}
        self.customer_total = sum(self.by_purchase.values())
        currencies = {p.currency for p in context.purchases}
        self.currency = currencies.pop() if len(currencies) == 1 else "USD"

    def take(self, purchase_id: str, amount: int) -> PolicyDecision | None:
        """None when `amount` still fits and is now counted; else why it needs a human."""
        days = AUTO_REFUND_WINDOW.days
        limit = format_money(self.limit, self.currency)
        if self.by_purchase.get(purchase_id, 0) + amount > self.limit:
            return _approval(
                f"automatic refunds on this purchase would pass {limit} within {days} days"
            )
        if self.customer_total + amount > self.limit:
            return _approval(
                f"automatic refunds to this customer would pass {limit} within {days} days"
            )
        self.by_purchase[purchase_id] = self.by_purchase.get(purchase_id, 0) + amount
        self.customer_total += amount
        return None


def _overflow_escalation(count: int) -> tuple[ProposedAction, PolicyDecision]:
    reason = (
        f"The agent proposed {count} actions in one run; only the first "
        f"{MAX_PROPOSALS_PER_RUN} were considered. Please review the conversation."
    )
    action = ProposedAction(
        tool="escalate_to_human",
        params={"reason": reason},
        rationale=reason,
        tool_use_id=OVERFLOW_TOOL_USE_ID,
    )
    return action, PolicyDecision(verdict="auto", reason="escalation only tags and comments")


def _decide_refund(
    params: RefundParams, *, context: ConversationContext, policy: AppPolicy, now: datetime
) -> PolicyDecision:
    purchase = context.purchase(params.purchase_id)
    if purchase is None:
        return _refuse("the purchase does not belong to this customer")
    if purchase.status in CLOSED_STATUSES or purchase.refundable_cents == 0:
        return _refuse(f"the purchase is {purchase.status} and cannot be refunded again")
    if params.amount_cents <= 0:
        return _refuse("a refund amount must be positive")
    if params.amount_cents > purchase.refundable_cents:
        return _refuse(
            f"{format_money(params.amount_cents, purchase.currency)} is more than the "
            f"{format_money(purchase.refundable_cents, purchase.currency)} left on the purchase"
        )
    if (over := _past_auto_limits(params, purchase, policy, now)) is not None:
        return _approval(over)
    if not is_named_or_only(purchase, customer_text(context), context.purchases):
        return _approval(
            f"the customer did not name {purchase.product} and has other purchases it could be"
        )
    if gives_orders(customer_text(context)):
        return _approval("the customer's text tries to give the agent orders")
    return PolicyDecision(verdict="auto", reason="small, recent refund within the app's limits")


def _past_auto_limits(
    params: RefundParams, purchase: Purchase, policy: AppPolicy, now: datetime
) -> str | None:
    """Why the refund is past the app's automatic limits, in money and days; None within them."""
    if policy.auto_refund_max_cents <= 0 or policy.auto_refund_max_age_days <= 0:
        return "this app refunds nothing without a human"
    if params.amount_cents > policy.auto_refund_max_cents:
        asked = format_money(params.amount_cents, purchase.currency)
        limit = format_money(policy.auto_refund_max_cents, purchase.currency)
        return f"{asked} is more than the app's automatic refund limit of {limit}"
    age = now - purchase.purchased_at
    if age < timedelta(0):
        return "the purchase is dated in the future"
    if age > timedelta(days=policy.auto_refund_max_age_days):
        return (
            f"the purchase is {age.days} days old, past the app's "
            f"{policy.auto_refund_max_age_days}-day automatic refund window"
        )
    return None


def _decide_transfer(params: TransferParams, *, context: ConversationContext) -> PolicyDecision:
    purchase = context.purchase(params.purchase_id)
    if purchase is None:
        return _refuse("the purchase does not belong to this customer")
    if purchase.status in CLOSED_STATUSES:
        return _refuse(f"the purchase is {purchase.status}; there is no licence to move")
    if not _EMAIL.match(params.to_email):
        return _refuse("the new owner's email address is not valid")
    if context.customer is not None and _same_email(params.to_email, context.customer.email):
        return _refuse("the licence already belongs to that address")
    if _only_after_forged_tag(params.to_email, context):
        return _refuse(_FORGED_ADDRESS)
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


_FORGED_ADDRESS = "the address appears only in text posing as the team's own notes"


def _only_after_forged_tag(address: str, context: ConversationContext) -> bool:
    """True when the customer wrote the address only after a forged tag of the prompt."""
    wanted = address.strip().lower()
    written = customer_text(context).lower()
    return wanted in written and not any(
        wanted in before_forged_tag(m.text).lower()
        for m in context.messages
        if m.author == "customer"
    )


def _decide_update_email(
    params: UpdateEmailParams, *, context: ConversationContext
) -> PolicyDecision:
    if context.customer is None or params.user_id != context.customer.id:
        return _refuse("the account is not this customer's")
    if not _EMAIL.match(params.new_email):
        return _refuse("the new email address is not valid")
    if _same_email(params.new_email, context.customer.email):
        return _refuse("the account already uses that address")
    if _only_after_forged_tag(params.new_email, context):
        return _refuse(_FORGED_ADDRESS)
    return _approval("email changes always need a human")

"""Drafts that tell the truth: the reply says only what really happened to each proposed action.

The draft is written as soon as the actions are routed, not after every decision, so the customer
hears back quickly. The model's reply is kept as the body and never trusted to describe an action's
status: a status paragraph per action is generated here from its recorded outcome. An action with
no recorded outcome counts as pending, so the text can only under-claim. An approver may change an
action before approving it; the status paragraph then states what was executed, never what was
proposed. If the body itself claims something was done that no action executed as proposed backs
(`agent.claims`), the body is replaced by a neutral opening. When a decision lands later, the
workflow calls `compose_draft` again with the new outcomes and updates the draft. Reject reasons
are for teammates, so they never appear in the customer text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from agent.actions import ProposedAction
from agent.claims import JudgedAction, claims_completion, false_claims, named_values
from agent.context import ConversationContext
from agent.letter import read_letter
from agent.money import format_money
from agent.result import AgentResult

__all__ = [
    "HOLDING_REPLY",
    "NEUTRAL_OPENING",
    "ActionOutcome",
    "Status",
    "claims_completion",
    "compose_draft",
    "judged_actions",
    "status_line",
]


Status = Literal["executed", "pending", "rejected", "expired", "refused"]

HOLDING_REPLY = "Thanks for your message. A member of our team will look into it and reply shortly."
NEUTRAL_OPENING = "Thanks for getting in touch. Here is where your request stands."


class ActionOutcome(BaseModel):
    """What became of one proposed action; `reason` is kept for teammates, not customers."""

    model_config = ConfigDict(frozen=True)

    status: Status
    reason: str = ""
    decided_by: str = ""
    # The params it was (or will be) carried out with, when known: an approver may have edited
    # the proposal, and the customer must read what really happened.
    params: dict[str, Any] | None = None

    def applied_to(self, action: ProposedAction) -> ProposedAction:
        """The action as carried out: the proposal with the approved params."""
        if self.params is None or self.params == action.params:
            return action
        return action.model_copy(update={"params": self.params})


def _money(cents: object, currency: str) -> str:
    # Strict params make amounts ints; anything else is shown as no amount at all.
    if not isinstance(cents, int) or isinstance(cents, bool):
        return "the amount"
    return format_money(cents, currency)


def _purchase_words(action: ProposedAction, context: ConversationContext | None) -> tuple[str, str]:
    """(' for <product>', '$249.00') for the action's purchase, or blanks."""
    purchase = context.purchase(str(action.params.get("purchase_id"))) if context else None
    if purchase is None:
        return "", "the amount"
    return f" for {purchase.product}", _money(action.params.get("amount_cents"), purchase.currency)


def _phrases(action: ProposedAction, context: ConversationContext | None) -> tuple[str, str]:
    """(how the request reads in a sentence, the sentence once it is done) for one action."""
    params = action.params
    product, amount = _purchase_words(action, context)
    if action.tool == "refund_purchase":
        return (
            f"your refund request{product} ({amount})" if product else "your refund request",
            f"Your refund of {amount}{product} has been issued; banks take a few days to show it.",
        )
    if action.tool == "transfer_license":
        to_email = params.get("to_email")
        return (
            f"your request to move the licence{product} to {to_email}",
            f"The licence{product} has been moved to {to_email}.",
        )
    if action.tool == "send_magic_link":
        return (
            "your request for a login link",
            "A one-time login link has been sent to the email address on your account.",
        )
    if action.tool == "update_email":
        new_email = params.get("new_email")
        return (
            f"your request to change your account email to {new_email}",
            f"Your account email has been changed to {new_email}.",
        )
    return "your request", "Your request has been completed."


def status_line(
    action: ProposedAction, outcome: ActionOutcome, *, context: ConversationContext | None = None
) -> str:
    """The one sentence the customer reads about this action; empty when there is nothing to say."""
    if action.tool == "escalate_to_human":
        return (
            "" if outcome.status == "refused" else "A colleague will follow up with you personally."
        )
    subject, done = _phrases(action, context)
    if outcome.status == "executed":
        return done
    if outcome.status == "pending":
        return f"Our team is reviewing {subject}; we will confirm as soon as it is decided."
    if outcome.status == "rejected":
        return (
            f"After review, we are not able to go ahead with {subject}. A teammate will follow up."
        )
    if outcome.status == "expired":
        return f"We have not finished reviewing {subject} yet. A teammate will follow up."
    return f"A teammate will follow up about {subject}."


def _judged(
    action: ProposedAction, outcome: ActionOutcome, context: ConversationContext | None
) -> JudgedAction:
    """What the body may say about the action: it was written about the proposal, so it may call
    it done only if it ran exactly as proposed."""
    product, amount = _purchase_words(action, context)
    values = (*named_values(action.params), product.removeprefix(" for "), amount)
    return JudgedAction(
        action=action,
        executed_as_proposed=outcome.status == "executed"
        and outcome.params in (None, action.params),
        values=tuple(v for v in values if v and v != "the amount"),
    )


def _resolved(
    result: AgentResult, outcomes: Mapping[str, ActionOutcome]
) -> list[tuple[ProposedAction, ActionOutcome]]:
    """Each proposal with its outcome; one with none recorded counts as pending."""
    pending = ActionOutcome(status="pending")
    return [(a, outcomes.get(a.tool_use_id, pending)) for a in result.proposed_actions]


def judged_actions(
    result: AgentResult,
    outcomes: Mapping[str, ActionOutcome],
    *,
    context: ConversationContext | None = None,
) -> list[JudgedAction]:
    """What the reply may claim about each proposal, given what became of it."""
    return [_judged(a, o, context) for a, o in _resolved(result, outcomes)]


def compose_draft(
    result: AgentResult,
    outcomes: Mapping[str, ActionOutcome],
    *,
    context: ConversationContext | None = None,
) -> str:
    """The draft to save: the model's reply plus a true status line per action (by tool_use_id)."""
    resolved = _resolved(result, outcomes)
    letter = read_letter(result.draft)
    if letter.body and false_claims(letter.body, judged_actions(result, outcomes, context=context)):
        letter = letter.with_body(NEUTRAL_OPENING)
    lines = [status_line(o.applied_to(a), o, context=context) for a, o in resolved]
    # Two escalations or a repeated status would read oddly; keep the first of each sentence.
    unique = list(dict.fromkeys(line for line in lines if line))
    if not letter.body:
        letter = letter.with_body(NEUTRAL_OPENING if unique else HOLDING_REPLY)
    return letter.render(*unique)

"""Drafts that tell the truth: the reply says only what really happened to each proposed action.

The draft is written as soon as the actions are routed, not after every decision, so the customer
hears back quickly. The model's reply is kept as the body and never trusted to describe an action's
status: a status paragraph per action is generated here from its recorded outcome. An action with
no recorded outcome counts as pending, so the text can only under-claim. If the body itself claims
something was done while not every action has been executed, the body is replaced by a neutral
opening. When a decision lands later, the workflow calls `compose_draft` again with the new outcomes
and updates the draft. Reject reasons are for teammates, so they never appear in the customer text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict

from agent.actions import ProposedAction
from agent.context import ConversationContext
from agent.offline import OFFLINE_LABEL
from agent.result import AgentResult

Status = Literal["executed", "pending", "rejected", "expired", "refused"]

HOLDING_REPLY = "Thanks for your message. A member of our team will look into it and reply shortly."
NEUTRAL_OPENING = "Thanks for getting in touch. Here is where your request stands."

_CLAIM = re.compile(
    r"\b(?:i|we)(?:'ve| have)\s+(?:now\s+|just\s+|already\s+)?"
    r"(?:refunded|issued|processed|sent|transferred|moved|changed|updated|reset)\b"
    r"|\b(?:has|have)\s+been\s+(?:refunded|issued|processed|sent|transferred|moved|changed|updated)\b"
    r"|\b(?:is|are)\s+(?:now\s+)?(?:done|complete|completed|processed)\b",
    re.IGNORECASE,
)


class ActionOutcome(BaseModel):
    """What became of one proposed action; `reason` is kept for teammates, not customers."""

    model_config = ConfigDict(frozen=True)

    status: Status
    reason: str = ""
    decided_by: str = ""


def _money(cents: object, currency: str) -> str:
    return (
        f"{int(str(cents)) / 100:.2f} {currency.upper()}" if str(cents).isdigit() else "the amount"
    )


def _purchase_words(action: ProposedAction, context: ConversationContext | None) -> tuple[str, str]:
    """(' for <product>', '<amount> <currency>') for the action's purchase, or blanks."""
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


def claims_completion(text: str) -> bool:
    """True when the text says something was done ('I've refunded', 'has been sent', ...)."""
    return _CLAIM.search(text) is not None


def compose_draft(
    result: AgentResult,
    outcomes: Mapping[str, ActionOutcome],
    *,
    context: ConversationContext | None = None,
) -> str:
    """The draft to save: the model's reply plus a true status line per action (by tool_use_id)."""
    actions = result.proposed_actions
    resolved = [(a, outcomes.get(a.tool_use_id, ActionOutcome(status="pending"))) for a in actions]
    all_executed = bool(resolved) and all(o.status == "executed" for _, o in resolved)
    body = result.draft.strip()
    banner = ""
    if body.startswith(OFFLINE_LABEL):
        banner, _, body = body.partition("\n")
        body = body.strip()
    if body and claims_completion(body) and not all_executed:
        body = NEUTRAL_OPENING
    lines = [status_line(a, o, context=context) for a, o in resolved]
    # Two escalations or a repeated status would read oddly; keep the first of each sentence.
    unique = list(dict.fromkeys(line for line in lines if line))
    parts = [banner, body or (NEUTRAL_OPENING if unique else HOLDING_REPLY), *unique]
    return "\n\n".join(part for part in parts if part)

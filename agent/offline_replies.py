"""What the offline model proposes and writes for each recognised request.

Each plan holds at most one proposal. When the request could mean more than one purchase, the plan
proposes nothing and asks which one: acting on a guess is worse than a question.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from agent.context import Purchase
from agent.intents import Intent, asks_for_one_seat
from agent.matching import charged_twice, named_purchases, part_asked, the_purchase_meant
from agent.money import format_money

# The status line that goes with an escalation says a colleague will follow up; this only thanks.
_THANKS = "Thank you for writing to us."
_NO_ACCOUNT = (
    "Thank you for writing to us. We could not find an account under the email address you "
    "wrote from. Which email address did you use when you signed up or bought from us?"
)


@dataclass(frozen=True, slots=True)
class Plan:
    """One proposal (tool and params, or none) and the reply and notes that go with it."""

    tool: str | None
    params: dict[str, Any]
    reply: str
    notes: str


def _escalate(reason: str, reply: str = _THANKS) -> Plan:
    return Plan("escalate_to_human", {"reason": reason}, reply, f"Escalated: {reason}")


def _ask_which(intent: Intent, purchases: list[Purchase]) -> Plan:
    listed = "\n".join(
        f"- {p.product}, {format_money(p.amount_cents, p.currency)} on {p.purchased_at:%-d %B %Y}"
        for p in sorted(purchases, key=lambda p: p.purchased_at)
    )
    doing = "refund" if intent == "refund" else "move"
    return Plan(
        None,
        {},
        f"Thank you for writing to us. You have more than one purchase with us; "
        f"which one would you like us to {doing}?\n\n{listed}",
        f"Asked which purchase: {len(purchases)} open purchases fit the {intent} request.",
    )


def _purchase_for(intent: Intent, text: str, purchases: list[dict[str, Any]]) -> Purchase | Plan:
    """The purchase the customer means, or the plan to use when there is none or no telling."""
    parsed = [Purchase.model_validate(p) for p in purchases]
    twice = charged_twice(text, parsed) if intent == "refund" else None
    meant = twice or the_purchase_meant(text, parsed)
    if meant is not None:
        return meant
    open_ones = [p for p in parsed if p.is_open]
    if not open_ones:
        return _escalate(f"No open purchase matches this {intent} request.")
    return _ask_which(intent, named_purchases(text, parsed) or open_ones)


def plan_for(
    intent: Intent,
    *,
    text: str,
    user: dict[str, Any] | None,
    purchases: list[dict[str, Any]],
    to_email: str | None,
) -> Plan:
    """The single action and reply for a request; anything unsure goes to a human."""
    if intent == "non_english":
        return _escalate("The message is not in English; the offline model cannot answer it.")
    if intent == "angry":
        return _escalate("The customer sounds upset; a person should answer.")
    if intent == "unclear":
        return _escalate("The offline model did not recognise the request.")
    if intent == "resolved":
        return Plan(
            None,
            {},
            "Glad to hear it is sorted. If anything else comes up, just reply to this email.",
            "The customer says the matter resolved itself; nothing to do.",
        )
    if user is None:
        return _escalate(f"No account was found for the sender ({intent} request).", _NO_ACCOUNT)
    if intent == "lost_access":
        return Plan(
            "send_magic_link",
            {"email": user["email"]},
            "Sorry you are having trouble getting in. Login emails can take a few minutes; "
            "if one does not arrive, please check your spam or junk folder too.",
            f"Customer cannot log in; proposed a login link to {user['email']} (on file).",
        )
    if intent == "email_change":
        assert to_email is not None  # classify() needs another address for this intent
        return Plan(
            "update_email",
            {"user_id": user["id"], "new_email": to_email},
            "Thanks for letting us know about your new email address.",
            f"Proposed changing the account email from {user['email']} to {to_email}.",
        )
    found = _purchase_for(intent, text, purchases)
    if isinstance(found, Plan):
        return found
    if intent == "transfer":
        if to_email is None:
            return Plan(
                None,
                {},
                f"We can move your {found.product} licence to someone else. Which email "
                "address should it go to?",
                "Asked for the new owner's email address before proposing a transfer.",
            )
        if asks_for_one_seat(text) and "seat" in found.product.lower():
            return _escalate(
                f"The customer asked to move one seat of {found.product}, not the whole licence."
            )
        return Plan(
            "transfer_license",
            {"purchase_id": found.id, "to_email": to_email},
            f"Thanks for getting in touch about moving your {found.product} licence.",
            f"Proposed moving {found.id} ({found.product}) to {to_email}.",
        )
    part = part_asked(text)
    amount = (
        part if part is not None and 0 < part < found.refundable_cents else found.refundable_cents
    )
    return Plan(
        "refund_purchase",
        {
            "purchase_id": found.id,
            "amount_cents": amount,
            "reason": "The customer asked for their money back.",
        },
        f"Thanks for getting in touch about your {found.product} purchase.",
        f"Proposed refunding {format_money(amount, found.currency)} of {found.id} "
        f"({found.product}).",
    )

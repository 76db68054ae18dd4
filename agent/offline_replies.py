"""What the offline model proposes and writes for each recognised request."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from agent.intents import Intent

_HOLDING = "Thanks for your message. A member of our team will read it and reply to you personally."


@dataclass(frozen=True, slots=True)
class Plan:
    """One proposal (tool and params) and the reply and notes that go with it."""

    tool: str
    params: dict[str, Any]
    reply: str
    notes: str


def _escalate(reason: str, reply: str = _HOLDING) -> Plan:
    return Plan("escalate_to_human", {"reason": reason}, reply, f"Escalated: {reason}")


def _latest_open(purchases: list[dict[str, Any]]) -> dict[str, Any] | None:
    open_ones = [p for p in purchases if p.get("status") != "refunded"]
    return max(open_ones, key=lambda p: (p["purchased_at"], p["id"])) if open_ones else None


def plan_for(
    intent: Intent,
    *,
    user: dict[str, Any] | None,
    purchases: list[dict[str, Any]],
    to_email: str | None,
) -> Plan:
    """The single action and reply for a request; anything unsure goes to a human."""
    if intent == "non_english":
        return _escalate(
            "The message is not in English; the offline model cannot answer it.",
            "Thanks for your message. We have passed it to a colleague who will reply to you soon.",
        )
    if intent == "angry":
        return _escalate("The customer sounds upset; a person should answer.")
    if intent == "unclear":
        return _escalate("The offline model did not recognise the request.")
    if user is None:
        return _escalate(f"No account was found for the sender ({intent} request).")
    if intent == "lost_access":
        return Plan(
            "send_magic_link",
            {"email": user["email"]},
            "Sorry you are having trouble getting in. We can send a one-time login link "
            "to the address we have on file.",
            f"Customer cannot log in; proposed a login link to {user['email']} (on file).",
        )
    purchase = _latest_open(purchases)
    if purchase is None:
        return _escalate(f"No open purchase matches this {intent} request.")
    if intent == "transfer":
        if to_email is None:
            return _escalate("The new owner's email address is missing.")
        return Plan(
            "transfer_license",
            {"purchase_id": purchase["id"], "to_email": to_email},
            f"Thanks for getting in touch about moving your {purchase['product']} licence.",
            f"Proposed moving {purchase['id']} ({purchase['product']}) to {to_email}.",
        )
    amount = int(purchase["amount_cents"]) - int(purchase.get("refunded_cents", 0))
    return Plan(
        "refund_purchase",
        {
            "purchase_id": purchase["id"],
            "amount_cents": amount,
            "reason": "The customer asked for their money back.",
        },
        f"Thanks for getting in touch about your {purchase['product']} purchase.",
        f"Proposed refunding {amount} cents of {purchase['id']} ({purchase['product']}), "
        "the most recent open purchase.",
    )

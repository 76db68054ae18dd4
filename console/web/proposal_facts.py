"""What an action would do, in a reviewer's words: product, price paid, date, what is left.

Also what might be wrong with it: a customer who named another sum or another purchase.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from agent.context import ConversationContext, Purchase
from agent.describe import param_value
from agent.matching import amounts_mentioned, customer_text, named_purchases
from agent.money import format_money

# How each param reads on the page; params not listed keep their own name.
PARAM_LABELS = {
    "amount_cents": "Refund",
    "to_email": "New owner",
    "new_email": "New email",
    "email": "Send to",
    "reason": "Reason",
    "purchase_id": "Purchase",
    "user_id": "Account",
}


@dataclass(frozen=True)
class Fact:
    """One line of the proposal: what it is, its value, and what the agent proposed if edited."""

    label: str
    value: str
    proposed: str | None = None
    param: str | None = None


def purchase_facts(purchase: Purchase) -> list[Fact]:
    """The purchase as a reviewer checks it before money moves."""
    paid = format_money(purchase.amount_cents, purchase.currency)
    return [
        Fact("Product", purchase.product),
        Fact("Price paid", paid),
        Fact("Bought on", f"{purchase.purchased_at:%-d %B %Y}"),
        Fact("Left to refund", format_money(purchase.refundable_cents, purchase.currency)),
        Fact("Purchase status", purchase.status.replace("_", " ")),
    ]


def param_facts(
    params: Mapping[str, Any], proposed: Mapping[str, Any] | None, *, currency: str
) -> list[Fact]:
    """Each param in words, with the agent's own value beside any a reviewer changed."""
    facts = []
    for name in sorted(params, key=_param_order):
        value = param_value(name, params[name], currency)
        before = None
        if proposed is not None and name in proposed and proposed[name] != params[name]:
            before = param_value(name, proposed[name], currency)
        label = PARAM_LABELS.get(name, name.replace("_", " ").capitalize())
        facts.append(Fact(label, value, proposed=before, param=name))
    return facts


def _param_order(name: str) -> tuple[int, str]:
    # The sum and the person first; ids, which reviewers rarely read, last.
    return (1 if name.endswith("_id") else 0, name)


def mismatches(tool: str, params: Mapping[str, Any], context: ConversationContext) -> list[str]:
    """Where the proposal differs from what the customer asked for: another sum or purchase."""
    text = customer_text(context)
    purchase = context.purchase(str(params.get("purchase_id")))
    warnings = []
    named = named_purchases(text, context.purchases)
    if purchase is not None and named and purchase.id not in {p.id for p in named}:
        meant = ", ".join(f"{p.product} ({p.id})" for p in named)
        warnings.append(
            f"The customer seems to mean {meant}, but this is about {purchase.product} "
            f"({purchase.id})."
        )
    amount = params.get("amount_cents")
    asked = amounts_mentioned(text)
    if tool == "refund_purchase" and isinstance(amount, int) and asked and amount not in asked:
        currency = purchase.currency if purchase is not None else "USD"
        sums = ", ".join(format_money(cents, currency) for cents in sorted(asked))
        warnings.append(
            f"The customer mentioned {sums}; this refunds {format_money(amount, currency)}."
        )
    return warnings

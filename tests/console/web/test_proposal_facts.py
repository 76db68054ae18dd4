"""The proposal in a reviewer's words, and the warnings when it is not what the customer asked."""

from __future__ import annotations

from datetime import timedelta

from console.web.proposal_facts import mismatches, param_facts, purchase_facts
from tests.agent.factories import conversation, purchase

TEAM = purchase("pur_team", amount_cents=24900, product="Team licence", refunded_cents=4900)
ADDON = purchase("pur_addon", amount_cents=900, product="Sync add-on", age=timedelta(days=9))


def test_a_purchase_reads_as_product_price_date_and_what_is_left() -> None:
    facts = {fact.label: fact.value for fact in purchase_facts(TEAM)}

    assert facts == {
        "Product": "Team licence",
        "Price paid": "$249.00",
        "Bought on": "8 March 2026",
        "Left to refund": "$200.00",
        "Purchase status": "paid",
    }


def test_an_edited_param_shows_the_agents_value_beside_it() -> None:
    proposed = {"purchase_id": "pur_team", "amount_cents": 20000, "reason": "asked"}
    edited = {**proposed, "amount_cents": 10000}

    facts = param_facts(edited, proposed, currency="EUR")

    assert [(f.label, f.value, f.proposed) for f in facts] == [
        ("Refund", "€100.00", "€200.00"),
        ("Reason", "asked", None),
        ("Purchase", "pur_team", None),
    ]


def test_another_sum_or_another_purchase_than_asked_is_flagged() -> None:
    context = conversation("Please refund $50 for my sync add-on", purchases=[TEAM, ADDON])
    refund = {"purchase_id": "pur_team", "amount_cents": 20000, "reason": "asked"}

    warnings = mismatches("refund_purchase", refund, context)

    assert warnings == [
        "The customer seems to mean Sync add-on (pur_addon), but this is about Team licence "
        "(pur_team).",
        "The customer mentioned $50.00; this refunds $200.00.",
    ]


def test_a_proposal_that_matches_the_request_raises_nothing() -> None:
    context = conversation("Please refund $200 of my team licence", purchases=[TEAM, ADDON])
    refund = {"purchase_id": "pur_team", "amount_cents": 20000, "reason": "asked"}

    assert mismatches("refund_purchase", refund, context) == []

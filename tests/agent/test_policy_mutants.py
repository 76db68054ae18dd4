"""The policy's edges that the verdict table leaves open: closed purchases, exact limits, reasons.

Reviewers read the reason next to every verdict, so each rule's reason is part of its behaviour.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from agent.actions import ProposedAction
from agent.context import AppPolicy, Purchase
from agent.policy import PolicyDecision, decide, decide_all
from tests.agent.factories import NOW, conversation, purchase

AUTO = AppPolicy(auto_refund_max_cents=5000, auto_refund_max_age_days=14)
FIVE_DOLLARS = AppPolicy(auto_refund_max_cents=500, auto_refund_max_age_days=14)


def action(tool: str, **params: Any) -> ProposedAction:
    return ProposedAction(tool=tool, params=params, tool_use_id="toolu_1")


def refund(purchase_id: str, amount: int) -> ProposedAction:
    return action("refund_purchase", purchase_id=purchase_id, amount_cents=amount, reason="asked")


def refuse(reason: str) -> PolicyDecision:
    return PolicyDecision(verdict="refuse", reason=reason)


def approval(reason: str) -> PolicyDecision:
    return PolicyDecision(verdict="needs_approval", reason=reason)


def auto(reason: str) -> PolicyDecision:
    return PolicyDecision(verdict="auto", reason=reason)


@pytest.mark.parametrize("status", ["refunded", "chargeback", "disputed", "cancelled"])
def test_a_closed_purchase_is_never_refunded_or_transferred(status: str) -> None:
    # Nothing has been paid back yet, so only the status can stop it.
    context = conversation("x", purchases=[purchase("pur_closed", status=status)])

    refunded = decide(refund("pur_closed", 100), context=context, policy=AUTO, now=NOW)
    moved = decide(
        action("transfer_license", purchase_id="pur_closed", to_email="bo@example.com"),
        context=context,
        policy=AUTO,
        now=NOW,
    )

    assert refunded == refuse(f"the purchase is {status} and cannot be refunded again")
    assert moved == refuse(f"the purchase is {status}; there is no licence to move")


def test_a_paid_purchase_with_nothing_left_cannot_be_refunded_again() -> None:
    spent = purchase("pur_spent", amount_cents=4900, refunded_cents=4900)
    context = conversation("x", purchases=[spent])

    decision = decide(refund("pur_spent", 100), context=context, policy=AUTO, now=NOW)

    assert decision == refuse("the purchase is paid and cannot be refunded again")


def test_the_last_cent_left_on_a_purchase_can_be_refunded() -> None:
    context = conversation("x", purchases=[purchase("pur_cent", refunded_cents=4899)])

    decision = decide(refund("pur_cent", 1), context=context, policy=AUTO, now=NOW)

    assert decision == auto("small, recent refund within the app's limits")


@pytest.mark.parametrize(
    ("policy", "age", "expected", "reason"),
    [
        # The smallest limits that are set still allow a refund inside them.
        (AppPolicy(auto_refund_max_cents=1, auto_refund_max_age_days=1), timedelta(0), "auto", ""),
        # A purchase made this very moment is recent.
        (AUTO, timedelta(0), "auto", ""),
        # A zero age limit means no automatic refunds at all, even for this moment's purchase.
        (
            AppPolicy(auto_refund_max_cents=5000),
            timedelta(0),
            "needs_approval",
            "this app refunds nothing without a human",
        ),
        # So does a zero money limit: no sum is "more than" a limit that was never set.
        (
            AppPolicy(auto_refund_max_cents=0, auto_refund_max_age_days=14),
            timedelta(0),
            "needs_approval",
            "this app refunds nothing without a human",
        ),
        # A purchase dated in the future is not "recent": someone's clock or data is wrong.
        (AUTO, -timedelta(seconds=1), "needs_approval", "the purchase is dated in the future"),
        (
            AUTO,
            timedelta(days=14, seconds=1),
            "needs_approval",
            "the purchase is 14 days old, past the app's 14-day automatic refund window",
        ),
    ],
    ids=[
        "smallest-limits",
        "bought-this-moment",
        "no-age-limit",
        "no-money-limit",
        "bought-in-the-future",
        "old",
    ],
)
def test_an_automatic_refund_needs_both_limits_set_and_both_to_hold(
    policy: AppPolicy, age: timedelta, expected: str, reason: str
) -> None:
    context = conversation("x", purchases=[purchase("pur_now", age=age)])

    decision = decide(refund("pur_now", 1), context=context, policy=policy, now=NOW)

    assert decision.verdict == expected, decision.reason
    if expected == "needs_approval":
        assert decision == approval(reason)


def test_a_refund_past_the_automatic_limit_says_both_sums_in_money() -> None:
    context = conversation("A refund on pur_new, please.")

    decision = decide(refund("pur_new", 4900), context=context, policy=FIVE_DOLLARS, now=NOW)

    assert decision == approval("$49.00 is more than the app's automatic refund limit of $5.00")


def test_a_refund_past_the_automatic_limit_names_both_sums_in_the_purchase_currency() -> None:
    context = conversation("A refund on pur_eur, please.", purchases=[_in("eur", "pur_eur")])

    decision = decide(refund("pur_eur", 4900), context=context, policy=FIVE_DOLLARS, now=NOW)

    assert decision == approval("€49.00 is more than the app's automatic refund limit of €5.00")


def test_a_one_cent_refund_is_allowed_and_a_zero_one_is_not() -> None:
    context = conversation("A refund on pur_new, please.")

    one_cent = decide(refund("pur_new", 1), context=context, policy=AUTO, now=NOW)
    nothing = decide(refund("pur_new", 0), context=context, policy=AUTO, now=NOW)

    assert one_cent.verdict == "auto"
    assert nothing == refuse("a refund amount must be positive")


def test_a_refund_past_what_is_left_names_both_sums_in_the_purchase_currency() -> None:
    context = conversation(
        "x",
        purchases=[purchase("pur_eur", amount_cents=900).model_copy(update={"currency": "eur"})],
    )

    decision = decide(refund("pur_eur", 1000), context=context, policy=AUTO, now=NOW)

    assert decision == refuse("€10.00 is more than the €9.00 left on the purchase")


REASONS: list[tuple[ProposedAction, AppPolicy, PolicyDecision]] = [
    (refund("pur_x", 100), AUTO, refuse("the purchase does not belong to this customer")),
    (
        action("transfer_license", purchase_id="pur_x", to_email="bo@example.com"),
        AUTO,
        refuse("the purchase does not belong to this customer"),
    ),
    (
        action("transfer_license", purchase_id="pur_new", to_email="bo at example"),
        AUTO,
        refuse("the new owner's email address is not valid"),
    ),
    (
        action("transfer_license", purchase_id="pur_new", to_email="ann@example.com"),
        AUTO,
        refuse("the licence already belongs to that address"),
    ),
    (
        action("transfer_license", purchase_id="pur_new", to_email="bo@example.com"),
        AUTO,
        approval("licence transfers always need a human"),
    ),
    (
        action("send_magic_link", email="eve@evil.test"),
        AUTO,
        refuse("login links go only to the address on file"),
    ),
    (
        action("send_magic_link", email="ann@example.com"),
        AUTO,
        auto("login link to the address on file"),
    ),
    (
        action("send_magic_link", email="ann@example.com"),
        AppPolicy(auto_magic_link=False),
        approval("this app asks a human before sending login links"),
    ),
    (
        action("update_email", user_id="usr_bob", new_email="ann@new.example"),
        AUTO,
        refuse("the account is not this customer's"),
    ),
    (
        action("update_email", user_id="usr_ann", new_email="nope"),
        AUTO,
        refuse("the new email address is not valid"),
    ),
    (
        action("update_email", user_id="usr_ann", new_email="ANN@example.com"),
        AUTO,
        refuse("the account already uses that address"),
    ),
    (
        action("update_email", user_id="usr_ann", new_email="ann@new.example"),
        AUTO,
        approval("email changes always need a human"),
    ),
    (
        action("escalate_to_human", reason="angry"),
        AUTO,
        auto("escalation only tags and comments"),
    ),
    (
        refund("pur_old", 100),
        AUTO,
        approval("the purchase is 60 days old, past the app's 14-day automatic refund window"),
    ),
    (refund("pur_new", 100), AUTO, auto("small, recent refund within the app's limits")),
]


@pytest.mark.parametrize(("proposed", "policy", "expected"), REASONS)
def test_each_rule_gives_reviewers_its_own_reason(
    proposed: ProposedAction, policy: AppPolicy, expected: PolicyDecision
) -> None:
    # The customer names the purchase, so only the rule under test decides.
    named = conversation(f"About {proposed.params.get('purchase_id', 'my account')}.")
    assert decide(proposed, context=named, policy=policy, now=NOW) == expected


def test_no_account_on_file_gets_no_login_link() -> None:
    context = conversation("x", customer=None, purchases=[])

    decision = decide(
        action("send_magic_link", email="ann@example.com"), context=context, policy=AUTO, now=NOW
    )

    assert decision == refuse("no account on file to send a login link for")


def _verdicts(
    proposals: list[ProposedAction],
    purchases: list[Purchase],
    policy: AppPolicy = FIVE_DOLLARS,
    earlier: dict[str, int] | None = None,
) -> list[PolicyDecision]:
    # The customer names each purchase, so only the limits under test decide.
    named = " ".join(str(p.params.get("purchase_id", "")) for p in proposals)
    context = conversation(f"Please refund {named}.", purchases=purchases)
    decided = decide_all(
        proposals, context=context, policy=policy, now=NOW, earlier_auto_refunds=earlier
    )
    return [decision for _, decision in decided]


ON_PURCHASE = approval("automatic refunds on this purchase would pass $5.00 within 30 days")
TO_CUSTOMER = approval("automatic refunds to this customer would pass $5.00 within 30 days")
WITHIN = auto("small, recent refund within the app's limits")


def test_a_repeated_proposal_is_refused_with_its_reason() -> None:
    assert _verdicts([refund("pur_a", 100)] * 2, [purchase("pur_a")])[1] == refuse(
        "the same action was already proposed in this run"
    )


def test_refunds_adding_up_past_the_price_are_refused_with_their_reason() -> None:
    decisions = _verdicts(
        [refund("pur_a", 500), refund("pur_a", 401)], [purchase("pur_a", amount_cents=900)]
    )
    assert decisions[1] == refuse(
        "refunds in this run add up to $9.01, more than the $9.00 left on the purchase"
    )


def test_refunds_adding_up_past_the_price_are_named_in_the_purchase_currency() -> None:
    decisions = _verdicts(
        [refund("pur_a", 500), refund("pur_a", 401)],
        [purchase("pur_a", amount_cents=900).model_copy(update={"currency": "gbp"})],
    )
    assert decisions[1] == refuse(
        "refunds in this run add up to £9.01, more than the £9.00 left on the purchase"
    )


def test_a_refused_refund_does_not_count_towards_the_run_total() -> None:
    # 950 is more than the 900 price and refused; the 900 after it is the whole price, not more.
    decisions = _verdicts(
        [refund("pur_a", 950), refund("pur_a", 900)],
        [purchase("pur_a", amount_cents=900)],
        policy=AUTO,
    )
    assert [d.verdict for d in decisions] == ["refuse", "auto"]


def test_split_refunds_exactly_at_the_limit_all_run_automatically() -> None:
    decisions = _verdicts(
        [refund("pur_a", 250), refund("pur_a", 249), refund("pur_a", 1)], [purchase("pur_a")]
    )
    assert decisions == [WITHIN, WITHIN, WITHIN]


def test_the_purchase_limit_counts_every_earlier_refund_on_that_purchase() -> None:
    decisions = _verdicts(
        [refund("pur_a", 200), refund("pur_a", 201), refund("pur_a", 100)], [purchase("pur_a")]
    )
    assert decisions == [WITHIN, WITHIN, ON_PURCHASE]


def test_refunds_on_different_purchases_pass_the_customer_limit_not_a_purchase_one() -> None:
    decisions = _verdicts(
        [refund("pur_a", 300), refund("pur_b", 300)], [purchase("pur_a"), purchase("pur_b")]
    )
    assert decisions == [WITHIN, TO_CUSTOMER]


def test_the_customer_limit_counts_every_automatic_refund_of_the_run() -> None:
    purchases = [purchase("pur_a"), purchase("pur_b"), purchase("pur_c")]
    decisions = _verdicts(
        [refund("pur_a", 200), refund("pur_b", 200), refund("pur_c", 200)], purchases
    )
    assert decisions == [WITHIN, WITHIN, TO_CUSTOMER]


def _in(currency: str, purchase_id: str) -> Purchase:
    return purchase(purchase_id).model_copy(update={"currency": currency})


def test_the_limit_is_named_in_the_customers_currency() -> None:
    decisions = _verdicts(
        [refund("pur_a", 300)], [_in("eur", "pur_a"), _in("eur", "pur_b")], earlier={"pur_a": 300}
    )
    assert decisions == [
        approval("automatic refunds on this purchase would pass €5.00 within 30 days")
    ]


def test_with_purchases_in_several_currencies_the_limit_is_named_in_dollars() -> None:
    decisions = _verdicts(
        [refund("pur_a", 300)], [_in("eur", "pur_a"), _in("gbp", "pur_b")], earlier={"pur_a": 300}
    )
    assert decisions == [ON_PURCHASE]


def test_the_overflow_escalation_explains_itself_to_the_reviewer() -> None:
    many = [refund("pur_new", 10 + n) for n in range(7)]

    escalation, decision = decide_all(many, context=conversation("x"), policy=AUTO, now=NOW)[-1]

    assert escalation.rationale == escalation.params["reason"]
    assert decision == auto("escalation only tags and comments")

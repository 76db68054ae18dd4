"""The risk policy, row by row: every verdict and the boundaries between them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from agent.actions import ProposedAction
from agent.context import AppPolicy
from agent.policy import MAX_PROPOSALS_PER_RUN, OVERFLOW_TOOL_USE_ID, Verdict, decide, decide_all
from tests.agent.factories import NOW, conversation, purchase

DEFAULT = AppPolicy()
AUTO = AppPolicy(auto_refund_max_cents=5000, auto_refund_max_age_days=14)
NO_AUTO_LINKS = AppPolicy(auto_magic_link=False)


def action(tool: str, **params: Any) -> ProposedAction:
    return ProposedAction(tool=tool, params=params, tool_use_id="toolu_1")


def refund(purchase_id: str, amount: object, **extra: Any) -> ProposedAction:
    return action(
        "refund_purchase", purchase_id=purchase_id, amount_cents=amount, reason="asked", **extra
    )


ROWS: list[tuple[str, ProposedAction, AppPolicy, Verdict]] = [
    # Refunds: approval by default, auto only inside both configured limits.
    ("refund needs approval by default", refund("pur_new", 4900), DEFAULT, "needs_approval"),
    ("small recent refund is auto", refund("pur_new", 4900), AUTO, "auto"),
    ("amount equal to the limit, age equal to the limit", refund("pur_edge", 5000), AUTO, "auto"),
    ("one cent over the amount limit", refund("pur_edge", 5001), AUTO, "needs_approval"),
    ("one second past the age limit", refund("pur_late", 1000), AUTO, "needs_approval"),
    ("old purchase", refund("pur_old", 100), AUTO, "needs_approval"),
    (
        "only the amount limit set",
        refund("pur_new", 100),
        AppPolicy(auto_refund_max_cents=5000),
        "needs_approval",
    ),
    (
        "only the age limit set",
        refund("pur_new", 100),
        AppPolicy(auto_refund_max_age_days=14),
        "needs_approval",
    ),
    ("full price", refund("pur_old", 9900), DEFAULT, "needs_approval"),
    ("one cent above the price", refund("pur_old", 9901), DEFAULT, "refuse"),
    ("above the price even when auto is on", refund("pur_new", 4901), AUTO, "refuse"),
    ("zero amount", refund("pur_new", 0), AUTO, "refuse"),
    ("negative amount", refund("pur_new", -100), AUTO, "refuse"),
    ("already refunded purchase", refund("pur_refunded", 100), AUTO, "refuse"),
    ("what is left of a partial refund", refund("pur_partial", 4000), DEFAULT, "needs_approval"),
    ("more than is left of a partial refund", refund("pur_partial", 4001), AUTO, "refuse"),
    ("another customer's purchase", refund("pur_someone_else", 100), AUTO, "refuse"),
    ("amount as a string", refund("pur_new", "4900"), AUTO, "refuse"),
    ("amount as a float", refund("pur_new", 49.0), AUTO, "refuse"),
    ("amount as a boolean", refund("pur_new", True), AUTO, "refuse"),
    ("an extra param", refund("pur_new", 100, approved=True), AUTO, "refuse"),
    ("a missing param", action("refund_purchase", purchase_id="pur_new"), AUTO, "refuse"),
    # Transfers always need a human.
    (
        "transfer",
        action("transfer_license", purchase_id="pur_new", to_email="bo@example.com"),
        AUTO,
        "needs_approval",
    ),
    (
        "transfer to the owner",
        action("transfer_license", purchase_id="pur_new", to_email="ANN@example.com"),
        DEFAULT,
        "refuse",
    ),
    (
        "transfer to a bad address",
        action("transfer_license", purchase_id="pur_new", to_email="bo at example"),
        DEFAULT,
        "refuse",
    ),
    (
        "transfer of another's purchase",
        action("transfer_license", purchase_id="pur_x", to_email="bo@example.com"),
        DEFAULT,
        "refuse",
    ),
    (
        "transfer of a refunded purchase",
        action("transfer_license", purchase_id="pur_refunded", to_email="bo@example.com"),
        DEFAULT,
        "refuse",
    ),
    # Login links: auto to the address on file, never anywhere else.
    (
        "link to the address on file",
        action("send_magic_link", email="ann@example.com"),
        DEFAULT,
        "auto",
    ),
    (
        "address on file, other case",
        action("send_magic_link", email=" Ann@Example.COM"),
        DEFAULT,
        "auto",
    ),
    ("link to another address", action("send_magic_link", email="eve@evil.test"), AUTO, "refuse"),
    (
        "app wants links approved",
        action("send_magic_link", email="ann@example.com"),
        NO_AUTO_LINKS,
        "needs_approval",
    ),
    # Email changes always need a human.
    (
        "email change",
        action("update_email", user_id="usr_ann", new_email="ann@new.example"),
        AUTO,
        "needs_approval",
    ),
    (
        "email change of another account",
        action("update_email", user_id="usr_bob", new_email="ann@new.example"),
        AUTO,
        "refuse",
    ),
    (
        "email change to the same address",
        action("update_email", user_id="usr_ann", new_email="ann@example.com"),
        DEFAULT,
        "refuse",
    ),
    (
        "email change to a bad address",
        action("update_email", user_id="usr_ann", new_email="nope"),
        DEFAULT,
        "refuse",
    ),
    # Escalation only tags and comments.
    ("escalate", action("escalate_to_human", reason="angry customer"), DEFAULT, "auto"),
    ("escalate without a reason", action("escalate_to_human", reason=""), DEFAULT, "refuse"),
    # Anything else is refused.
    ("unknown tool", action("delete_account", user_id="usr_ann"), AUTO, "refuse"),
    (
        "a read-only tool as an action",
        action("lookup_user", email="ann@example.com"),
        AUTO,
        "refuse",
    ),
]


@pytest.mark.parametrize(("case", "proposed", "policy", "expected"), ROWS, ids=[r[0] for r in ROWS])
def test_policy_verdict(
    case: str, proposed: ProposedAction, policy: AppPolicy, expected: Verdict
) -> None:
    # The customer names the purchase, so only the rule under test decides.
    named = f"Help with {proposed.params.get('purchase_id', 'my account')}, please."
    decision = decide(proposed, context=conversation(named), policy=policy, now=NOW)
    assert decision.verdict == expected, f"{case}: {decision.reason}"
    assert decision.reason


def test_no_customer_on_file_refuses_every_account_action() -> None:
    context = conversation("help", customer=None, purchases=[])
    for proposed in [
        action("send_magic_link", email="ann@example.com"),
        action("update_email", user_id="usr_ann", new_email="a@b.example"),
        refund("pur_new", 100),
    ]:
        assert decide(proposed, context=context, policy=AUTO, now=NOW).verdict == "refuse"


def test_repeated_action_in_one_run_is_refused_the_second_time() -> None:
    first, second = refund("pur_new", 100), refund("pur_new", 100)
    verdicts = [
        d.verdict
        for _, d in decide_all(
            [first, second], context=conversation("pur_new"), policy=AUTO, now=NOW
        )
    ]
    assert verdicts == ["auto", "refuse"]


def test_refunds_adding_up_past_the_price_are_refused() -> None:
    halves = [refund("pur_new", 2500), refund("pur_new", 2400), refund("pur_new", 1)]
    verdicts = [
        d.verdict
        for _, d in decide_all(halves, context=conversation("pur_new"), policy=AUTO, now=NOW)
    ]
    assert verdicts == ["auto", "auto", "refuse"]


def test_default_now_is_the_current_time() -> None:
    bought_an_hour_ago = purchase("pur_fresh", age=NOW - datetime.now(UTC) + timedelta(hours=1))
    context = conversation("x", purchases=[bought_an_hour_ago])
    decision = decide(refund("pur_fresh", 100), context=context, policy=AUTO)
    assert decision.verdict == "auto", decision.reason


NINE_DOLLARS = AppPolicy(auto_refund_max_cents=500, auto_refund_max_age_days=14)


def test_split_refunds_count_against_one_automatic_limit() -> None:
    context = conversation("x", purchases=[purchase("pur_addon", amount_cents=900)])
    second = action("refund_purchase", purchase_id="pur_addon", amount_cents=450, reason="more")
    halves = [refund("pur_addon", 450), second]

    decided = decide_all(halves, context=context, policy=NINE_DOLLARS, now=NOW)

    assert [d.verdict for _, d in decided] == ["auto", "needs_approval"]
    assert decided[1][1].reason == (
        "automatic refunds on this purchase would pass $5.00 within 30 days"
    )


def test_earlier_automatic_refunds_on_the_purchase_count_against_the_limit() -> None:
    context = conversation("x", purchases=[purchase("pur_addon", amount_cents=900)])
    earlier = {"pur_addon": 100}

    fits = decide_all(
        [refund("pur_addon", 400)],
        context=context,
        policy=NINE_DOLLARS,
        now=NOW,
        earlier_auto_refunds=earlier,
    )
    passes = decide_all(
        [refund("pur_addon", 401)],
        context=context,
        policy=NINE_DOLLARS,
        now=NOW,
        earlier_auto_refunds=earlier,
    )

    assert [d.verdict for _, d in fits] == ["auto"]
    assert [d.verdict for _, d in passes] == ["needs_approval"]


def test_automatic_refunds_to_one_customer_add_up_across_purchases() -> None:
    context = conversation(
        "Refund pur_b too, please.",
        purchases=[purchase("pur_a", amount_cents=900), purchase("pur_b", amount_cents=900)],
    )

    decided = decide_all(
        [refund("pur_b", 300)],
        context=context,
        policy=NINE_DOLLARS,
        now=NOW,
        earlier_auto_refunds={"pur_a": 300},
    )

    [(_, decision)] = decided
    assert decision.verdict == "needs_approval"
    assert decision.reason == "automatic refunds to this customer would pass $5.00 within 30 days"


def test_other_customers_refunds_do_not_count_against_this_customer() -> None:
    context = conversation("x", purchases=[purchase("pur_addon", amount_cents=900)])

    decided = decide_all(
        [refund("pur_addon", 500)],
        context=context,
        policy=NINE_DOLLARS,
        now=NOW,
        earlier_auto_refunds={"pur_someone_else": 500},
    )

    assert [d.verdict for _, d in decided] == ["auto"]


def test_refunds_needing_a_human_do_not_use_up_the_automatic_limit() -> None:
    context = conversation("x", purchases=[purchase("pur_addon", amount_cents=900)])
    proposals = [refund("pur_addon", 600), refund("pur_addon", 300)]

    decided = decide_all(proposals, context=context, policy=NINE_DOLLARS, now=NOW)

    assert [d.verdict for _, d in decided] == ["needs_approval", "auto"]


def test_a_run_past_the_proposal_cap_goes_to_a_person_as_one_escalation() -> None:
    many = [refund("pur_new", 10 + n) for n in range(MAX_PROPOSALS_PER_RUN + 2)]

    decided = decide_all(many, context=conversation("pur_new"), policy=AUTO, now=NOW)

    verdicts = [d.verdict for _, d in decided]
    assert verdicts[:MAX_PROPOSALS_PER_RUN] == ["auto"] * MAX_PROPOSALS_PER_RUN
    assert verdicts[MAX_PROPOSALS_PER_RUN:-1] == ["refuse", "refuse"]
    escalation, decision = decided[-1]
    assert (escalation.tool, decision.verdict) == ("escalate_to_human", "auto")
    assert escalation.tool_use_id == OVERFLOW_TOOL_USE_ID
    assert f"proposed {MAX_PROPOSALS_PER_RUN + 2} actions" in escalation.params["reason"]
    assert sum(a.tool == "escalate_to_human" for a, _ in decided) == 1


def test_a_run_at_the_proposal_cap_is_not_escalated() -> None:
    exactly = [refund("pur_new", 10 + n) for n in range(MAX_PROPOSALS_PER_RUN)]

    decided = decide_all(exactly, context=conversation("x"), policy=AUTO, now=NOW)

    assert [a.tool for a, _ in decided] == ["refund_purchase"] * MAX_PROPOSALS_PER_RUN


def test_a_refund_past_what_is_left_is_refused_in_money() -> None:
    context = conversation("x", purchases=[purchase("pur_life", amount_cents=24900)])

    decision = decide(refund("pur_life", 500000), context=context, policy=DEFAULT, now=NOW)

    assert decision.verdict == "refuse"
    assert decision.reason == "$5,000.00 is more than the $249.00 left on the purchase"


GRACE = [
    purchase(
        "pur_lifetime",
        amount_cents=24900,
        age=timedelta(days=190),
        product="Pro licence (lifetime)",
    ),
    purchase("pur_addon", amount_cents=900, age=timedelta(days=9), product="Sync add-on (1 year)"),
]
SMALL_AUTO = AppPolicy(auto_refund_max_cents=2000, auto_refund_max_age_days=14)


@pytest.mark.parametrize(
    "text",
    [
        "Can I get a refund for the sync add-on?",
        "I would like my $9 back, please.",
        "Please refund pur_addon.",
    ],
)
def test_a_refund_of_the_purchase_the_customer_named_may_run_on_its_own(text: str) -> None:
    context = conversation(text, purchases=GRACE)
    decision = decide(refund("pur_addon", 900), context=context, policy=SMALL_AUTO, now=NOW)
    assert decision.verdict == "auto", decision.reason


@pytest.mark.parametrize(
    "text",
    [
        "I want a refund for my lifetime licence, I paid $249.00.",
        "Refund please.",
        "I paid 249.00 for the licence and want my money back.",
    ],
)
def test_a_refund_of_a_purchase_the_customer_did_not_name_needs_a_human(text: str) -> None:
    context = conversation(text, purchases=GRACE)
    decision = decide(refund("pur_addon", 900), context=context, policy=SMALL_AUTO, now=NOW)
    assert decision.verdict == "needs_approval"
    assert decision.reason == (
        "the customer did not name Sync add-on (1 year) and has other purchases it could be"
    )


def test_the_only_open_purchase_needs_no_naming() -> None:
    closed = purchase("pur_old", status="refunded", refunded_cents=4900, product="Sync add-on")
    context = conversation("Refund please.", purchases=[closed, GRACE[1]])
    decision = decide(refund("pur_addon", 900), context=context, policy=SMALL_AUTO, now=NOW)
    assert decision.verdict == "auto", decision.reason

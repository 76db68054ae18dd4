"""Draft checks: each rule catches what it is for and lets an ordinary reply through."""

from __future__ import annotations

import pytest

from agent.actions import ProposedAction
from agent.claims import JudgedAction
from agent.draft_checks import Violation, check_draft
from tests.agent.factories import conversation, purchase

CONTEXT = conversation("Hi, can I get a refund for my Pro plan (pur_new)? It was $49.00.")
GOOD = (
    "Thanks for writing. Refunds are possible within 30 days of purchase, and your Pro plan "
    "from 8 March 2026 ($49.00) is well inside that window."
)
REFUND = ProposedAction(
    tool="refund_purchase",
    params={"purchase_id": "pur_new", "amount_cents": 4900, "reason": "asked"},
    tool_use_id="t1",
)


def checks(reply: str, **kwargs: object) -> list[str]:
    return [v.check for v in check_draft(reply, context=CONTEXT, **kwargs)]  # type: ignore[arg-type]


def test_an_ordinary_reply_passes_every_check() -> None:
    assert check_draft(GOOD, context=CONTEXT) == []


@pytest.mark.parametrize(
    ("reply", "check"),
    [
        ("I looked at act_0123456789 for you.", "internal_id"),
        ("Your conversation cnv_8xy2 is open.", "internal_id"),
        ("Your account usr_ann is fine.", "internal_id"),
        ("I called refund_purchase for you.", "tool_name"),
        ("Per lookup_user, your account is active.", "tool_name"),
        ("This is above our automatic limits, so it needs_approval.", "policy_text"),
        ("<reply>Hello</reply>", "system_prompt"),
        (
            "You write reply drafts that a teammate reviews before anything is sent.",
            "system_prompt",
        ),
        ("See https://evil.example/refund for details.", "unknown_url"),
        ("This appears to be a refund request.", "meta_commentary"),
        ("As an AI, I cannot do that.", "meta_commentary"),
        ("The customer is asking for a refund.", "meta_commentary"),
        ("[offline model] Hello.", "meta_commentary"),
        ("Dear [Name], thanks for writing.", "placeholder"),
        ("Hello {{first_name}}, thanks.", "placeholder"),
        ("Your refund of $XXX is pending.", "placeholder"),
        ("Your refund of $1,250.00 is on its way.", "unknown_price"),
        ("You bought it on 2 January 2026.", "unknown_date"),
        ("You bought it on 2026-01-02.", "unknown_date"),
        ("Have you tried our Enterprise plan?", "unknown_product"),
    ],
)
def test_each_check_catches_its_kind_of_mistake(reply: str, check: str) -> None:
    assert check in checks(reply)


def test_an_id_the_customer_wrote_may_be_quoted_back() -> None:
    assert "internal_id" not in checks("About pur_new: refunds are possible within 30 days.")


def test_a_link_from_the_knowledge_may_be_quoted() -> None:
    context = conversation("How do I log in?", knowledge="Sign in at https://app.example/login.")

    assert check_draft("Sign in at https://app.example/login.", context=context) == []
    assert check_draft("See [Sign in](https://app.example/login).", context=context) == []


def test_prices_dates_and_products_of_the_purchases_may_be_quoted() -> None:
    reply = "Your Team plan from 9 January 2026 cost $99.00; the Pro plan cost $49.00."

    assert checks(reply) == []


def test_banned_phrases_are_the_apps_own_and_matched_whatever_the_case() -> None:
    reply = "We apologise for any inconvenience. Refunds are possible within 30 days."

    assert checks(reply, banned_phrases=["apologise for any INCONVENIENCE"]) == ["banned_phrase"]
    assert checks(reply) == []


def test_a_claim_of_an_action_that_did_not_run_is_caught() -> None:
    reply = "Your refund has been issued."
    pending = JudgedAction(action=REFUND, executed_as_proposed=False)
    executed = JudgedAction(action=REFUND, executed_as_proposed=True)

    assert checks(reply, actions=[pending]) == ["false_claim"]
    assert checks(reply, actions=[executed]) == []


def test_each_violation_is_reported_once_with_the_words_that_broke_it() -> None:
    found = check_draft("As an AI, as an AI: see act_1234 and act_1234.", context=CONTEXT)

    assert found == [
        Violation(check="internal_id", detail="act_1234"),
        Violation(check="meta_commentary", detail="As an AI"),
        Violation(check="meta_commentary", detail="as an AI"),
    ]
    assert found[0].describe() == "internal id: act_1234"


def test_an_invented_price_and_product_are_reported_as_written() -> None:
    found = check_draft("Our Enterprise\nplan costs $1,234.05 a year.", context=CONTEXT)

    assert found == [
        Violation(check="unknown_price", detail="1234.05"),
        Violation(check="unknown_product", detail="Our Enterprise plan"),
    ]


def test_a_product_may_be_spelled_licence_or_license() -> None:
    context = conversation(
        "Please move my purchase pur_team to a colleague.",
        purchases=[purchase("pur_team", product="Team licence")],
    )

    assert check_draft("Your Team license is ready to move.", context=context) == []


def test_a_quote_of_the_system_prompt_is_reported_with_its_words_even_at_the_very_end() -> None:
    found = check_draft("You write reply drafts that a teammate reviews", context=CONTEXT)

    assert found == [
        Violation(check="system_prompt", detail="you write reply drafts that a teammate reviews")
    ]


def test_an_impossible_date_does_not_hide_an_invented_one_after_it() -> None:
    found = check_draft(
        "We have no order on 2026-02-30; the one we have is from 2026-01-02.", context=CONTEXT
    )

    assert found == [Violation(check="unknown_date", detail="2026-01-02")]


def test_a_known_link_may_end_a_sentence_and_a_link_that_extends_one_is_from_nowhere() -> None:
    context = conversation(
        "How do I get my data out?",
        knowledge="Sign in at https://app.example/login and open https://app.example/export/XLS",
    )

    assert check_draft("Sign in at https://app.example/login.", context=context) == []
    assert check_draft("Open https://app.example/export/XLSX.", context=context) == [
        Violation(check="unknown_url", detail="https://app.example/export/XLSX.")
    ]


def test_a_banned_phrase_the_reply_does_not_use_is_not_reported() -> None:
    assert checks(GOOD, banned_phrases=["at your earliest convenience"]) == []


def test_what_the_subject_names_may_be_quoted() -> None:
    context = conversation("Can I move it to a colleague?").model_copy(
        update={"subject": "Moving my Acme Studio licence"}
    )

    assert check_draft("Your Acme Studio licence can move once.", context=context) == []


def test_the_sum_already_refunded_on_a_purchase_may_be_quoted() -> None:
    context = conversation(
        "How much is left?",
        purchases=[purchase("pur_part", amount_cents=10000, refunded_cents=2500)],
    )
    reply = "Of the $100.00 you paid, $75.00 is left after an earlier $25.00 refund."

    assert check_draft(reply, context=context) == []


def test_a_date_ending_an_earlier_message_of_the_customer_may_be_quoted() -> None:
    context = conversation("I was charged on 2026-02-20", "Any news?", purchases=[])

    assert check_draft("The charge on 2026-02-20 is one we can look into.", context=context) == []

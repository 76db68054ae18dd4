"""A reply may say an action was done only when that action was executed as proposed."""

from __future__ import annotations

from typing import Any

import pytest

from agent.actions import ProposedAction
from agent.claims import JudgedAction, claims_completion, false_claims

PARAMS: dict[str, dict[str, Any]] = {
    "refund_purchase": {"purchase_id": "pur_1", "amount_cents": 24900, "reason": "asked"},
    "transfer_license": {"purchase_id": "pur_1", "to_email": "bob@example.com"},
    "update_email": {"user_id": "usr_1", "new_email": "ann@new.example"},
    "send_magic_link": {"email": "ann@example.com"},
}


def judged(tool: str, *, executed: bool, use: str = "t1") -> JudgedAction:
    action = ProposedAction(tool=tool, params=PARAMS[tool], tool_use_id=use)
    values = ("$249.00", "Pro licence", *(v for k, v in PARAMS[tool].items() if "email" in k))
    return JudgedAction(action=action, executed_as_proposed=executed, values=values)


# (tool, reply) pairs where the reply says the action happened.
CLAIMS = [
    ("transfer_license", "Your licence was moved to bob@example.com … all set!"),
    ("transfer_license", "Your licence was moved to bob@example.com. You're all set!"),
    ("transfer_license", "The Pro licence has been transferred to Bob."),
    ("transfer_license", "Bob now has the licence."),
    ("transfer_license", "I've moved it over to bob@example.com for you."),
    ("transfer_license", "Good news: the seat went through to bob@example.com."),
    ("refund_purchase", "I've gone ahead and refunded your purchase."),
    ("refund_purchase", "You should see the refund on your card within 5 days."),
    ("refund_purchase", "You'll see the $249.00 back on your card soon."),
    ("refund_purchase", "We have refunded you in full."),
    ("refund_purchase", "Your refund has been issued."),
    ("refund_purchase", "The money is back in your account."),
    ("refund_purchase", "Refund processed!"),
    ("refund_purchase", "Your refund is on its way."),
    ("refund_purchase", "I just went ahead and took care of it: refund complete."),
    ("refund_purchase", "That's already done."),
    ("refund_purchase", "Done! Anything else?"),
    ("refund_purchase", "I have credited $249.00 to your card."),
    ("refund_purchase", "I've initiated a full refund for you."),
    ("refund_purchase", "You'll get your money back within a week."),
    ("transfer_license", "bob@example.com is now the owner of the licence."),
    ("transfer_license", "The licence is now registered to bob@example.com."),
    ("refund_purchase", "Your refund has been approved and will arrive shortly."),
    ("update_email", "Your account email has been changed to ann@new.example."),
    ("update_email", "Your account now uses ann@new.example."),
    ("update_email", "I've updated the address on your account."),
    ("send_magic_link", "I've sent you a login link."),
    ("send_magic_link", "A login link has been emailed to you; it should arrive in a minute."),
    ("send_magic_link", "You should have received a sign-in link by now."),
]

# Replies that speak of the action without saying it happened.
HONEST = [
    ("refund_purchase", "Our team will review your refund request shortly."),
    ("refund_purchase", "A teammate will get back to you about the refund."),
    ("refund_purchase", "We need a quick check before you get a refund."),
    ("refund_purchase", "Once approved, you should see the refund within 5 days."),
    ("refund_purchase", "Your refund will be issued as soon as a teammate approves it."),
    ("refund_purchase", "I've asked our billing team to look at your refund."),
    ("refund_purchase", "Your refund has not been processed yet."),
    ("refund_purchase", "We cannot refund this purchase, I'm afraid."),
    ("refund_purchase", "Thanks for getting in touch about your Pro licence purchase."),
    ("transfer_license", "Thanks for getting in touch about moving your Pro licence."),
    ("transfer_license", "The licence can be moved to bob@example.com after review."),
    ("transfer_license", "The licence hasn't been moved yet; a teammate is reviewing it."),
    ("send_magic_link", "We can send a one-time login link to the address on file."),
    ("update_email", "We'll change the email once a teammate has checked the request."),
    (
        "refund_purchase",
        "Hi Katherine, thanks for reaching out. I've looked into your account and can see your "
        "Pro licence purchase. I've submitted a refund request for $249.00, which our team will "
        "review shortly. You'll receive a confirmation once it's been processed. Best, Support",
    ),
]


@pytest.mark.parametrize(("tool", "reply"), CLAIMS)
def test_a_claim_about_an_action_that_did_not_run_is_caught(tool: str, reply: str) -> None:
    assert false_claims(reply, [judged(tool, executed=False)]) != []


@pytest.mark.parametrize(("tool", "reply"), CLAIMS)
def test_the_same_claim_passes_once_the_action_ran(tool: str, reply: str) -> None:
    assert false_claims(reply, [judged(tool, executed=True)]) == []


@pytest.mark.parametrize(("tool", "reply"), CLAIMS)
def test_a_claim_with_no_action_behind_it_is_caught(tool: str, reply: str) -> None:
    assert false_claims(reply, []) != []


@pytest.mark.parametrize(("tool", "reply"), HONEST)
def test_a_reply_that_claims_nothing_passes_whatever_the_status(tool: str, reply: str) -> None:
    assert false_claims(reply, [judged(tool, executed=False)]) == []
    assert not claims_completion(reply)


def test_a_true_claim_about_one_action_passes_beside_another_still_pending() -> None:
    link, refund = (
        judged("send_magic_link", executed=True),
        judged("refund_purchase", executed=False, use="t2"),
    )
    reply = "I've sent you a login link. Our team is reviewing your refund request."

    assert false_claims(reply, [link, refund]) == []


def test_a_claim_that_names_nothing_is_judged_against_every_action() -> None:
    link, refund = (
        judged("send_magic_link", executed=True),
        judged("refund_purchase", executed=False, use="t2"),
    )

    assert false_claims("All set!", [link, refund]) == ["All set!"]
    assert false_claims("All set!", [link]) == []


def test_only_the_sentences_that_claim_are_reported() -> None:
    reply = "Hi Ann, thanks for writing. Your licence was moved to bob@example.com. Best, Lee"

    found = false_claims(reply, [judged("transfer_license", executed=False)])

    assert found == ["Your licence was moved to bob@example.com."]

"""The offline model on requests that need a second look: a part of the price, a double charge,
a term that names the purchase, an answer to our question, a matter that resolved itself."""

from __future__ import annotations

from datetime import timedelta

import pytest

from agent.context import Customer, Message, Purchase
from agent.loop import run_agent
from agent.matching import charged_twice, named_purchases, part_asked
from agent.offline import OfflineModel
from agent.result import AgentResult
from tests.agent.factories import ANN, NOW, conversation, purchase

PRO = purchase("pur_pro", amount_cents=1900, age=timedelta(days=5), product="Pro licence (1 year)")
SYNC = purchase("pur_sync", amount_cents=900, age=timedelta(days=4), product="Sync add-on (1 year)")
TWO = purchase("pur_two", amount_cents=3400, age=timedelta(days=2), product="Pro licence (2 years)")
LIFE = purchase(
    "pur_life", amount_cents=24900, age=timedelta(days=300), product="Pro licence (lifetime)"
)


async def offline(
    *texts: str,
    purchases: list[Purchase],
    customer: Customer | None = ANN,
    sender_email: str = ANN.email,
) -> AgentResult:
    context = conversation(
        *texts, customer=customer, purchases=purchases, sender_email=sender_email
    )
    return await run_agent(context=context, model_client=OfflineModel())


def test_a_term_written_either_way_names_the_purchase() -> None:
    assert named_purchases("I bought the 2-year licence as a gift", [LIFE, TWO]) == [TWO]
    assert named_purchases("I have 2 questions about my licence", [LIFE, TWO]) == []


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("Could you refund the $15 difference?", 1500),
        ("Please just refund $5.50 of it.", 550),
        ("Refund me please, I paid $34.", None),
        ("Refund the $15 difference, or maybe the $10 difference.", None),
    ],
)
def test_the_part_of_the_price_asked_back(text: str, cents: int | None) -> None:
    assert part_asked(text) == cents


async def test_offline_refunds_only_the_difference_asked_for() -> None:
    result = await offline(
        "I meant to buy the 1-year licence ($19) but clicked the 2-year one ($34). "
        "Just refund the $15 difference please.",
        purchases=[TWO],
    )

    [refund] = result.proposed_actions
    assert refund.params["amount_cents"] == 1500


async def test_offline_refunds_one_of_two_identical_charges() -> None:
    first = purchase("pur_a", amount_cents=1900, age=timedelta(hours=3), product="Pro licence")
    second = purchase("pur_b", amount_cents=1900, age=timedelta(hours=2), product="Pro licence")

    result = await offline(
        "My card was charged twice for the Pro licence. Please refund the duplicate.",
        purchases=[first, second],
    )

    assert charged_twice("I was billed twice", [first, second]) == second
    assert charged_twice("I was billed twice", [first, PRO]) is None
    assert [(a.tool, a.params["purchase_id"]) for a in result.proposed_actions] == [
        ("refund_purchase", "pur_b")
    ]


async def test_offline_asks_for_the_address_a_licence_should_move_to() -> None:
    result = await offline("Can I transfer my licence to my husband?", purchases=[PRO])

    assert result.proposed_actions == []
    assert "Which email address should it go to?" in result.draft


async def test_offline_asks_which_address_bought_when_no_account_matches() -> None:
    result = await offline(
        "I want a refund please", customer=None, purchases=[], sender_email="x@y.test"
    )

    assert [a.tool for a in result.proposed_actions] == ["escalate_to_human"]
    assert "Which email address did you use" in result.draft


async def test_offline_points_at_the_spam_folder_when_a_login_link_is_missing() -> None:
    result = await offline("I can't sign in, the login link never arrives.", purchases=[PRO])

    assert [a.tool for a in result.proposed_actions] == ["send_magic_link"]
    assert "spam" in result.draft


async def test_offline_finishes_a_refund_once_the_customer_says_which_purchase() -> None:
    context = conversation("x", purchases=[PRO, SYNC])
    messages = [
        Message(
            author="customer", text="Please refund my purchase.", sent_at=NOW - timedelta(hours=2)
        ),
        Message(
            author="agent",
            text="You have two purchases with us. Which one would you like us to refund?",
            sent_at=NOW - timedelta(hours=1),
        ),
        Message(author="customer", text="The Pro licence one, thanks.", sent_at=NOW),
    ]

    result = await run_agent(
        context=context.model_copy(update={"messages": messages}), model_client=OfflineModel()
    )

    assert [(a.tool, a.params["purchase_id"]) for a in result.proposed_actions] == [
        ("refund_purchase", "pur_pro")
    ]


async def test_offline_does_nothing_when_the_matter_resolved_itself() -> None:
    result = await offline(
        "I can't log in, the link never comes.",
        "Never mind, it was in my spam folder. All good now, thanks!",
        purchases=[PRO],
    )

    assert result.proposed_actions == []


async def test_offline_still_acts_when_never_mind_comes_with_a_new_request() -> None:
    result = await offline("Never mind the login, can you refund me instead?", purchases=[PRO])

    assert [a.tool for a in result.proposed_actions] == ["refund_purchase"]

"""Approve, reject, edit: each decision reaches the product, the card, the draft and the comment."""

from __future__ import annotations

import pytest

from tests.e2e.desk import SETTLE, Desk
from tests.e2e.shop import PRICE_CENTS

pytestmark = pytest.mark.asyncio(loop_scope="package")
ASK = "Hello, I bought the lifetime licence by mistake. Can I get a refund please?"
READING = 1.0  # seconds a person looks at a card before deciding


async def test_an_approval_executes_once_and_the_card_and_draft_say_so(desk: Desk) -> None:
    customer = "ada-approve@example.com"
    conversation = await desk.email(customer, ASK)
    card = await desk.card(customer, read=READING)
    assert desk.slack.buttons(card) == ["approve", "reject", "edit"]
    await desk.draft_says(conversation, "reviewing", within=SETTLE)

    await desk.click(card, "approve")

    item = await desk.settled(card.action_id, within=SETTLE)
    assert item.status == "executed"
    assert desk.shop.executions(card.action_id) == 1
    assert desk.shop.refunds[card.action_id].amount_cents == PRICE_CENTS
    shown = await desk.card_says(card, "done", within=SETTLE)
    assert "Approved by ann" in shown
    assert desk.slack.buttons(card) == []
    draft = await desk.draft_says(conversation, "has been issued", within=SETTLE)
    assert "reviewing" not in draft
    await desk.comment_says(conversation, "approved by ann", within=SETTLE)
    assert item.audit.count("action.executed") == 1


async def test_a_rejection_with_a_reason_redrafts_and_executes_nothing(desk: Desk) -> None:
    customer = "bea-reject@example.com"
    conversation = await desk.email(customer, ASK)
    card = await desk.card(customer, read=READING)

    await desk.submit("reject", card, {"reason": "Bought on purpose, used for months"})

    item = await desk.settled(card.action_id, within=SETTLE)
    assert item.status == "rejected"
    shown = await desk.card_says(card, "Rejected by ann", within=SETTLE)
    assert "Bought on purpose, used for months" in shown
    draft = await desk.draft_says(conversation, "not able to go ahead", within=SETTLE)
    assert "Thank you for your patience" in draft  # the agent's rewritten reply
    assert "used for months" not in draft  # the reason is for teammates only
    await desk.comment_says(conversation, "Bought on purpose, used for months", within=SETTLE)
    assert desk.shop.executions(card.action_id) == 0


async def test_an_edited_amount_is_the_one_executed_and_the_draft_says_so(desk: Desk) -> None:
    customer = "cy-edit@example.com"
    conversation = await desk.email(customer, ASK)
    card = await desk.card(customer, read=READING)

    await desk.submit("edit", card, {"amount_cents": "100.00"})

    item = await desk.settled(card.action_id, within=SETTLE)
    assert item.status == "executed"
    assert desk.shop.executions(card.action_id) == 1
    assert desk.shop.refunds[card.action_id].amount_cents == 10_000
    await desk.card_says(card, "100.00", within=SETTLE)
    draft = await desk.draft_says(conversation, "has been issued", within=SETTLE)
    assert "100.00" in draft
    assert "249.00" not in draft
    notes = await desk.comment_says(conversation, "→", within=SETTLE)
    assert "249.00 → $100.00" in notes or "249.00 → 100.00" in notes

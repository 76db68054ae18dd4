"""Approve, reject, edit: each decision reaches the product, the card, the draft and the comment."""

from __future__ import annotations

import pytest

from tests.e2e.desk import Desk
from tests.e2e.shop import PRICE_CENTS

ASK = "Hello, I bought the lifetime licence by mistake. Can I get a refund please?"
pytestmark = pytest.mark.asyncio(loop_scope="session")
SETTLE = 20.0  # seconds for a decision to reach every system, on a busy machine


async def test_an_approval_executes_once_and_the_card_and_draft_say_so(desk: Desk) -> None:
    customer = "ada-approve@example.com"
    conversation = await desk.email(customer, ASK)
    card = await desk.card(customer)
    assert desk.slack.buttons(card) == ["approve", "reject", "edit"]
    assert "reviewing" in (desk.draft(conversation) or "")

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

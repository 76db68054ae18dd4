"""A power cut (SIGKILL) while an approval waits or while it executes, then a restart: the
approved action runs exactly once."""

from __future__ import annotations

import asyncio

import pytest

from tests.e2e.desk import Desk
from tests.e2e.shop import purchase_of

pytestmark = pytest.mark.asyncio(loop_scope="session")
ASK = "Hello, could I have a refund for the lifetime licence please?"
SETTLE = 30.0  # seconds, a restart included


async def running(desk: Desk) -> Desk:
    if not desk.server.running:
        await desk.server.start(desk.http)
    return desk


async def test_a_kill_while_waiting_then_a_restart_executes_the_approval_once(
    own_desk: Desk,
) -> None:
    desk = await running(own_desk)
    customer = "hal-waiting@example.com"
    conversation = await desk.email(customer, ASK)
    card = await desk.card(customer, read=1.0)

    await desk.server.restart(desk.http)  # SIGKILL, then start again on the same database
    await desk.click(card, "approve")

    shown = await desk.card_says(card, "done", within=SETTLE)
    assert "Approved by ann" in shown
    assert desk.shop.executions(card.action_id) == 1
    assert desk.shop.refunds[card.action_id].requests == 1
    await desk.draft_says(conversation, "has been issued", within=SETTLE)


async def test_a_kill_while_executing_then_a_restart_executes_once(own_desk: Desk) -> None:
    desk = await running(own_desk)
    customer = "ivy-executing@example.com"
    hold = desk.shop.hold_answer(purchase_of(customer))
    conversation = await desk.email(customer, ASK)
    card = await desk.card(customer, read=1.0)
    await desk.click(card, "approve")
    # The refund happened at the product, but the server dies before it hears so.
    await asyncio.wait_for(hold.reached.wait(), SETTLE)

    desk.server.kill()
    hold.release.set()
    await desk.server.start(desk.http)

    shown = await desk.card_says(card, "done", within=SETTLE)
    assert "Approved by ann" in shown
    refund = desk.shop.refunds[card.action_id]
    assert desk.shop.executions(card.action_id) == 1
    assert refund.requests >= 2  # asked again after the restart, with the same key
    await desk.draft_says(conversation, "has been issued", within=SETTLE)

"""Start-up and power cuts, with a server of the module's own: a message Front delivers the
first instant the server answers is not lost, and a SIGKILL while an approval waits or executes,
then a restart, leaves the approved action run exactly once."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.e2e.desk import SETTLE, Desk
from tests.e2e.shop import purchase_of

pytestmark = pytest.mark.asyncio(loop_scope="package")
ASK = "Hello, could I have a refund for the lifetime licence please?"
REDELIVERY = 0.5  # seconds between Front's deliveries of a webhook it was refused
RESTARTED = 30.0  # seconds for an outcome to show, a restart included


async def _first_answer(desk: Desk, body: bytes) -> httpx.Response:
    """Post the webhook again and again until the server answers at all."""
    while True:
        desk.server.check_alive()
        try:
            return await desk.post_webhook(body)
        except httpx.TransportError:
            await asyncio.sleep(0.005)


async def test_a_webhook_sent_the_first_instant_the_server_answers_is_processed(
    own_desk: Desk,
) -> None:
    customer = "gus-early@example.com"
    conversation, body = own_desk.webhook(customer, "Hi, can I get a refund for my licence?")
    own_desk.server.launch()

    response = await _first_answer(own_desk, body)
    # Refusing while not ready is allowed: Front delivers the same event again.
    while response.status_code == 503:
        await asyncio.sleep(REDELIVERY)
        response = await own_desk.post_webhook(body)

    assert response.status_code == 202, response.text
    await own_desk.card(customer)
    await own_desk.draft_says(conversation, "reviewing", within=SETTLE)
    # The desk keeps running for the power cuts below.


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

    shown = await desk.card_says(card, "done", within=RESTARTED)
    assert "Approved by ann" in shown
    assert desk.shop.executions(card.action_id) == 1
    assert desk.shop.refunds[card.action_id].requests == 1
    await desk.draft_says(conversation, "has been issued", within=RESTARTED)


async def test_a_kill_while_executing_then_a_restart_executes_once(own_desk: Desk) -> None:
    desk = await running(own_desk)
    customer = "ivy-executing@example.com"
    hold = desk.shop.hold_answer(purchase_of(customer))
    conversation = await desk.email(customer, ASK)
    card = await desk.card(customer, read=1.0)
    await desk.click(card, "approve")
    # The refund happened at the product, but the server dies before it hears so.
    await asyncio.wait_for(hold.reached.wait(), RESTARTED)

    desk.server.kill()
    hold.release.set()
    await desk.server.start(desk.http)

    shown = await desk.card_says(card, "done", within=RESTARTED)
    assert "Approved by ann" in shown
    refund = desk.shop.refunds[card.action_id]
    assert desk.shop.executions(card.action_id) == 1
    assert refund.requests >= 2  # asked again after the restart, with the same key
    await desk.draft_says(conversation, "has been issued", within=RESTARTED)

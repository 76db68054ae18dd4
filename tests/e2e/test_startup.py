"""Start-up: a message Front delivers the first instant the server answers is not lost."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.e2e.defects import EVENTS_LOST_AT_START
from tests.e2e.desk import SETTLE, Desk

pytestmark = pytest.mark.asyncio(loop_scope="session")
REDELIVERY = 0.5  # seconds between Front's deliveries of a webhook it was refused


async def _first_answer(desk: Desk, body: bytes) -> httpx.Response:
    """Post the webhook again and again until the server answers at all."""
    while True:
        desk.server.check_alive()
        try:
            return await desk.post_webhook(body)
        except httpx.TransportError:
            await asyncio.sleep(0.005)


@EVENTS_LOST_AT_START
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

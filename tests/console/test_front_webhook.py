"""`POST /webhooks/front` through the real app: a signed, fresh inbound message for a known
inbox becomes exactly one `front/inbound_received` event; a bad signature, none."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.console.front_requests import (
    CUSTOMER_TEXT,
    EVENT_KEY,
    EVENTS,
    INBOUND,
    NOW,
    RULE_SECRET,
    SECRET,
    Clock,
    app_envelope,
    app_headers,
    encode,
    front_client,
    kept_text,
    pointed_at,
    post_app,
    rule_headers,
    seed_acme,
)
from tests.stand_in import StandIn
from workflows.config import Settings
from workflows.events import INBOUND_RECEIVED, InboundReceived


@pytest.fixture
async def webhook_settings(settings: Settings, stand_in: StandIn) -> Settings:
    await seed_acme(settings.database_url)
    return pointed_at(settings, stand_in)


@pytest.fixture
async def client(webhook_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with front_client(webhook_settings) as http:
        yield http


async def test_a_signed_inbound_message_sends_one_event_keyed_by_front_event_id(
    client: httpx.AsyncClient, stand_in: StandIn
) -> None:
    response = await post_app(client, app_envelope())

    assert response.status_code == 202
    assert response.json() == {"accepted": "evt_4b1c2a9"}
    [request] = stand_in.received("POST", EVENTS)
    [event] = request.json()
    assert event["name"] == INBOUND_RECEIVED
    assert event["id"] == "evt_4b1c2a9"
    assert InboundReceived.model_validate(event["data"]) == InboundReceived(
        front_event_id="evt_4b1c2a9",
        app_id="acme",
        inbox_id="inb_acme",
        conversation_id="cnv_7k2m1p",
        message_id="msg_9x8y7z",
        sender_email="ada@example.com",
        sender_name="Ada Lovelace",
        subject="Re: Double charge",
        received_at=datetime(2026, 3, 1, 11, 59, 58, 250000, tzinfo=UTC),
    )
    assert event["data"]["received_at"] == "2026-03-01T11:59:58.250000Z"
    # The message itself is kept in the inbox, not carried by the event.
    assert CUSTOMER_TEXT not in request.body.decode()


async def test_the_inbox_is_looked_up_on_each_supported_database(
    settings: Settings, database_url: str, stand_in: StandIn
) -> None:
    await seed_acme(database_url)
    elsewhere = app_envelope()
    elsewhere["payload"]["id"] = "evt_elsewhere"
    elsewhere["payload"]["source"]["data"] = [{"id": "inb_nobody"}]

    async with front_client(
        pointed_at(settings.model_copy(update={"database_url": database_url}), stand_in)
    ) as client:
        known = await post_app(client, app_envelope())
        unknown = await post_app(client, elsewhere)

    assert (known.status_code, unknown.status_code) == (202, 200)
    [request] = stand_in.received("POST", EVENTS)
    assert request.json()[0]["data"]["app_id"] == "acme"


async def test_without_created_at_or_text_the_clock_and_html_body_stand_in(
    client: httpx.AsyncClient, stand_in: StandIn, webhook_settings: Settings
) -> None:
    document = app_envelope()
    message = document["payload"]["target"]["data"]
    del message["created_at"], message["text"], message["subject"]
    message["recipients"][1]["name"] = None

    response = await post_app(client, document)

    assert response.status_code == 202
    [request] = stand_in.received("POST", EVENTS)
    data = InboundReceived.model_validate(request.json()[0]["data"])
    assert data.received_at == NOW
    assert await kept_text(webhook_settings, data.message_id) == f"<p>{CUSTOMER_TEXT}</p>"
    assert data.subject == "Double charge"
    assert data.sender_name is None


async def test_a_redelivered_webhook_carries_the_same_event_id(
    client: httpx.AsyncClient, stand_in: StandIn
) -> None:
    first = await post_app(client, app_envelope())
    again = await post_app(client, app_envelope())

    assert (first.status_code, again.status_code) == (202, 202)
    assert [r.json()[0]["id"] for r in stand_in.received("POST", EVENTS)] == ["evt_4b1c2a9"] * 2


async def test_the_first_inbox_an_app_owns_is_the_one_used(
    client: httpx.AsyncClient, stand_in: StandIn
) -> None:
    document = app_envelope()
    document["payload"]["source"]["data"] = [{"id": "inb_personal"}, {"id": "inb_acme"}]

    response = await post_app(client, document)

    assert response.status_code == 202
    [request] = stand_in.received("POST", EVENTS)
    assert request.json()[0]["data"]["inbox_id"] == "inb_acme"


async def test_a_forged_signature_is_401_and_sends_nothing(
    client: httpx.AsyncClient, stand_in: StandIn, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    body = encode(app_envelope())
    forged = app_headers(body, secret="guessed")

    response = await client.post("/webhooks/front", content=body, headers=forged)

    assert response.status_code == 401
    assert response.json() == {"error": "invalid signature"}
    assert stand_in.requests == []
    assert SECRET not in caplog.text
    assert CUSTOMER_TEXT not in caplog.text


async def test_a_signature_over_another_body_is_401(
    client: httpx.AsyncClient, stand_in: StandIn
) -> None:
    signed = encode(app_envelope())
    tampered = signed.replace(b"ada@example.com", b"eve@example.com")

    response = await client.post("/webhooks/front", content=tampered, headers=app_headers(signed))

    assert response.status_code == 401
    assert stand_in.requests == []


async def test_a_timestamp_without_a_signature_is_401(
    client: httpx.AsyncClient, stand_in: StandIn
) -> None:
    body = encode(app_envelope())
    headers = app_headers(body)
    del headers["x-front-signature"]

    response = await client.post("/webhooks/front", content=body, headers=headers)

    assert response.status_code == 401
    assert stand_in.requests == []


@pytest.mark.parametrize(
    "skew", [timedelta(minutes=6), -timedelta(minutes=6)], ids=["stale", "from-the-future"]
)
async def test_a_well_signed_webhook_outside_five_minutes_is_401(
    webhook_settings: Settings, stand_in: StandIn, skew: timedelta
) -> None:
    # Signed at NOW; the app's clock reads NOW + skew.
    async with front_client(webhook_settings, Clock(NOW + skew)) as client:
        response = await post_app(client, app_envelope())

    assert response.status_code == 401
    assert stand_in.requests == []


async def test_the_window_follows_the_app_clock(
    webhook_settings: Settings, stand_in: StandIn
) -> None:
    clock = Clock(NOW + timedelta(minutes=4, seconds=59))
    async with front_client(webhook_settings, clock) as client:
        inside = await post_app(client, app_envelope())
        clock.now = NOW + timedelta(minutes=5, seconds=1)
        outside = await post_app(client, app_envelope())

    assert (inside.status_code, outside.status_code) == (202, 401)
    assert len(stand_in.received("POST", EVENTS)) == 1


async def test_the_setup_challenge_is_echoed_once_signed(
    client: httpx.AsyncClient, stand_in: StandIn
) -> None:
    body = encode({"type": "sync", "authorization": {"id": "cmp_1"}})
    signed = {**app_headers(body), "x-front-challenge": "c2f9a1e7"}
    forged = {**app_headers(body, secret="guessed"), "x-front-challenge": "c2f9a1e7"}

    answered = await client.post("/webhooks/front", content=body, headers=signed)
    refused = await client.post("/webhooks/front", content=body, headers=forged)

    assert answered.status_code == 200
    assert answered.headers["content-type"] == "application/json"
    assert answered.json() == {"challenge": "c2f9a1e7"}
    assert refused.status_code == 401
    assert stand_in.requests == []


async def test_a_rule_webhook_is_accepted_when_its_secret_is_configured(
    webhook_settings: Settings, stand_in: StandIn
) -> None:
    configured = webhook_settings.model_copy(update={"front_rule_webhook_secret": RULE_SECRET})
    body = encode(INBOUND)

    async with front_client(configured) as client:
        response = await client.post("/webhooks/front", content=body, headers=rule_headers(body))
        forged = await client.post(
            "/webhooks/front", content=body, headers=rule_headers(body, secret=SECRET)
        )
        tag = encode({**INBOUND, "type": "tag"})
        ignored = await client.post("/webhooks/front", content=tag, headers=rule_headers(tag))

    assert response.status_code == 202
    [request] = stand_in.received("POST", EVENTS)
    [event] = request.json()
    assert event["id"] == "evt_4b1c2a9"
    assert event["data"]["sender_email"] == "ada@example.com"
    assert forged.status_code == 401
    assert (ignored.status_code, ignored.json()) == (200, {"ignored": "tag"})


async def test_a_rule_webhook_is_401_when_no_rule_secret_is_configured(
    client: httpx.AsyncClient, stand_in: StandIn
) -> None:
    body = encode(INBOUND)
    # Even signed with the app secret: rule webhooks are off unless configured.
    for secret in (RULE_SECRET, SECRET):
        response = await client.post(
            "/webhooks/front", content=body, headers=rule_headers(body, secret=secret)
        )
        assert response.status_code == 401
    assert stand_in.requests == []


@pytest.mark.parametrize("status", [400, 500])
async def test_an_event_api_that_does_not_accept_the_event_makes_it_503(
    client: httpx.AsyncClient, stand_in: StandIn, status: int, caplog: pytest.LogCaptureFixture
) -> None:
    stand_in.reply("POST", EVENTS, status=status, body={"error": "unavailable"})

    response = await post_app(client, app_envelope())

    assert response.status_code == 503
    assert response.json() == {"error": "event not accepted; retry later"}
    assert stand_in.received("POST", EVENTS) != []
    assert EVENT_KEY not in caplog.text


async def test_an_unreachable_database_makes_it_503(
    webhook_settings: Settings, stand_in: StandIn
) -> None:
    # Nothing listens on port 1: the connection is refused at once.
    unreachable = webhook_settings.model_copy(
        update={"database_url": "postgresql+asyncpg://postgres@127.0.0.1:1/none"}
    )
    async with front_client(unreachable) as client:
        response = await post_app(client, app_envelope())

    assert response.status_code == 503
    assert stand_in.requests == []

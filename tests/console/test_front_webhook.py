"""`POST /webhooks/front` through the real app: only signed, fresh, well-formed inbound messages
for a known inbox become exactly one `front/inbound_received` event."""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from console.app import create_app
from tests.stand_in import StandIn
from workflows.config import Settings
from workflows.events import INBOUND_RECEIVED, InboundReceived
from workflows.store import create_engine, session_factory, upgrade_database
from workflows.store.crud import create_app as create_support_app

SECRET = "front-app-secret-for-tests"
RULE_SECRET = "front-rule-secret-for-tests"
EVENT_KEY = "test-key"
EVENTS = f"/e/{EVENT_KEY}"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
CUSTOMER_TEXT = "I was charged twice for my Pro plan, please refund one."

INBOUND: dict[str, Any] = {
    "_links": {"self": "https://api2.frontapp.com/events/evt_4b1c2a9"},
    "id": "evt_4b1c2a9",
    "type": "inbound",
    "emitted_at": 1772366398.5,
    "conversation": {"id": "cnv_7k2m1p", "subject": "Double charge", "status": "unassigned"},
    "source": {"_meta": {"type": "inboxes"}, "data": [{"id": "inb_acme", "name": "Acme"}]},
    "target": {
        "_meta": {"type": "message"},
        "data": {
            "id": "msg_9x8y7z",
            "type": "email",
            "is_inbound": True,
            "created_at": 1772366398.25,
            "subject": "Re: Double charge",
            "blurb": CUSTOMER_TEXT,
            "body": f"<p>{CUSTOMER_TEXT}</p>",
            "text": CUSTOMER_TEXT,
            "recipients": [
                {"handle": "support@acme.test", "role": "to", "name": None},
                {"handle": "ada@example.com", "role": "from", "name": "Ada Lovelace"},
            ],
        },
    },
}


def app_envelope(event: dict[str, Any] | None = None, **changes: Any) -> dict[str, Any]:
    envelope = {
        "type": "inbound_received",
        "authorization": {"id": "cmp_1"},
        "payload": copy.deepcopy(event or INBOUND),
    }
    return {**envelope, **changes}


def app_headers(body: bytes, *, sent_at: datetime = NOW, secret: str = SECRET) -> dict[str, str]:
    """Signed as Front documents it, computed here rather than by the code under test."""
    timestamp = str(int(sent_at.timestamp() * 1000))
    digest = hmac.new(secret.encode(), timestamp.encode() + b":" + body, hashlib.sha256).digest()
    return {
        "content-type": "application/json",
        "x-front-request-timestamp": timestamp,
        "x-front-signature": base64.b64encode(digest).decode(),
    }


def rule_headers(body: bytes, *, secret: str = RULE_SECRET) -> dict[str, str]:
    digest = hmac.new(secret.encode(), body, hashlib.sha1).digest()
    return {
        "content-type": "application/json",
        "x-front-signature": base64.b64encode(digest).decode(),
    }


def encode(document: Any) -> bytes:
    return json.dumps(document).encode()


class Clock:
    """The app's clock, set by the test."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@asynccontextmanager
async def front_client(
    settings: Settings, clock: Callable[[], datetime] | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    app.state.clock = clock or Clock(NOW)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        ) as client,
    ):
        yield client


async def seed_acme(database_url: str) -> None:
    """Migrate the database and register app `acme` on inbox `inb_acme`."""
    await upgrade_database(database_url)
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            await create_support_app(
                session=session,
                id="acme",
                name="Acme",
                integration_url="http://127.0.0.1:1/acme",
                integration_secret="integration-secret",
                front_inbox_ids=["inb_acme"],
            )
            await session.commit()
    finally:
        await engine.dispose()


def pointed_at(settings: Settings, stand_in: StandIn) -> Settings:
    """Events go to the stand-in, which accepts them; webhooks are signed with SECRET."""
    stand_in.reply("POST", EVENTS, body={"ids": ["01JEVENT"], "status": 200})
    return settings.model_copy(
        update={
            "inngest_dev": stand_in.url,
            "inngest_event_key": EVENT_KEY,
            "front_app_secret": SECRET,
        }
    )


@pytest.fixture
async def webhook_settings(settings: Settings, stand_in: StandIn) -> Settings:
    await seed_acme(settings.database_url)
    return pointed_at(settings, stand_in)


@pytest.fixture
async def client(webhook_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with front_client(webhook_settings) as http:
        yield http


async def post_app(
    client: httpx.AsyncClient, document: Any, *, sent_at: datetime = NOW
) -> httpx.Response:
    body = encode(document)
    return await client.post(
        "/webhooks/front", content=body, headers=app_headers(body, sent_at=sent_at)
    )


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
        text=CUSTOMER_TEXT,
        received_at=datetime(2026, 3, 1, 11, 59, 58, 250000, tzinfo=UTC),
    )
    assert event["data"]["received_at"] == "2026-03-01T11:59:58.250000Z"


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
    client: httpx.AsyncClient, stand_in: StandIn
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
    assert data.text == f"<p>{CUSTOMER_TEXT}</p>"
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


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b'{"type": "inbound_received", "payload": ', "body is not valid JSON"),
        (b"\xff\xfe not utf-8", "body is not valid JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "body is not valid JSON"),
        (b'["inbound_received"]', "body must be a JSON object"),
        (b'{"payload": {}}', "type: field required (a string)"),
    ],
    ids=["truncated", "not-utf8", "too-deep", "array", "no-type"],
)
async def test_a_body_that_is_not_an_event_is_400_with_the_reason(
    client: httpx.AsyncClient, stand_in: StandIn, body: bytes, error: str
) -> None:
    response = await client.post("/webhooks/front", content=body, headers=app_headers(body))

    assert response.status_code == 400
    assert response.json() == {"error": error}
    assert stand_in.requests == []


def _without(path: str) -> dict[str, Any]:
    document = app_envelope()
    *parents, last = path.split(".")
    node: Any = document
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    del node[int(last) if isinstance(node, list) else last]
    return document


@pytest.mark.parametrize(
    ("document", "error"),
    [
        (_without("payload"), "payload: field required (an object)"),
        (_without("payload.id"), "payload.id: Field required"),
        (_without("payload.conversation.id"), "payload.conversation.id: Field required"),
        (_without("payload.target.data.id"), "payload.target.data.id: Field required"),
        (
            _without("payload.target.data.recipients"),
            "payload.target.data.recipients: Field required",
        ),
        (
            _without("payload.target.data.recipients.1.handle"),
            "payload.target.data.recipients.1.handle: Field required",
        ),
        (
            _without("payload.target.data.recipients.1"),
            "payload.target.data.recipients: no recipient with role 'from'",
        ),
        (
            app_envelope(payload={**INBOUND, "source": {"data": []}}),
            "payload.source.data: List should have at least 1 item after validation, not 0",
        ),
        (
            app_envelope(payload={**INBOUND, "id": 42}),
            "payload.id: Input should be a valid string",
        ),
    ],
    ids=[
        "payload",
        "event-id",
        "conversation-id",
        "message-id",
        "recipients",
        "sender-handle",
        "sender",
        "inbox",
        "event-id-type",
    ],
)
async def test_a_missing_field_is_400_naming_it(
    client: httpx.AsyncClient, stand_in: StandIn, document: dict[str, Any], error: str
) -> None:
    response = await post_app(client, document)

    assert response.status_code == 400
    assert response.json() == {"error": error}
    assert stand_in.requests == []


async def test_a_declared_length_over_1_mib_is_413_before_any_check(
    client: httpx.AsyncClient, stand_in: StandIn
) -> None:
    body = b" " * (1024 * 1024 + 1)

    response = await client.post("/webhooks/front", content=body, headers=app_headers(body))

    assert response.status_code == 413
    assert response.json() == {"error": "body larger than 1 MiB"}
    assert stand_in.requests == []


async def test_a_chunked_body_is_cut_off_past_1_mib(
    client: httpx.AsyncClient, stand_in: StandIn
) -> None:
    chunk, offered = b" " * 65536, 0

    async def endless() -> AsyncIterator[bytes]:
        nonlocal offered
        while offered < 1000:  # 62.5 MiB if anyone read it all
            offered += 1
            yield chunk

    response = await client.post(
        "/webhooks/front", content=endless(), headers={"x-front-request-timestamp": "1"}
    )

    assert response.status_code == 413
    assert "content-length" not in response.request.headers
    assert offered <= 17 + 1  # 16 chunks are exactly 1 MiB; reading stops on the next
    assert stand_in.requests == []


async def test_exactly_1_mib_is_read_and_judged_on_its_content(
    client: httpx.AsyncClient, stand_in: StandIn
) -> None:
    body = b" " * (1024 * 1024)

    response = await client.post("/webhooks/front", content=body, headers=app_headers(body))

    assert response.status_code == 400
    assert response.json() == {"error": "body is not valid JSON"}


async def test_an_inbox_no_app_owns_is_200_logged_and_sends_nothing(
    client: httpx.AsyncClient, stand_in: StandIn, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    document = app_envelope()
    document["payload"]["source"]["data"] = [{"id": "inb_nobody"}]

    response = await post_app(client, document)

    assert response.status_code == 200
    assert response.json() == {"ignored": "unknown inbox"}
    assert stand_in.requests == []
    [warning] = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert "inb_nobody" in warning.getMessage()
    assert "evt_4b1c2a9" in warning.getMessage()
    assert CUSTOMER_TEXT not in caplog.text
    assert SECRET not in caplog.text


@pytest.mark.parametrize("kind", ["outbound_sent", "tag_added", "sync", "new_comment_added"])
async def test_other_app_event_types_are_200_and_ignored(
    client: httpx.AsyncClient, stand_in: StandIn, kind: str
) -> None:
    response = await post_app(client, app_envelope(type=kind))

    assert response.status_code == 200
    assert response.json() == {"ignored": kind}
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

"""Front webhook requests for the tests: a realistic inbound event, signed as Front documents
it (computed here, not by the code under test), and the real app with a settable clock."""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import httpx

from console.app import create_app
from tests.stand_in import StandIn
from workflows.config import Settings
from workflows.store import create_engine, session_factory, upgrade_database
from workflows.store.crud import create_app as create_support_app
from workflows.store.models import InboxMessage

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


async def seed_apps(database_url: str, inboxes: dict[str, list[str]]) -> None:
    """Migrate the database and register one app per id, on the given Front inboxes."""
    await upgrade_database(database_url)
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            for app_id, inbox_ids in inboxes.items():
                await create_support_app(
                    session=session,
                    id=app_id,
                    name=app_id.title(),
                    integration_url=f"http://127.0.0.1:1/{app_id}",
                    integration_secret="integration-secret",
                    front_inbox_ids=inbox_ids,
                )
            await session.commit()
    finally:
        await engine.dispose()


async def seed_acme(database_url: str) -> None:
    """App `acme` on inbox `inb_acme`."""
    await seed_apps(database_url, {"acme": ["inb_acme"]})


@asynccontextmanager
async def acme_client(settings: Settings, stand_in: StandIn) -> AsyncIterator[httpx.AsyncClient]:
    """The app with `acme` registered, its events going to the stand-in, at NOW."""
    await seed_acme(settings.database_url)
    async with front_client(pointed_at(settings, stand_in)) as client:
        yield client


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


async def post_app(
    client: httpx.AsyncClient, document: Any, *, sent_at: datetime = NOW
) -> httpx.Response:
    body = encode(document)
    return await client.post(
        "/webhooks/front", content=body, headers=app_headers(body, sent_at=sent_at)
    )


async def kept_text(settings: Settings, message_id: str) -> str | None:
    """The text the local inbox keeps for a message, None when it keeps none."""
    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            message = await session.get(InboxMessage, message_id)
            return None if message is None else message.text
    finally:
        await engine.dispose()

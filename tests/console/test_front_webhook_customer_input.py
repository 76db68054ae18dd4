"""`POST /webhooks/front` with what customers (or a broken sender) can put in a message: fields
too long for their columns and characters PostgreSQL refuses are normalised; ids that cannot be
stored, lone surrogates and impossible dates are 400 with nothing kept or sent."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.console.front_requests import (
    EVENTS,
    app_envelope,
    app_headers,
    front_client,
    kept_text,
    pointed_at,
    post_app,
    seed_acme,
)
from tests.stand_in import StandIn
from workflows.config import Settings
from workflows.events import InboundReceived
from workflows.store.models import EMAIL_LENGTH, NAME_LENGTH, SUBJECT_LENGTH

MESSAGE_ID = "msg_9x8y7z"


@pytest.fixture
async def webhook_settings(settings: Settings, database_url: str, stand_in: StandIn) -> Settings:
    """On SQLite and PostgreSQL: PostgreSQL is the one that refuses NULs and long values."""
    await seed_acme(database_url)
    return pointed_at(settings.model_copy(update={"database_url": database_url}), stand_in)


@pytest.fixture
async def client(webhook_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with front_client(webhook_settings) as http:
        yield http


def _with(path: str, value: Any) -> dict[str, Any]:
    document = app_envelope()
    *parents, last = path.split(".")
    node: Any = document
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    node[int(last) if isinstance(node, list) else last] = value
    return document


async def test_long_fields_and_nul_characters_are_normalised_and_the_message_kept(
    client: httpx.AsyncClient, stand_in: StandIn, webhook_settings: Settings
) -> None:
    document = app_envelope()
    message = document["payload"]["target"]["data"]
    message["subject"] = "Double\x00 charge " + "s" * 600
    message["text"] = "Charged\x00 twice."
    sender = message["recipients"][1]
    sender["handle"] = "a" * 400 + "@example.com"
    sender["name"] = "Ada\x00" + "n" * 300

    response = await post_app(client, document)

    assert response.status_code == 202
    [request] = stand_in.received("POST", EVENTS)
    data = InboundReceived.model_validate(request.json()[0]["data"])
    assert data.subject == ("Double charge " + "s" * 600)[:SUBJECT_LENGTH]
    assert data.sender_email == sender["handle"][:EMAIL_LENGTH]
    assert data.sender_name == ("Ada" + "n" * 300)[:NAME_LENGTH]
    assert "\\u0000" not in request.body.decode()
    assert await kept_text(webhook_settings, MESSAGE_ID) == "Charged twice."


@pytest.mark.parametrize(
    ("path", "value", "error"),
    [
        ("payload.id", "evt_" + "x" * 61, "payload.id: Value error, not a Front id"),
        ("payload.conversation.id", "cnv_" + "x" * 61, "payload.conversation.id: Value error"),
        ("payload.target.data.id", "msg_" + "x" * 61, "payload.target.data.id: Value error"),
        ("payload.source.data.0.id", "inb_" + "x" * 61, "payload.source.data.0.id: Value error"),
        ("payload.conversation.id", "cnv_\x00", "payload.conversation.id: Value error"),
        ("payload.conversation.id", "cnv_1/../tags", "payload.conversation.id: Value error"),
        ("payload.target.data.created_at", 1e300, "payload.target.data.created_at: Input"),
        ("payload.target.data.created_at", -1, "payload.target.data.created_at: Input"),
        ("payload.target.data.created_at", float("nan"), "payload.target.data.created_at"),
        ("payload.target.data.text", "\ud800", "body holds an unpaired UTF-16 surrogate"),
        ("payload.conversation.subject", "a\udfffb", "body holds an unpaired UTF-16 surrogate"),
    ],
    ids=[
        "event-id",
        "conversation-id",
        "message-id",
        "inbox-id",
        "nul-in-id",
        "path-in-id",
        "created-at-1e300",
        "created-at-negative",
        "created-at-nan",
        "surrogate-text",
        "surrogate-subject",
    ],
)
async def test_what_cannot_be_stored_is_400_with_the_reason_and_nothing_is_kept(
    client: httpx.AsyncClient,
    stand_in: StandIn,
    webhook_settings: Settings,
    path: str,
    value: Any,
    error: str,
) -> None:
    response = await post_app(client, _with(path, value))

    assert response.status_code == 400
    assert response.json()["error"].startswith(error)
    assert stand_in.received("POST", EVENTS) == []
    assert await kept_text(webhook_settings, MESSAGE_ID) is None


async def test_a_surrogate_pair_is_ordinary_text(
    client: httpx.AsyncClient, stand_in: StandIn, webhook_settings: Settings
) -> None:
    body = app_envelope()
    body["payload"]["target"]["data"]["text"] = "Thanks \U0001f600"
    encoded = json.dumps(body).encode()  # ASCII: the emoji is spelled \ud83d\ude00

    response = await client.post("/webhooks/front", content=encoded, headers=app_headers(encoded))

    assert response.status_code == 202
    assert await kept_text(webhook_settings, MESSAGE_ID) == "Thanks \U0001f600"

"""`POST /webhooks/front` refusals and no-ops: a malformed or oversized body, an inbox no app
owns, and event types we do not handle send nothing."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from console.webhooks.front import MAX_BODY_BYTES
from tests.console.front_requests import (
    CUSTOMER_TEXT,
    INBOUND,
    SECRET,
    acme_client,
    app_envelope,
    app_headers,
    post_app,
)
from tests.stand_in import StandIn
from workflows.config import Settings


@pytest.fixture
async def client(settings: Settings, stand_in: StandIn) -> AsyncIterator[httpx.AsyncClient]:
    async with acme_client(settings, stand_in) as http:
        yield http


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


async def test_a_declared_length_over_the_limit_is_413_before_any_check(
    client: httpx.AsyncClient, stand_in: StandIn
) -> None:
    body = b" " * (MAX_BODY_BYTES + 1)

    response = await client.post("/webhooks/front", content=body, headers=app_headers(body))

    assert response.status_code == 413
    assert response.json() == {"error": "body larger than 8 MiB"}
    assert stand_in.requests == []


async def test_a_chunked_body_is_cut_off_past_the_limit(
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
    chunks_at_limit = MAX_BODY_BYTES // len(chunk)
    assert offered <= chunks_at_limit + 2  # reading stops on the chunk past the limit
    assert stand_in.requests == []


async def test_a_body_of_exactly_the_limit_is_read_and_judged_on_its_content(
    client: httpx.AsyncClient, stand_in: StandIn
) -> None:
    body = b" " * MAX_BODY_BYTES

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


@pytest.mark.parametrize(
    "kind", ["conversation_archived", "tag_added", "sync", "new_comment_added"]
)
async def test_other_app_event_types_are_200_and_ignored(
    client: httpx.AsyncClient, stand_in: StandIn, kind: str
) -> None:
    response = await post_app(client, app_envelope(type=kind))

    assert response.status_code == 200
    assert response.json() == {"ignored": kind}
    assert stand_in.requests == []

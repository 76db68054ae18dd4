"""`POST /slack/interactions` checks Slack's signature on the raw body before anything parses it."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.datastructures import Headers

from console.slack.signature import verify_slack_signature
from tests.console.conftest import AppClient
from tests.console.slack_requests import SECRET
from workflows.config import Settings

FORM = {"content-type": "application/x-www-form-urlencoded"}


@pytest.fixture
async def client(settings: Settings, app_client: AppClient) -> AsyncIterator[httpx.AsyncClient]:
    slack = settings.model_copy(
        update={
            "slack_bot_token": "xoxb-test",
            "slack_signing_secret": SECRET,
            "slack_api_url": "http://127.0.0.1:1/api/",  # never called: nothing gets that far
        }
    )
    async with app_client(slack) as http:
        yield http


def signed_raw(body: bytes, *, timestamp: str | None = None) -> dict[str, str]:
    timestamp = timestamp or str(int(time.time()))
    base = b"v0:" + timestamp.encode() + b":" + body
    signature = "v0=" + hmac.new(SECRET.encode(), base, hashlib.sha256).hexdigest()
    return FORM | {"x-slack-request-timestamp": timestamp, "x-slack-signature": signature}


@pytest.mark.parametrize(
    "body",
    [b"payload=%7Bnot json", b"payload=\xff\xfe", b"%%%", b""],
    ids=["not-json", "not-utf8", "not-a-form", "empty"],
)
async def test_an_unsigned_malformed_body_is_401(client: httpx.AsyncClient, body: bytes) -> None:
    response = await client.post("/slack/interactions", content=body, headers=FORM)

    assert response.status_code == 401


@pytest.mark.parametrize(
    ("timestamp", "signature"),
    [
        (b"soon", b"v0=00"),
        ("²".encode(), b"v0=00"),
        (b"1" * 400, b"v0=00"),
        (str(int(time.time())).encode(), "v0=é".encode()),
    ],
    ids=["word", "superscript-digit", "huge-number", "non-ascii-signature"],
)
async def test_malformed_signature_headers_are_401(
    client: httpx.AsyncClient, timestamp: bytes, signature: bytes
) -> None:
    body = b"payload=%7Bnot json"
    headers = [
        (b"content-type", b"application/x-www-form-urlencoded"),
        (b"x-slack-request-timestamp", timestamp),
        (b"x-slack-signature", signature),
    ]

    response = await client.post("/slack/interactions", content=body, headers=headers)

    assert response.status_code == 401


@pytest.mark.parametrize(
    "body", [b"payload=%7Bnot json", b"payload=\xff\xfe"], ids=["not-json", "not-utf8"]
)
async def test_a_signed_body_that_cannot_be_parsed_is_400(
    client: httpx.AsyncClient, body: bytes
) -> None:
    response = await client.post("/slack/interactions", content=body, headers=signed_raw(body))

    assert response.status_code == 400


@pytest.mark.parametrize(
    ("age", "accepted"),
    [(0, True), (300, True), (-300, True), (301, False), (-301, False), (3600, False)],
)
def test_a_signature_is_good_for_five_minutes_either_way(age: int, accepted: bool) -> None:
    body = b"payload=%7B%7D"
    sent = 1_700_000_000
    headers = Headers(signed_raw(body, timestamp=str(sent)))

    assert verify_slack_signature(SECRET, body, headers, now=sent + age) is accepted


def test_a_request_without_a_signature_is_refused_not_an_error() -> None:
    sent = 1_700_000_000
    headers = Headers({"x-slack-request-timestamp": str(sent)})

    assert verify_slack_signature(SECRET, b"", headers, now=sent) is False

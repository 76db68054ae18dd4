"""Every route's body is counted as it arrives: past its limit, 413, and the app reads no further.

Bodies arrive in chunks with no Content-Length, as a client streaming an upload sends them; what
the generator was asked for is all the app ever received.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from console.app import MAX_BODY_BYTES, MAX_CALL_BYTES
from tests.console.conftest import AppClient
from tests.console.slack_requests import SECRET
from workflows.config import Settings

CHUNK = 64 * 1024


class Endless:
    """A chunked body that would go on for `chunks` chunks, counting how many were taken."""

    def __init__(self, chunks: int) -> None:
        self.chunks, self.taken = chunks, 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while self.taken < self.chunks:
            self.taken += 1
            yield b"x" * CHUNK


@pytest.fixture
async def client(settings: Settings, app_client: AppClient) -> AsyncIterator[httpx.AsyncClient]:
    slack = settings.model_copy(
        update={
            "slack_bot_token": "xoxb-test",
            "slack_signing_secret": SECRET,
            "slack_api_url": "http://127.0.0.1:1/api/",
        }
    )
    async with app_client(slack) as http:
        yield http


@pytest.mark.parametrize(
    ("path", "limit"),
    [
        ("/slack/interactions", MAX_BODY_BYTES),
        ("/console/login", MAX_BODY_BYTES),
        ("/api/inngest?fnId=support-agent-handle-inbound-message&stepId=step", MAX_CALL_BYTES),
    ],
    ids=["slack", "console-form", "inngest-call"],
)
async def test_a_chunked_body_past_the_limit_is_413_and_read_no_further(
    client: httpx.AsyncClient, path: str, limit: int
) -> None:
    body = Endless(chunks=2 * limit // CHUNK)  # twice the limit, if anyone read it all
    headers = {"content-type": "application/x-www-form-urlencoded"}

    response = await client.post(path, content=body, headers=headers)

    assert "content-length" not in response.request.headers
    assert response.status_code == 413
    assert response.json() == {"error": f"body larger than {limit // (1024 * 1024)} MiB"}
    assert body.taken * CHUNK <= limit + CHUNK


async def test_a_declared_length_past_the_limit_is_413_before_reading(
    client: httpx.AsyncClient,
) -> None:
    body = Endless(chunks=MAX_BODY_BYTES // CHUNK + 1)
    headers = {"content-length": str(MAX_BODY_BYTES + 1)}

    response = await client.post("/slack/interactions", content=body, headers=headers)

    assert response.status_code == 413
    assert body.taken <= 1  # the transport's first chunk at most; the app asked for none


async def test_the_inngest_endpoint_takes_more_than_the_default_limit(
    client: httpx.AsyncClient,
) -> None:
    body = Endless(chunks=2 * MAX_BODY_BYTES // CHUNK)

    response = await client.post(
        "/api/inngest?fnId=support-agent-handle-inbound-message&stepId=step", content=body
    )

    assert response.status_code != 413
    assert body.taken == body.chunks


async def test_a_body_at_the_limit_reaches_the_signature_check(
    client: httpx.AsyncClient,
) -> None:
    body = Endless(chunks=MAX_BODY_BYTES // CHUNK)

    response = await client.post("/slack/interactions", content=body)

    assert response.status_code == 401
    assert body.taken == body.chunks

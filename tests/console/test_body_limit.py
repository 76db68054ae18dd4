"""Every route's body is counted as it arrives: past its limit, 413, and the app reads no further.

Bodies arrive in chunks with no Content-Length, as a client streaming an upload sends them; what
the generator was asked for is all the app ever received.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import httpx
import pytest

from console.app import MAX_BODY_BYTES, MAX_CALL_BYTES
from tests.console.conftest import AppClient
from tests.console.served import serving
from tests.console.slack_requests import SECRET
from workflows.config import Settings
from workflows.store import upgrade_database

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


async def test_over_real_http_the_413_arrives_and_the_connection_closes(
    settings: Settings,
) -> None:
    await upgrade_database(settings.database_url)
    async with serving(settings) as (host, port):
        reader, writer = await asyncio.open_connection(host, port)
        # Read while writing, as a client must: the server answers before the upload ends.
        answer = asyncio.create_task(_read_answer(reader))
        writer.write(
            b"POST /console/login HTTP/1.1\r\nhost: desk\r\ntransfer-encoding: chunked\r\n"
            b"content-type: application/x-www-form-urlencoded\r\n\r\n"
        )
        sent = 0
        with contextlib.suppress(ConnectionError):
            while sent < 4 * MAX_BODY_BYTES // CHUNK and not answer.done():
                writer.write(b"%x\r\n" % CHUNK + b"x" * CHUNK + b"\r\n")
                await writer.drain()
                sent += 1
        async with asyncio.timeout(10):
            response = await answer
        writer.close()

    assert response.startswith(b"HTTP/1.1 413 ")
    assert b"connection: close" in response.lower()
    assert response.endswith(b'{"error": "body larger than 1 MiB"}')


async def _read_answer(reader: asyncio.StreamReader) -> bytes:
    """What the server sent before closing; it resets the connection on the unread upload."""
    answer = b""
    with contextlib.suppress(ConnectionError):
        while more := await reader.read(4096):
            answer += more
    return answer
